"""Looking things up by name: an entity's timeline and facts, named (``Memory.timeline``/``Memory.facts``).

These are the direct reads an agent asks for most, without writing a query: "what happened with
Riley between May and June" and "what is true about Riley now". Names are matched as the store does
(name or alias, ignoring case and accents); a name that matches none is then read as part of one
(:func:`match_entity`): ``Caro`` for Caroline, ``smith`` for Caroline Smith. One name
matched so is used (the CLI and the MCP tools say which); several are a
:class:`~graphmem.errors.NotFoundError` listing them; none is one that suggests the closest names the
namespace holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from graphmem.errors import ConfigError, NotFoundError
from graphmem.extract.temporal import plan_target
from graphmem.models import EdgeType, Entity, Event, Fact, TimeRef, validate_namespace
from graphmem.store.base import Direction, GraphStore, TimeFilter

if TYPE_CHECKING:
    from graphmem.dates import TimeArg
    from graphmem.memory import Memory
    from graphmem.recall.request import RecallRequest, TimeAxis

__all__ = [
    "EntityMatch",
    "StatedFact",
    "entity_facts",
    "match_entity",
    "no_entity_message",
    "require_speakers",
    "resolve_entity",
    "timeline",
]

_EVENT_EDGES = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)


@dataclass(frozen=True, slots=True)
class StatedFact:
    """A fact with the names of its two ends, ready to show.

    Attributes:
        fact: the fact (ids, both time axes, evidence): as stored, or the statements of one holding
            merged into one (:func:`graphmem.fact_time.coalesce`).
        subject: the subject entity's name.
        object: the object entity's name.
    """

    fact: Fact
    subject: str
    object: str
    #: the time a plan is for ("Next month I will visit Rome" said in June: July), read off its statement's
    #: time phrase; ``None`` for other facts and for a plan told with no time
    target: TimeRef | None = None

    def describe(self, *, history: bool = False) -> str:
        """E.g. ``Riley works_at Hackney Music School (from 2024-10-31)``; a plan names the time it is
        for: ``Ana plans Rome (from 2023-06-14, until 2023-08-01, for 2023-07)``.

        With ``history`` (a list of every version, where a retired belief would otherwise read as a current
        one), the line also says when memory learned the version and whether a later statement replaced it:
        ``Ana lives_in Leeds (from 2025-03-03) [recorded 2025-03-03, replaced 2025-04-20]`` or
        ``[recorded 2025-04-20, current]``."""
        f = self.fact
        span = []
        if f.valid_from is not None:
            span.append(f"from {_day(f.valid_from)}")
        if f.valid_to is not None:
            span.append(f"until {_day(f.valid_to)}")
        if self.target is not None:
            span.append(f"for {_period(self.target)}")
        when = f" ({', '.join(span)})" if span else ""
        line = f"{self.subject} {f.predicate} {self.object}{when}"
        if not history:
            return line
        belief = "current" if f.expired_at is None else f"replaced {_day(f.expired_at)}"
        return f"{line} [recorded {_day(f.recorded_at)}, {belief}]"

    def describe_target(self) -> str:
        """The time a plan is for, as :meth:`describe` shows it (``2023-07``), or ``""``."""
        return _period(self.target) if self.target is not None else ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        f = self.fact
        return {
            "fact_id": f.id,
            "subject": self.subject,
            "predicate": f.predicate,
            "object": self.object,
            "valid_from": _iso(f.valid_from),
            "valid_to": _iso(f.valid_to),
            "recorded_at": _iso(f.recorded_at),
            "expired_at": _iso(f.expired_at),
            "evidence": list(f.evidence),
            "confidence": f.confidence,
            "target": _target_dict(self.target),
        }


def _day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


def _period(ref: TimeRef) -> str:
    """A resolved time phrase as its period: ``2023-07`` for a month, ``2025`` for a year, a day, a week by
    its first day, a clock time, else ``2023-07-01 to 2023-07-14`` (the last day included)."""
    start, end = ref.start, ref.end
    assert start is not None
    if end is None or end <= start or ref.grain == "time":
        return start.strftime("%Y-%m-%d %H:%M") if ref.grain == "time" else _day(start)
    midnight = start == start.replace(hour=0, minute=0, second=0, microsecond=0)
    if ref.grain == "year" and start == datetime(start.year, 1, 1) and end == datetime(start.year + 1, 1, 1):
        return str(start.year)
    if midnight and ref.grain == "month" and start.day == 1 and end == _next_month(start):
        return start.strftime("%Y-%m")
    if midnight and ref.grain == "week" and end - start == timedelta(days=7):
        return f"the week of {_day(start)}"
    if midnight and end - start == timedelta(days=1):
        return _day(start)
    last = end - timedelta(days=1) if end == end.replace(hour=0, minute=0, second=0, microsecond=0) else end
    return f"{_day(start)} to {_day(last)}"


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _target_dict(ref: TimeRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"phrase": ref.phrase, "from": _iso(ref.start), "to": _iso(ref.end), "grain": ref.grain}


def _targets(store: GraphStore, namespace: str, facts: Iterable[Fact]) -> dict[str, TimeRef]:
    """The time each plan among ``facts`` is for, by fact id: its time phrase as the statement's event
    resolved it (:func:`~graphmem.extract.temporal.plan_target`)."""
    plans = [f for f in facts if f.predicate == "plans" and f.time_phrase is not None and f.evidence]
    if not plans:
        return {}
    events = {e.id: e for e in store.get_events(namespace, sorted({e for f in plans for e in f.evidence}))}
    out: dict[str, TimeRef] = {}
    for f in plans:
        for eid in f.evidence:
            event = events.get(eid)
            ref = plan_target(f, event.times) if event else None
            if ref is not None:
                out[f.id] = ref
                break
    return out


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


@dataclass(frozen=True, slots=True)
class EntityMatch:
    """The entities a name given by a user stands for.

    Attributes:
        asked: the name as given.
        entities: the entities it stands for (never empty; several when they share the name).
        name: the name they go by, as stored (``Tomás`` when ``tomas`` was asked; an alias asked gives
            the entity's name), or the one name ``asked`` is part of; ``asked`` itself only when it is an
            alias of entities with different names.
        exact: whether ``asked`` is a name or alias of theirs (ignoring case and accents), not a part.
    """

    asked: str
    entities: tuple[Entity, ...]
    name: str
    exact: bool = True
    #: How a part was matched: its words are words of the name (``True``), or begin them.
    whole: bool = True
    #: The alias the part was found in, when not in the name itself.
    alias: str | None = None

    def note(self) -> str | None:
        """What to tell a user when the name was read as part of another: ``'Caro' is taken as 'Caroline
        Smith', the only name with a word beginning 'Caro'``."""
        if self.exact:
            return None
        words = self.asked.split()
        if self.whole:
            how = f"the word {self.asked.strip()!r}" if len(words) == 1 else f"the words {' '.join(words)!r}"
        elif len(words) == 1:
            how = f"a word beginning {words[0]!r}"
        else:
            how = f"words beginning {', '.join(repr(w) for w in words)} in that order"
        where = f" (in its alias {self.alias!r})" if self.alias is not None else ""
        return f"{self.asked!r} is taken as {self.name!r}, the only name with {how}{where}"


def _part_of(asked: list[str], name: str, *, whole: bool) -> bool:
    """Whether each word of ``asked`` is (``whole``) or begins a word of ``name``, in order (both
    normalised and split)."""
    words = name.split()
    at = 0
    for part in asked:
        while at < len(words) and not (words[at] == part if whole else words[at].startswith(part)):
            at += 1
        if at == len(words):
            return False
        at += 1
    return True


#: How many names an ambiguous name's error lists.
_SHOWN = 10


def match_entity(store: GraphStore, namespace: str, name: str) -> EntityMatch:
    """The entities ``name`` stands for in ``namespace``: those with it as name or alias (ignoring case and
    accents), else those whose name or alias it is part of, when that is one name.

    Part of a name: each of its words is a word of the name, in order (``smith`` for Caroline Smith),
    else begins one (``Caro`` for Caroline, ``C Smith`` for Caroline Smith): whole words are tried first,
    so ``Smith`` is Caroline Smith even beside Zoë Smithers. Entities matched through an alias count under
    their name, so a name and its aliases are one match.

    Raises:
        ConfigError: an illegal namespace.
        NotFoundError: no entity has that name and it is part of none (the message suggests the closest
            names), or it is part of several names (the message lists them).
    """
    from graphmem.text import normalise_name

    validate_namespace(namespace)
    found = store.find_entities(namespace, name, limit=10)
    if found:
        return EntityMatch(name, tuple(found), _stored_name(name, found))
    asked = normalise_name(name).split()
    held = [(ent, [normalise_name(n) for n in (ent.name, *ent.aliases)]) for ent in store.iter_entities(namespace)]
    if not held:
        raise NotFoundError(f"namespace {namespace!r} holds no entities")
    by_name: dict[str, list[Entity]] = {}
    by_alias: dict[str, str] = {}  # entity id → the alias the part was found in (not its name)
    whole = True
    for whole in (True, False):
        for ent, names in held:
            hits = [i for i, n in enumerate(names) if asked and _part_of(asked, n, whole=whole)]
            if hits:
                by_name.setdefault(normalise_name(ent.name), []).append(ent)
                if hits[0] > 0:
                    by_alias[ent.id] = ent.aliases[hits[0] - 1]
        if by_name:
            break
    if len(by_name) == 1:
        entities = sorted(next(iter(by_name.values())), key=lambda e: e.id)
        in_name = [e for e in entities if e.id not in by_alias]
        alias = None if in_name else by_alias[entities[0].id]
        return EntityMatch(name, tuple(entities), entities[0].name, exact=False, whole=whole, alias=alias)
    if by_name:
        names = sorted({ents[0].name for ents in by_name.values()}, key=lambda n: (n.casefold(), n))
        shown = ", ".join(repr(n) for n in names[:_SHOWN]) + (
            f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
        )
        raise NotFoundError(
            f"{name!r} is part of {len(names)} names in namespace {namespace!r}: {shown}; give one of them whole"
        )
    raise NotFoundError(no_entity_message(store, namespace, name))


def _stored_name(asked: str, found: list[Entity]) -> str:
    """The name ``found`` (matched by ``asked`` as a name or alias) go by, as the store spells it: the one
    whose name ``asked`` is (``Tomás`` for ``tomas``), else their one name (``Tomás`` for his alias
    ``Tom``), else ``asked`` itself (aliases of entities with several names)."""
    from graphmem.text import normalise_name

    wanted = normalise_name(asked)
    same = next((e.name for e in found if normalise_name(e.name) == wanted), None)
    if same is not None:
        return same
    names = {e.name for e in found}
    return found[0].name if len(names) == 1 else asked


def resolve_entity(store: GraphStore, namespace: str, name: str) -> list[Entity]:
    """The entities ``name`` stands for in ``namespace`` (:func:`match_entity`); never empty.

    Raises:
        ConfigError: an illegal namespace.
        NotFoundError: as :func:`match_entity`.
    """
    return list(match_entity(store, namespace, name).entities)


def no_entity_message(store: GraphStore, namespace: str, name: str) -> str:
    """``no entity named 'Biscit' in namespace 'n'; closest: 'Biscuit'``: the closest names, if any are close."""
    from rapidfuzz import process

    names = sorted({e.name for e in store.iter_entities(namespace)})
    close = [match for match, score, _ in process.extract(name, names, limit=3) if score >= 60] if names else []
    hint = f"; closest: {', '.join(repr(c) for c in close)}" if close else ""
    return f"no entity named {name!r} in namespace {namespace!r}{hint}"


def _require_predicate(store: GraphStore, namespace: str, predicate: str) -> None:
    """Raise unless some fact of ``namespace``, of any time, has ``predicate`` (a mistyped one named).

    Raises:
        NotFoundError: no fact has it; the message lists the closest predicates the namespace holds.
    """
    from rapidfuzz import process

    known = sorted({f.predicate for f in store.iter_facts(namespace, time=TimeFilter(history=True))})
    if predicate in known:
        return
    close = [match for match, score, _ in process.extract(predicate, known, limit=3) if score >= 60]
    hint = (
        f"; closest: {', '.join(repr(c) for c in close)}" if close else f" (predicates: {', '.join(known) or 'none'})"
    )
    raise NotFoundError(f"no fact in namespace {namespace!r} has predicate {predicate!r}{hint}")


def _entities_in(match: EntityMatch, namespace: str) -> tuple[Entity, ...]:
    """The entities of ``match``, made in ``namespace`` (another namespace's ids would find nothing here, or
    another namespace's entity of the same id).

    Raises:
        ConfigError: the match was made in another namespace.
    """
    other = next((e.namespace for e in match.entities if e.namespace != namespace), None)
    if other is not None:
        raise ConfigError(f"the match for {match.asked!r} was made in namespace {other!r}, not {namespace!r}")
    return match.entities


def timeline(
    store: GraphStore,
    namespace: str,
    entity: str | EntityMatch,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    time_axis: TimeAxis = "either",
) -> list[Event]:
    """The events that mention the entity called ``entity`` (or matched already) or that it spoke, in time order.

    ``since``/``until`` bound (inclusive) the time ``time_axis`` names, as in recall: ``"said"`` when the turn
    was said, ``"happened"`` when what it tells of happened, ``"either"`` (the default) one or the other;
    undated events always pass, as in recall.

    Raises:
        ConfigError: an illegal namespace; a match made in another namespace.
        NotFoundError: the name stands for no entity, or is part of several names (:func:`match_entity`).
    """
    request = _axis_filter(since, until, time_axis)
    window = request.window  # the store bounds said time only; the other axes are checked on each event
    ids: dict[str, None] = {}
    found = (
        _entities_in(entity, namespace) if isinstance(entity, EntityMatch) else resolve_entity(store, namespace, entity)
    )
    for ent in found:
        for nb in store.neighbors(namespace, ent.id, edge_types=_EVENT_EDGES, direction=Direction.IN, time=window):
            ids.setdefault(nb.node_id, None)
    events = [ev for ev in store.get_events(namespace, list(ids)) if request.admits(ev, window)]
    order = {s.id: s.index for s in store.iter_sessions(namespace)}
    # by when it was said (a message added late with an earlier time goes before the newer ones), as the
    # DSL's TIMELINE sorts, undated events last; ties in the order of their sessions and turns
    return sorted(
        events,
        key=lambda ev: (ev.occurred_at is None, ev.occurred_at or datetime.min, order.get(ev.session, 0), ev.seq),
    )


def _axis_filter(since: datetime | None, until: datetime | None, time_axis: TimeAxis) -> RecallRequest:
    """Recall's reading of ``since``/``until`` on ``time_axis`` (its ``admits``), for a timeline."""
    from graphmem.recall.request import RecallRequest

    return RecallRequest.of("timeline", namespace="timeline", since=since, until=until, time_axis=time_axis)


def entity_facts(
    store: GraphStore,
    namespace: str,
    entity: str | EntityMatch | Iterable[Entity] | None = None,
    *,
    predicate: str | None = None,
    valid_at: datetime | None = None,
    as_of: datetime | None = None,
    all_time: bool = False,
    now: datetime | None = None,
    coalesce: bool = True,
    valid_during: tuple[TimeArg | None, TimeArg | None] | None = None,
) -> list[StatedFact]:
    """Facts of ``namespace`` (about ``entity`` when given) on their two time axes, named, oldest first.

    Current facts by default: valid now, in the version memory holds now (:mod:`graphmem.fact_time`).
    A fact said again ("I still work at Globex") is one fact from its earliest start, backed by every
    statement (:func:`graphmem.fact_time.coalesce`), unless ``coalesce`` is false.

    Args:
        store: the store to read.
        namespace: the namespace.
        entity: a name (resolved with :func:`match_entity`), a match or entities already resolved, or ``None``
            for every fact of the namespace.
        predicate: only facts with this predicate.
        valid_at: what held at this moment (default: now), as memory knows it now.
        as_of: what memory believed at this moment (about that moment, unless ``valid_at`` is given).
        all_time: every version, whatever its times (not with ``valid_at``/``as_of``).
        now: the current time (default: the clock), for tests and replays.
        coalesce: merge the statements of one holding (default); false: one fact per statement and version.
        valid_during: ``(start, end)``: the facts that held at some moment from ``start`` to ``end`` (both
            included, either ``None`` for open; each a ``datetime``, a ``date`` or date text, an end's date
            kept whole; :func:`graphmem.fact_time.held_during`), in the versions
            memory held at ``as_of`` (default: now); not with ``valid_at``/``all_time``. A holding is
            merged before it is compared with the window, so it shows its whole span.

    Raises:
        ConfigError: an illegal namespace; ``all_time`` with ``valid_at``/``as_of``; ``valid_during`` with
            ``valid_at``/``all_time``, or starting after it ends; a match made in another namespace.
        NotFoundError: ``entity`` is a name no entity has, or ``predicate`` one no fact has (at any time).
    """
    from graphmem.fact_time import as_upper_bound, begun, fact_filter, held_during
    from graphmem.fact_time import coalesce as coalesced

    validate_namespace(namespace)
    if valid_during is None:
        window = fact_filter(valid_at=valid_at, as_of=as_of, all_time=all_time, now=now)
    else:
        start, end = _valid_window(valid_during, valid_at=valid_at, all_time=all_time)
        window = TimeFilter(as_of=as_upper_bound(as_of, "as_of"))  # valid time is compared after coalescing
    facts: dict[str, Fact] = {}
    entities: list[Entity] = []
    if entity is None:
        for f in store.iter_facts(namespace, time=window):
            if predicate in (None, f.predicate):
                facts.setdefault(f.id, f)
    else:
        if isinstance(entity, str):
            entities = resolve_entity(store, namespace, entity)
        else:
            entities = list(_entities_in(entity, namespace) if isinstance(entity, EntityMatch) else entity)
        for ent in entities:
            for nb in store.neighbors(namespace, ent.id, edge_types=(EdgeType.FACT,), time=window):
                fact = nb.fact
                if fact is not None and window.admits_fact(fact) and predicate in (None, fact.predicate):
                    facts.setdefault(fact.id, fact)
    if predicate is not None and not facts:
        _require_predicate(store, namespace, predicate)
    if window.valid_at is not None:  # a statement told as ended before its fact began is left out
        facts = {f.id: f for f in begun(store, namespace, list(facts.values()), window)}
    names: dict[str, str] = {e.id: e.name for e in entities}
    for fact in facts.values():
        for node in (fact.subject_id, fact.object_id):
            if node not in names:
                found = store.get_entity(namespace, node)
                names[node] = found.name if found is not None else node
    listed = coalesced(facts.values(), history=window.history) if coalesce else list(facts.values())
    if valid_during is not None:
        listed = [f for f in listed if held_during(f, start, end)]
    ordered = sorted(listed, key=lambda f: (f.valid_from or f.recorded_at, f.recorded_at, f.id))
    targets = _targets(store, namespace, ordered)
    return [StatedFact(f, names[f.subject_id], names[f.object_id], targets.get(f.id)) for f in ordered]


def _valid_window(
    during: tuple[TimeArg | None, TimeArg | None], *, valid_at: datetime | None, all_time: bool
) -> tuple[datetime | None, datetime | None]:
    """``valid_during`` checked and read as stored times are (an end given as a date: the end of that day)."""
    from graphmem.fact_time import as_moment, as_upper_bound

    if valid_at is not None or all_time:
        raise ConfigError("valid_during is a window of valid time: give it without valid_at and all_time")
    if not isinstance(during, tuple) or len(during) != 2:
        raise ConfigError(f"valid_during must be a (start, end) pair, not {during!r}")
    start, end = as_moment(during[0], "valid_during start"), as_upper_bound(during[1], "valid_during end")
    if start is not None and end is not None and start > end:
        raise ConfigError(f"valid_during starts ({start.isoformat(sep=' ')}) after it ends ({end.isoformat(sep=' ')})")
    return start, end


def require_speakers(memory: Memory, namespace: str, wanted: Iterable[str]) -> None:
    """Refuse a speaker who never speaks in the namespace (recall filtered by them would find nothing).

    ``graphmem recall --speaker`` and the MCP ``recall`` tool's ``speakers`` check with this before
    recalling; :func:`graphmem.recall.recall` itself makes the same check
    (:func:`graphmem.recall.speakers.require_known_speakers`).

    Raises:
        UnknownNamespaceError: the namespace holds no data.
        UnknownSpeakerError: a speaker is unknown (a :class:`ConfigError`); the message lists the speakers
            and suggests the closest.
    """
    from graphmem.namespaces import require_namespace
    from graphmem.recall.speakers import require_known_speakers

    require_namespace(namespace, memory.namespaces(), where=memory.store.uri)
    cache = memory.recall_cache(namespace)  # the speakers as recall reads them (kept for it)
    require_known_speakers(memory.store, namespace, cache, wanted, where=memory.store.uri)
