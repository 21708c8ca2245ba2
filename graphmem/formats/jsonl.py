"""JSONL chat messages: one JSON object per line (see :mod:`graphmem.formats._records` for the fields)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

from graphmem.errors import EmptyInputError, IngestError
from graphmem.formats._names import ascii_namespace_from
from graphmem.formats._records import Located, records_to_sessions
from graphmem.formats._source import MAX_JSON_LINE_CHARS, DuplicateKeyError, Source, loads_json, namespace_from
from graphmem.transcript import RawSession, Transcript

__all__ = ["prefix_sessions", "read_jsonl", "read_records"]


def prefix_sessions(sessions: Sequence[RawSession], prefix: str) -> tuple[RawSession, ...]:
    """Prefix session ids with ``prefix/`` so conversations sharing one namespace never collide."""
    return tuple(
        RawSession(f"{prefix}/{s.id}", s.index, s.turns, started_at=s.started_at, date_text=s.date_text)
        for s in sessions
    )


def read_jsonl(
    source: Source,
    namespace: str | None = None,
    *,
    name: str = "",
    tag: str | None = None,
    participants: Mapping[str, str] | None = None,
    zone: tzinfo | None = None,
) -> list[Transcript]:
    """Read a JSONL file of messages into one transcript.

    Blank lines are ignored. The namespace is ``namespace`` or one made from ``name`` (the file stem).
    Session ids are prefixed with ``tag/`` when a tag is given, else with ``name/`` under an explicit
    namespace, so inputs sharing a namespace never overwrite each other's sessions. ``zone``: the reading
    memory's clock, which groups and orders the messages (see :func:`records_to_sessions`).

    Raises:
        IngestError: a line is not a JSON object or a record lacks a field; names the line.
    """
    items = []
    for number, line in enumerate(source.lines(MAX_JSON_LINE_CHARS), 1):
        if not line.strip():
            continue
        try:
            obj = loads_json(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=source.path, line=number) from exc
        except RecursionError as exc:
            raise IngestError("malformed JSON: nested too deeply", path=source.path, line=number) from exc
        except DuplicateKeyError as exc:
            raise IngestError(f"{exc} (JSON would keep only the last)", path=source.path, line=number) from exc
        items.append(Located(obj, line=number))
    if not items:
        raise EmptyInputError("empty file", path=source.path)
    empty: list[Located] = []
    sessions = records_to_sessions(items, path=source.path, speaker_names=participants, empty=empty, zone=zone)
    if tag or namespace:
        sessions = prefix_sessions(sessions, tag or ascii_namespace_from(name, "input"))
    ns = namespace or namespace_from(name)
    return [Transcript(ns, sessions, source_file=source.key, format="jsonl", empty_left_out=len(empty))]


def read_records(
    records: Sequence[Any], *, namespace: str, key: str, path: str = "<records>", zone: tzinfo | None = None
) -> Transcript:
    """Turn in-memory message dicts (shaped like JSONL lines) into one transcript.

    Args:
        records: the message dicts.
        namespace: where they go.
        key: a short tag (e.g. a content hash) prefixed to session ids unless the records name their own
            sessions, so successive calls never overwrite each other's sessions.
        path: the name used in error messages.
        zone: the reading memory's clock, which groups and orders the records (see :func:`records_to_sessions`).

    Raises:
        IngestError: a record is malformed; names its index as a JSON path (``$[3]``).
    """
    items = [Located(rec, json_path=f"$[{i}]") for i, rec in enumerate(records)]
    if not items:
        raise IngestError("no records given", path=path)
    sessions = records_to_sessions(items, path=path, zone=zone)
    labelled = any(isinstance(r, dict) and ("session" in r or "session_id" in r) for r in records)
    if not labelled:
        sessions = prefix_sessions(sessions, key)
    return Transcript(namespace, sessions, source_file=None, format="records")
