"""Dismissals: a job ended by the employer ("Acme fired me", "Acme laid me off", "Acme let me go").

The vocabulary's endings are told by the one whose state ends ("I quit", "I was fired from Acme", "I got laid
off", :mod:`graphmem.extract.readings`). A dismissal is told from the other side, as "Acme hired me" is for a
start (:mod:`graphmem.extract.relations`): the employer is the subject and the employee the object. So the
employee's ``works_at`` ends, of the employer when it is a workplace (a named organisation, or a name NER typed a
place or a thing), of whichever job the employee holds when the employer is a person ("my boss fired me",
"My manager, Rui Costa, let me go"). The passive with an agent ("I was laid off by Acme", "I was let go by
Acme") reads the same way. With no employer named, "I was let go" ends the current job as "I got fired" does;
"they let me go" (who?) ends nothing. A dismissal states nothing else: it is no ``said_about`` between the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from graphmem.extract.readings import base_predicate, not_done
from graphmem.extract.vocabulary import JOBS

__all__ = ["DISMISSALS", "dismissals", "let_go"]

#: Verbs (lemma with particle) whose subject ends its object's job.
DISMISSALS = frozenset({"fire", "lay_off", "sack"})
_TIMES = frozenset({"DATE", "TIME"})
_WORKPLACES = frozenset({"Organization", "Place", "Thing", "Topic"})

#: ``(employee, "works_at", employer or None, verb)``: a closing, as
#: :func:`~graphmem.extract.readings.intransitive_closings` gives.
Closing = tuple[str, str, str | None, Any]


def _let_go(verb: Any) -> Any | None:
    """The "go" of "let me go" / "I was let go (by Acme)", or ``None``: a "go" with nothing of its own but its
    subject, who let it go and when ("My boss let me go home early", "let me go to Paris" are permissions)."""
    if verb.lemma_.lower() != "let":
        return None
    go = next((c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.lemma_.lower() == "go"), None)
    if go is None or not all(_bare(c) for c in go.children):
        return None
    return go


def let_go(verb: Any) -> bool:
    """Whether ``verb`` is the "go" of a dismissal ("I was let go by Acme"), which goes nowhere: no triple."""
    if verb.lemma_.lower() != "go" or verb.head.i == verb.i:
        return False
    go = _let_go(verb.head)
    return go is not None and go.i == verb.i


def _bare(child: Any) -> bool:
    """Whether a dependent of "go" leaves it the "go" of dismissal: its subject, punctuation, "by"/"from" the
    employer, or a time ("yesterday", "in March")."""
    if child.dep_ in ("nsubj", "punct", "agent") or child.ent_type_ in _TIMES:
        return True
    if child.dep_ == "prep":
        return child.lower_ in ("by", "from") or all(t.ent_type_ in _TIMES for t in child.subtree if t.i != child.i)
    return False


def _agents(*verbs: Any) -> list[Any]:
    """Who a passive says did it, or whose job it was: the objects of its "by" ("I was let go by Acme": "by"
    hangs on "let" or on "go") and "from" ("I got let go from Acme")."""
    return [
        pobj
        for verb in verbs
        for by in verb.children
        if by.dep_ == "agent" or (by.dep_ == "prep" and by.lower_ in ("by", "from"))
        for pobj in by.children
        if pobj.dep_ == "pobj"
    ]


def _employer_of_let(verb: Any) -> list[Any]:
    """Who lets someone go: the subject of "let", or the name opening the sentence that en_core_web_sm reads
    as an adverb of an imperative ("Acme let me go": ``Acme`` an ``npadvmod``, "let" a ``VB``)."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if subjects:
        return subjects
    return [
        c
        for c in verb.lefts
        if c.dep_ == "npadvmod" and c.pos_ == "PROPN" and c.left_edge.i == verb.sent.start and c.i == verb.i - 1
    ]


def _parties(verb: Any) -> tuple[list[Any], list[Any]]:
    """``(employees, employers)`` of a dismissal verb, or two empty lists."""
    passive = [c for c in verb.children if c.dep_ == "nsubjpass"]
    go = _let_go(verb)
    if go is not None:
        if passive:
            return passive, _agents(verb, go)
        employees = [c for c in go.children if c.dep_ == "nsubj"] + [c for c in verb.children if c.dep_ == "dobj"]
        return employees, _employer_of_let(verb)
    if base_predicate(verb) not in DISMISSALS:
        return [], []
    if passive:
        return passive, _agents(verb)
    return [c for c in verb.children if c.dep_ == "dobj"], [c for c in verb.children if c.dep_ == "nsubj"]


def dismissals(
    verbs: Iterable[Any],
    entity_of: Mapping[int, str],
    type_of: Callable[[str], str | None],
    *,
    is_role: Callable[[str], bool] = lambda eid: False,
) -> Iterator[Closing]:
    """The closings of the turn's dismissals (see the module docs), from its asserted verbs.

    Args:
        verbs: the turn's verbs that assert (no question, no hypothetical).
        entity_of: token index → entity id, from stage 2.
        type_of: entity id → type.
        is_role: whether a topic is a person's role noun ("my boss"): a person, not a workplace.
    """
    for verb in verbs:
        if verb.pos_ != "VERB" or any(c.dep_ == "neg" for c in verb.children) or not_done(verb):
            continue
        employees, employers = _parties(verb)
        people = [e for e in (entity_of.get(t.i) for t in employees) if e is not None and _person(e, type_of, is_role)]
        if not people:
            continue
        # "I was fired from my job": no employer named, whichever job it was
        named = [e for e in (entity_of.get(t.i) for t in employers if t.lemma_.lower() not in JOBS) if e is not None]
        passive = any(c.dep_ == "nsubjpass" for c in verb.children)
        # a name stage 2 did not take for an entity ("Acme let me go", parsed as an imperative) is an employer too;
        # "they let me go" (the police? a friend?) ends nothing
        someone = passive or any(t.pos_ == "PROPN" for t in employers)
        if not named and not someone:
            continue
        for employee in people:
            if not named:
                yield employee, "works_at", None, verb  # "I was let go", "Acme let me go"
            for employer in named:
                if employer == employee:
                    continue
                workplace = type_of(employer) in _WORKPLACES and not is_role(employer)
                yield employee, "works_at", employer if workplace else None, verb


def _person(eid: str, type_of: Callable[[str], str | None], is_role: Callable[[str], bool]) -> bool:
    return type_of(eid) == "Person" or is_role(eid)
