"""Plain-text transcripts: ``Name: utterance`` lines grouped by optional session headers.

A session header is a Markdown heading (``## Session 2 — 14 March 2024``), a ``Session N ...`` line or a
rule with text (``--- 14 March 2024 ---``); a date in it becomes the session's start time (kept as text
when it does not parse). A bare rule (``---``, ``***``, ``___``, ``- - -``) is a separator: after turns
it starts a new (undated) session, under a header or atop the file it changes nothing. A turn may start
with a time in brackets (``[10:32] Ana: hi``, ``[10.32]``, or a full ``[2024-03-14 10:32]``; a bare clock time takes
the header date and its offset, if any) and may carry an image as ``[image: a photo of ...]``. A line
that is neither a header nor a turn continues the turn before it. Markdown turns read too: a list item
(``- Zoë: hi``) or a speaker in bold (``**Zoë:** hi``, ``**Zoë**: hi``) is a turn atop the file, under
a header or after such turns; right under a plain turn a list item continues it (``- step 1: pack``).
A bare clock time more than 12 hours before the previous one in its session is on the next day (a
session running past midnight: ``[23:50]`` then ``[00:10]``). A bare clock time in a session with no
date that parses is not kept: an :class:`~graphmem.errors.IngestWarning` names its line, once per
session. A speaker spelled as one before but for case takes the first spelling, with a warning. A
header date that names a year (1900 to 2099) or a month and day but does not parse (``31 February
2024``) is warned about at the header's line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from graphmem.date_order import ordered, the_order
from graphmem.dates import CalendarDay
from graphmem.errors import IngestError
from graphmem.formats._names import Spellings, ascii_namespace_from
from graphmem.formats._source import (
    EARLIEST,
    INVISIBLE,
    LATEST,
    MAX_TURN_CHARS,
    Source,
    check_turn_text,
    clean_speaker,
    looks_dated,
    naive_utc,
    namespace_from,
    parse_date_text,
    warn_input,
)
from graphmem.formats.jsonl import prefix_sessions
from graphmem.transcript import RawSession, RawTurn, Transcript

__all__ = ["first_unread_line", "looks_like_text", "read_text"]

_HEADING = re.compile(r"^#{1,6}\s*(?P<body>.*?)\s*#*$")
_SESSION_LINE = re.compile(r"^\[?\s*session\s+\d+\b.*$", re.IGNORECASE)
_RULE = re.compile(r"^(?:[-=*~]{3,})\s*(?P<body>.*?)\s*(?:[-=*~]{3,})?$")
#: A Markdown thematic break (``---``, ``***``, ``___``, ``- - -``) or a plain rule (``===``, ``~~~``).
_BARE_RULE = re.compile(r"^([-*_=~])(?:[ \t]*\1){2,}$")
_SESSION_NUMBER = re.compile(r"^\[?\s*session\s+(?P<n>\d+)\b[\s:,—–-]*(?P<rest>.*?)\]?$", re.IGNORECASE)
_NAME = r"[^\W\d_][\w.'’ -]{0,47}?"
_TURN = re.compile(
    r"^(?:\[(?P<time>[^\]]{1,40})\]\s*)?"
    rf"(?:\[\s*(?P<bracketed>{_NAME})\s*\]|<\s*(?P<angled>{_NAME})\s*>|(?P<speaker>{_NAME}))"
    r"\s*(?P<colon>:)(?:\s+(?P<text>.*)|\s*)$"
)
_IMAGE = re.compile(r"\[(?:image|photo|picture)\s*:\s*(?P<caption>[^\]]+)\]", re.IGNORECASE)
# a bare clock time: "10:32", "10:32:05", "7:05 pm", and with dots as British usage writes it: "14.05", "14.35.30"
# (three dotted numbers that are a date in the input's order are that date: "12.05.24", :func:`_dotted_date`)
_CLOCK = re.compile(
    r"^(?P<h>\d{1,2})(?P<sep>[:.])(?P<m>\d{2})(?:(?P=sep)(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?$", re.IGNORECASE
)


#: How much of a line format detection reads.
_SNIFF_CHARS = 4096
_LIST_ITEM = re.compile(r"^(?:[-*•–]|\d{1,3}[.)])\s")
#: A Markdown list marker before a turn (``- Zoë: hi``, ``* Zoë: hi``, ``1. Zoë: hi``).
_LIST_MARK = re.compile(r"^(?:[-*+•–]|\d{1,3}[.)])\s+")
#: A speaker in bold (``**Zoë:** hi``, ``**Zoë**: hi``, ``__Zoë:__ hi``), after an optional ``[time]``.
_BOLD_SPEAKER = re.compile(
    r"^(?P<time>\[[^\]]{1,40}\]\s*)?(?P<mark>\*\*|__)\s*(?P<speaker>[^*_:\n]{1,48}?)\s*"
    r"(?::\s*(?P=mark)|(?P=mark)\s*:)\s*(?P<text>.*)$"
)


def _speaker_ok(name: str) -> bool:
    return len(name.split()) <= 4 and "://" not in name


@dataclass(frozen=True, slots=True)
class _TurnLine:
    time: str | None
    speaker: str
    text: str


def _turn_line(line: str) -> _TurnLine | None:
    """``line`` (stripped) read as a turn, or ``None``.

    The speaker is matched on the line in NFC without invisible marks, so a name typed decomposed
    (``Toma\u0301s``) or carrying a zero-width space or a direction mark is a name, and ``[Tom]:`` or
    ``<Tom>:`` names Tom. The text is the line's own, after the colon that ends the name.
    """
    probe = INVISIBLE.sub("", line)
    if not probe.isascii():
        probe = unicodedata.normalize("NFC", probe)
    m = _TURN.match(probe)
    if m is None:
        return None
    speaker = clean_speaker(m.group("bracketed") or m.group("angled") or m.group("speaker"))
    if not speaker or not _speaker_ok(speaker):
        return None
    if probe == line:
        text = m.group("text") or ""
    else:  # the same colon in the line as it is: removing marks and composing letters keeps every ":"
        at = -1
        for _ in range(probe.count(":", 0, m.start("colon")) + 1):
            at = line.index(":", at + 1)
        text = line[at + 1 :].strip()
    return _TurnLine(m.group("time"), speaker, text)


def _marked_turn(line: str) -> _TurnLine | None:
    """``line`` (stripped) read as a turn in a Markdown layout, or ``None``: a list item (``- Zoë: hi``) or a
    speaker in bold (``**Zoë:** hi``), or both (``- **Zoë**: hi``).

    Such a line is a turn where no plain turn precedes it (atop the file, under a header, or after such
    turns); right under a plain turn a list item continues it (``- step 1: pack``), as it always did.
    """
    rest, marked = line, False
    if m := _LIST_MARK.match(rest):
        rest, marked = rest[m.end() :], True
    if m := _BOLD_SPEAKER.match(rest):
        rest, marked = f"{m.group('time') or ''}{m.group('speaker')}: {m.group('text')}", True
    return _turn_line(rest) if marked else None


def first_unread_line(source: Source) -> int | None:
    """The number of the first line that reads as neither a header, a turn, nor a continuation of one (what
    format detection names when an input fits no format), or ``None``."""
    return _sniff(source)[2]


def _header(line: str) -> str | None:
    """The text of a session header line, or ``None`` when the line is not a header.

    A bare rule (``---``, ``***``, ``___``, ``- - -``) is a header with no text: a separator.
    """
    if _BARE_RULE.match(line):
        return ""
    if m := _HEADING.match(line):
        return m.group("body")
    if _SESSION_LINE.match(line):
        return line.strip("[] ")
    if m := _RULE.match(line):
        return m.group("body")
    return None


def looks_like_text(source: Source) -> bool:
    """Whether the first lines read as a ``Name: text`` transcript (most lines are turns or headers).

    A long line is judged by its start (a turn of 5,000 characters is still a turn), and a line that is
    indented or starts a list item (``- step 1``, ``2. pack``) directly under a turn (or under such lines
    of it; blank lines between do not matter) continues it rather than counting against the transcript.
    Anywhere else such a line counts against it, as in source code or a traceback.
    """
    turns, other, _ = _sniff(source)
    return turns > 0 and turns >= other


def _sniff(source: Source, *, lines: int = 200, enough: int = 40) -> tuple[int, int, int | None]:
    """``(turns, other lines, the first other line's number)`` among the first lines (see :func:`looks_like_text`)."""
    turns = other = 0
    first: int | None = None
    in_turn = False  # the last line that was not blank was a turn or a continuation of one
    marked = False  # ... and that turn was a Markdown one (a list item or a bold speaker)
    for number, line in enumerate(source.text_lines()[:lines], 1):
        stripped = line.strip()[:_SNIFF_CHARS]
        if not stripped:
            continue
        if _header(stripped) is not None:
            in_turn = marked = False
            continue
        if _turn_line(stripped) is not None:
            turns += 1
            in_turn, marked = True, False
        elif (not in_turn or marked) and _marked_turn(stripped) is not None:
            turns += 1
            in_turn = marked = True
        elif in_turn and (line[:1] in (" ", "\t") or _LIST_ITEM.match(stripped)):
            continue  # a continuation the reader joins to the turn before it
        else:
            other += 1
            first = number if first is None else first
            in_turn = marked = False
        if turns + other >= enough:
            break
    return turns, other, first


@dataclass(slots=True)
class _Pending:
    speaker: str
    text: str
    line: int
    when: datetime | None
    marked: bool = False  # a Markdown turn (a list item or a bold speaker): a list item under it is a turn


@dataclass(slots=True)
class _Builder:
    number: int | None
    date_text: str | None
    started_at: datetime | None
    line: int | None = None
    turns: list[RawTurn] = field(default_factory=list)
    warned: bool = False
    days: int = 0  # days past the header's date that bare clock times have rolled over (past midnight)
    last_clock: datetime | None = None  # the time the last bare clock time was read as


#: A bare clock time more than this before the previous one in its session is on the next day (23:50, 00:10).
_ROLLOVER = timedelta(hours=12)


def _turn_time(raw: str, builder: _Builder, *, path: str, line: int) -> datetime | None:
    """The time of a turn's ``[stamp]``: a full date and time as written, or a bare clock time on its
    session's date (``None`` without one).

    A session that runs past midnight writes clock times that go back (``[23:50]`` then ``[00:10]``); of
    the two readings of a clock time, the same day or the next, the one nearer the previous clock time is
    taken, so one more than 12 hours before it is on the next day (and so are those after it).
    """
    m = _CLOCK.match(raw.strip())
    if m is not None and m.group("sep") == "." and m.group("s") is not None:
        dated = _dotted_date(raw)  # "[12.05.24]" is 12 May 2024 where the input writes the day first
        if dated is not None:
            return dated
    if m is not None:
        hour, minute, second = int(m.group("h")), int(m.group("m")), int(m.group("s") or 0)
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59 or second > 59:
            raise IngestError(f"not a time of day: [{raw}]", path=path, line=line)
        day = builder.started_at
        if day is None:
            return None
        when = datetime.combine(day.date(), time(hour, minute, second), tzinfo=day.tzinfo)
        when += timedelta(days=builder.days)
        if builder.last_clock is not None and when < builder.last_clock - _ROLLOVER:
            builder.days += 1
            when += timedelta(days=1)
        builder.last_clock = when
        return when
    parsed = parse_date_text(raw)
    if parsed is None:
        raise IngestError(f"not a time: [{raw}]", path=path, line=line)
    return parsed


def _dotted_date(raw: str) -> datetime | None:
    """The date three dotted numbers (``12.05.24``) write in the input's order of numeric dates
    (:mod:`graphmem.date_order`; month/day where nothing decides, as its warning says), or ``None`` when they
    write none in it (``14.35.30``, a clock)."""
    dated = parse_date_text(raw)
    if dated is None and the_order() is None:
        dated = parse_date_text(ordered(raw, False))
    return dated


# English names whatever the locale (calendar.month_name follows LC_TIME)
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
)  # fmt: skip
_MONTHS = (
    {name: n for n, name in enumerate(_MONTH_NAMES, 1)}
    | {name[:3]: n for n, name in enumerate(_MONTH_NAMES, 1)}
    | {"sept": 9}
)
_MONTH_YEAR = re.compile(r"^(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})$")


def parse_month_year(text: str) -> datetime | None:
    """The first day of the month a session header names by its month and year and nothing else ("March 2023",
    "--- May 2022 ---", "Sept. 2021"), or ``None``: a session dated only so starts when its month does
    (:func:`~graphmem.formats._source.parse_date_text` wants a day, and the header would be a bad date)."""
    m = _MONTH_YEAR.match(text.strip())
    month = _MONTHS.get(m.group("month").lower()) if m is not None else None
    if m is None or month is None:
        return None
    start = CalendarDay(int(m.group("year")), month, 1)  # a day named alone: the memory's calendar reads it
    return start if EARLIEST <= start < LATEST else None


def _new_session(header: str, line: int | None = None) -> _Builder:
    m = _SESSION_NUMBER.match(header)
    rest = m.group("rest") if m else header
    date_text = rest.strip(" ,;:()—–-") or None
    started = (parse_date_text(date_text) or parse_month_year(date_text)) if date_text else None
    return _Builder(int(m.group("n")) if m else None, date_text, started, line)


def _warn_undated(builder: _Builder, stamp: str, *, source: Source, line: int) -> None:
    """Say (once per session) that a bare clock time is dropped because its session has no date."""
    if builder.warned:
        return
    builder.warned = True
    if builder.date_text is not None:
        why = f"the session header at line {builder.line} has no date that parses ({builder.date_text!r})"
    else:
        why = "its session has no date (give one in its header, e.g. '## Session 1 — 14 March 2024')"
    warn_input(
        f"[{stamp}] is a time of day but {why}; the clock times of this session are not kept",
        path=source.path,
        line=line,
        lines=source.lines(),
    )


def _warn_bad_date(builder: _Builder, *, source: Source) -> None:
    """Say that a header's date (a year or a month and day, see ``looks_dated``) does not parse; its clock
    times then go unmentioned."""
    if builder.started_at is None and builder.date_text is not None and looks_dated(builder.date_text):
        builder.warned = True
        warn_input(
            f"session date {builder.date_text!r} does not parse: its turns are kept without a date or time "
            "(write it as 14 March 2024 or 2024-03-14)",
            path=source.path,
            line=builder.line,
            lines=source.lines(),
        )


def _session_ids(builders: list[_Builder]) -> list[str]:
    """``session_N`` from the header's own number when unique, else from the position."""
    used: set[str] = set()
    ids = []
    for position, b in enumerate(builders, 1):
        sid = f"session_{b.number}" if b.number is not None else ""
        if not sid or sid in used:
            sid = f"session_{position}"
            while sid in used:
                sid += "b"
        used.add(sid)
        ids.append(sid)
    return ids


def read_text(
    source: Source, namespace: str | None = None, *, name: str = "", tag: str | None = None
) -> list[Transcript]:
    """Read a plain-text transcript into one transcript.

    Session ids are prefixed as :func:`~graphmem.formats.jsonl.read_jsonl` does.

    Raises:
        IngestError: a line is neither a header nor a turn and no turn precedes it, a turn is empty, or a
            bracketed time does not parse; names the line.

    Warns:
        IngestWarning: a bare clock time (``[10:32]``) in a session with no date, which is not kept.
    """
    builders: list[_Builder] = []
    pending: _Pending | None = None
    spellings = Spellings()

    def flush() -> None:
        nonlocal pending
        if pending is None:
            return
        captions = [m.group("caption").strip() for m in _IMAGE.finditer(pending.text)]
        text = " ".join(_IMAGE.sub(" ", pending.text).split())
        text = check_turn_text(text, path=source.path, line=pending.line)
        caption = "; ".join(captions) or None
        if not text and not caption:
            raise IngestError(f"empty turn for speaker {pending.speaker!r}", path=source.path, line=pending.line)
        builders[-1].turns.append(
            RawTurn(pending.speaker, text, line=pending.line, timestamp=pending.when, caption=caption)
        )
        pending = None

    for number, raw_line in enumerate(source.lines(), 1):
        line = raw_line.strip()
        if not line:
            continue
        header = _header(line)
        if header is not None:
            if not header and (pending is None and (not builders or not builders[-1].turns)):
                continue  # a bare rule under a header (or atop the file) separates nothing: the header holds
            flush()
            builders.append(_new_session(header, number))
            _warn_bad_date(builders[-1], source=source)
            continue
        turn = _turn_line(line)
        marked = turn is None and (pending is None or pending.marked)
        if marked:
            turn = _marked_turn(line)
        if turn is not None:
            flush()
            if not builders:
                builders.append(_new_session(""))
            stamp = turn.time
            when = _turn_time(stamp, builders[-1], path=source.path, line=number) if stamp else None
            if stamp and when is None:
                _warn_undated(builders[-1], stamp, source=source, line=number)
            speaker, other = spellings.take(turn.speaker)
            if other:
                warn_input(Spellings.note(turn.speaker, speaker), path=source.path, line=number, lines=source.lines())
            pending = _Pending(speaker, turn.text, number, when, marked)
            continue
        if pending is None:
            raise IngestError(
                f"expected 'Name: text' or a session header, found {line[:60]!r}", path=source.path, line=number
            )
        pending.text = f"{pending.text} {line}".strip()
        if len(pending.text) > 2 * MAX_TURN_CHARS:
            check_turn_text(pending.text, path=source.path, line=pending.line)
    flush()
    kept = [b for b in builders if b.turns]
    if not kept:
        raise IngestError("no dialogue turns found", path=source.path)
    sessions = tuple(
        RawSession(sid, i, tuple(b.turns), started_at=_start(b), date_text=b.date_text)
        for i, (sid, b) in enumerate(zip(_session_ids(kept), kept, strict=True))
    )
    if tag or namespace:
        sessions = prefix_sessions(sessions, tag or ascii_namespace_from(name, "input"))
    ns = namespace or namespace_from(name)
    return [Transcript(ns, sessions, source_file=source.key, format="text")]


def _start(builder: _Builder) -> datetime | None:
    """The earliest turn time when turns are timed, else the header's date."""
    times = [t.timestamp for t in builder.turns if t.timestamp is not None]
    return min(times, key=naive_utc) if times else builder.started_at
