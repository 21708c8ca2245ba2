"""Chat exports: ``{"messages": [{"role": ..., "content": ...}, ...]}`` or a bare list of messages.

An optional ``participants`` object maps roles to display names (``{"user": "Dana"}``). Message fields
are those of :mod:`graphmem.formats._records`; ``system`` and tool messages are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import tzinfo
from typing import Any

from graphmem.errors import IngestError
from graphmem.formats._names import ascii_namespace_from
from graphmem.formats._records import Located, looks_like_record, records_to_sessions
from graphmem.formats._source import Source, namespace_from
from graphmem.formats.jsonl import prefix_sessions
from graphmem.transcript import Transcript

__all__ = ["looks_like_chat", "read_chat"]


def looks_like_chat(doc: Any) -> bool:
    """Whether a parsed JSON document is a chat export or a list of message records."""
    if isinstance(doc, dict):
        return isinstance(doc.get("messages"), list)
    return isinstance(doc, list) and bool(doc) and looks_like_record(doc[0])


def read_chat(
    source: Source,
    namespace: str | None = None,
    *,
    name: str = "",
    tag: str | None = None,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> list[Transcript]:
    """Read a chat export into one transcript.

    Session ids are prefixed as :func:`~graphmem.formats.jsonl.read_jsonl` does. ``participants`` (the
    caller's role names, ``ingest --participant``) go over the export's own ``participants`` object.

    Raises:
        IngestError: the document has no ``messages`` list or a message is malformed (JSON path).
    """
    doc = source.json()
    given: Mapping[str, str] = participants or {}  # not copied: a reader's map may note the names used
    names: dict[str, str] = {}
    if isinstance(doc, dict):
        messages = doc.get("messages")
        if not isinstance(messages, list):
            raise IngestError("missing field 'messages' (a list)", path=source.path, json_path="$")
        base = "$.messages"
        own = doc.get("participants", {})
        if not isinstance(own, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in own.items()):
            raise IngestError("'participants' must map roles to names", path=source.path, json_path="$.participants")
        names = {k: v.strip() for k, v in own.items() if v.strip()}
    elif isinstance(doc, list):
        messages, base = doc, "$"
    else:
        raise IngestError("expected an object with 'messages'", path=source.path, json_path="$")
    if not messages:
        raise IngestError("the chat holds no messages", path=source.path, json_path=base)
    items = [Located(m, json_path=f"{base}[{i}]") for i, m in enumerate(messages)]
    empty: list[Located] = []
    line_of = source.json_index().line
    sessions = records_to_sessions(
        items, path=source.path, speaker_names=_Over(given, names), line_of=line_of, empty=empty, zone=zone
    )
    if tag or namespace:
        sessions = prefix_sessions(sessions, tag or ascii_namespace_from(name, "input"))
    ns = namespace or namespace_from(name)
    return [Transcript(ns, sessions, source_file=source.key, format="chat", empty_left_out=len(empty))]


class _Over(Mapping[str, str]):
    """The caller's names (``top``) over the export's own (``base``), looked up in ``top`` first and not
    copied, so a map noting the names a reader uses (:class:`~graphmem.formats._names.UsedNames`) sees
    only the lookups it answers."""

    __slots__ = ("base", "top")

    def __init__(self, top: Mapping[str, str], base: Mapping[str, str]) -> None:
        self.top, self.base = top, base

    def __getitem__(self, key: str) -> str:
        return self.top[key] if key in self.top else self.base[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self.base), **dict.fromkeys(self.top)})

    def __len__(self) -> int:
        return len({*self.base, *self.top})
