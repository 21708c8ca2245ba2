"""Which statement a correction that names only its new value corrects ("Sorry, I meant Globex.").

Such a correction (:mod:`graphmem.extract.corrections`: "I meant <a name>", or a verbless "Porto, not
Lisbon.", with no fact of its own; predicate :data:`~graphmem.models.ANY_STATE`) says what the speaker
meant, not which of their statements was the slip. It is bound when written, against the stored facts and
the batch's own, to a state the speaker stated in their previous turn of the same session, at most
:data:`REACH` (3) turns back ("I work at Acme." — "Nice!" — "Sorry, I meant Globex."): a slip is corrected
right after it, and "I meant Maria" after "Say hi to Tom" corrects the greeting, not the job stated before
it. The statement must still stand, and:

- a denied value ("Berlin, not Munich") keeps the statements whose object has that name;
- when they are of several predicates ("I live in Lisbon and work at Acme." … "Sorry, I meant Globex."),
  those whose object has the new value's entity type; exactly one predicate must remain (NER types a bare
  name poorly, "Porto" alone as a person, so this often leaves none: no guess; a denied value is surer);
- a statement whose object has the value's name makes it no correction ("Sorry, I meant Acme." after
  "I work at Acme");
- of that predicate, the latest statement.

A slip the correcting turn itself stated ("I work at Acme. Oops, I meant Globex.", "I live in Lisbon, sorry,
I meant Porto."; extraction names it) was never believed: the turn's fact is stated with the value instead,
dated as the slip was, and nothing is corrected. Anything else binds to nothing and is dropped: a guess
would write a wrong fact. A bound correction becomes
what the turn would have said in full ("Sorry, I meant Globex. I work at Globex."): a fact of the corrected
predicate from the speaker to the value with the turn as evidence, and a request naming the predicate and
the corrected object, which :func:`graphmem.extract.temporal.apply_corrections` then applies as any other.
A value typed apart from the object it replaces (NER reads a bare "Porto" as a person) is the same kind of
thing, so the correcting turn's mention of it is moved to an entity of the replaced object's type (a stored
one of that type and name when there is one); so is a denied value's mention, to the object it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from graphmem.extract.names import entity_id, event_id, event_place, fact_id, name_key, normalize_name
from graphmem.extract.temporal import corrected_by
from graphmem.extract.vocabulary import is_single_valued
from graphmem.models import ANY_STATE, Batch, Entity, Event, Fact, FactClosing, Mention

__all__ = ["bind_corrections"]


#: How many turns back a correction naming only its value looks for its speaker's previous turn.
REACH = 3

#: Event ids → the stored events among them (``GraphStore.get_events`` bound to a namespace).
EventLookup = Callable[[list[str]], Iterable[Event]]


# a capitalised word that does not open a sentence: a name ("Tom" in "Say hi to Tom")
_NAME_WORD = re.compile(r"(?<![.!?]\s)(?<!^)\b(?!I\b)[A-Z][\w'-]*")


def _said_last(entity: Entity | None, text: str) -> bool:
    """Whether ``text`` names ``entity`` (by its name or an alias) and no other name after it."""
    if entity is None:
        return False
    ends = [
        m.end()
        for name in (entity.name, *entity.aliases)
        for m in re.finditer(rf"\b{re.escape(name)}\b", text, re.IGNORECASE)
    ]
    return bool(ends) and _NAME_WORD.search(text, max(ends)) is None


class _Binding:
    """The batch being rewritten: its facts, entities and mentions, and every entity's type and name."""

    def __init__(
        self, batch: Batch, stored: Iterable[Fact], existing: Iterable[Entity], lookup: EventLookup | None
    ) -> None:
        self.batch = batch
        self.lookup = lookup
        self.events = {e.id: e for e in batch.events}
        retracted = set(batch.retract)
        self.pool = {
            f.id: f
            for f in stored
            if f.namespace == batch.namespace and not (retracted and f.evidence and set(f.evidence) <= retracted)
        }
        self.pool.update((f.id, f) for f in batch.facts)
        self.entities = {e.id: e for e in existing}
        self.stored = set(self.entities)
        self.entities.update((e.id, e) for e in batch.entities)
        self.new_entities = {e.id: e for e in batch.entities}
        self.mentions = list(batch.mentions)
        self.facts = list(batch.facts)
        self.abandoned: set[str] = set()

    def move(self, event: str, which: Callable[[Mention], bool], to: str) -> None:
        """Point the mentions of ``event`` that ``which`` picks at entity ``to``."""
        moved = (replace(m, entity_id=to) if m.event_id == event and which(m) else m for m in self.mentions)
        self.mentions = list(dict.fromkeys(moved))

    def type_of(self, entity: str | None) -> str | None:
        found = self.entities.get(entity or "")
        return found.type if found is not None else None

    def previous_turn(self, event: str) -> tuple[str, list[Event]] | None:
        """The id of the turn its speaker said last before ``event``, within :data:`REACH` turns of its
        session, and the other speakers' turns between; ``None`` when there is none, or a turn between is
        missing (forgotten: what stood there is unknown)."""
        said = self.events.get(event)
        if said is None or said.speaker is None:
            return None
        before = [event_id(said.session, said.seq - k) for k in range(1, REACH + 1) if said.seq - k > 0]
        missing = [e for e in before if e not in self.events]
        if missing and self.lookup is not None:
            self.events.update((e.id, e) for e in self.lookup(missing))
        between: list[Event] = []
        for e in before:
            turn = self.events.get(e)
            if turn is None:
                return None
            if turn.speaker == said.speaker:
                return e, between
            between.append(turn)
        return None

    def names(self, entity: str | None, text: str) -> bool:
        """Whether ``text`` says the name of ``entity``."""
        found = self.entities.get(entity or "")
        return found is not None and re.search(rf"\b{re.escape(found.name)}\b", text, re.IGNORECASE) is not None

    def target(self, request: FactClosing) -> Fact | None:
        """The statement ``request`` corrects (see the module docs), or ``None``."""
        value = request.value or ""
        said = set(request.evidence)
        before = self.previous_turn(request.evidence[0]) if request.evidence else None
        if before is None:
            return None
        slip, between = before
        asked = [turn for turn in between if "?" in turn.text]
        if any(self.names(e, turn.text) for turn in asked for e in (value, request.object_id)):
            return None  # "Is the conference in Lisbon too?" — "No, Porto, not Lisbon.": an answer
        if any(self.names(value, turn.speaker or "") for turn in (*between, self.events[slip])):
            return None  # "Sorry, I meant Ben.": someone in the talk
        found = [
            f
            for f in self.pool.values()
            if f.subject_id == request.subject_id
            and is_single_valued(f.predicate)
            and f.expired_at is None
            and not f.never_held
            and f.recorded_at <= request.recorded_at
            and (f.valid_to is None or f.valid_to >= request.recorded_at)
            and not said & set(f.evidence)
            and slip in f.evidence
        ]
        if any(name_key(f.object_id) == name_key(value) for f in found):
            return None  # the value the speaker stated: nothing was wrong
        if request.object_id is not None:
            found = [f for f in found if name_key(f.object_id) == name_key(request.object_id)]
        if len({f.predicate for f in found}) > 1:  # of the same kind as the new value, or none
            found = [f for f in found if self.type_of(f.object_id) == self.type_of(value)]
            if len({f.predicate for f in found}) != 1:
                return None
        return max(found, key=lambda f: (f.recorded_at, f.valid_from or f.recorded_at, f.id), default=None)

    def retyped(self, entity: str, like: str, event: str) -> str:
        """``entity`` as the kind of thing ``like`` is: the id the correcting ``event`` now mentions."""
        kind = self.type_of(like)
        found = self.entities.get(entity)
        if kind is None or found is None or found.type == kind:
            return entity
        key = normalize_name(found.name)
        same = [
            e
            for e in self.entities.values()
            if e.type == kind and (normalize_name(e.name) == key or key in map(normalize_name, e.aliases))
        ]
        if same:
            new = min(same, key=lambda e: e.id).id
        else:
            new = entity_id(kind, found.name)
            self.entities[new] = self.new_entities[new] = Entity(self.batch.namespace, new, found.name, kind)
        self.move(event, lambda m: m.entity_id == entity, new)
        self.abandoned.add(entity)
        return new

    def own_slip(self, request: FactClosing) -> Fact | None:
        """The state fact of the correcting turn itself that ``request`` corrects ("I work at Acme. Oops, I
        meant Globex.": extraction named it as ``object_id``), or ``None``."""
        if request.object_id is None or not request.evidence:
            return None
        return next(
            (
                f
                for f in self.facts
                if request.evidence[0] in f.evidence
                and f.subject_id == request.subject_id
                and f.object_id == request.object_id
                and is_single_valued(f.predicate)
            ),
            None,
        )

    def bind(self, request: FactClosing) -> FactClosing | None:
        """The request with its predicate and corrected object named, its fact added; ``None``: unbound, or
        the slip was the turn's own statement, now stated with the value instead."""
        own = self.own_slip(request)
        if own is not None and request.value is not None and not self.unlike(request, own.object_id, None):
            event = request.evidence[0]
            value = self.retyped(request.value, own.object_id, event)
            meant = replace(own, id=fact_id(event, own.subject_id, own.predicate, value), object_id=value)
            self.facts = [meant if f.id == own.id else f for f in self.facts]
            self.pool.pop(own.id, None)
            self.pool[meant.id] = meant
            return None
        if own is not None:
            return None
        hit = self.target(request)
        if hit is None or request.value is None or request.subject_id is None or not request.evidence:
            return None
        if self.unlike(request, hit.object_id, next((e for e in hit.evidence if e in self.events), None)):
            return None
        event = request.evidence[0]
        value = self.retyped(request.value, hit.object_id, event)
        if request.object_id is not None and request.object_id != hit.object_id:  # "not Lisbon": that Lisbon
            self.move(event, lambda m: m.entity_id == request.object_id, hit.object_id)
            self.abandoned.add(request.object_id)
        said = next((e for e in self.batch.events if e.id == event), None)
        fact = Fact(
            namespace=self.batch.namespace,
            id=fact_id(event, request.subject_id, hit.predicate, value),
            subject_id=request.subject_id,
            predicate=hit.predicate,
            object_id=value,
            recorded_at=request.recorded_at,
            valid_from=(said.occurred_at if said is not None else None) or request.recorded_at,
            evidence=request.evidence,
        )
        if fact.id not in self.pool:
            self.pool[fact.id] = fact
            self.facts.append(fact)
        return replace(request, predicate=hit.predicate, object_id=hit.object_id, value=value)

    def near(self, request: FactClosing) -> FactClosing | None:
        """A correction cued only by the apology opening its turn (``FactClosing.near``), if what it corrects
        was stated in its speaker's previous turn; else ``None`` (the apology answered something else)."""
        before = self.previous_turn(request.evidence[0]) if request.evidence else None
        hits = corrected_by(request, self.pool.values())
        return request if before is not None and hits and all(before[0] in f.evidence for f in hits) else None

    def unlike(self, request: FactClosing, replaced: str, slip: str | None) -> bool:
        """Whether the new value may not replace ``replaced``, said in turn ``slip``: when its entity type is
        another, a known entity of that type (resolution matched the bare name to one: a person "Kate
        Spade", a topic), or, unless a value was denied ("Berlin, not Munich" says what it replaces), a name
        said after ``replaced`` in the slip's turn ("I work at Acme. Say hi to Tom." — "Sorry, I meant Maria."
        corrects Tom: a slip is corrected by what was said last)."""
        if self.type_of(request.value) == self.type_of(replaced):
            return False
        if request.value in self.stored:
            return True
        turn = self.events.get(slip or "")
        return request.object_id is None and (turn is None or not _said_last(self.entities.get(replaced), turn.text))

    def result(self, closings: list[FactClosing]) -> Batch:
        used = {m.entity_id for m in self.mentions}
        used.update(x for f in self.facts for x in (f.subject_id, f.object_id))
        entities = tuple(e for e in self.new_entities.values() if e.id in used or e.id not in self.abandoned)
        return replace(
            self.batch,
            entities=entities,
            mentions=tuple(self.mentions),
            facts=tuple(self.facts),
            closings=tuple(closings),
        )


def bind_corrections(
    batch: Batch, stored: Iterable[Fact], existing: Iterable[Entity], lookup: EventLookup | None = None
) -> Batch:
    """Bind the batch's corrections that name only their new value (see the module docs), and keep a
    correction cued only by an apology opening its turn (``FactClosing.near``) only when what it corrects
    was stated in its speaker's previous turn.

    Args:
        batch: a resolved batch (its entity ids are the stored ones).
        stored: the namespace's stored facts.
        existing: the namespace's stored entities.
        lookup: the stored events among some ids (a correcting turn's speaker's previous turn may be
            stored); without it only the batch's events are looked at.

    Returns:
        The batch with each such correction bound (its fact added, its request naming the predicate and the
        corrected object) or dropped, and each apology-only correction kept or dropped; the batch itself
        when it has neither.
    """
    if not any(c.correction and (c.predicate == ANY_STATE or c.near) for c in batch.closings):
        return batch
    work = _Binding(batch, stored, existing, lookup)
    order = sorted(
        range(len(batch.closings)),
        key=lambda i: (batch.closings[i].recorded_at, [event_place(e) for e in batch.closings[i].evidence]),
    )
    bound = {
        i: work.bind(c) if c.predicate == ANY_STATE else work.near(c)
        for i in order
        if (c := batch.closings[i]).correction and (c.predicate == ANY_STATE or c.near)
    }
    closings = [b for i, c in enumerate(batch.closings) if (b := bound.get(i, c)) is not None]
    return work.result(closings)
