"""Start statements: a dated clause that begins a state dates the state's fact.

"I work at Globex. I started there on 1 March." states ``works_at`` Globex in one clause and says when
it began in another. When a turn states a fact of a single-valued predicate (a job, a home, a partner,
a school) whose own clause has no time phrase (:mod:`graphmem.extract.bounds`), and a clause of the
same turn by the same subject has an inception verb with a resolved time phrase, the fact's
``valid_from`` is that phrase's start, provided the clause's target is the fact's (the first
kind in this list wins):

- the fact's object, after *start*, *begin* or a verb that begins the predicate: "I work for Oracle. I
  joined Oracle in January.";
- the predicate's activity, a complement of *start* or *begin* that states it: "I started working there
  in January", "we began dating in May";
- a pro-form (*there*, *here*, *it*, *them*) and no other object, after a verb that begins the
  predicate: "I moved here on 1 June", "I started there last month";
- nothing at all, after a verb that begins the predicate: "I live in Oslo; we moved in 2019".

A place the clause comes *from* is no target ("I moved here from Porto in 2020"), nor is a companion
or a landmark ("moved here with my husband", "settled here after college").

The verbs that begin each predicate are declared in the vocabulary (``Predicate.beginnings``:
*start*, *begin*, *join*, *be hired* for a job; *move*, *relocate*, *settle* for a home; ...). A clause
with another subject ("my sister started there in May"), another object ("I started a blog there in
May"), a negation, a question or a hypothetical sets nothing; neither does a clause with no resolved
time, or one dated only by "until". An ending clause ("I left Acme at the end of February") needs
nothing here: it is a :class:`~graphmem.models.FactClosing` dated by its own clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphmem.extract import vocabulary as vocab
from graphmem.extract.bounds import clause_time
from graphmem.extract.readings import base_predicate
from graphmem.extract.relations import activity_subjects
from graphmem.models import TimeRef

__all__ = ["Inception", "inception_start", "inceptions"]

_PLACE_WORDS = frozenset({"there", "here"})
_OBJECT_PRONOUNS = frozenset({"it", "them"})
_WE = frozenset({"we", "us"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
_TARGET_PREPS = frozenset({"to", "into", "at", "in", "on", "onto", "for"})
_TIME_ENTS = frozenset({"DATE", "TIME"})
# Which way a match ranks: a named object says most, no target at all least.
_OBJECT, _ACTIVITY, _PRO_FORM, _BARE = range(4)


@dataclass(frozen=True, slots=True)
class Inception:
    """A dated clause that may begin a state ("I started there on 1 March").

    Attributes:
        subjects: entity ids of who begins.
        verb: the verb's base predicate (``move``, ``start``, ``be_hire``).
        when: the clause's resolved time phrase.
        objects: the name keys (an entity id's last part) of what the clause names as its target: within
            a turn a name is one thing, even where NER types its two mentions apart.
        pro_form: a pro-form ("there", "here", "it", "them") is the target, and no other object.
        activities: predicates the clause's complement states ("started working": ``works_at``).
        bare: the clause has no target at all ("I started on 1 March").
    """

    subjects: frozenset[str]
    verb: str
    when: TimeRef
    objects: frozenset[str] = frozenset()
    pro_form: bool = False
    activities: frozenset[str] = frozenset()
    bare: bool = False


def _key(eid: str) -> str:
    """The name part of an entity id (``ent:organization:globex`` → ``globex``)."""
    return eid.rsplit(":", 1)[-1]


def _activities(verb: Any) -> frozenset[str]:
    """The predicates a verbal complement of ``verb`` states as an activity, with no object of its own:
    "started working (there)" → ``works_at``; not "started working on a novel" (``work_on``) or
    "began teaching yoga"."""
    out: set[str] = set()
    for comp in (c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"):
        if any(g.dep_ in ("dobj", "obj") and g.lower_ not in _OBJECT_PRONOUNS for g in comp.children):
            continue
        lemma = comp.lemma_.lower()
        preps = {
            g.lower_
            for g in comp.children
            if g.dep_ == "prep" and any(h.dep_ == "pobj" and h.ent_type_ not in _TIME_ENTS for h in g.children)
        }
        for p in vocab.PREDICATES:
            if not p.single_valued:
                continue
            if preps:
                said = any(f"{lemma}_{prep}" in p.states for prep in preps)
            else:
                said = lemma in p.states or any(s.startswith(f"{lemma}_") for s in p.states)
            if said:
                out.add(p.name)
    return frozenset(out)


def _targets(verb: Any, entity_of: Mapping[int, str]) -> tuple[frozenset[str], bool, bool]:
    """``(named objects, pro-form, bare)`` of an inception verb.

    A named object is a direct object or the object of a preposition other than *from* ("moved here
    from Porto": Porto is no target). A pro-form counts only beside no other target: a direct object
    or a place after *to*, *into*, *at*, *in*, *on*, *for* ("I started a project there" dates the
    project), while a companion or a landmark ("moved here with Tom", "settled here after college")
    leaves it standing.
    """
    named: set[str] = set()
    blocked = pro_form = False
    places = [c for c in verb.children if c.dep_ == "advmod" and c.lower_ in _PLACE_WORDS]
    for child in verb.children:
        if child.dep_ in ("dobj", "obj"):
            if child.lower_ in _OBJECT_PRONOUNS:
                pro_form = True
                continue
            blocked = True
            if child.i in entity_of:
                named.add(_key(entity_of[child.i]))
        elif child.dep_ in ("xcomp", "ccomp") and not any(g.dep_ in _SUBJECT_DEPS for g in child.children):
            # a complement without a subject is the target ("started working there"); one with its own
            # subject is a clause of its own ("I live in Porto now, I moved here on 1 June")
            blocked = True
            places += [g for g in child.children if g.dep_ == "advmod" and g.lower_ in _PLACE_WORDS]
        elif child.dep_ == "prep" and child.lower_ != "from":
            for pobj in (g for g in child.children if g.dep_ == "pobj" and g.ent_type_ not in _TIME_ENTS):
                if pobj.i in entity_of:
                    named.add(_key(entity_of[pobj.i]))
                    blocked = blocked or child.lower_ in _TARGET_PREPS
    pro_form = (pro_form or bool(places)) and not blocked
    return frozenset(named), pro_form, not (blocked or pro_form)


def inceptions(
    verbs: Iterable[Any],
    entity_of: Mapping[int, str],
    times: list[tuple[Any, TimeRef]],
    speaker_id: str | None = None,
) -> list[Inception]:
    """The dated clauses of a turn that may begin a state (see the module docs).

    Args:
        verbs: the turn's asserted verbs (questions and hypotheticals left out by the caller).
        entity_of: token index → entity id.
        times: the turn's time phrases with their resolved :class:`TimeRef`.
        speaker_id: the speaker's entity, for "we" ("we moved here in June").
    """
    if not times:
        return []
    beginnings = vocab.INCEPTIONS.union(*(p.beginnings for p in vocab.PREDICATES if p.single_valued))
    out: list[Inception] = []
    for verb in verbs:
        if verb.pos_ != "VERB" or any(c.dep_ == "neg" for c in verb.children):
            continue
        base = base_predicate(verb)
        if any(c.dep_ == "nsubjpass" for c in verb.children):
            base = f"be_{base}"
        if base not in beginnings:
            continue
        when = clause_time(verb, times)
        if when is None or not when.resolved:
            continue
        ids = (entity_of.get(s.i) or (speaker_id if s.lower_ in _WE else None) for s in activity_subjects(verb))
        subjects = frozenset(i for i in ids if i is not None)
        if not subjects:
            continue
        named, pro_form, bare = _targets(verb, entity_of)
        activities = _activities(verb) if base in vocab.INCEPTIONS else frozenset()
        out.append(Inception(subjects, base, when, named, pro_form, activities, bare))
    return out


def _rank(found: Inception, predicate: vocab.Predicate, obj: str) -> int | None:
    begins = found.verb in predicate.beginnings
    if _key(obj) in found.objects and (begins or found.verb in vocab.INCEPTIONS):
        return _OBJECT
    if predicate.name in found.activities:
        return _ACTIVITY
    if found.pro_form and begins:
        return _PRO_FORM
    if found.bare and begins:
        return _BARE
    return None


def inception_start(subject: str, predicate: str, obj: str, found: Iterable[Inception]) -> TimeRef | None:
    """The time phrase of the clause among ``found`` that begins ``subject`` ``predicate`` ``obj``
    (the best-ranked match, the earliest said among equals), or ``None``."""
    declared = vocab.by_name(predicate)
    if declared is None or not declared.single_valued:
        return None
    best: tuple[int, TimeRef] | None = None
    for inception in found:
        if subject not in inception.subjects:
            continue
        rank = _rank(inception, declared, obj)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, inception.when)
    return best[1] if best is not None else None
