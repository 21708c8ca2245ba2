"""Resolved times between a speaker's wall clock and the store's naive UTC.

A time phrase is resolved on the clock of the turn that said it (:mod:`graphmem.extract.times`), then
stored as naive UTC (:func:`to_utc`); :func:`from_utc` puts a stored one back on that clock. The clock is a
fixed offset (``+02:00``) or a zone (``ZoneInfo("Europe/Lisbon")``), whose rules give each date its own
offset, so a time across a daylight-saving change is not an hour off. The conversion is the one dates a
user writes go through (:func:`graphmem.dates.local_span_to_utc`, :func:`graphmem.dates.utc_to_local`),
so a phrase and a query date on the same clock name the same interval.
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo

from graphmem.dates import local_span_to_utc, utc_to_local
from graphmem.models import TimeRef

__all__ = ["from_utc", "to_utc"]


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
