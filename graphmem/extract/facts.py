"""Stage 3: subject–verb–object facts from the dependency parse.

For every verb whose subject and object both resolve to entities of the turn (pronouns included: "I"
is the speaker), a :class:`~graphmem.models.Fact` edge is made. The predicate is the verb lemma with
its particle (``give_up``), a preposition for prepositional objects (``go_to``, ``move_out_of``), an
open complement (``want_to_adopt``) and negation (``not_like``). Conjoined subjects and objects each get
a fact; a verb without its own subject borrows the subject of the verb it is conjoined to or
complements. :mod:`graphmem.extract.relations` adds role facts (``sister_of``) and state facts
(``works_at``, ``lives_in``, ``married_to``) read off the same parse.

``valid_from`` is the start of a resolved time expression of the fact's own clause (see
:func:`_attached`), else the event time; ``recorded_at`` is the event time: what memory learned, when.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from graphmem.extract import relations
from graphmem.extract.names import fact_id
from graphmem.models import Event, Fact, TimeRef

__all__ = ["Triple", "build_facts", "start_times", "triples"]

_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
_DIRECT_DEPS = ("dobj", "attr", "oprd", "dative", "obj")
_COMPLEMENT_DEPS = ("xcomp", "ccomp")
_MAX_PREDICATE_PARTS = 4
_START_WORDS = re.compile(r"\b(?:start|begin|began|begun)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Triple:
    """A subject–predicate–object reading of a verb, as token indices plus the predicate text."""

    subject: int
    predicate: str
    object: int
    verb: int


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


def _base_predicate(verb: Any) -> str:
    parts = [verb.lemma_.lower()]
    parts.extend(c.lower_ for c in verb.children if c.dep_ == "prt")
    return "_".join(parts)


def _negated(verb: Any) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _predicate(verb: Any) -> tuple[str, bool]:
    """The predicate of a verb including the verbs it complements ("want to adopt"), and its negation."""
    chain = [verb]
    node = verb
    while node.dep_ == "xcomp" and node.head is not node and node.head.pos_ == "VERB":
        node = node.head
        if node.lemma_ == "go" and node.lower_ in ("going", "gon"):
            continue  # "going to paint" is the future of "paint", not a predicate of its own
        chain.append(node)
        if len(chain) >= _MAX_PREDICATE_PARTS:
            break
    chain.reverse()
    negated = any(_negated(v) for v in chain)
    words = []
    for i, v in enumerate(chain):
        words.append(_base_predicate(v))
        if i < len(chain) - 1:
            words.append("to")
    return "_".join(words), negated


def _objects(verb: Any) -> Iterator[tuple[Any, str]]:
    """Objects of a verb with the suffix they add to the predicate (``""`` or ``"_to"``...)."""
    for child in verb.children:
        dep = child.dep_
        if dep in _DIRECT_DEPS:
            for obj in _with_conjuncts(child):
                yield obj, ""
        elif dep in ("prep", "agent"):
            prep = child.lower_ if dep == "prep" else "by"
            pobjs = [c for c in child.children if c.dep_ == "pobj"]
            for pobj in pobjs:
                for obj in _with_conjuncts(pobj):
                    yield obj, f"_{prep}"
            if not pobjs:  # "moved out of Lisbon": one preposition chained to another
                for inner in (c for c in child.children if c.dep_ == "prep"):
                    for pobj in (c for c in inner.children if c.dep_ == "pobj"):
                        for obj in _with_conjuncts(pobj):
                            yield obj, f"_{prep}_{inner.lower_}"


def _verbs(doc: Any) -> list[Any]:
    """The verbs and auxiliaries of a turn, found on spaCy's POS array (much cheaper than walking the
    tokens, which builds a Python object for each)."""
    from spacy.symbols import AUX, VERB

    pos = doc.to_array("POS")
    return [doc[int(i)] for i in np.flatnonzero((pos == VERB) | (pos == AUX))]


def triples(doc: Any, entity_of: dict[int, str], verbs: list[Any] | None = None) -> list[Triple]:
    """The subject–verb–object triples of a parsed turn whose ends are both entities (``verbs``: the
    turn's verbs, when the caller has them)."""
    out: list[Triple] = []
    seen: set[tuple[str, str, str]] = set()
    for verb in _verbs(doc) if verbs is None else verbs:
        if not (verb.pos_ == "VERB" or (verb.pos_ == "AUX" and verb.lemma_ == "be" and verb.dep_ == "ROOT")):
            continue
        if _is_question(verb.sent):
            continue  # a question asserts nothing
        subjects = [s for s in _subjects(verb) if s.i in entity_of]
        if not subjects:
            continue
        objects = [(o, suffix) for o, suffix in _objects(verb) if o.i in entity_of]
        if not objects:
            continue
        base, negated = _predicate(verb)
        passive = any(s.dep_ == "nsubjpass" for s in verb.children)
        for subject in subjects:
            for obj, suffix in objects:
                s_tok, o_tok = subject, obj
                predicate = base + suffix
                if passive and suffix == "_by":  # "the cake was baked by Mel" -> Mel bake cake
                    s_tok, o_tok, predicate = obj, subject, base
                elif passive:
                    predicate = f"be_{predicate}"
                if negated:
                    predicate = f"not_{predicate}"
                s_id, o_id = entity_of[s_tok.i], entity_of[o_tok.i]
                key = (s_id, predicate, o_id)
                if s_id == o_id or key in seen:
                    continue
                seen.add(key)
                out.append(Triple(s_tok.i, predicate, o_tok.i, verb.i))
    return out


def _is_question(sentence: Any) -> bool:
    last = sentence[-1]
    return last.text == "?" or (len(sentence) > 1 and last.is_space and sentence[-2].text == "?")


def _verb_of(token: Any) -> Any:
    node = token
    for _ in range(8):
        if node.pos_ in ("VERB", "AUX") or node.head is node:
            return node
        node = node.head
    return node


def _has_subject(verb: Any) -> bool:
    return any(c.dep_ in _SUBJECT_DEPS for c in verb.children)


def _clause_verbs(verb: Any) -> set[int]:
    """The verbs whose time a fact of ``verb`` takes: itself and the verbs it complements or is
    conjoined to ("went hiking", "bought ... and rode")."""
    targets = {verb.i}
    node = verb
    while node.dep_ in ("xcomp", "conj") and node.head is not node:
        node = node.head
        targets.add(node.i)
    return targets


def _attached(governor: Any, targets: set[int]) -> bool:
    """Whether a time phrase governed by ``governor`` belongs to the clause of ``targets``.

    It does when its verb is one of them, or a participle or infinitive without a subject of its own
    that modifies one of them or their object ("a job at the school, starting in November"). A verb with
    its own subject is another clause: "the seedlings my mum gave me last week" dates the giving, not
    the bringing.
    """
    if governor.i in targets:
        return True
    node = governor
    for _ in range(3):
        if node.pos_ not in ("VERB", "AUX") or _has_subject(node):
            return False
        if node.dep_ not in ("advcl", "acl", "xcomp", "pcomp") or node.head is node:
            return False
        node = _verb_of(node.head)
        if node.i in targets:
            return True
    return False


def _time_for(verb: Any, times: list[tuple[Any, TimeRef]]) -> TimeRef | None:
    """The resolved time expression attached to ``verb``'s clause (see :func:`_attached`); a phrase in a
    verbless sentence ("On 3 June.") counts when it is the sentence's only one."""
    sentence = verb.sent
    in_sentence = [(span, ref) for span, ref in times if ref.resolved and span.sent == sentence]
    if not in_sentence:
        return None
    targets = _clause_verbs(verb)
    for span, ref in in_sentence:
        if _attached(_verb_of(span.root), targets):
            return ref
    if len(in_sentence) == 1 and _verb_of(in_sentence[0][0].root).pos_ not in ("VERB", "AUX"):
        return in_sentence[0][1]
    return None


def build_facts(
    doc: Any,
    event: Event,
    entity_of: dict[int, str],
    times: list[tuple[Any, TimeRef]],
    *,
    recorded_at: datetime,
    type_of: Callable[[str], str | None] | None = None,
    roles: Sequence[tuple[str, str, str, int]] = (),
) -> list[Fact]:
    """The facts of one parsed turn (stage 3), each with the turn as evidence.

    Args:
        doc: the parsed turn.
        event: its event.
        entity_of: token index → entity id, from stage 2.
        times: the DATE/TIME spans of the turn with their resolved :class:`TimeRef`.
        recorded_at: when memory learned the facts (the event time, or ingestion time without one).
        type_of: entity id → type; with it, the state facts of :mod:`graphmem.extract.relations`
            (``works_at``, ``lives_in``, ``married_to``) are added.
        roles: ``(named entity, role, whose, token index)`` from stage 2's appositions; each becomes a
            ``<role>_of`` fact ("Clara ``sister_of`` Jon").
    """
    facts: dict[tuple[str, str, str], Fact] = {}

    def add(subject: str, predicate: str, obj: str, when: TimeRef | None, *, timeless: bool = False) -> None:
        key = (subject, predicate, obj)
        if subject == obj or key in facts:
            return
        facts[key] = Fact(
            namespace=event.namespace,
            id=fact_id(event.id, subject, predicate, obj),
            subject_id=subject,
            predicate=predicate,
            object_id=obj,
            recorded_at=recorded_at,
            valid_from=when.start if when is not None else None if timeless else event.occurred_at,
            evidence=(event.id,),
            time_phrase=when.phrase if when is not None else None,
        )

    verbs = _verbs(doc)
    found = triples(doc, entity_of, verbs)
    for triple in found:
        add(entity_of[triple.subject], triple.predicate, entity_of[triple.object], _time_for(doc[triple.verb], times))
    if type_of is not None:
        surface = [(t.subject, t.predicate, t.object, t.verb) for t in found]
        for subject, predicate, obj, verb in relations.states(doc, entity_of, type_of, surface, verbs):
            if not _is_question(verb.sent):
                add(entity_of[subject.i], predicate, obj, _time_for(verb, times))
    for named, role, owner, index in roles:
        token = doc[index]
        if not _is_question(token.sent):
            add(named, f"{role}_of", owner, None, timeless=role in relations.FAMILY_ROLES)
    return list(facts.values())


def start_times(doc: Any, entity_of: dict[int, str], times: list[tuple[Any, TimeRef]]) -> list[tuple[str, TimeRef]]:
    """``(subject, time)`` for each dated "I start on 1 April" of the turn (see
    :func:`graphmem.extract.relations.start_times`): the start of the job the subject last talked of."""
    out: list[tuple[str, TimeRef]] = []
    if not times or not _START_WORDS.search(doc.text):
        return out
    for subject, verb in relations.start_times(doc, entity_of):
        when = _time_for(verb, times)
        if when is not None and not _is_question(verb.sent):
            out.append((subject, when))
    return out
