"""LoCoMo JSON: a list of conversation samples (or one sample).

Each sample has ``sample_id`` and ``conversation`` with ``speaker_a``/``speaker_b``, ``session_N`` turn
lists and ``session_N_date_time`` strings (``"1:56 pm on 8 May, 2023"``). Sessions come from the
``session_N`` keys, not the date keys (some samples carry date keys for sessions that do not exist).
A session date that does not parse is kept as text, and an :class:`~graphmem.errors.IngestWarning` names
its line and JSON path.
Turns carry ``speaker``, ``text``, ``dia_id`` and, for shared images, ``blip_caption``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from graphmem.errors import IngestError
from graphmem.formats._names import Spellings, ascii_namespace_from
from graphmem.formats._source import (
    Source,
    check_turn_text,
    clean_speaker,
    json_type,
    namespace_from,
    parse_date_text,
    warn_input,
)
from graphmem.transcript import RawSession, RawTurn, Transcript

__all__ = ["looks_like_locomo", "read_locomo"]

_SESSION_KEY = re.compile(r"^session_(\d+)$")


def looks_like_locomo(doc: Any) -> bool:
    """Whether a parsed JSON document is shaped like LoCoMo (a sample or a list of samples)."""
    first = doc[0] if isinstance(doc, list) and doc else doc
    return isinstance(first, dict) and isinstance(first.get("conversation"), dict)


def read_locomo(source: Source, namespace: str | None = None, *, tag: str | None = None) -> list[Transcript]:
    """Read every sample of a LoCoMo document.

    Each sample becomes a transcript in the namespace of its ``sample_id``. When ``namespace`` is given,
    every sample goes there and session ids are prefixed with the sample id so samples never collide.
    A sample without ``sample_id`` is named after the file stem (``<stem>-<n>`` when the file holds
    several samples). Session ids are prefixed with ``tag`` when one is given (the file's sessions
    would otherwise take ids another file wrote into the same namespace), ``sample_id`` or not.

    Raises:
        IngestError: the document is not LoCoMo-shaped or a sample lacks a field; names the JSON path.
    """
    doc = source.json()
    samples, prefix = (doc, "$") if isinstance(doc, list) else ([doc], "")
    if not samples:
        raise IngestError("the LoCoMo list holds no samples", path=source.path, json_path="$")
    out = []
    for i, sample in enumerate(samples):
        where = f"$[{i}]" if prefix else "$"
        suffix = f"-{i + 1}" if len(samples) > 1 else ""
        out.append(_read_sample(source, sample, where, namespace, suffix, tag))
    return out


def _fail(source: Source, message: str, json_path: str) -> IngestError:
    return IngestError(message, path=source.path, json_path=json_path)


def _read_sample(
    source: Source, sample: Any, where: str, namespace: str | None, suffix: str, tag: str | None
) -> Transcript:
    if not isinstance(sample, dict):
        raise _fail(source, f"expected a sample object, found {json_type(sample)}", where)
    conv = sample.get("conversation")
    if not isinstance(conv, dict):
        raise _fail(source, "missing field 'conversation' (an object)", where)
    sample_id = sample.get("sample_id")
    if sample_id is not None and not isinstance(sample_id, str | int):
        raise _fail(source, "field 'sample_id' must be a string", f"{where}.sample_id")
    if sample_id is not None:
        name = str(sample_id)
        # a tag (another file already holds these session ids) keeps two files apart even when their
        # sample_id coincides (an edited copy at another path)
        session_prefix = "/".join(p for p in (tag, name if namespace else None) if p) or None
    else:
        stem = Path(source.path).stem
        name = namespace_from(stem) + suffix
        # session ids keep the ASCII spelling they had before namespaces took any script (ids stay stable)
        session_prefix = f"{tag}{suffix}" if tag else (ascii_namespace_from(stem) + suffix if namespace else None)
    keys = sorted(((int(m.group(1)), k) for k in conv if (m := _SESSION_KEY.match(k))), key=lambda nk: nk[0])
    if not keys:
        raise _fail(source, "the conversation has no 'session_N' turn lists", f"{where}.conversation")
    _check_numbers(source, where, [n for n, _ in keys])
    sessions = []
    spellings = Spellings()
    for index, (n, key) in enumerate(keys):
        turns_doc = conv[key]
        spath = f"{where}.conversation.{key}"
        if not isinstance(turns_doc, list):
            raise _fail(source, f"expected a list of turns, found {json_type(turns_doc)}", spath)
        turns = tuple(_read_turn(source, t, f"{spath}[{j}]", spellings) for j, t in enumerate(turns_doc))
        _check_ids(source, turns)
        date_text = conv.get(f"{key}_date_time")
        if date_text is not None and not isinstance(date_text, str):
            raise _fail(source, "the session date must be a string", f"{spath}_date_time")
        started = parse_date_text(date_text) if date_text else None
        if date_text and started is None:
            where_date = f"{spath}_date_time"
            warn_input(
                f"session date {date_text!r} does not parse: its turns are kept without a date",
                path=source.path,
                line=source.json_index().line(where_date),
                json_path=where_date,
                lines=source.text_lines(),
            )
        session_id = f"{session_prefix}/session_{n}" if session_prefix else f"session_{n}"
        sessions.append(RawSession(session_id, index, turns, started_at=started, date_text=date_text))
    ns = namespace or namespace_from(name)
    return Transcript(ns, tuple(sessions), source_file=source.key, format="locomo")


def _session_members(source: Source, where: str) -> list[tuple[int, str, int]]:
    """The ``session_N`` members of the conversation at ``where`` as written, duplicates included:
    ``(N, key, offset)`` in the order of the text (a parsed object keeps only the last of equal keys)."""
    text = source.text
    pos = source.json_index().start(f"{where}.conversation")
    if pos is None or text[pos] != "{":
        return []
    decoder = json.JSONDecoder()
    out = []
    pos = _space(text, pos + 1)
    while pos < len(text) and text[pos] == '"':
        key, after = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
        after = _space(text, after)
        if text[after : after + 1] != ":":
            break
        if m := _SESSION_KEY.match(key):
            out.append((int(m.group(1)), key, pos))
        _, end = decoder.raw_decode(text, _space(text, after + 1))
        pos = _space(text, end)
        if text[pos : pos + 1] != ",":
            break
        pos = _space(text, pos + 1)
    return out


def _space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _check_numbers(source: Source, where: str, numbers: list[int]) -> None:
    """Refuse a conversation that spells one session number twice (``session_3`` and ``session_03``; one
    key given twice is refused by :func:`~graphmem.formats._source.loads_json`, as JSON would keep only the
    last of two equal keys).

    Raises:
        IngestError: names the second place and the line of the first.
    """
    if len(set(numbers)) == len(numbers):
        return
    first: dict[int, tuple[str, int]] = {}
    for n, key, offset in _session_members(source, where):
        if n in first:
            other, at = first[n]
            line = source.text.count("\n", 0, offset) + 1
            first_line = source.text.count("\n", 0, at) + 1
            raise IngestError(
                f"session {n} is given twice in one conversation ({other!r} at line {first_line}, then {key!r}): "
                "give each session its own number",
                path=source.path,
                line=line,
                json_path=f"{where}.conversation.{key}",
            )
        first[n] = (key, offset)


def _check_ids(source: Source, turns: tuple[RawTurn, ...]) -> None:
    """Refuse a ``dia_id`` given twice in one session with another speaker, text or caption (as a JSONL
    file's ``id`` is refused); names both places."""
    given: dict[str, RawTurn] = {}
    for turn in turns:
        if turn.source_id is None:
            continue
        first = given.setdefault(turn.source_id, turn)
        if first is not turn and (first.speaker, first.text, first.caption) != (turn.speaker, turn.text, turn.caption):
            line = source.json_index().line(str(first.json_path))
            at = f"line {line} ({first.json_path})" if line is not None else str(first.json_path)
            raise IngestError(
                f"message id {turn.source_id!r} was already given at {at} with another speaker or text",
                path=source.path,
                json_path=turn.json_path,
            )


def _read_turn(source: Source, turn: Any, where: str, spellings: Spellings) -> RawTurn:
    if not isinstance(turn, dict):
        raise _fail(source, f"expected a turn object, found {json_type(turn)}", where)
    for name in ("speaker", "text"):
        if name not in turn:
            raise _fail(source, f"missing field {name!r}", where)
        if not isinstance(turn[name], str):
            raise _fail(source, f"field {name!r} must be a string", f"{where}.{name}")
    speaker = clean_speaker(turn["speaker"])
    if not speaker:
        raise _fail(source, "empty speaker", f"{where}.speaker")
    speaker, other = spellings.take(given := speaker)
    if other:
        at = f"{where}.speaker"
        warn_input(Spellings.note(given, speaker), path=source.path, line=source.json_index().line(at), json_path=at)
    text = check_turn_text(turn["text"], path=source.path, json_path=f"{where}.text")
    dia_id = turn.get("dia_id")
    if dia_id is not None and not isinstance(dia_id, str):
        raise _fail(source, "field 'dia_id' must be a string", f"{where}.dia_id")
    caption = turn.get("blip_caption")
    if caption is not None:
        if not isinstance(caption, str):
            raise _fail(source, "field 'blip_caption' must be a string", f"{where}.blip_caption")
        caption = check_turn_text(caption, path=source.path, json_path=f"{where}.blip_caption") or None
    if not text and not caption:
        raise _fail(source, "turn has neither text nor an image caption", f"{where}.text")
    return RawTurn(speaker, text, source_id=dia_id, json_path=where, caption=caption)
