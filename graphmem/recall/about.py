"""Whether a turn's thing of the asked type answers *this* question: whose it is, and whether it still holds.

The answer-type lift (:mod:`graphmem.recall.answer`) says "a place is mentioned" for "Where does Marco
work now?"; on its own it also lifts Lucy's "My brother Sam works at Intel now" (a place, but Sam's) and
Grace's "I live in Bristol" asked whether she lives there *now* (a place she has left). This module narrows
the lift to the things that answer the question asked:

- **A question naming a participant** asks about them. A thing counts when a fact the turn states ties it
  to them ("Marco works_at Nvidia"), or, when no fact the turn states ties it to a person, when they speak
  the turn or it names them. A thing the turn's facts give to someone else ("Sam works_at Intel", "Ruth
  lives_in Edinburgh", said by Grace) does not count.
- **A question naming no participant but some other name** ("Who lives in Cardiff?", "Where does Theo's
  wife work?") asks about that name: only a turn that names it counts (a name no candidate uses, such as
  a misspelt one, is left out; with none left, the lift is not narrowed: nothing tells the turns apart).
- **A question naming nothing** ("Who has a beagle?") counts only a turn its words found (a full-text
  match): a turn the embedding merely finds close holds some person, not the one asked for.
- **"Who …?" naming no participant** can be answered by whoever speaks ("I just got a beagle"), so a turn
  spoken by a participant holds a person, under the same conditions.
- **A question about now** ("Where does Grace live now?", a present-tense question without a date): a thing
  that is the object of a fact of the asked person that has ended (Grace lives_in Bristol, closed in
  February) and of none still holding does not count, and a turn stating one of their facts that still
  holds, of a kind memory knows changed (lives_in, with an ended value), is "in the time asked
  about": ranking lifts it as it lifts a turn in a date the question names.

Facts are read as memory holds them now (versions not retired; corrected slips left out) over the
``FACT`` edges of the things the candidates name, as the traversal reads them: only the facts whose
evidence is the turn count as stated by it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.models import EdgeType
from graphmem.recall.fetch import edges_of, entities_by_id
from graphmem.recall.query import PRESENT_WORDS
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.models import Entity, Event, Fact
    from graphmem.store.base import GraphStore

__all__ = ["AnswerScope", "Stated", "asks_now", "asks_of_relative", "scoped_answers", "stated_facts"]

# a present-tense auxiliary among the first words: "Where does…", "Who is…", "Who has a dog?"; not "has" or
# "have" of a perfect ("Where has Grace lived?", "What has Melanie painted?": the whole history so far)
_PRESENT = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:does|do|is|are|(?:has|have)(?!\W+(?:\w+\W+){0,2}?(?:ever|been|\w+ed|\w+en)\b))\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:did|was|were|had|used\s+to|before|previously|formerly|ago|last|first|ever|so\s+far"
    r"|(?:has|have)\s+(?:\w+\s+)?(?:been|\w{3,}ed|\w{3,}en))\b",
    re.IGNORECASE,
)
# the question asks about someone's relative, partner or friend ("Lucy's brother", "her husband"): the
# answer is a fact of that other person, not of the one named
_RELATIVE = re.compile(
    r"(?:\w(?:'s|’s)|\b(?:his|her|their|my|your))\s+(?:\w+\s+)?(?:"
    r"brother|sister|sibling|mother|mom|mum|father|dad|parent|son|daughter|kid|child|children|baby|"
    r"husband|wife|spouse|partner|boyfriend|girlfriend|fianc[eé]e?|friend|cousin|aunt|uncle|niece|nephew|"
    r"grand\w+|boss|colleague|coworker|roommate|neighbou?r)s?\b",
    re.IGNORECASE,
)
_DATE_WORD = re.compile(
    r"^(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)$",
    re.IGNORECASE,
)


def asks_now(text: str, *, dated: bool) -> bool:
    """Whether the question asks what holds at present: "now", "currently", "still"…, or a present-tense
    question ("Where does Kemi work?") with no past marker; never one that names a date (``dated``)."""
    if dated:
        return False
    if PRESENT_WORDS.search(text):
        return True
    return _PRESENT.match(text) is not None and _PAST.search(text) is None


def asks_of_relative(text: str) -> bool:
    """Whether the question asks about someone's relative, partner or friend ("Where does Lucy's brother
    work?"): its answer is that other person's fact."""
    return _RELATIVE.search(text) is not None


def other_names(names: Iterable[str], participants: Collection[str]) -> tuple[str, ...]:
    """The question's names that are neither participants nor a month or weekday, casefolded."""
    out = []
    for name in names:
        key = normalise_name(name)
        if key and key not in participants and not _DATE_WORD.match(key):
            out.append(key)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Stated:
    """The facts some turns state, as memory holds them now, and the entities at their ends.

    Attributes:
        facts: event id → the facts whose evidence names it (versions not retired, slips left out).
        ends: the entities at the ends of those facts, by id.
        asked: every fact of the asked people (for what changed), read when the question is about now.
    """

    facts: Mapping[str, tuple[Fact, ...]] = field(default_factory=dict)
    ends: Mapping[str, Entity] = field(default_factory=dict)
    asked: tuple[Fact, ...] = ()


def stated_facts(
    store: GraphStore, namespace: str, typed: Mapping[str, list[Entity]], people: Collection[str] = ()
) -> Stated:
    """The facts of the things ``typed`` maps each event to, that the event states (its evidence).

    Read as the traversal reads facts (``FACT`` edges), so a store that serves the walk from a copy
    serves this too: the things' edges in one call, their facts' ends named in one more, and, when
    ``people`` (normalised names) is given, those people's own facts in a third.
    """
    ids = list(dict.fromkeys(ent.id for things in typed.values() for ent in things))
    if not ids:
        return Stated()
    edges = edges_of(store, namespace, ids, edge_types=[EdgeType.FACT])
    by_event: dict[str, dict[str, Fact]] = {}
    for eid, things in typed.items():
        for ent in things:
            for nb in edges.get(ent.id, ()):
                fact = nb.fact
                if fact is not None and _believed(fact) and eid in fact.evidence:
                    by_event.setdefault(eid, {})[fact.id] = fact
    ends = entities_by_id(
        store,
        namespace,
        (end for facts in by_event.values() for f in facts.values() for end in (f.subject_id, f.object_id)),
    )
    asked: dict[str, Fact] = {}
    persons = [e.id for e in ends.values() if e.type == "Person" and normalise_name(e.name) in people]
    for nbs in edges_of(store, namespace, persons, edge_types=[EdgeType.FACT]).values():
        asked.update((nb.fact.id, nb.fact) for nb in nbs if nb.fact is not None and _believed(nb.fact))
    return Stated({e: tuple(fs.values()) for e, fs in by_event.items()}, ends, tuple(asked.values()))


def _believed(fact: Fact) -> bool:
    return fact.expired_at is None and not fact.never_held


@dataclass(frozen=True, slots=True)
class AnswerScope:
    """What the question is about, for :func:`scoped_answers`.

    Attributes:
        named: normalised names of the participants the question names.
        others: the question's other names, casefolded (see :func:`other_names`).
        matched: ids of the turns the question's words found (full-text seeds).
        speaker_answers: a turn's speaker is a person answer ("who", naming no participant).
        now: the question asks what holds at present (:func:`asks_now`).
        at: the present, for ``now``.
        relative: the question asks about a named person's relative or friend (:func:`asks_of_relative`):
            a thing a turn's fact gives to another person is not taken from it.
    """

    named: frozenset[str]
    others: tuple[str, ...]
    matched: frozenset[str]
    speaker_answers: bool = False
    now: bool = False
    at: datetime | None = None
    relative: bool = False


def scoped_answers(
    events: Mapping[str, Event], typed: Mapping[str, list[Entity]], scope: AnswerScope, stated: Stated
) -> tuple[set[str], set[str]]:
    """Which turns hold an answer to this question, and which of those state what still holds.

    Args:
        events: the candidates checked, by id.
        typed: event id → the things of the asked type it mentions (participants left out).
        scope: what the question is about.
        stated: the facts the candidates state.

    Returns:
        ``(holding, current)``: the turns that keep the answer-type lift, and among them (only for a
        question about now) those stating a still-holding fact of the asked person of a kind that changed.
    """
    holding: set[str] = set()
    current: set[str] = set()
    changed = _changed(stated, scope) if scope.now and scope.named else set()
    # a name no candidate uses (misspelt, or not in this conversation) cannot tell them apart
    others = [n for n in scope.others if any(_names_any(ev.text, (n,)) for ev in events.values())]
    for eid, ev in events.items():
        things = typed.get(eid, [])
        if not things and not (scope.speaker_answers and ev.speaker):
            continue
        if not scope.named:
            if _about_unnamed(ev, bool(things), others, scope):
                holding.add(eid)
            continue
        facts = stated.facts.get(eid, ())
        for ent in things:
            if _counts(ev, ent, facts, stated, scope):
                holding.add(eid)
                if any(f.predicate in changed and _of_named(f, stated, scope) for f in _holding_now(facts, ent, scope)):
                    current.add(eid)
    return holding, current


def _about_unnamed(ev: Event, typed: bool, others: list[str], scope: AnswerScope) -> bool:
    """For a question naming no participant: the turn names a name it asks about, else its words found it."""
    if scope.others and not others:
        return typed  # names the conversation does not use leave the lift as it was
    if others:
        return _names_any(ev.text, others)
    return ev.id in scope.matched


def _counts(ev: Event, ent: Entity, facts: tuple[Fact, ...], stated: Stated, scope: AnswerScope) -> bool:
    """Whether ``ent`` is the asked person's, by the facts the turn states, else by who speaks or is named."""
    tying = [f for f in facts if ent.id in (f.subject_id, f.object_id)]
    people = {_other_end(f, ent.id) for f in tying}
    people = {p for p in people if (e := stated.ends.get(p)) is not None and e.type == "Person"}
    theirs = [f for f in tying if _other_end(f, ent.id) in people and _of_named(f, stated, scope)]
    if people and not theirs and not scope.relative:
        return False  # the turn gives it to someone else (unless the question asks about another person)
    if scope.now and theirs and not any(_holds(f, scope.at) for f in theirs):
        return False  # theirs once, not now
    if theirs:
        return True
    return normalise_name(ev.speaker or "") in scope.named or _names_any(ev.text, scope.named)


def _other_end(fact: Fact, eid: str) -> str:
    return fact.object_id if fact.subject_id == eid else fact.subject_id


def _of_named(fact: Fact, stated: Stated, scope: AnswerScope) -> bool:
    ends = (stated.ends.get(x) for x in (fact.subject_id, fact.object_id))
    return any(e is not None and normalise_name(e.name) in scope.named for e in ends)


def _holds(fact: Fact, at: datetime | None) -> bool:
    return at is None or fact.valid_at(at) or (fact.valid_from is not None and fact.valid_from > at)


def _holding_now(facts: tuple[Fact, ...], ent: Entity, scope: AnswerScope) -> list[Fact]:
    return [f for f in facts if ent.id in (f.subject_id, f.object_id) and _holds(f, scope.at)]


def _changed(stated: Stated, scope: AnswerScope) -> set[str]:
    """Predicates of which a fact of the asked person has ended (memory knows the value changed)."""
    return {f.predicate for f in stated.asked if not _holds(f, scope.at)}


def _names_any(text: str, names: Iterable[str]) -> bool:
    folded = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded) for n in names)
