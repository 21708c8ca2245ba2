"""Input formats: turn transcript files into :class:`~graphmem.transcript.Transcript` objects.

Five formats, detected from the content (and the extension) unless named:

- ``locomo``: LoCoMo JSON, a list of samples or one sample; each sample becomes its own namespace.
- ``jsonl``: one message object per line (``speaker``/``role``, ``text``/``content``, optional
  ``timestamp``, ``session``, ``id``).
- ``text``: ``Name: utterance`` lines with optional session header lines carrying a date.
- ``chat``: a chat export ``{"messages": [{"role", "content", ...}]}`` (or a bare list of messages).
- ``whatsapp``: a WhatsApp "Export chat" text file (Android ``12/03/2024, 19:00 - Ana: hi`` or iOS
  ``[12/03/2024, 19:00:00] Ana: hi`` lines).

Bad input (empty, binary, not UTF-8, malformed JSON, missing fields, absurdly long lines, unknown
layout) raises :class:`~graphmem.errors.IngestError` naming the file and the line (and, in a JSON
document, the JSON path as well).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path

from graphmem.date_order import decide_order, reading_order
from graphmem.errors import IngestError
from graphmem.formats._names import UsedNames
from graphmem.formats._records import looks_like_record
from graphmem.formats._source import (
    MAX_FILE_BYTES,
    MAX_JSON_LINE_CHARS,
    MAX_LINE_CHARS,
    MAX_TURN_CHARS,
    Source,
    load_source,
    namespace_from,
    source_from_bytes,
    source_key,
    source_tag,
)
from graphmem.formats.chat import looks_like_chat, read_chat
from graphmem.formats.jsonl import read_jsonl, read_records
from graphmem.formats.locomo import looks_like_locomo, read_locomo
from graphmem.formats.text import first_unread_line, looks_like_text, read_text
from graphmem.formats.whatsapp import looks_like_whatsapp, read_whatsapp
from graphmem.models import validate_namespace
from graphmem.transcript import Transcript

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "MAX_JSON_LINE_CHARS",
    "MAX_LINE_CHARS",
    "MAX_TURN_CHARS",
    "PARTICIPANT_FORMATS",
    "READER_VERSION",
    "Source",
    "UsedNames",
    "detect_format",
    "load_source",
    "namespace_from",
    "read_records",
    "read_source",
    "read_transcripts",
    "sniff_format",
    "source_from_bytes",
    "source_key",
    "source_tag",
]

#: The format names accepted by ``format=`` and ``--format``.
FORMATS = ("locomo", "jsonl", "text", "chat", "whatsapp")
#: The formats whose messages take ``participants`` (``ingest --participant``); the others name their speakers.
PARTICIPANT_FORMATS = frozenset({"jsonl", "chat"})
#: Bumped when a reader changes what it produces, so ingestion re-reads unchanged files.
READER_VERSION = "3"

_JSONL_SUFFIXES = (".jsonl", ".ndjson")


def sniff_format(source: Source) -> str:
    """Decide the format of an already loaded input from its content and extension.

    Raises:
        IngestError: the content fits no format (malformed JSON names its line).
    """
    if source.suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if source.text.lstrip()[:1] in ("[", "{"):
        try:
            doc = source.json()
        except IngestError:
            first = next(line for line in source.text_lines() if line.strip())
            try:
                if isinstance(json.loads(first), dict):
                    return "jsonl"
            except (json.JSONDecodeError, RecursionError):
                pass
            if source.suffix != ".json" and looks_like_whatsapp(source):
                return "whatsapp"  # an iOS export's lines start with "[date, time]"
            if source.suffix != ".json" and looks_like_text(source):
                return "text"
            raise
        if looks_like_locomo(doc):
            return "locomo"
        if looks_like_chat(doc):
            return "chat"
        if looks_like_record(doc):
            return "jsonl"
        raise IngestError(
            "unknown JSON layout: expected LoCoMo samples, a chat export with 'messages', or message objects",
            path=source.path,
            json_path="$",
        )
    if source.suffix == ".json":
        source.json()  # raises the malformed-JSON error with its line
    source.lines()  # a line too long is named as such, whatever the layout would have been
    if looks_like_whatsapp(source):
        return "whatsapp"
    if looks_like_text(source):
        return "text"
    line = first_unread_line(source)
    found = f"; the line reads as none of them: {source.text_lines()[line - 1].strip()[:60]!r}" if line else ""
    raise IngestError(
        "unknown format: not LoCoMo JSON, JSONL messages, a chat export, a WhatsApp export "
        f"or a 'Name: text' transcript{found}",
        path=source.path,
        line=line,
    )


def detect_format(path: str | os.PathLike[str]) -> str:
    """Return the format of the file at ``path``: one of :data:`FORMATS`.

    Raises:
        IngestError: the file is unreadable or bad (see :func:`load_source`) or fits no format.
    """
    return sniff_format(load_source(path))


def read_source(
    source: Source,
    *,
    format: str | None = None,
    namespace: str | None = None,
    tagged: bool = False,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> list[Transcript]:
    """Read a loaded input into transcripts (see :func:`read_transcripts`).

    ``participants`` maps a speaker or role of JSONL and chat messages (``user``) to a name (``Dana``), as
    :meth:`graphmem.memory.Memory.add` does; over a chat export's own ``participants``. Other formats name
    their speakers and ignore it.

    With ``tagged``, session ids carry the input's :func:`source_tag` (``chat-1f2e3d4c/session_1``):
    ingestion asks for that when the plain ids are taken by another input in the same namespace.
    LoCoMo samples with a ``sample_id`` keep their ids.

    ``zone`` is the clock of the memory that reads the input: JSONL and chat messages are grouped into
    sessions and ordered by their times on it (a date alone, ``"2024-03-05"``, is that day on its calendar),
    as messages added live are. The times read stay as given (a date alone a
    :class:`~graphmem.dates.CalendarDay`; :func:`graphmem.extract.clocks.days_on_clock` resolves it).
    """
    if namespace is not None:
        validate_namespace(namespace)
    try:
        return _read(source, format, namespace, tagged, participants, zone)
    except IngestError as exc:  # a fault in a JSON document: its line beside its JSON path
        line = source.json_index().line(exc.json_path) if exc.line is None and exc.json_path else None
        if line is None:
            raise
        raise IngestError(exc.reason, path=exc.path, line=line, json_path=exc.json_path) from exc


def _read(
    source: Source,
    format: str | None,
    namespace: str | None,
    tagged: bool,
    names: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> list[Transcript]:
    fmt = format or sniff_format(source)
    if fmt in ("jsonl", "text", "chat"):  # LoCoMo writes its dates in words; WhatsApp decides its own
        day_first = decide_order(source.text_lines(), path=source.path)
        with reading_order(day_first):
            read = _read_format(source, fmt, namespace, tagged, names, zone)
        return [replace(t, day_first=day_first) for t in read] if day_first is not None else read
    return _read_format(source, fmt, namespace, tagged, names, zone)


def _read_format(
    source: Source,
    fmt: str,
    namespace: str | None,
    tagged: bool,
    names: Mapping[str, str] | None,
    zone: tzinfo | None = None,
) -> list[Transcript]:
    name = Path(source.path).stem
    tag = source_tag(source.key, name) if tagged else None
    if fmt == "locomo":
        return read_locomo(source, namespace, tag=tag)
    if fmt == "jsonl":
        return read_jsonl(source, namespace, name=name, tag=tag, participants=names, zone=zone)
    if fmt == "text":
        return read_text(source, namespace, name=name, tag=tag)
    if fmt == "chat":
        return read_chat(source, namespace, name=name, tag=tag, participants=names, zone=zone)
    if fmt == "whatsapp":
        return read_whatsapp(source, namespace, name=name, tag=tag)
    raise IngestError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", path=source.path)


def read_transcripts(
    path: str | os.PathLike[str], *, format: str | None = None, namespace: str | None = None
) -> list[Transcript]:
    """Read the transcript file at ``path``.

    Args:
        path: the input file.
        format: one of :data:`FORMATS`; detected from the content when ``None``.
        namespace: put every conversation of the file here. By default a LoCoMo sample goes to its
            ``sample_id`` and other files to a namespace named after the file stem. With an explicit
            namespace, session ids are prefixed with the conversation's name (``conv-26/session_1``,
            ``chat/session_1``) so several inputs can share it. Every transcript's ``source_file`` is
            the file's absolute path (:func:`source_key`).

    Returns:
        One transcript per conversation in the file (several for a LoCoMo list).

    Raises:
        IngestError: the file is unreadable or malformed; names the file and the line (and, in a JSON
            document, the JSON path).
        ConfigError: ``namespace`` is not a legal namespace.
    """
    return read_source(load_source(path), format=format, namespace=namespace)
