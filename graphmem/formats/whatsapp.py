"""WhatsApp chat exports ("Export chat" → "Without media"): one message per timestamped line.

Both layouts the apps write are read, with the date shapes locales give (``12/03/2024``, ``12.03.24``,
``2024-03-12``) and 24-hour or AM/PM times (``7:00 PM``, ``7:00 p. m.``):

- Android: ``12/03/2024, 19:00 - Ana: Big news!`` (also ``3/12/24, 7:00 PM - Ana: …``);
- iOS: ``[12/03/2024, 19:00:00] Ana: Big news!`` (also ``[3/12/24, 7:00:00 PM] Ana: …``).

A bracketed (iOS) line has a comma after the date, or seconds and a day or month first, which tells it
from a plain-text transcript's ``[2024-03-14 10:32:05] Ana: hi``; a file holding iOS's invisible marks
(its notices and placeholders carry them) may have year-first dates too (``[2024-03-12 19:00:05]``), and
so may any file read with ``format="whatsapp"``. An Android line without the comma after the date is no
log line with a year-first date and seconds (``2024-03-12 10:00:01 - INFO: started``). A file whose
stamped lines are under half of its lines and that has a transcript's session headers (``## Session 2``)
is a transcript.

A line without a timestamp continues the message before it. Lines with a timestamp but no ``Name:``
are the app's own notices ("Messages and calls are end-to-end encrypted", "Ana added Ben"), as are the
lines iOS writes under the chat's or group's name with an invisible mark right after the colon (unless
that name sends messages too and the text is a shared location or in a right-to-left script, where a
message may begin with the mark); they are left out, as are
messages that only stand for something not exported (``<Media omitted>``, ``image omitted``,
``<attached: …>``, "This message was deleted"); an edit mark (``<This message was edited>``) is dropped
from the text, and so is the ``~`` Android puts before a name that is not a contact. Invisible direction
marks and narrow spaces the apps insert are ignored. A line whose time of day is impossible (``25:00``) is
an error at that line.

The export writes dates in the phone's locale, so ``03/04/2024`` may be 3 April or 4 March. The order
is decided once for the whole file: a first number above 12 means day first, a second number above 12
means month first. When every date could be read either way, the order under which the messages run
forward in time is taken, then the one under which the chat is at least three times shorter ("1/1/24"
to "1/7/24" is a week of January, not six months), and otherwise day first; whichever is taken, an
:class:`~graphmem.errors.IngestWarning` at the first message's line names it, why, and the dates each
order gives. A year of two digits is in 2000–2099.

A chat export is one stream, so sessions are made as for undated JSONL sessions: a pause of more than
:data:`~graphmem.formats._records.SESSION_GAP` starts a new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from graphmem.errors import IngestError
from graphmem.formats._names import ascii_namespace_from
from graphmem.formats._records import Located, records_to_sessions
from graphmem.formats._source import Source, namespace_from, warn_input
from graphmem.formats.jsonl import prefix_sessions
from graphmem.transcript import Transcript

__all__ = ["looks_like_whatsapp", "read_whatsapp"]

_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\ufeff\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))
_SPACES = {ord("\u202f"): " ", ord("\u00a0"): " "}
_DATE = r"(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{1,4})"
_TIME = r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?(?:\s?(?P<ampm>[AaPp])\.?\s?[Mm]\.?)?"
_ANDROID = re.compile(rf"^{_DATE}(?P<comma>,)?\s+{_TIME}\s+[-–]\s+(?P<rest>.*)$")
# iOS writes seconds always; without a comma they tell an export from a "[2024-03-14 10:32]" transcript
_IOS = re.compile(rf"^\[{_DATE}(?P<comma>,)?\s+{_TIME}\]\s+(?P<rest>.*)$")
#: Invisible marks an export puts before a line; iOS puts one after "Name: " in a notice, too.
_MARKS = "\u200e\u200f\ufeff"
_NOTICE_MARK = "\u200e"
# a session header of the plain-text format: such a file is a transcript, not an export
_TEXT_HEADER = re.compile(r"^(?:#{1,6}\s|\[?\s*session\s+\d|[-=*~]{3,})", re.IGNORECASE)
# a sender is a contact name or a number; a notice quotes a subject or a group name that may hold a colon
_SENDER = re.compile(r"^(?P<speaker>[^:\n\"“”]{1,80}?):\s?(?P<text>.*)$", re.DOTALL)
_EDITED = re.compile(r"\s*<This message was edited>\s*$", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"^(?:<Media omitted>|<attached: [^>]*>|(?:image|video|audio|sticker|GIF|Contact card) omitted|.*\bdocument omitted"
    r"|This message was deleted\.?|You deleted this message\.?|null|<View once message>|Waiting for this message.*)$",
    re.IGNORECASE,
)
#: How many lines format detection reads.
_SNIFF_LINES = 200


@dataclass(slots=True)
class _Message:
    line: int
    written: str  # the date as written, for errors
    numbers: tuple[int, int, int]
    clock: tuple[int, int, int]
    speaker: str | None
    parts: list[str]


def _clean(line: str) -> str:
    return line.translate(_INVISIBLE).translate(_SPACES)


def _header(line: str, *, loose: bool = False) -> re.Match[str] | None:
    """A message or notice line of either layout, with the marks before it and narrow spaces made plain.

    ``loose`` (an input known to be an export) also takes an iOS line with a year-first date and no comma
    (``[2024-03-12 19:00:05] Ana: hej``), which alone would read as a plain-text transcript's."""
    line = line.translate(_SPACES).lstrip(_MARKS)
    m = _ANDROID.match(line)
    if m is not None:
        # without the comma ("13/03/2024 19:00 - Ana: hi") a log line looks alike ("2024-03-12 10:00:01 -
        # INFO: started"): a year-first date with seconds is a log's
        logged = not m["comma"] and int(m["a"]) > 31 and m["s"] is not None
        return None if logged else m
    m = _IOS.match(line)
    # without the comma, seconds and a day or month first tell it from a "[2024-03-14 10:32:05]" transcript
    if m is not None and (m["comma"] or (m["s"] and (loose or int(m["a"]) <= 31))):
        return m
    return None


def looks_like_whatsapp(source: Source) -> bool:
    """Whether the input starts as a WhatsApp export: its first line is a timestamped message or notice,
    and such lines are at least half of the first lines, or a fifth with no line that is a plain-text
    transcript's session header (the rest continue messages)."""
    lines = [line for line in source.text_lines()[:_SNIFF_LINES] if line.strip()]
    loose = any(_NOTICE_MARK in line for line in lines)  # iOS marks its notices and placeholders
    if not lines or _header(lines[0], loose=loose) is None:
        return False
    headers = sum(1 for line in lines if _header(line, loose=loose) is not None)
    if headers * 2 >= len(lines):
        return True
    if any(_TEXT_HEADER.match(_clean(line).strip()) for line in lines):
        return False
    return headers * 5 >= len(lines)


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# iOS: "Ana: <mark>Messages and calls …", "Trip: Lisbon: <mark>Ana added you": the mark right after a colon
_IOS_NOTICE = re.compile(f"^[^{_NOTICE_MARK}]*?:\\s?{_NOTICE_MARK}(?P<text>.*)$", re.DOTALL)


def _clock(m: re.Match[str]) -> tuple[int, int, int] | None:
    hour, minute, second = int(m["h"]), int(m["m"]), int(m["s"] or 0)
    if m["ampm"]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if m["ampm"].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _messages(source: Source) -> list[_Message]:
    messages: list[_Message] = []
    marked: list[tuple[int, str]] = []  # iOS lines with the notice mark right after a colon, and their text
    for number, raw in enumerate(source.lines(), 1):
        m = _header(raw, loose=True)
        if m is None:
            line = _clean(raw)
            if messages:
                messages[-1].parts.append(line)
            elif line.strip():
                raise IngestError(
                    "not a WhatsApp export: the first line has no message timestamp", path=source.path, line=number
                )
            continue
        clock = _clock(m)
        if clock is None:
            stamp = raw.translate(_SPACES).lstrip(_MARKS).split(" - ", 1)[0].strip("[")
            raise IngestError(f"no time of day: {stamp!r}", path=source.path, line=number)
        sender = _SENDER.match(m["rest"])
        speaker, text = (sender["speaker"], sender["text"]) if sender else (None, m["rest"])
        notice = _IOS_NOTICE.match(m["rest"]) if m.re is _IOS else None
        if notice is not None:  # maybe a notice under the chat's or group's name
            marked.append((len(messages), notice["text"]))
        if speaker is not None:
            speaker = " ".join(_clean(speaker).split()).lstrip("~").strip() or None  # "~ Ana": not a contact
        written = m.string[m.start("a") : m.end("c")]
        numbers = (int(m["a"]), int(m["b"]), int(m["c"]))
        messages.append(_Message(number, written, numbers, clock, speaker, [_clean(text)]))
    _drop_notices(messages, marked)
    return messages


def _drop_notices(messages: list[_Message], marked: list[tuple[int, str]]) -> None:
    """Make notices of the marked iOS lines (speaker ``None``): a line under a name that sends nothing
    else (a group's), or one whose text is no shared location and has no right-to-left script (a message
    in one may begin with the mark)."""
    flagged = {i for i, _ in marked}
    senders = {msg.speaker for i, msg in enumerate(messages) if i not in flagged}
    for i, text in marked:
        msg = messages[i]
        if msg.speaker not in senders or (not text.startswith("Location:") and _RTL.search(text) is None):
            msg.speaker = None


def _date(numbers: tuple[int, int, int], day_first: bool) -> tuple[int, int, int] | None:
    """(year, month, day) of a date's three numbers under one order, or ``None`` when they fit none."""
    a, b, c = numbers
    if a > 31:  # 2024-03-12
        year, month, day = a, b, c
    else:
        day, month = (a, b) if day_first else (b, a)
        year = c + 2000 if c < 100 else c
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    return year, month, day


def _backwards(messages: list[_Message], day_first: bool) -> int | None:
    """How often the messages go back in time under one date order (``None``: some date does not fit it)."""
    count, last = 0, None
    for msg in messages:
        ymd = _date(msg.numbers, day_first)
        if ymd is None:
            return None
        when = (*ymd, *msg.clock)
        if last is not None and when < last:
            count += 1
        last = when
    return count


def _misfit(messages: list[_Message], day_first: bool) -> _Message | None:
    """The first message whose date does not fit one order."""
    return next((msg for msg in messages if _date(msg.numbers, day_first) is None), None)


def _span(messages: list[_Message], day_first: bool) -> timedelta:
    """How long the chat runs under one date order (every date fits it)."""
    days = [datetime(*ymd) for msg in messages if (ymd := _date(msg.numbers, day_first)) is not None]
    return max(days) - min(days)


def _day_first(messages: list[_Message], source: Source) -> bool:
    path = source.path
    by_order = {order: _backwards(messages, order) for order in (True, False)}
    fits = [order for order, back in by_order.items() if back is not None]
    if not fits:
        dmy, mdy = _misfit(messages, True), _misfit(messages, False)
        assert dmy is not None and mdy is not None
        if _misfit([dmy], False) is not None:
            raise IngestError(f"{dmy.written} is no date (neither day/month nor month/day)", path=path, line=dmy.line)
        late, early = (dmy, mdy) if dmy.line > mdy.line else (mdy, dmy)
        only, other = ("month/day", "day/month") if late is dmy else ("day/month", "month/day")
        raise IngestError(
            f"{late.written} reads only as {only} but line {early.line}'s {early.written} only as {other} "
            "(an export writes every date in one order)",
            path=path,
            line=late.line,
        )
    if len(fits) == 1:
        return fits[0]
    day_first, reason = _guess(messages, by_order)
    if any(msg.numbers[0] <= 31 for msg in messages):  # not all year first
        taken, other = ("day/month", "month/day") if day_first else ("month/day", "day/month")
        warn_input(
            f"WhatsApp dates read either way (no day above 12 decides): read as {taken} ({_run(messages, day_first)}), "
            f"{reason}; as {other} they would run {_run(messages, not day_first)} (no option forces an order yet)",
            path=path,
            line=messages[0].line,
            lines=source.lines(),
        )
    return day_first


def _guess(messages: list[_Message], by_order: dict[bool, int | None]) -> tuple[bool, str]:
    """The date order of an export whose every date reads either way, and why it is taken."""
    day_first, month_first = by_order[True], by_order[False]
    assert day_first is not None and month_first is not None
    if day_first != month_first:
        return day_first < month_first, "as only so do the messages run forward in time"
    spans = {order: _span(messages, order) for order in (True, False)}
    short, long = sorted(spans.values())
    if long >= 3 * short and long > short:  # a chat of a week, not of six months ("1/1/24" … "1/7/24")
        return spans[True] < spans[False], "as the chat is then at least three times shorter"
    return True, "the order taken when nothing tells them apart"


def _run(messages: list[_Message], day_first: bool) -> str:
    """From the first to the last date under one order: ``1 February 2024 to 1 April 2024``."""
    days = [datetime(*ymd) for msg in messages if (ymd := _date(msg.numbers, day_first)) is not None]
    return f"{_day(min(days))} to {_day(max(days))}"


def _day(when: datetime) -> str:
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)  # fmt: skip


def read_whatsapp(
    source: Source, namespace: str | None = None, *, name: str = "", tag: str | None = None
) -> list[Transcript]:
    """Read a WhatsApp chat export into one transcript (see the module docs).

    The namespace is ``namespace`` or one made from ``name`` (the file stem); session ids are prefixed
    as :func:`~graphmem.formats.jsonl.read_jsonl` prefixes them.

    Raises:
        IngestError: the first line is no timestamped message, a date fits no order, or no message is
            left; names the file and the line.
    """
    messages = _messages(source)
    if not messages:
        raise IngestError("empty file", path=source.path)
    kept = []
    for msg in messages:
        text = _EDITED.sub("", "\n".join(msg.parts)).strip()
        if msg.speaker is not None and text and not _PLACEHOLDER.match(text):
            kept.append((msg, msg.speaker, text))
    if not kept:
        raise IngestError("no messages found (only the app's notices or media placeholders)", path=source.path)
    day_first = _day_first(messages, source)
    items = []
    for msg, speaker, text in kept:
        ymd = _date(msg.numbers, day_first)
        assert ymd is not None  # _day_first chose an order every date fits
        items.append(
            Located({"speaker": speaker, "text": text, "timestamp": datetime(*ymd, *msg.clock)}, line=msg.line)
        )
    sessions = records_to_sessions(items, path=source.path)
    if tag or namespace:
        sessions = prefix_sessions(sessions, tag or ascii_namespace_from(name, "input"))
    ns = namespace or namespace_from(name)
    return [Transcript(ns, sessions, source_file=source.key, format="whatsapp")]
