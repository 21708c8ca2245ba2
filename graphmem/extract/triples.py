"""Stage 3's first step: the subject–verb–object triples of a turn whose two ends are entities.

Each verb that asserts something (:func:`~graphmem.extract.telling.asserting`) is read with its subjects
(borrowed from the verb it is conjoined to or complements when it has none) and its objects: direct
objects, prepositional ones (with the preposition as a suffix of the predicate: ``_at``, ``_out_of``), the
place of a job noun ("my job at Tesco"), the place of a role ("as a nurse at X"), and names the parser hung
on the verb as adverbs. :mod:`graphmem.extract.facts` maps each :class:`Triple` onto the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphmem.extract import relations
from graphmem.extract.dismissals import let_go
from graphmem.extract.moves import direction_objects
from graphmem.extract.pronouns import place_adverbs
from graphmem.extract.readings import Clause, adverbial_names, clause_of, with_object
from graphmem.extract.telling import asserting, state_over

__all__ = ["Triple", "triples", "verbs_of"]

_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
_DIRECT_DEPS = ("dobj", "attr", "oprd", "dative", "obj")


@dataclass(frozen=True, slots=True)
class Triple:
    """A subject–verb–object reading of a verb, as token indices plus its clause."""

    subject: int
    clause: Clause
    object: int
    verb: int
    kind: int = -1  # the noun an object named by "a cat named Miso" is: its type for the vocabulary

    @property
    def predicate(self) -> str:
        """The predicate as said (``not_want_to_adopt``), before the vocabulary is applied."""
        return self.clause.surface


def _with_conjuncts(token: Any) -> list[Any]:
    return [token, *token.conjuncts]


def _subjects(verb: Any) -> list[Any]:
    found = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
    hops = 0
    node = verb
    while not found and node.dep_ in ("conj", "xcomp", "advcl", "acomp") and node.head is not node and hops < 3:
        node = node.head
        found = [c for c in node.children if c.dep_ in _SUBJECT_DEPS]
        hops += 1
    out: list[Any] = []
    for subject in found:
        out.extend(_with_conjuncts(subject))
    return out


def _objects(verb: Any) -> Iterator[tuple[Any, str]]:
    """Objects of a verb with the suffix they add to the predicate (``""`` or ``"_to"``...)."""
    for child in verb.children:
        dep = child.dep_
        if dep in _DIRECT_DEPS:
            for obj in _with_conjuncts(child):
                yield obj, ""
                yield from ((place, "_at") for place in relations.job_places(obj))  # "my job at Tesco": at Tesco
        elif dep in ("prep", "agent"):
            prep = child.lower_ if dep == "prep" else "by"
            pobjs = [c for c in child.children if c.dep_ == "pobj"]
            for pobj in pobjs:
                for obj in _with_conjuncts(pobj):
                    yield obj, f"_{prep}"
                    if prep in _ROLE_PREPS:
                        yield from ((name, f"_{prep}") for name in _named_part(obj))
            if not pobjs:  # "moved out of Lisbon": one preposition chained to another
                for inner in (c for c in child.children if c.dep_ == "prep"):
                    for pobj in (c for c in inner.children if c.dep_ == "pobj"):
                        for obj in _with_conjuncts(pobj):
                            yield obj, f"_{prep}_{inner.lower_}"
            if prep == "as":
                yield from _role_places(pobjs)
    for suffix, pobj in direction_objects(verb):  # "moved back to Munich": "to" hangs on "back"
        for obj in _with_conjuncts(pobj):
            yield obj, suffix
    yield from _adverbial_objects(verb)


_ROLE_PREPS = frozenset({"at", "for"})


def _topic(token: Any, entity_of: dict[int, str]) -> bool:
    return entity_of.get(token.i, "").startswith("ent:topic:")


def _firm(token: Any, entity_of: dict[int, str]) -> bool:
    return entity_of.get(token.i, "").startswith("ent:organization:")


def _kept(obj: Any, entity_of: dict[int, str]) -> bool:
    """Whether an object names an entity, reading a noun with a firm's name as its part (:func:`_named_part`)
    once: as the firm when the noun is only a topic ("at Acme Corp support": Acme Corp), else as the noun."""
    if obj.i not in entity_of:
        return False
    if obj.dep_ == "compound":  # a firm's name part: only for a noun that names nothing but a topic
        return _firm(obj, entity_of) and (obj.head.i not in entity_of or _topic(obj.head, entity_of))
    parts = _named_part(obj)
    return not (parts and _topic(obj, entity_of) and _firm(parts[0], entity_of))


def _named_part(noun: Any) -> list[Any]:
    """The name a place noun is a part of: "Corp" of "at Acme Corp support", "Tesco" of "for the Tesco
    warehouse" (the parser makes the name a compound of the noun)."""
    if noun.pos_ != "NOUN":
        return []
    names = [c for c in noun.children if c.dep_ == "compound" and c.i < noun.i and c.pos_ == "PROPN"]
    return names[-1:]


def _role_places(roles: list[Any]) -> Iterator[tuple[Any, str]]:
    """The "at X" or "for X" hung on the role of "as a ROLE", read as the verb's: "I work as a nurse at
    Hospital La Paz" says what "I work at Hospital La Paz as a nurse" says (the parser hangs the place on
    the role noun in the first order, on the verb in the second)."""
    for role in roles:
        if role.pos_ != "NOUN":
            continue
        for prep in (c for c in role.children if c.dep_ == "prep" and c.lower_ in _ROLE_PREPS):
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                for obj in _with_conjuncts(pobj):
                    yield obj, f"_{prep.lower_}"


def _adverbial_objects(verb: Any) -> Iterator[tuple[Any, str]]:
    """Objects the parser hung on a verb as adverbs: a name ("I'm dating Sara.", :func:`adverbial_names`)
    and the "there" of going ("I went there", "_to"), an object when stage 2 took it for a place
    (:class:`~graphmem.extract.pronouns.PlaceAdverbs`). Being there is read with the states
    (:mod:`graphmem.extract.relations`), not as "be to"."""
    for name in adverbial_names(verb):
        yield name, ""
    if verb.lemma_.lower() != "be":
        for there in place_adverbs(verb):
            yield there, "_to"


def verbs_of(doc: Any) -> list[Any]:
    """The verbs and auxiliaries of a turn, found on spaCy's POS array (much cheaper than walking the
    tokens, which builds a Python object for each)."""
    from spacy.symbols import AUX, VERB

    pos = doc.to_array("POS")
    return [doc[int(i)] for i in np.flatnonzero((pos == VERB) | (pos == AUX))]


def triples(
    doc: Any, entity_of: dict[int, str], verbs: list[Any] | None = None, *, subjectless: Iterable[int] = ()
) -> list[Triple]:
    """The subject–verb–object triples of a parsed turn whose ends are both entities (``verbs``: the
    turn's verbs, when the caller has them; ``subjectless``: verbs with no subject that ``entity_of`` maps
    to their subject, "Moved to Munich!" to the speaker)."""
    implied = set(subjectless)
    out: list[Triple] = []
    seen: set[tuple[str, str, str, bool]] = set()
    for verb in verbs_of(doc) if verbs is None else verbs:
        if not asserting(verb) or let_go(verb):
            continue
        subjects = [s for s in _subjects(verb) if s.i in entity_of] or ([verb] if verb.i in implied else [])
        objects = [(o, suffix) for o, suffix in _objects(verb) if _kept(o, entity_of)] if subjects else []
        if not objects:
            continue
        clause = clause_of(verb)
        passive = any(s.dep_ == "nsubjpass" for s in verb.children)
        for subject in subjects:
            for obj, suffix, kind in _named_too(objects, entity_of):
                s_tok, o_tok, read_as = subject, obj, with_object(clause, suffix, passive)
                if passive and suffix == "_by":  # "the cake was baked by Mel" -> Mel bake cake
                    s_tok, o_tok, read_as = obj, subject, clause
                s_id, o_id = entity_of[s_tok.i], entity_of[o_tok.i]
                # "I lived in Porto as a kid, and I live in Porto now": told as over and as holding, both count
                key = (s_id, read_as.surface, o_id, state_over(verb))
                if s_id == o_id or key in seen:
                    continue
                seen.add(key)
                out.append(Triple(s_tok.i, read_as, o_tok.i, verb.i, kind))
    return out


def _named_too(objects: list[tuple[Any, str]], entity_of: dict[int, str]) -> Iterator[tuple[Any, str, int]]:
    """Each object, then the name it is given ("a cat named Miso", "a dog called Rex") with the noun; a noun
    stage 2 made a mention of its name is that name, read with the noun."""
    for obj, suffix in objects:
        named = [
            name
            for acl in obj.children
            if acl.dep_ == "acl" and acl.lemma_ in ("name", "call")
            for name in acl.children
            if name.dep_ in ("oprd", "attr", "dobj", "xcomp") and name.i in entity_of
        ]
        if any(entity_of[name.i] == entity_of[obj.i] for name in named):
            yield obj, suffix, obj.i
            continue
        yield obj, suffix, -1
        for name in named:
            yield name, suffix, obj.i
