"""Resolved times between a speaker's wall clock and the store's naive UTC.

A time phrase is resolved on the clock of the turn that said it (:mod:`graphmem.extract.times`), then
stored as naive UTC (:func:`to_utc`); :func:`from_utc` puts a stored one back on that clock. The clock is a
fixed offset (``+02:00``) or a zone (``ZoneInfo("Europe/Lisbon")``), whose rules give each date its own
offset, so a time across a daylight-saving change is not an hour off. The conversion is the one dates a
user writes go through (:func:`graphmem.dates.local_span_to_utc`, :func:`graphmem.dates.utc_to_local`),
so a phrase and a query date on the same clock name the same interval.

A memory may have a clock of its own (``Memory.open(zone=...)``): a time an input gives without an offset is
UTC, shown on that clock before extraction (:func:`on_memory_clock`), so what a turn says ("yesterday") is a
day of the memory's calendar. Live messages (:func:`graphmem.live_messages.parse_messages`) and files
(:func:`transcript_on_memory_clock`, from :func:`graphmem.ingest_read.read_jobs`) go through the same
function, so a message dates alike added live or read from a file. A time an input gives as a date alone
(:class:`~graphmem.dates.CalendarDay`: ``"2024-03-05"``, a ``## 5 March 2024`` header) is that day on the
memory's calendar: its local midnight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from graphmem.dates import CalendarDay, local_span_to_utc, local_to_utc, utc_to_local
from graphmem.models import TimeRef
from graphmem.transcript import Transcript

__all__ = [
    "all_days_on_clock",
    "day_on_clock",
    "days_on_clock",
    "from_utc",
    "has_calendar_days",
    "has_utc_times",
    "on_memory_clock",
    "to_utc",
    "transcript_on_memory_clock",
]


def _zone(offset: timedelta | tzinfo | None) -> tzinfo | None:
    """The clock ``offset`` names: a zone as it is, a fixed offset as a ``timezone``, zero or ``None`` none."""
    if not offset:
        return None
    if isinstance(offset, tzinfo):
        return offset
    return timezone(offset)


def to_utc(ref: TimeRef, offset: timedelta | tzinfo | None) -> TimeRef:
    """``ref`` resolved on a wall clock ``offset`` ahead of UTC, as naive UTC (the store's convention).

    "Yesterday" said at 00:30 on 2 May at +02:00 is 1 May on the speaker's calendar, which starts at
    22:00 on 30 April in UTC. ``offset`` may be a zone (a ``tzinfo``, such as ``ZoneInfo("Europe/Lisbon")``):
    each end of a day or longer is then converted by the zone's rules for its own date, so "yesterday" said
    on the first morning of summer time ends at the midnight of the winter clock it began on; a shorter
    time keeps its length (see :func:`graphmem.dates.local_span_to_utc`). Naive input (``offset`` ``None``
    or zero) is returned unchanged; a time near the calendar's edge is clamped to it, as a date a user
    writes is.
    """
    zone = _zone(offset)
    if zone is None or ref.start is None:
        return ref
    start, end = local_span_to_utc(ref.start, ref.end, zone)
    return TimeRef(ref.phrase, start, end, ref.grain)


def from_utc(ref: TimeRef, offset: timedelta | tzinfo | None) -> TimeRef:
    """A naive UTC ``ref`` back on the wall clock ``offset`` (or zone) it was said on: the inverse of
    :func:`to_utc`."""
    zone = _zone(offset)
    if zone is None or ref.start is None:
        return ref
    end = utc_to_local(ref.end, zone) if ref.end is not None else None
    return TimeRef(ref.phrase, utc_to_local(ref.start, zone), end, ref.grain)


def on_memory_clock(when: datetime, zone: tzinfo | None) -> datetime:
    """An input's time ``when`` shown on the memory's clock ``zone``, so what its turn says ("yesterday") is
    dated on that calendar, as a time given in that zone would be.

    A time that gives its own offset or zone stays on that clock (the speaker's). One without (naive: ISO
    text without an offset, epoch seconds, a naive ``datetime``, a session time in a file) is UTC, so a
    message a file holds is the same message added live; it is the same moment, shown on ``zone``. A date
    alone is that day on ``zone``'s calendar (:func:`day_on_clock`). Stores keep naive UTC, so what is
    stored of a time with a clock time does not change. ``zone`` ``None`` (UTC): ``when`` as it is, as a
    plain ``datetime``.
    """
    when = day_on_clock(when, zone)
    return when if zone is None or when.tzinfo is not None else when.replace(tzinfo=UTC).astimezone(zone)


def day_on_clock(when: datetime, zone: tzinfo | None) -> datetime:
    """``when`` as a plain ``datetime``: a date alone (a :class:`~graphmem.dates.CalendarDay`) as the naive
    UTC time its day starts on ``zone``'s calendar (its local midnight, by the zone's rules for that day:
    :func:`graphmem.dates.local_to_utc`; UTC's midnight with ``zone`` ``None``), any other time as it is.

    Ingestion resolves an input's dates alone so before it compares what it read with what is stored
    (:func:`days_on_clock`): the time a turn is stored at is then the time it was read at."""
    if not isinstance(when, CalendarDay):
        return when
    plain = when.plain()
    return plain if plain.tzinfo is not None else local_to_utc(plain, zone)


def days_on_clock(transcript: Transcript, zone: tzinfo | None) -> Transcript:
    """``transcript`` with each date alone it gives (turns' times and sessions' starts) resolved on the
    memory's clock ``zone`` (:func:`day_on_clock`); the same transcript when it gives none."""
    if not has_calendar_days([transcript]):
        return transcript

    def resolved(when: datetime | None) -> datetime | None:
        return day_on_clock(when, zone) if when is not None else None

    return _retimed(transcript, resolved)


def all_days_on_clock(transcripts: Iterable[Transcript], zone: tzinfo | None) -> list[Transcript]:
    """Each of ``transcripts`` with its dates alone resolved on the memory's clock ``zone``
    (:func:`days_on_clock`): what ingestion and the benchmark do with a reading before they use it."""
    return [days_on_clock(t, zone) for t in transcripts]


def _times(transcripts: Iterable[Transcript]) -> Iterator[datetime]:
    for t in transcripts:
        for s in t.sessions:
            for when in (s.started_at, *(turn.timestamp for turn in s.turns)):
                if when is not None:
                    yield when


def has_calendar_days(transcripts: Iterable[Transcript]) -> bool:
    """Whether any turn or session of ``transcripts`` has a date alone (a :class:`~graphmem.dates.CalendarDay`):
    one a memory's clock reads as a day of its calendar (:func:`on_memory_clock`)."""
    return any(isinstance(when, CalendarDay) for when in _times(transcripts))


def has_utc_times(transcripts: Iterable[Transcript]) -> bool:
    """Whether any turn or session of ``transcripts`` has a time without an offset: one a memory's clock
    (:func:`on_memory_clock`) dates, so what they say depends on that clock."""
    return any(when.tzinfo is None for when in _times(transcripts))


def transcript_on_memory_clock(transcript: Transcript, zone: tzinfo | None) -> Transcript:
    """``transcript`` with every time it gives without an offset (turns' times and sessions' starts) shown on
    the memory's clock ``zone`` (:func:`on_memory_clock`), as a live message's is; ``None``: as it is (UTC),
    a date alone as a plain ``datetime`` (UTC's midnight, as before)."""
    if zone is None or not has_utc_times([transcript]):
        return days_on_clock(transcript, zone)

    def shown(when: datetime | None) -> datetime | None:
        return on_memory_clock(when, zone) if when is not None else None

    return _retimed(transcript, shown)


def _retimed(transcript: Transcript, retime: Callable[[datetime | None], datetime | None]) -> Transcript:
    sessions = tuple(
        replace(
            s,
            started_at=retime(s.started_at),
            turns=tuple(replace(turn, timestamp=retime(turn.timestamp)) for turn in s.turns),
        )
        for s in transcript.sessions
    )
    return replace(transcript, sessions=sessions)
