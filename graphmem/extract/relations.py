"""Stage 3, second pass: relations read off the parse beyond the verb's own words.

The plain triples of :mod:`graphmem.extract.facts` keep what was said ("Priya ``be`` analyst", "Jon
``move_to`` Berlin"). This pass adds the facts a reader would draw from the same sentence, so that
questions about roles and states have one predicate to ask for:

- **roles** from appositions: "my sister Clara" → Clara ``sister_of`` the speaker; "My manager, Keiko
  Tanaka," → Keiko Tanaka ``manager_of`` the speaker (a family role holds with no start date; any other
  from the turn on);
- **states** (the predicates :mod:`graphmem.extract.temporal` keeps one object of at a time):

  | said | state |
  |---|---|
  | I work at / for X; X hired me | ``works_at`` X |
  | I've been an analyst at X; I got a job (position, internship) at X | ``works_at`` X |
  | I live in X; I moved to X; I moved into a flat in X; they moved me to X | ``lives_in`` X |
  | I married X; I'm married to X | ``married_to`` X |

  with X a named entity of a fitting type (a workplace may also be a common noun: "the bakery");
- **starts**: "I start on 1 April" with no object of its own dates the job the speaker last mentioned
  (the extractor applies it, see :func:`start_times`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from graphmem.extract.names import words

__all__ = ["FAMILY_ROLES", "State", "start_times", "states"]

#: Roles that hold for life: their facts carry no ``valid_from``.
FAMILY_ROLES = words(
    """
    sister brother sibling mother mum mom mommy mama father dad daddy papa parent son daughter child kid
    baby niece nephew aunt auntie uncle cousin grandmother grandma granny grandfather grandpa grandparent
    grandson granddaughter grandchild twin stepmother stepfather stepson stepdaughter stepsister
    stepbrother
    """
)
# Nouns naming a job, for "I got a job at X".
_JOB_NOUNS = words("job position role post internship placement apprenticeship residency contract")
# Nouns after "be ... at X" that are not employment ("a student at", "a member of").
_NOT_JOBS = words(
    """
    student pupil member fan customer client guest visitor patient regular tourist resident volunteer
    beginner newbie loss one person part
    """
)
_JOB_VERBS = words("get land take accept start begin find have secure score snag")
_WORK_PREPS = frozenset({"at", "for", "with"})
_WORKPLACE_TYPES = frozenset({"Organization", "Place", "Thing", "Topic"})
_PLACE_TYPES = frozenset({"Place", "Thing", "Organization"})
_PERSON_TYPES = frozenset({"Person", "Thing"})  # a spouse
_SURFACE_STATES = {
    "work_at": "works_at",
    "work_for": "works_at",
    "start_at": "works_at",
    "begin_at": "works_at",
    "live_in": "lives_in",
    "reside_in": "lives_in",
    "move_to": "lives_in",
    "relocate_to": "lives_in",
    "settle_in": "lives_in",
    "marry": "married_to",
    "wed": "married_to",
    "be_marry_to": "married_to",
    "marry_to": "married_to",  # "is getting married to Rui"
    "get_marry_to": "married_to",
}
_START_OBJECTS = _JOB_NOUNS | words("work there")
_STATE_LEMMAS = _JOB_VERBS | words("be live move relocate hire employ")

#: ``(subject token, state predicate, object entity id, verb token)`` — one state fact.
State = tuple[Any, str, str, Any]


def _negated(verb: Any) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _subjects(verb: Any) -> list[Any]:
    found = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    node = verb
    hops = 0
    while not found and node.dep_ in ("conj", "xcomp", "advcl", "acomp") and node.head is not node and hops < 3:
        node = node.head
        found = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
        hops += 1
    return [t for s in found for t in (s, *s.conjuncts)]


def _pobjs(token: Any, preps: frozenset[str]) -> Iterator[Any]:
    """Objects of the prepositions in ``preps`` hanging from ``token`` (conjuncts included)."""
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ in preps:
            for pobj in prep.children:
                if pobj.dep_ == "pobj":
                    yield pobj
                    yield from pobj.conjuncts


def _job_noun(obj: Any) -> bool:
    """Whether a verb's object is a job: "the job", "a new position", "a job teaching guitar" (which
    the parser reads as "guitar" compounded with "job"); not "an interview for an internship"."""
    return any(t.lemma_.lower() in _JOB_NOUNS for t in (obj, *obj.children) if t is obj or t.dep_ == "compound")


def _workplaces(noun: Any, verb: Any) -> Iterator[Any]:
    """The X of "at X" hanging from the job noun, the nouns compounded with it, or the verb; never a
    job itself."""
    for token in (noun, *noun.children, verb):
        if token is noun or token is verb or token.dep_ == "compound":
            for place in _pobjs(token, _WORK_PREPS):
                if place.lemma_.lower() not in _JOB_NOUNS:
                    yield place


def states(
    doc: Any,
    entity_of: Mapping[int, str],
    type_of: Callable[[str], str | None],
    surface: Iterator[tuple[int, str, int, int]] | list[tuple[int, str, int, int]],
    verbs: Iterable[Any] | None = None,
) -> list[State]:
    """The state facts of a parsed turn (see the module docs).

    Args:
        doc: the parsed turn.
        entity_of: token index → entity id, from stage 2.
        type_of: entity id → entity type.
        surface: the turn's plain triples as ``(subject token, predicate, object token, verb token)``
            indices.
        verbs: the turn's verbs, when the caller has them (default: every token is looked at).
    """
    out: list[State] = []

    def add(subject: Any, predicate: str, obj: Any, verb: Any, types: frozenset[str]) -> None:
        s_id, o_id = entity_of.get(subject.i), entity_of.get(obj.i)
        if s_id is None or o_id is None or s_id == o_id:
            return
        # the subject is anyone named (NER calls a person a place now and then), never a common noun
        if type_of(s_id) in (None, "Topic") or type_of(o_id) not in types:
            return
        out.append((subject, predicate, o_id, verb))

    for s_i, predicate, o_i, v_i in surface:
        state = _SURFACE_STATES.get(predicate)
        if state is None:
            continue
        types = _WORKPLACE_TYPES if state == "works_at" else _PERSON_TYPES if state == "married_to" else _PLACE_TYPES
        if predicate in ("start_at", "begin_at"):
            types = _PLACE_TYPES  # "start at school" is not a job; "start at Lumen Robotics" is
        add(doc[s_i], state, doc[o_i], doc[v_i], types)

    for verb in doc if verbs is None else verbs:
        lemma = verb.lemma_.lower()
        if lemma not in _STATE_LEMMAS or verb.pos_ not in ("VERB", "AUX") or _negated(verb):
            continue
        subjects = _subjects(verb)
        if lemma == "be":  # "I've been an analyst at Northwind Bank"
            for attr in (c for c in verb.children if c.dep_ == "attr" and c.pos_ == "NOUN"):
                if attr.lemma_.lower() in _NOT_JOBS:
                    continue
                for place in _pobjs(attr, frozenset({"at", "for", "with"})):
                    for subject in subjects:
                        add(subject, "works_at", place, verb, _PLACE_TYPES)
        elif lemma in _JOB_VERBS:  # "I got the job at Lumen Robotics"
            for obj in (c for c in verb.children if c.dep_ == "dobj"):
                if not _job_noun(obj):
                    continue
                for place in _workplaces(obj, verb):
                    for subject in subjects:
                        add(subject, "works_at", place, verb, _WORKPLACE_TYPES)
        elif lemma in ("live", "move", "relocate"):
            # "moved into a new apartment in Alfama"; "my company is moving me to Berlin"; "I live in a
            # small flat in Porto"
            movers = [c for c in verb.children if c.dep_ == "dobj"] or subjects
            into = frozenset({"in", "at"}) if lemma == "live" else frozenset({"to", "into"})
            for target in _pobjs(verb, into):
                for place in _pobjs(target, frozenset({"in", "on"})):
                    for mover in movers:
                        add(mover, "lives_in", place, verb, _PLACE_TYPES)
                if movers is not subjects:
                    for mover in movers:
                        add(mover, "lives_in", target, verb, _PLACE_TYPES)
        elif lemma in ("hire", "employ"):  # "Lumen hired me", "I was hired by Lumen"
            employers = [c for c in subjects if c.dep_ == "nsubj"] + list(_pobjs_agent(verb))
            employees = [c for c in verb.children if c.dep_ == "dobj"] + [c for c in subjects if c.dep_ == "nsubjpass"]
            for employee in employees:
                for employer in employers:
                    add(employee, "works_at", employer, verb, _PLACE_TYPES)
    return out


def _pobjs_agent(verb: Any) -> Iterator[Any]:
    for agent in (c for c in verb.children if c.dep_ == "agent"):
        yield from (c for c in agent.children if c.dep_ == "pobj")


def start_times(doc: Any, entity_of: Mapping[int, str], verbs: Iterable[Any] | None = None) -> list[tuple[str, Any]]:
    """``(subject entity, verb token)`` for every "I start (on 1 April)" with no object of its own.

    A start with an object names what starts ("start a blog"); without one, or with "work" or a job
    noun ("I start the job on Monday"), it continues the talk about a job.
    """
    out: list[tuple[str, Any]] = []
    for verb in doc if verbs is None else verbs:
        if verb.lemma_.lower() not in ("start", "begin") or verb.pos_ != "VERB" or _negated(verb):
            continue
        objects = [c for c in verb.children if c.dep_ in ("dobj", "xcomp", "ccomp")]
        if any(o.lemma_.lower() not in _START_OBJECTS for o in objects):
            continue
        if any(c.dep_ == "prep" and c.lower_ not in ("on", "in", "at", "from", "next", "this") for c in verb.children):
            continue
        for subject in (c for c in verb.children if c.dep_ == "nsubj"):
            eid = entity_of.get(subject.i)
            if eid is not None:
                out.append((eid, verb))
    return out
