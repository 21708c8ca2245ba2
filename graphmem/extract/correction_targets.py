"""Which statement a correction that names only its new value corrects ("Sorry, I meant Globex.").

Such a correction (:mod:`graphmem.extract.corrections`: "I meant <a name>", or a verbless "Porto, not
Lisbon.", with no fact of its own; predicate :data:`~graphmem.models.ANY_STATE`) says what the speaker
meant, not which of their statements was the slip. It is bound when written, against the stored facts and
the batch's own, only when the turns leave no doubt (docs/extraction.md §6 lists the rules):

- a slip the correcting turn itself stated (extraction names it: "I work at Acme. Oops, I meant Globex.")
  was never believed: the turn's fact is stated with the value instead, dated as the slip was;
- else a state the speaker stated in their last turn of the session (the run of their messages just before,
  at most :data:`~graphmem.extract.denied_times.REACH` turns back, none missing between); a denied value picks by
  name, else by a shorter name ("not Globex": "Globex Corporation"); several predicates need the value's entity type to
  pick one; a turn that denies a value by name and owns a slip or opens with an apology ("Sorry, I meant
  Leeds, not Bristol.", "Sorry, Leeds, not Bristol.") finds the speaker's current statement of that value
  wherever made when that run did not state it, or when there is no run (a later session's first turn);
- vetoes: the value is the one stated; another speaker's question between names the value or the denied
  one, or asks for a name (not "what do you do there?") and the turn does not both deny a value and own a
  slip ("Oops, I meant Globex, not Acme."); the value names someone in the talk; with entity types that
  differ, the name is known already as another kind of thing, the slip's turn mentions another entity of
  the value's kind, or (nothing denied) it named another entity after the state's object.

A correction of a time ("Sorry, I meant 2021.", ``at`` the new start, no value) binds to the one state the
speaker's previous turn dated by a phrase, with no question between (:meth:`_Binding.bind_time`): the state
is stated again from the correcting turn from ``at``, and the request names it as its own value, so the
earlier statement is corrected as a slip. One that names the slipped time ("…, not December": ``denied``)
and finds no such state there binds to the speaker's one current state starting within that time, wherever
and whenever stated (another chat, file or day); a statement memory learns after such a correction is checked
against it when written (:mod:`graphmem.extract.denied_times`).

A bound correction becomes what the turn would have said in full ("Sorry, I meant Globex. I work at
Globex."): a fact of the corrected predicate from the speaker to the value with the turn as evidence, and a
request naming the predicate and the corrected object, which
:func:`graphmem.extract.temporal.apply_corrections` then applies as any other. A value typed apart from the
object it replaces (NER reads a bare "Porto" as a person) is the same kind of thing, so the correcting turn's
mentions and facts of it, and the same input's later ones, move to an entity of the replaced object's type
(a known one of that type and name when there is one); a denied value's mention moves to the object it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from graphmem.extract.corrections import denied_statements
from graphmem.extract.denied_times import loose, resolver, turns_before
from graphmem.extract.names import entity_id, event_place, fact_id, name_key, normalize_name
from graphmem.extract.temporal import corrected_by, remap_closings, told_past
from graphmem.extract.vocabulary import is_single_valued
from graphmem.models import ANY_STATE, OVER_PHRASE, Batch, Entity, Event, Fact, FactClosing, Mention

if TYPE_CHECKING:
    from graphmem.embed_text import EventLookup

__all__ = ["bind_corrections"]


#: A stored event's id → the ids of the entities it mentions.
MentionLookup = Callable[[str], Iterable[str]]


#: Question words a bare name answers ("Who do you mean?" — "Maria."; "Where to?" — "Porto, not Lisbon.").
_NAME_QUESTIONS = frozenset({"who", "whom", "whose", "where", "which", "what"})


def _spans(entity: Entity | None, text: str) -> list[int]:
    """Where in ``text`` each saying of ``entity``'s name or an alias ends (case aside)."""
    if entity is None:
        return []
    names = [n for n in (entity.name, *entity.aliases) if n.strip()]
    return [m.end() for n in names for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE)]


#: "What" asking what someone does ("What do you do there?", "what's she doing?"): an activity or a
#: role answers it, not a name.
_WHAT_ACTIVITY = re.compile(
    r"\bwhat(?:'s|’s|\s+(?:do|does|did|are|is|were|was|will|would))\s+(?:\w+\s+){1,2}?(?:do|doing)\b",
    re.IGNORECASE,
)

#: What owns a slip in a correcting turn, beside a denied value ("Oops, I meant Globex, not Acme."): the
#: speaker says they misspoke, so the turn corrects them and answers no question.
_OWNED_SLIP = re.compile(
    r"\bI\s+mean(?:t)?\b|\bI\s+misspoke\b|\bmy\s+(?:mistake|bad)\b|\bI\s+got\s+(?:that|it)\s+wrong\b"
    r"|\bto\s+correct\s+myself\b",
    re.IGNORECASE,
)


#: An apology opening a turn ("Sorry, Leeds, not Bristol.", "Oops — Porto, not Lisbon!").
_APOLOGY = re.compile(r"\W*(?:sorry|oops|whoops|apologies)\b", re.IGNORECASE)


def _asks_for_a_name(turn: Event) -> bool:
    """Whether a turn asks a question a bare name answers (who, where, which, what …; not "what do you
    do there?", which an activity answers)."""
    if "?" not in turn.text:
        return False
    return bool(_NAME_QUESTIONS & set(re.findall(r"[a-z]+", _WHAT_ACTIVITY.sub(" ", turn.text).lower())))


class _Binding:
    """The batch being rewritten: its facts, entities and mentions, and every entity's type and name."""

    def __init__(
        self,
        batch: Batch,
        stored: Iterable[Fact],
        existing: Iterable[Entity],
        lookup: EventLookup | None,
        mentioned: MentionLookup | None,
    ) -> None:
        self.batch = batch
        self.lookup = lookup
        self.mentioned = mentioned
        self.events = {e.id: e for e in batch.events}
        self.order = {e.id: i for i, e in enumerate(batch.events)}
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
        self.run: list[str] = []  # the speaker's messages the request being bound may correct
        self.closings: list[FactClosing | None] = list(batch.closings)  # None: a request dropped

    def move(self, events: Collection[str], which: Callable[[Mention], bool], to: str) -> None:
        """Point the mentions of ``events`` that ``which`` picks at entity ``to``."""
        moved = (replace(m, entity_id=to) if m.event_id in events and which(m) else m for m in self.mentions)
        self.mentions = list(dict.fromkeys(moved))

    def name_words(self, entity: str) -> list[list[str]]:
        """The words of ``entity``'s name and of each alias, its name first (none when it is unknown)."""
        found = self.entities.get(entity)
        return [normalize_name(n).split() for n in (found.name, *found.aliases)] if found is not None else []

    def type_of(self, entity: str | None) -> str | None:
        found = self.entities.get(entity or "")
        return found.type if found is not None else None

    def previous_turns(self, event: str) -> tuple[list[str], list[Event]] | None:
        """The ids of the speaker's last run of messages before ``event`` (one turn said in several
        messages), within :data:`~graphmem.extract.denied_times.REACH` turns of its session, and the other
        speakers' turns between; ``None`` when there is none, or a turn between is missing (forgotten: what
        stood there is unknown)."""
        found = self.turns_before(event)
        return found if found is not None and found[0] else None

    def turns_before(self, event: str) -> tuple[list[str], list[Event]] | None:
        """As :meth:`previous_turns`, but the run may be empty (the speaker said nothing within reach in the
        session: its first turn, a later session's): then the other speakers' turns before ``event`` within
        :data:`~graphmem.extract.denied_times.REACH`, up to a missing one. ``None`` when ``event`` or its speaker is
        unknown."""
        said = self.events.get(event)
        if said is None or said.speaker is None:
            return None
        return turns_before(said, self.events, self.lookup)

    def mentions_of(self, event: str) -> set[str]:
        """The entities a turn mentions (the batch's, else the store's)."""
        if any(m.event_id == event for m in self.mentions):
            return {m.entity_id for m in self.mentions if m.event_id == event}
        return set(self.mentioned(event)) if self.mentioned is not None else set()

    def named_after(self, replaced: str, turn: Event, leave: set[str]) -> bool:
        """Whether ``turn`` names something after ``replaced`` (another entity it mentions, not in
        ``leave``), or does not say ``replaced``'s name at all; with ``replaced`` empty, whether it names
        anything."""
        ends = _spans(self.entities.get(replaced), turn.text) if replaced else [0]
        if not ends:
            return True
        last = max(ends)
        others = self.mentions_of(turn.id) - leave - {replaced}
        speaker = normalize_name(turn.speaker or "")
        return any(
            max(_spans(e, turn.text), default=0) > last
            for e in (self.entities.get(o) for o in others)
            if e is not None and normalize_name(e.name) != speaker
        )

    def known_elsewhere(self, entity: str, event: str) -> bool:
        """Whether ``entity`` was known before the correcting ``event``: stored, or mentioned by a turn of the
        batch before it."""
        at = self.order.get(event, len(self.order))
        return entity in self.stored or any(
            m.entity_id == entity and self.order.get(m.event_id, at) < at for m in self.mentions
        )

    def names(self, entity: str | None, text: str) -> bool:
        """Whether ``text`` says the name (or an alias) of ``entity``."""
        return bool(_spans(self.entities.get(entity or ""), text))

    def target(self, request: FactClosing) -> Fact | None:
        """The statement ``request`` corrects (see the module docs), or ``None``."""
        value = request.value or ""
        said = set(request.evidence)
        before = self.turns_before(request.evidence[0]) if request.evidence else None
        if before is None or not (before[0] or self.apology_denial(request)):
            return None  # no run of the speaker's to correct, and no value denied by name to look for
        slips, between = before
        self.run = slips
        asked = [turn for turn in between if "?" in turn.text]
        if any(self.names(value, t.text) or self.names(request.object_id, t.text) for t in asked):
            return None  # "Is it in Lisbon?" — "No, Porto, not Lisbon.": an answer
        if any(_asks_for_a_name(t) for t in asked) and not self.owned_denial(request):
            return None  # "Where should we go?" — "Porto, not Lisbon.": an answer
        if any(self.names(value, turn.speaker or "") for turn in between + [self.events[e] for e in slips]):
            return None  # "Sorry, I meant Ben.": someone in the talk
        stated = [
            f
            for f in self.pool.values()
            if f.subject_id == request.subject_id
            and is_single_valued(f.predicate)
            and f.expired_at is None
            and not f.never_held
            and f.recorded_at <= request.recorded_at
            and (f.valid_to is None or f.valid_to >= request.recorded_at or told_past(f))
            and not said & set(f.evidence)
        ]
        found = [f for f in stated if set(slips) & set(f.evidence)]
        if any(name_key(f.object_id) == name_key(value) for f in found):
            return None  # the value the speaker stated: nothing was wrong
        if request.object_id is not None:  # the denied value, by name, else by a shorter name of it
            found = denied_statements(found, {request.object_id}, self.name_words)
            if not found and self.apology_denial(request):
                # "Sorry, I meant Cobalt Care, not Cobalt Health." after other turns, or opening a later
                # session: the speaker's current statement of the value it denies by name, wherever made;
                # unless a turn just before names either value ("I booked the hotel in Bristol for you." —
                # "Sorry, Leeds, not Bristol.": a reply to that turn, not a correction of the stored one)
                if any(self.names(value, t.text) or self.names(request.object_id, t.text) for t in between):
                    return None
                found = denied_statements(stated, {request.object_id}, self.name_words)
        if len({f.predicate for f in found}) > 1:  # of the same kind as the new value, or none
            found = [f for f in found if self.type_of(f.object_id) == self.type_of(value)]
            if len({f.predicate for f in found}) != 1:
                return None
        return max(found, key=lambda f: (f.recorded_at, f.valid_from or f.recorded_at, f.id), default=None)

    def owned_denial(self, request: FactClosing) -> bool:
        """Whether the correcting turn denies a value and owns a slip ("Oops, I meant Globex, not Acme."):
        it says the speaker misspoke, which answers no question asked between."""
        said = self.events.get(request.evidence[0]) if request.evidence else None
        return request.object_id is not None and said is not None and bool(_OWNED_SLIP.search(said.text))

    def apology_denial(self, request: FactClosing) -> bool:
        """Whether the correcting turn denies a value and owns a slip (:meth:`owned_denial`) or opens with
        an apology ("Sorry, Leeds, not Bristol."): it repairs something the speaker said, so the value it
        denies may be found wherever they stated it."""
        said = self.events.get(request.evidence[0]) if request.evidence else None
        if request.object_id is None or said is None:
            return False
        return self.owned_denial(request) or bool(_APOLOGY.match(said.text))

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
        later = self.from_on(event)
        self.move(later, lambda m: m.entity_id == entity, new)
        renamed = {f.id: self.renamed(f, entity, new) for f in self.facts if set(f.evidence) & later}
        facts = [renamed.get(f.id, f) for f in self.facts]
        self.facts = list({f.id: f for f in facts}.values())  # a fact stated with both spellings is one
        for old_id, f in renamed.items():
            self.pool.pop(old_id, None)
            self.pool[f.id] = f
        self.closings = [
            remap_closings([c], {entity: new})[0] if c is not None and set(c.evidence) & later else c
            for c in self.closings
        ]
        self.abandoned.add(entity)
        return new

    def from_on(self, event: str) -> set[str]:
        """The batch's turns from ``event`` on in its session (a name retyped there is retyped after it too,
        as a live add of the later turns would resolve it)."""
        session, seq = event_place(event)
        return {e.id for e in self.batch.events if event_place(e.id)[0] == session and event_place(e.id)[1] >= seq}

    @staticmethod
    def renamed(fact: Fact, old: str, new: str) -> Fact:
        """``fact`` with entity ``old`` as ``new`` (and its id made anew)."""
        if old not in (fact.subject_id, fact.object_id):
            return fact
        subject = new if fact.subject_id == old else fact.subject_id
        obj = new if fact.object_id == old else fact.object_id
        fid = fact_id(fact.evidence[0], subject, fact.predicate, obj) if fact.evidence else fact.id
        return replace(fact, id=fid, subject_id=subject, object_id=obj)

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

    def bind_time(self, request: FactClosing) -> FactClosing | None:
        """A correction of a time ("Sorry, I meant 2021.", ``at`` the new start) bound to the one state the
        speaker's previous turn dated by a phrase ("I started at Acme in 2020."): that fact stated again from
        the correcting turn, starting at ``at``, and the request naming it (its value the same object);
        ``None`` when no such state, or several, or another speaker asked something between. A request
        naming the slipped time (``denied``) whose previous turn dated no state looks at every current
        state of the speaker's that starts within that time (:meth:`denies`)."""
        before = self.turns_before(request.evidence[0]) if request.evidence else None
        if before is None or request.at is None or any("?" in t.text for t in before[1]):
            return None
        said = set(request.evidence)
        dated = [
            f
            for f in self.pool.values()
            if f.subject_id == request.subject_id
            and is_single_valued(f.predicate)
            and not said & set(f.evidence)
            and f.expired_at is None
            and not f.never_held
            and f.valid_from is not None
            and f.time_phrase not in (None, OVER_PHRASE)
            and request.object_id in (None, f.object_id)  # "I meant I started at Globex on 4 March": Globex's
        ]
        run = [f for f in dated if set(before[0]) & set(f.evidence)]
        if not run and request.denied is not None:
            # "Sorry, I meant I'm moving to Lisbon in January, not December." in a later chat: the speaker's
            # current statement dated within the time it denies, wherever and whenever they made it
            run = [f for f in dated if self.current(f, request) and loose(f) and self.denies(request, f)]
        dated = run
        if len({(f.predicate, f.object_id) for f in dated}) != 1 or request.subject_id is None:
            return None
        hit = max(dated, key=lambda f: (f.recorded_at, f.id))
        start = self.reread(request, hit)
        if hit.valid_from == start:
            return None  # the time stated: nothing was wrong
        event = request.evidence[0]
        fact = replace(
            hit,
            id=fact_id(event, hit.subject_id, hit.predicate, hit.object_id),
            valid_from=start,
            valid_to=hit.valid_to if hit.valid_to is not None and hit.valid_to > start else None,
            time_phrase=request.phrase,
            recorded_at=request.recorded_at,
            evidence=request.evidence,
            revised_by=(),
        )
        if fact.id not in self.pool:
            self.pool[fact.id] = fact
            self.facts.append(fact)
        return replace(request, predicate=hit.predicate, object_id=hit.object_id, value=hit.object_id)

    def current(self, fact: Fact, request: FactClosing) -> bool:
        """Whether ``fact`` was told before ``request`` and still held when it was said (or lies ahead).

        Turns of the batch told at the same time are ordered by their place in it, so a statement said after
        the correction in the same minute is not one it corrects."""
        if fact.recorded_at == request.recorded_at and fact.evidence and request.evidence:
            at = self.order.get(request.evidence[0])
            if at is not None and self.order.get(fact.evidence[0], -1) > at:
                return False
        return fact.recorded_at <= request.recorded_at and (
            fact.valid_to is None or fact.valid_to >= request.recorded_at
        )

    def denies(self, request: FactClosing, fact: Fact) -> bool:
        """Whether ``fact`` starts within the time ``request`` denies ("not December"), that phrase read the
        way ``fact``'s own time pointed from when it was said (as :meth:`reread` reads the new time)."""
        denied, start = request.denied, fact.valid_from
        if denied is None or denied.start is None or start is None:
            return False
        if denied.start <= start < (denied.end or denied.start + timedelta(days=1)):
            return True
        said = self.events.get(request.evidence[0]) if request.evidence else None
        reference = (said.occurred_at if said is not None else None) or request.recorded_at
        way = "future" if start > fact.recorded_at else "past"
        found = resolver().resolve(denied.phrase, reference, prefer=way)
        return found.start is not None and found.start <= start < (found.end or found.start + timedelta(days=1))

    def reread(self, request: FactClosing, hit: Fact) -> datetime:
        """The new start of a correction of a time, its phrase pointing the way the corrected statement did:
        a bare "Sorry, I meant August." has no verb to say, so the extractor took the nearest August; after
        "I'm moving in July" it is the August ahead, after "I moved in March" the one before."""
        assert request.at is not None and hit.valid_from is not None
        said = self.events.get(request.evidence[0])
        reference = (said.occurred_at if said is not None else None) or request.recorded_at
        ahead = hit.valid_from > hit.recorded_at
        if request.phrase is None or ahead == (request.at >= reference):
            return request.at  # already on the side the statement pointed to
        found = resolver().resolve(request.phrase, reference, prefer="future" if ahead else "past").start
        return found if found is not None else request.at

    def bind(self, request: FactClosing) -> FactClosing | None:
        """The request with its predicate and corrected object named, its fact added; ``None``: unbound, or
        the slip was the turn's own statement, now stated with the value instead."""
        if request.value is None and request.at is not None:
            return self.bind_time(request)
        if request.value is not None and request.value not in self.entities:
            return None  # the value's entity was dropped (a topic salience left out: "Sorry, I meant two coffees.")
        own = self.own_slip(request)
        if own is not None and request.value is not None and not self.other_known(request.value, own):
            event = request.evidence[0]
            value = self.retyped(request.value, own.object_id, event)
            meant = replace(own, id=fact_id(event, own.subject_id, own.predicate, value), object_id=value)
            # the turn may state the value in full too ("I meant I started at Hooli"): one fact, dated as the
            # slip was unless its own clause dated it
            full = next((f for f in self.facts if f.id == meant.id), None)
            if full is not None:
                meant = full if full.time_phrase is not None else meant
                # the extractor ended the earlier of the two by the later: no end once the slip is gone
                if meant.valid_to is not None and meant.valid_to in (own.valid_from, full.valid_from):
                    meant = replace(meant, valid_to=None)
            facts = (meant if f.id in (own.id, meant.id) else f for f in self.facts)
            self.facts = list({f.id: f for f in facts}.values())
            self.pool.pop(own.id, None)
            self.pool[meant.id] = meant
            return None
        if own is not None:
            return None
        hit = self.target(request)
        if hit is None or request.value is None or request.subject_id is None or not request.evidence:
            return None
        if self.unlike(request, hit):
            return None
        event = request.evidence[0]
        value = self.retyped(request.value, hit.object_id, event)
        if request.object_id is not None and request.object_id != hit.object_id:  # "not Lisbon": that Lisbon
            self.move({event}, lambda m: m.entity_id == request.object_id, hit.object_id)
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
        before = self.previous_turns(request.evidence[0]) if request.evidence else None
        hits = corrected_by(request, self.pool.values())
        return request if before is not None and hits and all(set(before[0]) & set(f.evidence) for f in hits) else None

    def other_known(self, value: str, replaced: Fact) -> bool:
        """Whether ``value`` is a known entity (see :meth:`known_elsewhere`) of another type than ``replaced``'s
        object."""
        other = self.type_of(value) != self.type_of(replaced.object_id)
        return other and self.known_elsewhere(value, replaced.evidence[0])

    def unlike(self, request: FactClosing, replaced: Fact) -> bool:
        """Whether the new value may not replace ``replaced``'s object: when its entity type is another, a
        known entity (resolution matched the bare name to a person "Kate Spade", a topic, or a name another
        turn said), or, unless a value was denied ("Berlin, not Munich" says what it replaces), a name said
        after the replaced one in the slip's turn ("I work at Acme. Say hi to Tom." — "Sorry, I meant
        Maria." corrects Tom: a slip is corrected by what was said last)."""
        value, event = request.value or "", request.evidence[0]
        if self.type_of(value) == self.type_of(replaced.object_id):
            return False
        if self.known_elsewhere(value, event):
            return True
        kind = self.type_of(value)
        turns_said = {e for e in replaced.evidence if e in self.events} | set(self.run)
        others = set().union(*(self.mentions_of(e) for e in turns_said)) - {value, replaced.object_id}
        if any(self.type_of(o) == kind and o != replaced.subject_id for o in others):
            return True  # "Tom and I work at Acme." — "Sorry, I meant Maria.": Maria corrects Tom
        if request.object_id is not None:
            return False
        leave = {value, replaced.subject_id}
        turns = [self.events[e] for e in replaced.evidence if e in self.events and e != event]
        if not turns or all(self.named_after(replaced.object_id, t, leave) for t in turns):
            return True
        # the speaker's messages after the slip's, before the correction, are the same turn: "I work at Acme."
        # "Say hi to Tom for me." — "Sorry, I meant Maria."
        said = min((event_place(e)[1] for e in replaced.evidence if e in self.run), default=0)
        later = [self.events[e] for e in self.run if event_place(e)[1] > said and e in self.events]
        return any(self.named_after("", t, leave) for t in later)

    def result(self) -> Batch:
        closings = [c for c in self.closings if c is not None]
        used = {m.entity_id for m in self.mentions}
        used.update(x for f in self.facts for x in (f.subject_id, f.object_id))
        used.update(x for c in closings for x in (c.subject_id, c.object_id, c.value) if x is not None)
        entities = tuple(e for e in self.new_entities.values() if e.id in used or e.id not in self.abandoned)
        return replace(
            self.batch,
            entities=entities,
            mentions=tuple(self.mentions),
            facts=tuple(self.facts),
            closings=tuple(closings),
        )


def bind_corrections(
    batch: Batch,
    stored: Iterable[Fact],
    existing: Iterable[Entity],
    lookup: EventLookup | None = None,
    mentioned: MentionLookup | None = None,
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
        mentioned: the entities a stored event mentions (what else the slip's turn named).

    Returns:
        The batch with each such correction bound (its fact added, its request naming the predicate and the
        corrected object) or dropped, and each apology-only correction kept or dropped; the batch itself
        when it has neither.
    """
    if not any(c.correction and (c.predicate == ANY_STATE or c.near) for c in batch.closings):
        return batch
    work = _Binding(batch, stored, existing, lookup, mentioned)
    order = sorted(
        range(len(batch.closings)),
        key=lambda i: (batch.closings[i].recorded_at, [event_place(e) for e in batch.closings[i].evidence]),
    )
    for i in order:
        c = work.closings[i]  # as earlier bindings left it (a name they retyped)
        if c is not None and c.correction and (c.predicate == ANY_STATE or c.near):
            work.closings[i] = work.bind(c) if c.predicate == ANY_STATE else work.near(c)
    return work.result()
