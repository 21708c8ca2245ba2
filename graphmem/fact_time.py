"""Reading facts on their two time axes: current facts by default.

A fact holds in the world from ``valid_from`` to ``valid_to`` and is held by memory from ``recorded_at``
to ``expired_at`` (see :mod:`graphmem.store.versions`). :func:`facts_at` answers the three questions a
memory of someone's life must tell apart:

- *now* (the default): facts valid now, in the versions memory holds now;
- ``valid_at=t``: what held at ``t``, as memory knows it now;
- ``as_of=t``: what memory believed at ``t`` (versions recorded by ``t`` and not yet expired then),
  about ``t`` unless ``valid_at`` names another moment; a date alone is the end of that day (memory
  as of a day holds what was said that day, as ``until`` a day keeps that day);
- ``all_time=True``: every version, whatever its times.

A window of valid time asks a fourth (:func:`held_during`, what a context bounded by ``since``/``until``
shows): the facts that held at some moment inside it, in the versions memory held at ``as_of`` (or now).

A fact is stored once per statement: "I work at Globex" in March and "I still work at Globex" in June are
two facts with the same subject, predicate and object. :func:`coalesce` merges such value-equivalent
facts for reading (the *coalescing* of temporal databases): facts of one read whose valid times overlap
or meet become one, from the earliest start to the latest end, backed by every statement and recorded
when the last of them was (the first moment all of it was known); a statement told as ended, with no
start ("My dog Rex died yesterday"), takes the start of one it meets. Two holdings with a gap between them
stay apart ("I quit Globex" in April, "I'm back at Globex" in June), and so do two open facts each
giving its own start, two different ones ("I'm moving to Lisbon next month" and "… in January": a
correction left unapplied), so no date told is hidden. In an
``all_time`` read only versions memory retired at the same moment are merged, so versions of one fact
(which expire one after another) never are.

The query language's ``VALID AT``/``AS OF``/``ALL TIME`` and recall's fact filter mean the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, tzinfo

from graphmem.dates import DATE_FORMS as _DATE_FORMS
from graphmem.dates import EPSILON, DateTextError, TimeArg, grain_end, local_to_utc, parse_date_argument, zone_named
from graphmem.errors import ConfigError
from graphmem.models import OVER_PHRASE, Event, Fact
from graphmem.store.base import GraphStore, TimeFilter
from graphmem.store.versions import logical_id

__all__ = [
    "DATE_FORMS",
    "as_moment",
    "as_upper_bound",
    "begun",
    "coalesce",
    "end_of_day",
    "fact_filter",
    "facts_at",
    "held_during",
    "read_zone",
    "told_in_store",
    "utc_now",
]

#: The date forms a date argument given as text accepts, as error messages name them (``graphmem facts
#: --valid-at``, the MCP tools' ``valid_at``, a query's date parameter): one list, :mod:`graphmem.dates`.
DATE_FORMS = _DATE_FORMS


def utc_now() -> datetime:
    """The current time as stores keep times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def read_zone(value: object) -> tzinfo | None:
    """A zone argument of the Python API (an IANA name such as ``"Europe/Lisbon"``, a ``tzinfo``, or
    ``None``/``"UTC"``) as the ``tzinfo`` dates are read on (:func:`graphmem.dates.zone_named`).

    Raises:
        ConfigError: ``value`` is no zone (the message names a close one).
    """
    if value is not None and not isinstance(value, str | tzinfo):
        raise ConfigError(f"zone must be an IANA zone name such as Europe/Lisbon, not {type(value).__name__}")
    try:
        return zone_named(value)
    except DateTextError as exc:
        raise ConfigError(f"zone: {exc}") from None


def as_moment(value: object, name: str, zone: tzinfo | None = None) -> datetime | None:
    """A time argument of the Python API as stores keep times: naive UTC (``None`` stays ``None``).

    An aware ``datetime`` is converted to UTC and a ``date`` means its midnight (an ``until`` or an
    ``as_of`` then moves to the end of that day: :func:`as_upper_bound`); a naive ``datetime`` is kept.
    Text is read as the CLI reads its ``--since``/``--valid-at`` options
    (:func:`graphmem.dates.parse_date_argument`): the start of the date it names (``"2024-03"`` is
    1 March 2024, 00:00), a time with a zone (``Z``, ``+02:00``) in UTC. Date text without an offset and a
    ``date`` are read on ``zone``'s clock (:func:`graphmem.dates.zone_named`; ``None``: UTC).

    Raises:
        ConfigError: ``value`` is no ``datetime``, ``date`` or date text (or its UTC time is outside the
            calendar); the message names the argument ``name`` (and, for text, what is wrong with it).
    """
    return _read_time(value, name, until=False, zone=zone)


def as_upper_bound(value: object, name: str, zone: tzinfo | None = None) -> datetime | None:
    """:func:`as_moment` for an inclusive upper bound (``until``, ``as_of``): a ``date``, or date text without
    a time of day, means the last moment of that date (``"2024-03"`` keeps all of March), as the CLI's
    ``--until``/``--as-of`` read it.

    Raises:
        ConfigError: as :func:`as_moment`.
    """
    return _read_time(value, name, until=True, zone=zone)


def _read_time(value: object, name: str, *, until: bool, zone: tzinfo | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return parse_date_argument(value, until=until, zone=zone)
        except DateTextError as exc:  # as the MCP tools word it: the argument, then what is wrong
            raise ConfigError(f"{name}: {exc}") from None
    if isinstance(value, datetime):
        try:
            return _naive(value)
        except OverflowError:
            raise ConfigError(f"{name}: {value.isoformat()} has no UTC time within the calendar") from None
    if isinstance(value, date):
        midnight = datetime(value.year, value.month, value.day)
        if zone is not None:
            start, end = local_to_utc(midnight, zone), local_to_utc(grain_end(midnight, "day"), zone)
            return end - EPSILON if until else start
        return end_of_day(midnight) if until else midnight
    raise ConfigError(
        f"{name} must be a datetime, a date or date text such as {_DATE_FORMS}, not {type(value).__name__} {value!r}"
    )


def end_of_day(day: date) -> datetime:
    """The last microsecond of ``day`` (a ``datetime``'s day): an inclusive upper bound that keeps the day."""
    return datetime.combine(date(day.year, day.month, day.day), time.max)


def _naive(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(UTC).replace(tzinfo=None)


def fact_filter(
    *,
    valid_at: TimeArg | None = None,
    as_of: TimeArg | None = None,
    all_time: bool = False,
    now: TimeArg | None = None,
    zone: tzinfo | None = None,
) -> TimeFilter:
    """The :class:`TimeFilter` facts must pass for these options (see the module docs).

    Times are read as :func:`as_moment` reads them (``as_of`` as :func:`as_upper_bound`: a date, or date
    text without a time of day, is the end of that date), dates on ``zone``'s clock.

    Raises:
        ConfigError: ``all_time`` with ``valid_at`` or ``as_of``; a time that is no ``datetime``, ``date`` or
            date text (the message names the argument).
    """
    if all_time:
        if valid_at is not None or as_of is not None:
            raise ConfigError("all_time reads every fact version: give it without valid_at and as_of")
        return TimeFilter(history=True)
    valid, believed = as_moment(valid_at, "valid_at", zone), as_upper_bound(as_of, "as_of", zone)
    if believed is not None:
        return TimeFilter(as_of=believed, valid_at=valid or believed)
    return TimeFilter(valid_at=valid or as_moment(now, "now", zone) or utc_now())


def held_during(fact: Fact, start: datetime | None, end: datetime | None) -> bool:
    """Whether ``fact`` held in the world at some moment from ``start`` to ``end`` (both included; ``None``:
    open): its valid span ``[valid_from, valid_to)`` meets the window (valid-time overlap).

    A window of one moment (``start == end``) asks what :meth:`Fact.valid_at` asks; a fact that held for no
    time (:attr:`Fact.never_held`, a corrected slip) held in no window.
    """
    if fact.never_held:
        return False
    if start is not None and fact.valid_to is not None and fact.valid_to <= start:
        return False
    return end is None or fact.valid_from is None or fact.valid_from <= end


def facts_at(
    store: GraphStore,
    namespace: str,
    *,
    entity_id: str | None = None,
    predicate: str | None = None,
    valid_at: TimeArg | None = None,
    as_of: TimeArg | None = None,
    all_time: bool = False,
    now: TimeArg | None = None,
    zone: tzinfo | None = None,
) -> list[Fact]:
    """Facts of ``namespace`` on the given time axes (current ones by default), by recorded time then id.

    Args:
        store: the store to read.
        namespace: the namespace.
        entity_id: only facts with this entity as subject or object.
        predicate: only facts with this predicate.
        valid_at: what held at this moment (default: now).
        as_of: what memory believed at this moment.
        all_time: every version, whatever its times.
        now: the current time (default: the clock), for tests and replays.
        zone: the clock dates without an offset are read on (``None``: UTC).

    Raises:
        ConfigError: ``all_time`` with ``valid_at`` or ``as_of``; an illegal namespace.
    """
    tf = fact_filter(valid_at=valid_at, as_of=as_of, all_time=all_time, now=now, zone=zone)
    out = [
        f
        for f in store.iter_facts(namespace, time=tf)
        if (entity_id is None or entity_id in (f.subject_id, f.object_id))
        and (predicate is None or f.predicate == predicate)
    ]
    if tf.valid_at is not None:
        out = begun(store, namespace, out, tf)
    return sorted(out, key=lambda f: (f.recorded_at, f.id))


def told_in_store(
    store: GraphStore, namespace: str, facts: Iterable[Fact], events: Iterable[Event] = ()
) -> dict[str, datetime]:
    """When each fact among ``facts`` whose telling time supersession reads
    (:func:`graphmem.extract.temporal.contested`) was told, by id: the earliest time of its evidence
    events (:func:`graphmem.extract.temporal.told_times`), taken from ``events`` (a batch being written)
    else read from the store in one call. Not its ``recorded_at``: a version is recorded anew when a later
    write ends it, another client's on a server among them."""
    from graphmem.extract.temporal import contested, told_times

    needed = contested(facts)
    given = {e.id: e for e in events}
    missing = sorted({e for f in needed for e in f.evidence} - given.keys())
    read = store.get_events(namespace, missing) if missing else []
    return told_times(needed, [*read, *given.values()])


def begun(store: GraphStore, namespace: str, facts: list[Fact], tf: TimeFilter) -> list[Fact]:
    """``facts`` without the statements told as ended that are not known to have begun at ``tf.valid_at``:
    "My cat Miso died last week" gives no start, which is unknown, not unbounded; a statement of the same
    fact that meets it ("I live in Lisbon with my cat Miso", said in January) tells when it began, as
    :func:`coalesce` reads them (Ana had no Miso in 2020). With no such statement its start is unknown and
    it reads as held up to its end, as any fact without ``valid_from`` does ("I lived in Porto until
    2020" held in 2019)."""
    from graphmem.extract.temporal import told_ended
    from graphmem.extract.vocabulary import MUTUAL

    ended = [f for f in facts if told_ended(f)]
    at = tf.valid_at
    if not ended or at is None:
        return facts
    keys = {(f.subject_id, f.predicate, f.object_id) for f in ended}
    starts: dict[tuple[str, str, str], list[datetime]] = {}
    for g in store.iter_facts(namespace, time=TimeFilter(as_of=tf.as_of)):
        if g.valid_from is None or g.never_held:
            continue
        # a marriage is one fact either way round ("Omar and I got divorced" kept as Omar's)
        both = [(g.subject_id, g.predicate, g.object_id)]
        if g.predicate in MUTUAL:
            both.append((g.object_id, g.predicate, g.subject_id))
        for key in both:
            if key in keys:
                starts.setdefault(key, []).append(g.valid_from)
    late = set()
    for f in ended:
        met = [start for start in starts.get((f.subject_id, f.predicate, f.object_id), ()) if _meets(start, f.valid_to)]
        if met and at < min(met):
            late.add(f.id)
    return [f for f in facts if f.id not in late]


def _meets(a: datetime | None, b_end: datetime | None) -> bool:
    """Whether a span starting at ``a`` begins no later than a span ending at ``b_end`` ends (``None``: open)."""
    return a is None or b_end is None or a <= b_end


def _later_end(a: datetime | None, b: datetime | None) -> datetime | None:
    return None if a is None or b is None else max(a, b)


def _earlier_start(a: datetime | None, b: datetime | None) -> datetime | None:
    return None if a is None or b is None else min(a, b)


def _merge(a: Fact, b: Fact) -> Fact:
    """``a`` (the earlier start) widened by ``b``: both spans on both axes, both statements' evidence. A
    statement told as ended ("My dog Rex died yesterday") gives no start: its open start is unknown, not
    unbounded, so ``b``'s start stands (:func:`graphmem.extract.temporal.told_ended`)."""
    from graphmem.extract.temporal import told_ended

    start = b.valid_from if told_ended(a) else _earlier_start(a.valid_from, b.valid_from)
    return replace(
        a,
        valid_from=start,
        valid_to=_later_end(a.valid_to, b.valid_to),
        recorded_at=max(a.recorded_at, b.recorded_at),  # all of it is known once the last statement is
        expired_at=_later_end(a.expired_at, b.expired_at),
        evidence=tuple(dict.fromkeys((*a.evidence, *b.evidence))),
        confidence=max(a.confidence, b.confidence),
    )


def _two_starts(a: Fact, b: Fact) -> bool:
    """Whether ``a`` and ``b`` are both open and each dated by a start its statement gave, two different
    starts ("I'm moving to Lisbon next month" and "… in January"): one row would hide a date told."""
    return (
        a.valid_to is None
        and b.valid_to is None
        and a.valid_from != b.valid_from
        and all(f.valid_from is not None and f.time_phrase not in (None, OVER_PHRASE) for f in (a, b))
    )


def _start_key(f: Fact) -> tuple[bool, datetime, datetime, str]:
    return (f.valid_from is not None, f.valid_from or f.recorded_at, f.recorded_at, f.id)


def coalesce(facts: Iterable[Fact], *, history: bool = False) -> list[Fact]:
    """One fact per holding: value-equivalent facts whose valid spans overlap or meet, merged (see the
    module docs).

    The merged fact keeps the id, phrase and revisions of the member that starts first (an open start
    first), spans all of theirs on the valid axis and joins their evidence, that member's statements
    first; its ``recorded_at`` is the latest member's: the first moment memory knew all of what the merged
    fact says (a span widened by a later statement was not known before it).

    Args:
        facts: the facts of one read.
        history: the facts are versions of any time (an ``all_time`` read), not what memory held at one
            moment: only versions that memory retired at the same moment (the same ``expired_at``, or
            both current) are merged, and never two versions of one fact (one logical id): a version
            kept as told and the one reckoned from it are both shown (:func:`graphmem.store.versions._filed_back`).

    Returns:
        The facts in their given order, each merged one where its member that starts first stood.
    """
    listed = list(facts)
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, f in enumerate(listed):
        key = (f.namespace, f.subject_id, f.predicate, f.object_id, f.expired_at if history else None)
        groups.setdefault(key, []).append(i)
    merged: dict[int, Fact] = {}
    gone: set[int] = set()
    for members in groups.values():
        if len(members) == 1:
            continue
        first, held = -1, None
        for i in sorted(members, key=lambda i: _start_key(listed[i])):
            f = listed[i]
            one_fact = history and held is not None and logical_id(held.id) == logical_id(f.id)
            apart = held is not None and _two_starts(held, f)
            if held is not None and not one_fact and not apart and _meets(f.valid_from, held.valid_to):
                held = _merge(held, f)
                gone.add(i)
                continue
            if held is not None:
                merged[first] = held
            first, held = i, f
        if held is not None:
            merged[first] = held
    return [merged.get(i, f) for i, f in enumerate(listed) if i not in gone]
