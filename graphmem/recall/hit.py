"""What recall returns: a :class:`Hit` per event, and :class:`Why` it was returned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from graphmem.models import Event

__all__ = ["AskedDate", "Hit", "Seed", "Step", "TimeWindow", "Why", "event_fields"]


@dataclass(frozen=True, slots=True)
class AskedDate:
    """The date a question names, as recall read it: "last June" asked on 2024-03-03 is June 2023.

    ``start`` .. ``end`` (exclusive) is the interval the ``phrase`` resolved to; ``reference`` is the moment
    a relative phrase ("last June", "two weeks ago") was read against (the request's ``reference``, else
    its ``as_of``, else now), ``None`` for a phrase that names its date alone ("20 May 2023").
    """

    phrase: str
    start: datetime
    end: datetime
    reference: datetime | None = None

    @property
    def exact(self) -> bool:
        """Whether the date is exact, so a turn outside it holds no answer: a date that names itself
        ("20 May 2023", "in 2019"), or a relative one that resolves to a single day ("today", "yesterday",
        "three days ago", "on Monday"). A longer relative date ("last weekend", "last week", "last summer")
        is loose: people say "last weekend" of a Friday night and "last summer" of early September."""
        return self.reference is None or self.end - self.start <= EXACT_SPAN

    def describe(self) -> str:
        """E.g. ``'last June' = 2023-06-01 to 2023-06-30, read against 2024-03-03 10:00``."""
        out = f"{self.phrase!r} = {_span(self.start, self.end)}"
        return out if self.reference is None else f"{out}, read against {_fmt(self.reference)}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``end`` exclusive)."""
        return {
            "phrase": self.phrase,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "reference": _iso(self.reference),
        }


EXACT_SPAN = timedelta(days=1)


def _span(start: datetime, end: datetime) -> str:
    """An interval with an exclusive ``end`` in words: whole days as ``first to last day``."""
    if end <= start:
        return _fmt(start)
    whole_days = start.time() == end.time() == datetime.min.time()
    if whole_days:
        last = datetime.fromordinal(end.toordinal() - 1)
        return _fmt(start) if last == start else f"{_fmt(start)} to {_fmt(last)}"
    return f"{_fmt(start)} to {_fmt(end)} (exclusive)"


@dataclass(frozen=True, slots=True)
class Seed:
    """A starting point of the traversal.

    ``kind`` is ``dense`` (nearest vector), ``text`` (BM25 full-text match) or ``entity`` (a node named
    in the question); ``rank`` is 1-based within its kind; ``score`` is the raw score of that kind
    (cosine similarity, BM25, or the entity's weight); ``label`` is a short human-readable name.
    """

    kind: str
    node_id: str
    score: float
    rank: int
    label: str = ""

    def describe(self) -> str:
        """E.g. ``text #2 (7.31)`` or ``entity 'Melanie'``."""
        if self.kind == "entity":
            return f"entity {self.label or self.node_id!r}"
        return f"{self.kind} #{self.rank} ({self.score:.3g})"

    def describe_at(self) -> str:
        """Like :meth:`describe`, naming the node: ``D1:3 (text #2 (7.31))``."""
        if self.kind == "entity":
            return self.describe()
        return f"{self.label or self.node_id} ({self.describe()})"


@dataclass(frozen=True, slots=True)
class Step:
    """One edge of a path: from ``source`` along ``edge`` to ``target``.

    ``direction`` is ``out`` when the stored edge points from source to target, ``in`` when it was
    followed backwards. ``detail`` names the mention role or the fact predicate when there is one.
    """

    source: str
    edge: str
    target: str
    direction: str = "out"
    detail: str | None = None

    def describe(self) -> str:
        """E.g. ``D1:3 -NEXT-> D1:4`` or ``D1:4 <-MENTIONS- ent:pottery``."""
        label = self.edge if self.detail is None else f"{self.edge}:{self.detail}"
        if self.direction == "in":
            return f"{self.source} <-{label}- {self.target}"
        return f"{self.source} -{label}-> {self.target}"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The time bounds the event passed (``None`` = unbounded) and when it happened.

    ``since``/``until`` bound event time on ``axis`` (``"said"``, ``"happened"`` or ``"either"``, as
    :attr:`RecallRequest.time_axis <graphmem.recall.request.RecallRequest>`); ``as_of`` is the moment whose
    memory was asked for: facts recorded and not expired then, events that had happened by then.
    ``happened`` .. ``happened_end`` is ``Event.happened`` when the text says a time of its own (``None``
    otherwise; ``happened_end`` exclusive, equal to ``happened`` for a moment). ``asked`` is the date the
    question names, as recall resolved it (``None`` when it names none), and ``asked_share`` how much of
    the event lies in it (:func:`graphmem.recall.when.window_share`): 1 said in it or telling of a time
    at least half in it, the share of that time's span inside it when mostly outside, 0 outside; the
    lift is scaled by it. ``happened_since``/``happened_until`` are a second window, on when the event
    happened, that held as well (:attr:`RecallRequest.happened_since <graphmem.recall.request.RecallRequest>`).
    """

    since: datetime | None = None
    until: datetime | None = None
    as_of: datetime | None = None
    occurred_at: datetime | None = None
    happened: datetime | None = None
    axis: str = "said"
    happened_end: datetime | None = None
    asked: AskedDate | None = None
    asked_share: float = 0.0
    happened_since: datetime | None = None
    happened_until: datetime | None = None

    @property
    def bounded(self) -> bool:
        """Whether any bound was set."""
        bounds = (self.since, self.until, self.as_of, self.happened_since, self.happened_until)
        return any(b is not None for b in bounds)

    def describe(self) -> str:
        """E.g. ``2023-05-01 ≤ 2023-05-08 13:56 ≤ 2023-06-01`` or ``2023-05-08 13:56``; the bounds stand
        beside the time they bound (said or happened), so each inequality holds."""
        if self.happened_since is not None or self.happened_until is not None:
            return self._describe_both()
        said = _fmt(self.occurred_at) if self.occurred_at else "undated"
        happened = _fmt(self.happened) if self.happened is not None and self.happened != self.occurred_at else None
        out = said if happened is None else f"happened {happened}, said {said}"
        if self.since is not None or self.until is not None:
            if happened is not None and self._bounds_happened():
                out = f"{self._happened_in_bounds()}, said {said}"
            elif self.occurred_at is None:  # an undated event passes the bounds: it is not compared
                out = said if happened is None else f"{said}, happened {happened}"
            elif happened is not None:
                out = f"{self._between('said ' + said)}, happened {happened}"
            else:
                out = self._between(said)
        if self.as_of is not None:
            out += f" (as of {_fmt(self.as_of)})"
        return out

    def _bounds_happened(self) -> bool:
        """Whether ``since``/``until`` admitted the event by when it happened (not by when it was said)."""
        if self.axis == "happened":
            return True
        if self.axis != "either" or self.occurred_at is None:
            return False
        said = self.occurred_at
        return not ((self.since is None or said >= self.since) and (self.until is None or said <= self.until))

    def _describe_both(self) -> str:
        """:meth:`describe` with a window on each time: the said time in ``since``/``until`` (when they
        bound it), then the happened time in ``happened_since``/``happened_until``."""
        said = _fmt(self.occurred_at) if self.occurred_at else "undated"
        if self.occurred_at is None:
            out = said
        elif self.since is not None or self.until is not None:
            out = self._between(f"said {said}")
        else:
            out = f"said {said}"
        if self.happened is not None:
            low, high = self.happened_since, self.happened_until
            out += ", " + self._happened_in_bounds(low, high)
        elif self.occurred_at is not None:
            out += ", happened when said"
        if self.as_of is not None:
            out += f" (as of {_fmt(self.as_of)})"
        return out

    def _between(self, what: str, since: datetime | None = None, until: datetime | None = None) -> str:
        since, until = (self.since, self.until) if since is None and until is None else (since, until)
        low = f"{_fmt(since)} ≤ " if since is not None else ""
        high = f" ≤ {_fmt(until)}" if until is not None else ""
        return f"{low}{what}{high}"

    def _happened_in_bounds(self, since: datetime | None = None, until: datetime | None = None) -> str:
        """The happened span against the bounds (``since``/``until``, unless others are given): an
        inequality when it starts within them, else the overlap."""
        since, until = (self.since, self.until) if since is None and until is None else (since, until)
        start = self.happened
        assert start is not None
        end = self.happened_end if self.happened_end is not None else start
        if since is None or start >= since:
            return self._between(f"happened {_fmt(start)}", since, until)
        bounds = f"{_fmt(since)} – {_fmt(until)}" if until is not None else f"≥ {_fmt(since)}"
        return f"happened {_fmt(start)} to {_fmt(end)}, overlapping {bounds}"


def _fmt(when: datetime) -> str:
    if when.hour == when.minute == when.second == 0:
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%d %H:%M")


_LIFTS = {
    "speaker": "spoken by a person asked about",
    "answer_type": "names a thing of the asked type",
    "time": "says when",
    "date": "in the date asked about",
    "now": "states what holds now",
}


@dataclass(frozen=True, slots=True)
class Why:
    """Why an event was returned.

    Attributes:
        seeds: the event's own seed entries (how the dense and full-text searches ranked it), best
            first, then the seed its best path starts from when that is another node.
        path: the edges from ``origin`` to the event, when what arrived over them outweighs the event's
            own seed score (empty otherwise).
        origin: the seed ``path`` starts from (``None`` when there is no path).
        window: the time window that admitted it.
        speakers: the speaker filter it passed (``None`` when there was none).
        parts: the score decomposed: ``seed`` (its own fused seed score), ``graph`` (what arrived over
            ``NEXT`` and ``IN_SESSION`` edges), ``link`` (what arrived through things and facts,
            calibrated per query) and the relative lifts that applied: ``speaker`` (spoken by a person the question
            names), ``answer_type`` (mentions a thing of the asked type), ``time`` (says when, for a
            "when" question), ``date`` (happened or was said within the date the question names),
            ``now`` (states what holds now, for a question about now); ``asks`` is the share kept by a
            turn that only asks (it holds no answer), ``outside`` the share kept by a turn outside a date
            the question names by itself ("in August 2023").
        via: the things and facts the largest ``link`` contribution came through, named, e.g.
            ``entity 'Sintra' (MENTIONS)`` (empty when nothing arrived that way).
    """

    seeds: tuple[Seed, ...]
    path: tuple[Step, ...] = ()
    origin: Seed | None = None
    window: TimeWindow = field(default_factory=TimeWindow)
    speakers: tuple[str, ...] | None = None
    parts: dict[str, float] = field(default_factory=dict)
    via: tuple[str, ...] = ()

    def describe(self) -> str:
        """A one-line explanation for tables."""
        bits = []
        own = [s for s in self.seeds if s is not self.origin]
        if own:
            bits.append(" + ".join(s.describe() for s in own[:3]))
        linked = any(step.edge in {"MENTIONS", "FACT"} for step in self.path)
        if self.path:
            start = f" from {self.origin.describe_at()}" if self.origin is not None else ""
            through = f" via {', '.join(self.via)}" if linked and self.via else ""
            bits.append(f"reached{start}{through}: " + ", ".join(s.describe() for s in self.path))
        if self.via and not linked:
            bits.append("linked via " + ", ".join(self.via))
        lifts = [self._lift(key, label) for key, label in _LIFTS.items() if self.parts.get(key)]
        if lifts:
            bits.append("lifted: " + ", ".join(lifts))
        if self.window.asked is not None and not self.parts.get("date"):
            lowered = "lowered: " if self.parts.get("outside") else ""
            bits.append(f"{lowered}not in the date asked about ({self.window.asked.describe()})")
        if self.parts.get("asks"):
            bits.append("lowered: it only asks")
        if self.window.bounded:
            bits.append("in " + self.window.describe())
        if self.speakers:
            bits.append("speaker in " + ", ".join(self.speakers))
        return "; ".join(bits)

    def _lift(self, key: str, label: str) -> str:
        asked = self.window.asked
        if key != "date" or asked is None:
            return label
        share = self.window.asked_share
        if share < 1.0:
            label = f"partly {label}, {share:.0%} of the time it tells of"
        return f"{label} ({asked.describe()})"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "seeds": [
                {"kind": s.kind, "node_id": s.node_id, "score": s.score, "rank": s.rank, "label": s.label}
                for s in self.seeds
            ],
            "origin": (
                {
                    "kind": self.origin.kind,
                    "node_id": self.origin.node_id,
                    "score": self.origin.score,
                    "rank": self.origin.rank,
                    "label": self.origin.label,
                }
                if self.origin is not None
                else None
            ),
            "path": [
                {"source": s.source, "edge": s.edge, "target": s.target, "direction": s.direction, "detail": s.detail}
                for s in self.path
            ],
            "window": {
                "since": _iso(self.window.since),
                "until": _iso(self.window.until),
                "as_of": _iso(self.window.as_of),
                "occurred_at": _iso(self.window.occurred_at),
                "happened": _iso(self.window.happened),
                "happened_end": _iso(self.window.happened_end),
                "axis": self.window.axis,
                "happened_since": _iso(self.window.happened_since),
                "happened_until": _iso(self.window.happened_until),
                "asked": (
                    {**self.window.asked.as_dict(), "share": self.window.asked_share}
                    if self.window.asked is not None
                    else None
                ),
            },
            "speakers": list(self.speakers) if self.speakers is not None else None,
            "parts": dict(self.parts),
            "via": list(self.via),
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def event_fields(ev: Event) -> dict[str, Any]:
    """The JSON-ready fields of an event that recall results show (id, source id, session, speaker, text, time)."""
    return {
        "event_id": ev.id,
        "source_id": ev.source_id,
        "session": ev.session,
        "speaker": ev.speaker,
        "text": ev.text,
        "occurred_at": _iso(ev.occurred_at),
        "happened": [_iso(t) for t in span] if (span := ev.happened) is not None else None,
    }


@dataclass(frozen=True, slots=True)
class Hit:
    """One recalled event with its score (higher is better) and the reason it was recalled."""

    event: Event
    score: float
    why: Why

    @property
    def source_id(self) -> str | None:
        """The input's own id of the event (e.g. a LoCoMo ``dia_id``)."""
        return self.event.source_id

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**event_fields(self.event), "score": self.score, "why": self.why.as_dict()}
