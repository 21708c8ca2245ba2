"""Cancellations: a plan called off ends (stage 3's helper).

A plan (``plans``) holds from when it is told until its time has passed or it is carried out
(:mod:`graphmem.extract.bounds`, :func:`graphmem.extract.temporal.carried_out_ends`). It also ends when it
is called off, told two ways:

- a verb of cancelling whose object is the plan or names it: "I cancelled the Rome trip", "we called off our
  trip to Rome", "I scrapped my plans for Japan" (the places and things the object names: its compounds and
  the objects of its prepositions, or the object itself when it is an entity);
- going said as not happening, in the present progressive or the future: "I'm not going to Rome after all",
  "we won't visit Rome" (a verb stating ``went_to`` or ``plans`` with its object). The past ("I didn't go to
  Rome") tells what did not happen, not that a plan ended, and asserts nothing.

Each gives a closing of the subject's ``plans`` of that object (:class:`~graphmem.models.FactClosing`). A
cancelling is dated by its clause's time as any ending is ("I cancelled the trip last week"); going said as not
happening ends the plan when said, its time phrase being the trip's ("I'm not going to Rome in September"). "We"
is the speaker's side, as in "we broke up".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphmem.extract.readings import base_predicate, not_done
from graphmem.extract.vocabulary import statements_for

__all__ = ["CANCELLING", "cancellations"]

#: Verbs (lemma with particle) whose object is a plan that no longer holds.
CANCELLING = frozenset({"cancel", "call_off", "scrap", "scrub", "shelve", "abandon", "ditch"})
_GOING = frozenset({"went_to", "plans"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
_WE = frozenset({"we", "us"})
_TIMES = frozenset({"DATE", "TIME"})
#: ``(subject, "plans", object, verb, dated)``: a closing, as :func:`~graphmem.extract.readings.intransitive_closings`
#: gives, and whether the verb's time phrase dates it.
Closing = tuple[str, str, str, Any, bool]


def _negated(verb: Any) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _ahead(verb: Any) -> bool:
    """Whether ``verb`` is said of what is ahead: the present progressive ("I'm going") or "will"."""
    auxes = [c for c in verb.children if c.dep_ == "aux"]
    if verb.tag_ == "VBG":
        return any(a.lemma_ == "be" and a.tag_ in ("VBP", "VBZ") for a in auxes)
    return verb.tag_ == "VB" and any(a.lower_ in ("will", "wo", "'ll", "shall") for a in auxes)


def _named(noun: Any, entity_of: Mapping[int, str]) -> Iterator[str]:
    """The entities a plan's noun names: itself when it is one, its compounds ("the Rome trip"), the objects of its
    prepositions ("my trip to Rome", "plans for Japan")."""
    if noun.i in entity_of and noun.ent_type_ not in _TIMES:
        yield entity_of[noun.i]  # "the Rome trip" is a topic of its own, and names Rome
    for child in noun.children:
        if child.dep_ == "compound" and child.i in entity_of and child.ent_type_ not in _TIMES:
            yield entity_of[child.i]
        elif child.dep_ == "prep":
            for pobj in (c for c in child.children if c.dep_ == "pobj"):
                if pobj.i in entity_of and pobj.ent_type_ not in _TIMES:
                    yield entity_of[pobj.i]


def _objects(verb: Any, entity_of: Mapping[int, str], cancelling: bool) -> list[str]:
    out: list[str] = []
    for child in verb.children:
        if cancelling and child.dep_ in ("dobj", "nsubjpass"):
            out.extend(_named(child, entity_of))
        elif not cancelling and child.dep_ == "dobj" and child.i in entity_of:
            out.append(entity_of[child.i])
        elif not cancelling and child.dep_ == "prep":
            preposition = f"{base_predicate(verb)}_{child.lower_}"
            if any(p.name in _GOING for p in statements_for(preposition)):
                out.extend(entity_of[c.i] for c in child.children if c.dep_ == "pobj" and c.i in entity_of)
    return list(dict.fromkeys(out))


def cancellations(verbs: Iterable[Any], entity_of: Mapping[int, str], speaker_id: str | None) -> Iterator[Closing]:
    """``(subject, "plans", object, verb, dated)`` for each plan the turn's asserting ``verbs`` call off (see the module
    docs)."""
    for verb in verbs:
        if verb.pos_ != "VERB" or not_done(verb):
            continue
        base = base_predicate(verb)
        cancelling = base in CANCELLING and not _negated(verb)
        going = base == "go" or any(p.name in _GOING for p in statements_for(base))
        if not cancelling and not (going and _negated(verb) and _ahead(verb)):
            continue
        objects = _objects(verb, entity_of, cancelling)
        subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
        who = (entity_of.get(s.i) or (speaker_id if s.lower_ in _WE else None) for s in subjects)
        for subject in dict.fromkeys(w for w in who if w is not None):
            for obj in objects:
                if obj != subject:
                    yield subject, "plans", obj, verb, cancelling
