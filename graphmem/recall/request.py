""":class:`RecallRequest`: one recall question and its options, built once at the edge and passed down."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from numbers import Integral
from typing import Literal, get_args

from graphmem.dates import TimeArg
from graphmem.errors import ConfigError
from graphmem.fact_time import as_moment, as_upper_bound, read_zone
from graphmem.models import Event, validate_namespace
from graphmem.recall.config import MAX_HOPS
from graphmem.store.base import TimeFilter
from graphmem.text import normalise_name

__all__ = ["RecallRequest", "TimeAxis"]

#: Which time of an event ``since``/``until`` bound: when it was ``said`` (``Event.occurred_at``), when
#: what it tells of ``happened`` (``Event.happened``), or ``either``.
TimeAxis = Literal["said", "happened", "either"]
TIME_AXES: tuple[str, ...] = get_args(TimeAxis)

#: The fields that hold a time, and those that are inclusive upper bounds (a date: the end of that day).
_TIMES = ("since", "until", "as_of", "valid_at", "reference", "happened_since", "happened_until")
_UPPER = frozenset({"until", "as_of", "happened_until"})


@dataclass(frozen=True, slots=True)
class RecallRequest:
    """What to recall: the question, where to look, how much, and which events qualify.

    ``Memory.recall``, ``graphmem recall`` and the DSL's ``RECALL`` each build one and hand it to
    :func:`graphmem.recall.recall`; a new recall option is a field here plus the code that uses it.
    Built with :meth:`of` from loose arguments; construction validates the values.

    Each time is a ``datetime``, a ``date`` or date text (:data:`graphmem.dates.TimeArg`), kept as naive
    UTC: an aware ``datetime`` and a text with a zone (``Z``, ``+02:00``) are converted. A date, or
    date text without a time of day (``"2024-03-14"``, ``"2024-03"``, ``"March 2024"``), means its start,
    except for the inclusive upper bounds ``until`` and ``as_of``, where it means its last moment
    (``until="2024-03"`` keeps all of March), as ``graphmem recall --since/--until/--as-of`` read it.

    Attributes:
        text: the question.
        namespace: the namespace to search.
        k: how many hits to return (at least 1).
        hops: how many edges the traversal may follow from a seed: 0 (seeds only) to
            :data:`~graphmem.recall.config.MAX_HOPS` (6).
        since: only events at or after this time (on ``time_axis``).
        until: only events at or before this time (on ``time_axis``; a date: the end of that date).
        speakers: only events spoken by one of these (names compared ignoring case); ``None`` or an
            empty sequence = anyone, as in the MCP ``recall`` tool; a single string is one speaker.
            A name no one speaks under in the namespace is refused when recall runs
            (:class:`~graphmem.errors.UnknownSpeakerError`), since it could find nothing.
        as_of: recall what memory held at this moment: facts recorded and not yet expired then (and
            valid then, unless ``valid_at`` names another moment), and events that had happened by then
            (a date: the end of that date, as for ``until``).
        valid_at: traverse only facts that held at this moment (with ``as_of``: default ``as_of``).
        all_time: traverse facts of every version (not with ``as_of``/``valid_at``).
        time_axis: what ``since``/``until`` bound: ``"said"`` (when the turn was said), ``"happened"``
            (when what it tells of happened: :attr:`Event.happened`, whose interval must overlap the
            window) or ``"either"`` (the default: an event passes on either axis, so "I ran a race last
            Saturday" said on 25 May is found by a window on 20 May and by one on 25 May).
        reference: the moment the question is asked, against which its relative dates ("last summer")
            are read (default: ``as_of``, else now). A date the question names lifts the events that
            happened or were said then (:mod:`graphmem.recall.when`).
        zone: the clock the question's dates and the date arguments are read on (a ``tzinfo``, e.g.
            ``ZoneInfo("Europe/Lisbon")``; ``None``: UTC): "yesterday" and "on 31 October" are days on
            that calendar (``Memory.open(zone=...)`` sets it for every request).
        happened_since, happened_until: a second window, on when what an event tells of happened (its
            :attr:`Event.happened` interval must overlap it; undated events pass, as on the said axis),
            that must hold as well as ``since``/``until`` on ``time_axis``: ``since``/``until`` with
            ``time_axis="said"`` and these bound both times at once (the DSL's ``RECALL "…" SAID ON d1
            HAPPENED ON d2``). ``happened_until`` a date: the end of that date, as for ``until``.
        Without any, recall follows the facts in the version memory holds now, whatever their valid
        time: a question may ask about the past, and a closed fact leads to its evidence
        (:mod:`graphmem.fact_time`; the query language and ``Memory.facts`` default to facts valid now).

    Raises:
        ConfigError: an empty question, an illegal namespace, a ``k`` or ``hops`` that is no whole number
            (a ``bool`` is none), a non-positive ``k``, ``hops`` outside 0..6, an ``all_time`` that is no
            ``bool``, a speaker that is no string, a time that is no ``datetime``, ``date`` or date text,
            a text that names no date (``since: '2024-13' is not a date: ...``: the argument, what is
            wrong and the forms accepted), or ``since`` after ``until`` (``happened_since`` after
            ``happened_until``).
    """

    text: str
    namespace: str
    k: int = 10
    hops: int = 2
    since: datetime | None = None
    until: datetime | None = None
    speakers: tuple[str, ...] | None = None
    as_of: datetime | None = None
    valid_at: datetime | None = None
    all_time: bool = False
    time_axis: TimeAxis = "either"
    reference: datetime | None = None
    zone: tzinfo | None = None
    happened_since: datetime | None = None
    happened_until: datetime | None = None

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)
        object.__setattr__(self, "zone", read_zone(self.zone))
        if not isinstance(self.text, str):
            raise ConfigError(f"the question must be a string, not {_shown(self.text)}")
        for name in ("k", "hops"):
            object.__setattr__(self, name, _whole(getattr(self, name), name))
        if not isinstance(self.all_time, bool):
            raise ConfigError(f"all_time must be True or False, not {_shown(self.all_time)}")
        object.__setattr__(self, "speakers", _speakers(self.speakers))
        if not self.text.strip():
            raise ConfigError("the question is empty: recall needs words to look for")
        for name in _TIMES:  # aware times and dates, as stored times are compared: naive UTC
            read = as_upper_bound if name in _UPPER else as_moment  # until/as_of a date: the whole day
            object.__setattr__(self, name, read(getattr(self, name), name, self.zone))
        for low, high in (("since", "until"), ("happened_since", "happened_until")):
            start, end = getattr(self, low), getattr(self, high)
            if start is not None and end is not None and start > end:
                raise ConfigError(
                    f"{low} ({start.isoformat(sep=' ')}) is after {high} ({end.isoformat(sep=' ')}):"
                    " the window holds no time"
                )
        if self.time_axis not in TIME_AXES:
            raise ConfigError(f"time_axis must be one of {', '.join(TIME_AXES)}, not {self.time_axis!r}")
        if self.all_time and (self.as_of is not None or self.valid_at is not None):
            raise ConfigError("all_time reads every fact version: give it without as_of and valid_at")
        if self.k < 1:
            raise ConfigError(f"k must be at least 1, not {self.k}")
        if not 0 <= self.hops <= MAX_HOPS:
            raise ConfigError(
                f"hops must be from 0 to {MAX_HOPS}, not {self.hops} (0 = seeds only; with the default weights"
                " nothing is reached after hop 2, and each hop costs one more round of edge fetches)"
            )

    @classmethod
    def of(
        cls,
        text: str,
        *,
        namespace: str,
        k: int = 10,
        hops: int = 2,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        speakers: Sequence[str] | None = None,
        as_of: TimeArg | None = None,
        valid_at: TimeArg | None = None,
        all_time: bool = False,
        time_axis: TimeAxis = "either",
        reference: TimeArg | None = None,
        zone: tzinfo | str | None = None,
        happened_since: TimeArg | None = None,
        happened_until: TimeArg | None = None,
    ) -> RecallRequest:
        """Build a request from the keyword arguments ``Memory.recall`` takes (``speakers`` any sequence
        of names, or one name as a string; times as ``datetime``, ``date`` or date text, read as the
        class docs say)."""
        who = _speakers(speakers)
        zone = read_zone(zone)
        start, end = as_moment(since, "since", zone), as_upper_bound(until, "until", zone)
        believed = as_upper_bound(as_of, "as_of", zone)
        valid, asked = as_moment(valid_at, "valid_at", zone), as_moment(reference, "reference", zone)
        low, high = (
            as_moment(happened_since, "happened_since", zone),
            as_upper_bound(happened_until, "happened_until", zone),
        )
        return cls(
            text, namespace, k, hops, start, end, who, believed, valid, all_time, time_axis, asked, zone, low, high
        )

    @property
    def window(self) -> TimeFilter:
        """The time filter events must pass (``since``..``until``, no later than ``as_of``) and the facts
        traversal follows (current ones unless ``as_of``, ``valid_at`` or ``all_time`` say otherwise).

        Stores bound said time only: on the ``happened`` and ``either`` axes ``since``/``until`` are left
        out here and applied by :meth:`admits` (``as_of`` always bounds said time: what memory knew then).
        """
        from dataclasses import replace

        from graphmem.fact_time import fact_filter

        said = self.time_axis == "said"
        since = self.since if said else None
        until = self.until if said else None
        if self.as_of is not None:
            until = self.as_of if until is None else min(until, self.as_of)
        if self.valid_at is None and self.as_of is None and not self.all_time:
            return TimeFilter(since=since, until=until)  # facts: the current versions (store default)
        facts = fact_filter(valid_at=self.valid_at, as_of=self.as_of, all_time=self.all_time)
        return replace(facts, since=since, until=until)

    def admits(self, event: Event, window: TimeFilter | None = None) -> bool:
        """Whether ``event`` passes ``since``/``until`` on :attr:`time_axis` and ``happened_since``/
        ``happened_until`` (and :attr:`window`, which a caller checking many events passes in, built once)."""
        if not (self.window if window is None else window).admits_event(event):
            return False
        if not self._on_axis(event):
            return False
        if self.happened_since is None and self.happened_until is None:
            return True
        span = event.happened
        return span is None or overlaps(span, self.happened_since, self.happened_until)

    @property
    def bounded(self) -> bool:
        """Whether ``since``, ``until``, ``happened_since`` or ``happened_until`` bounds event time."""
        return any(t is not None for t in (self.since, self.until, self.happened_since, self.happened_until))

    def _on_axis(self, event: Event) -> bool:
        """Whether ``event`` passes ``since``/``until`` on :attr:`time_axis`."""
        if self.time_axis == "said" or (self.since is None and self.until is None):
            return True
        said = event.occurred_at
        said_in = said is None or (
            (self.since is None or said >= self.since) and (self.until is None or said <= self.until)
        )
        if self.time_axis == "either" and said_in:
            return True
        span = event.happened
        if span is None:
            return True  # undated events pass, as on the said axis
        return overlaps(span, self.since, self.until)

    @property
    def speaker_names(self) -> frozenset[str] | None:
        """The normalised speaker names events must match, or ``None`` for anyone."""
        return frozenset(normalise_name(s) for s in self.speakers) if self.speakers is not None else None

    @property
    def filtered(self) -> bool:
        """Whether any filter applies (seed sources then search deeper to find enough admitted events)."""
        return not self.window.empty or self.bounded or self.speakers is not None


def _shown(value: object) -> str:
    """``'3' (str)``: a value and its type, for an error about a wrong type."""
    return f"{value!r} ({type(value).__name__})"


def _whole(value: object, name: str) -> int:
    """``value`` as an ``int`` (any integral number, not a ``bool``), else a :class:`ConfigError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ConfigError(f"{name} must be a whole number, not {_shown(value)}")
    return int(value)


def _speakers(value: object) -> tuple[str, ...] | None:
    """A speaker filter as a tuple of names: a string is one name; ``None`` and an empty sequence are none."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable) or isinstance(value, bytes | bytearray | memoryview):  # no names in bytes
        raise ConfigError(f"speakers must be a name or a sequence of names, not {_shown(value)}")
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise ConfigError(f"speakers must be names (strings), not {_shown(name)}")
    return names or None


def overlaps(span: tuple[datetime, datetime], since: datetime | None, until: datetime | None) -> bool:
    """Whether an interval ``[start, end)`` (a moment when ``start == end``) meets ``[since, until]``."""
    start, end = span
    if until is not None and start > until:
        return False
    if since is None:
        return True
    return end > since if end > start else start >= since
