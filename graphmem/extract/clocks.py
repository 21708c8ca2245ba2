"""Resolved times between a speaker's wall clock and the store's naive UTC.

A time phrase is resolved on the clock of the turn that said it (:mod:`graphmem.extract.times`), then
stored as naive UTC (:func:`to_utc`); :func:`from_utc` puts a stored one back on that clock. The clock is a
fixed offset (``+02:00``) or a zone (``ZoneInfo("Europe/Lisbon")``), whose rules give each date its own
offset, so a time across a daylight-saving change is not an hour off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from graphmem.models import TimeRef

__all__ = ["from_utc", "to_utc"]


def to_utc(ref: TimeRef, offset: timedelta | tzinfo | None) -> TimeRef:
    """``ref`` resolved on a wall clock ``offset`` ahead of UTC, as naive UTC (the store's convention).

    "Yesterday" said at 00:30 on 2 May at +02:00 is 1 May on the speaker's calendar, which starts at
    22:00 on 30 April in UTC. ``offset`` may be a zone (a ``tzinfo``, such as ``ZoneInfo("Europe/Lisbon")``):
    each end is then converted by the zone's rules for its own date, so "yesterday" said on the first
    morning of summer time ends at the midnight of the winter clock it began on. Naive input (``offset``
    ``None`` or zero) is returned unchanged; a time that would move past the calendar's edge is unresolved.
    """
    if not offset or ref.start is None:
        return ref
    try:
        if isinstance(offset, tzinfo):
            start, end = _from_zone(ref.start, offset), _from_zone(ref.end, offset)
            return TimeRef(ref.phrase, start, end, ref.grain)
        end = ref.end - offset if ref.end is not None else None
        return TimeRef(ref.phrase, ref.start - offset, end, ref.grain)
    except (OverflowError, ValueError):
        return TimeRef(ref.phrase)


def _from_zone(wall: datetime | None, zone: tzinfo) -> datetime | None:
    """The naive UTC time of ``wall`` read on the clock of ``zone`` (its offset on that date)."""
    if wall is None:
        return None
    return wall.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def from_utc(ref: TimeRef, offset: timedelta | tzinfo | None) -> TimeRef:
    """A naive UTC ``ref`` back on the wall clock ``offset`` (or zone) it was said on: the inverse of
    :func:`to_utc`."""
    if not offset or ref.start is None:
        return ref
    try:
        if isinstance(offset, tzinfo):
            start = ref.start.replace(tzinfo=UTC).astimezone(offset).replace(tzinfo=None)
            end = ref.end.replace(tzinfo=UTC).astimezone(offset).replace(tzinfo=None) if ref.end is not None else None
            return TimeRef(ref.phrase, start, end, ref.grain)
        end = ref.end + offset if ref.end is not None else None
        return TimeRef(ref.phrase, ref.start + offset, end, ref.grain)
    except (OverflowError, ValueError):
        return TimeRef(ref.phrase)
