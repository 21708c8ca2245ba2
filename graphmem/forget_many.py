"""Forgetting many messages at once: a whole session, or everything about a person or thing.

:meth:`graphmem.Memory.forget` with ``session=`` or ``about=`` finds the events to forget
(:func:`plan_forget`, a :class:`ForgetPlan` the CLI also shows before asking) and forgets each with
:func:`graphmem.forget.forget_message`, so each keeps every guarantee of forgetting one message: the next
turn that stays is embedded again, an entity keeps only the names remaining messages say, facts are dated
and their ends derived again without it.

**A session**: every event of it. **About a name**: the entities it stands for (a name or alias, ignoring
case and accents, as :meth:`~graphmem.Memory.timeline` reads it, :func:`graphmem.lookup.match_entity`, but
never part of a name: a deletion does not guess, so ``Caro`` is an error naming ``Caroline``); every
event they said or that mentions them, and every event whose text or speaker says one of their names or
aliases as a name (:mod:`graphmem.forget_names`: "Did you mark the essays?" does not name Mark, "Sam" in
"Sam Park says hi." is not Sam Lee, and a one-word alias another entity's name has is not searched alone),
as extraction may have missed a mention and the text is what would leak. Once those are gone no entity,
alias, fact, vector, full-text entry or export line holds their names (another entity keeps its own): an
entity another message still names loses the names only forgotten messages said.

**Others' turns that speak to them.** A turn of another speaker that mentions them only as "you" ("I will
call you tomorrow.") goes too: the store keeps a turn whole, with the mention of them that extraction made
of "you" and the facts it stated about them, so kept, it would keep them (their entity, what they do). The
plan counts those apart (:attr:`ForgetPlan.said`, :attr:`ForgetPlan.naming`, the rest), and the CLI says so
before asking.

**Order.** Each session's turns go last first, so a turn about to go is never embedded again as the reply
of one forgotten before it (a kept turn after a forgotten run is embedded again once per forgotten turn of
the run). For ``about``, one event that says each entity's name goes last, so the entity keeps that name
until the end. After the planned events are gone the events are looked for again (another client may have
written some meanwhile) until none is left.

**Interrupted** (an error, Ctrl-C): each message forgotten stays forgotten (each is its own transactions,
:mod:`graphmem.forget`), and the same forget run again finishes the work: the session still holds the
turns left, and the entity keeps its name while an event naming it remains.

**Scrubbed once.** On a store that can (:class:`~graphmem.store.base.ForgetsInBulk`, the embedded one), the
forgets leave the full-text index's merge, the log's emptying and the file's rewrite to the end of the
whole forget, made once (also when it raised): so forgotten words stay in the index's older segments and
page images in the log only while it runs (a process killed meanwhile leaves them to the next forget).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError, NotFoundError, StoreError
from graphmem.extract.names import normalize_name
from graphmem.forget_names import names_in, searched_names
from graphmem.models import EdgeType, Event
from graphmem.store.base import Direction, ForgetsInBulk
from graphmem.store.results import DeleteResult

if TYPE_CHECKING:
    from graphmem.reembed import ReembedTarget
    from graphmem.store.base import GraphStore

__all__ = ["ForgetPlan", "add_results", "forget_planned", "plan_forget"]

_MENTIONS = [EdgeType.MENTIONS, EdgeType.SPOKEN_BY]
#: Sessions named when a session asked for is not in the namespace.
_SHOWN = 5


@dataclass(frozen=True, slots=True)
class ForgetPlan:
    """What a forget of a session or of everything about a name deletes.

    Attributes:
        namespace: the namespace, as stored.
        events: the events to forget, in the order they are forgotten.
        session: the session asked for (``None`` for ``about``).
        about: the name asked for (``None`` for ``session``).
        entities: ``about``: the ids of the entities the name stands for.
        names: ``about``: their names and aliases searched in what is said (:mod:`graphmem.forget_names`); an
            event saying one is forgotten.
        alone: ``about``: their one-word aliases not searched alone (another entity's name has that word).
        said: ``about``: the ids of the events they said.
        naming: ``about``: the ids of the events others said that say one of ``names``; the rest of the
            events, others', mention them without saying a name searched ("I will call you tomorrow.").
    """

    namespace: str
    events: tuple[Event, ...]
    session: str | None = None
    about: str | None = None
    entities: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    alone: tuple[str, ...] = ()
    said: frozenset[str] = frozenset()
    naming: frozenset[str] = frozenset()

    @property
    def sessions(self) -> list[str]:
        """The sessions the events are of, each once, in time order."""
        return list(dict.fromkeys(ev.session for ev in sorted(self.events, key=_time_order)))

    def first(self, n: int = 3) -> list[Event]:
        """The first ``n`` events of the plan in time order (for a user to see what goes)."""
        return sorted(self.events, key=_time_order)[:n]


def _time_order(ev: Event) -> tuple[str, str, int]:
    return (ev.occurred_at.isoformat() if ev.occurred_at else "", ev.session, ev.seq)


def plan_forget(
    store: GraphStore, namespace: str, *, session: str | None = None, about: str | None = None
) -> ForgetPlan:
    """What forgetting ``session`` or everything ``about`` a name of ``namespace`` deletes (one of them).

    Raises:
        ConfigError: both or neither of ``session`` and ``about`` given.
        NotFoundError: the namespace holds no session ``session`` (the closest are named), or ``about``
            is the name or alias of no entity (the name it is part of, or the closest, are named:
            :func:`graphmem.lookup.match_entity`).
    """
    if (session is None) == (about is None):
        raise ConfigError("forget: give one of session and about")
    if session is not None:
        if store.get_session(namespace, session) is None:
            raise NotFoundError(_no_session(store, namespace, session))
        return ForgetPlan(namespace, tuple(_session_events(store, namespace, session)), session=session)
    from graphmem.lookup import match_entity

    assert about is not None
    try:
        match = match_entity(store, namespace, about)
    except NotFoundError as exc:
        raise NotFoundError(
            f"forget: nothing in namespace {namespace!r} is called {about!r} (already forgotten?); {exc}; "
            "nothing was deleted"
        ) from exc
    if not match.exact:  # a deletion never guesses: "Caro" must not erase Caroline unasked
        raise NotFoundError(
            f"forget: {about!r} is no name or alias in namespace {namespace!r}, only part of {match.name!r}; "
            f"to forget everything about them, give the whole name (about={match.name!r}); nothing was deleted"
        )
    ids = tuple(e.id for e in match.entities)
    search = searched_names(match.entities, store.iter_entities(namespace))
    plan = ForgetPlan(namespace, (), about=about, entities=ids, names=search.names, alone=search.alone)
    events, said, naming = _about_events(store, plan)
    return replace(plan, events=tuple(events), said=frozenset(said), naming=frozenset(naming))


def _no_session(store: GraphStore, namespace: str, session: str) -> str:
    held = sorted(s.id for s in store.iter_sessions(namespace))
    message = f"no session {session!r} in namespace {namespace!r}"
    score = {s: difflib.SequenceMatcher(None, session, s).ratio() for s in held}
    near = sorted((s for s in held if score[s] >= 0.5), key=lambda s: (-score[s], s))[:3]  # ties in order
    digits = "".join(c for c in session if c.isdigit())
    near += [s for s in held if digits and s not in near and "".join(c for c in s if c.isdigit()) == digits]
    if near:
        return message + f" (did you mean {' or '.join(repr(s) for s in near[:3])}?)"
    shown = ", ".join(repr(s) for s in held[:_SHOWN]) + (
        f" and {len(held) - _SHOWN} more" if len(held) > _SHOWN else ""
    )
    return message + (f"; it holds {shown}" if held else "")


def _session_events(store: GraphStore, namespace: str, session: str) -> list[Event]:
    """The events of ``session``, last first."""
    return sorted(store.iter_events(namespace, session=session), key=lambda ev: -ev.seq)


def _about_events(store: GraphStore, plan: ForgetPlan) -> tuple[list[Event], set[str], set[str]]:
    """The events about ``plan``'s entities: those mentioning or spoken by them, and those whose text or speaker
    says one of the names searched (:mod:`graphmem.forget_names`); each session's last first, then, last of all,
    for each entity still named, one event that says its name (so it keeps that name while any event to forget
    is left). With them, the ids of those the entities said and of the others that say a name searched."""
    ns = plan.namespace
    mentioning: dict[str, set[str]] = {}  # event id → the entities it mentions
    spoken: set[str] = set()
    for entity_id in plan.entities:
        for hop in store.neighbors(ns, entity_id, edge_types=_MENTIONS, direction=Direction.IN):
            mentioning.setdefault(hop.node_id, set()).add(entity_id)
            if hop.edge == EdgeType.SPOKEN_BY:
                spoken.add(hop.node_id)
    events: list[Event] = []
    naming: set[str] = set()
    for ev in store.iter_events(ns):
        said = names_in(ev.text, ev.speaker, plan.names)
        if said and ev.id not in mentioning:  # not when the name is part of another entity's it mentions
            said = names_in(ev.text, ev.speaker, plan.names, _other_names(store, ns, ev, plan.entities))
        if ev.speaker and any(normalize_name(ev.speaker) == normalize_name(n) for n in plan.names):
            spoken.add(ev.id)
        if said:
            naming.add(ev.id)
        if ev.id in mentioning or said:
            events.append(ev)
    events.sort(key=lambda ev: (ev.session, -ev.seq))
    keepers: list[Event] = []
    for entity_id in plan.entities:
        entity = store.get_entity(ns, entity_id)
        if entity is None:
            continue
        naming_it = [ev for ev in events if entity_id in mentioning.get(ev.id, ())]
        for name in (entity.name, *entity.aliases):  # its name kept if an event says it, else an alias
            keeper = next((ev for ev in naming_it if names_in(ev.text, ev.speaker, [name])), None)
            if keeper is not None:
                if keeper not in keepers:
                    keepers.append(keeper)
                break
    ids = {ev.id for ev in events}
    return [ev for ev in events if ev not in keepers] + keepers, spoken & ids, (naming & ids) - spoken


def _other_names(store: GraphStore, namespace: str, event: Event, entities: Sequence[str]) -> list[str]:
    """The names and aliases of the entities ``event`` mentions besides ``entities``."""
    hops = store.neighbors(namespace, event.id, edge_types=_MENTIONS, direction=Direction.OUT)
    found = [
        store.get_entity(namespace, i) for i in dict.fromkeys(h.node_id for h in hops if h.node_id not in entities)
    ]
    return [n for e in found if e is not None for n in (e.name, *e.aliases)]


def _left(store: GraphStore, plan: ForgetPlan) -> list[Event]:
    """The events of ``plan`` still to forget, as the store holds it now."""
    if plan.session is not None:
        if store.get_session(plan.namespace, plan.session) is None:
            return []
        return _session_events(store, plan.namespace, plan.session)
    return _about_events(store, plan)[0]


def add_results(results: Iterable[DeleteResult]) -> DeleteResult:
    """The sum of ``results``, field by field."""
    total = DeleteResult()
    for r in results:
        total = DeleteResult(
            events=total.events + r.events,
            entities=total.entities + r.entities,
            facts=total.facts + r.facts,
            mentions=total.mentions + r.mentions,
            sessions=total.sessions + r.sessions,
            spoken_by=total.spoken_by + r.spoken_by,
        )
    return total


def forget_planned(
    target: ReembedTarget, plan: ForgetPlan, *, after_each: Callable[[Event], None] | None = None
) -> DeleteResult:
    """Forget ``plan``'s events one by one with :func:`graphmem.forget.forget_message`, then those found still
    to go (written meanwhile by another client, or named by a name no mention gave), until none is left;
    what was deleted, summed. ``after_each`` is called with each event once its forget ends (also when it
    raised). The caller holds the store's write lock and drops its caches afterwards, also when this raises.

    Raises:
        WriteConflictError: as :func:`~graphmem.forget.forget_message`; the events forgotten before stay
            forgotten, and the same forget run again finishes the work.
        StoreError: an event forgotten is still found (a store that does not delete).
    """
    store = target.store
    with store.forgetting_many() if isinstance(store, ForgetsInBulk) else nullcontext():
        return _forget_all(target, plan, after_each)


def _forget_all(target: ReembedTarget, plan: ForgetPlan, after_each: Callable[[Event], None] | None) -> DeleteResult:
    from graphmem.forget import forget_message

    store, ns = target.store, plan.namespace
    results: list[DeleteResult] = []
    gone: set[str] = set()
    events: Sequence[Event] = plan.events
    while events:
        for event in events:
            if event.id in gone:
                raise StoreError(f"event {event.id!r} of namespace {ns!r} is still there after it was forgotten")
            gone.add(event.id)
            try:
                results.append(forget_message(target, ns, event))
            except NotFoundError:
                if store.get_event(ns, event.id) is not None:
                    raise
                # another client deleted it first: nothing left to do for it
            finally:
                if after_each is not None:
                    after_each(event)
        events = _left(store, plan)
    return add_results(results)
