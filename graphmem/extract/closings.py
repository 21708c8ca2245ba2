"""Closings: statements that a fact stopped holding, and when each ends which fact.

A :class:`~graphmem.models.FactClosing` ("I quit my job", "we broke up", "Max passed away") ends the facts
it matches (:func:`closing_end`, :func:`closing_ends`). Closings are not stored: they act on the facts
stored when they are written, and through the fact versions they cause. An ending still acts on a
statement told before it that memory learns later, through the fact it leaves: a statement told as ended
("My dog Rex died yesterday") acts as a closing of the same fact (:func:`statement_closings`), and an
ending that ends nothing memory holds is kept as such a statement (:func:`unmatched_endings`).
:mod:`graphmem.extract.temporal` applies them with the other ends a fact can get.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from graphmem.extract.names import event_place, fact_id, name_key
from graphmem.extract.vocabulary import MUTUAL
from graphmem.models import OVER_PHRASE, Fact, FactClosing

__all__ = [
    "closing_end",
    "closing_ends",
    "earliest",
    "own_end",
    "remap_closings",
    "statement_closings",
    "told_after",
    "told_ended",
    "told_over",
    "told_past",
    "unmatched_endings",
]


def earliest(*values: datetime | None) -> datetime | None:
    """The earliest of the times given, ``None`` when none is."""
    return min((v for v in values if v is not None), default=None)


def closing_end(closing: FactClosing, f: Fact) -> datetime | None:
    """When ``closing`` ends ``f`` (``None``: it does not; the rules are :mod:`graphmem.extract.temporal`'s).

    An ending dated after the fact began ends it then. One said later, dated by a period that holds the
    fact's start ("I work at Acme", then a week later "I quit my job last month"), ends it at the period's
    end (``at_latest``). One said later that names the fact's value and dates its end before a start that
    is only when the fact was said ("I live in Lisbon" on 1 May, "I moved out of Lisbon last month" on 8
    May) ends it when said, the later statement winning, when its date lies no further before the fact's
    start than the ending was said after it ("I left Acme in 2019 but came back" is of an earlier stint).
    Otherwise an ending dated before the fact began tells of an earlier stint and ends nothing.
    """
    if closing.predicate != f.predicate:
        return None
    if closing.subject_id is not None and closing.subject_id != f.subject_id:
        return None
    # "I work at Acme" (NER: an organisation) ... "I got fired from Acme" (NER: a place): one name
    if closing.object_id is not None and name_key(closing.object_id) != name_key(f.object_id):
        return None
    when = closing.at or closing.recorded_at
    if f.valid_from is None:
        return when if told_after(closing.recorded_at, closing.evidence, f.recorded_at, f.evidence) else None
    if when > f.valid_from:
        return when
    if closing.recorded_at <= f.recorded_at or closing.correction:
        return None
    if closing.at_latest is not None and closing.at_latest > f.valid_from:
        return closing.at_latest
    said_then = f.time_phrase is None and f.valid_from == f.recorded_at  # its start is only when it was said
    # dated closer to when the fact was said than that is to the ending's telling: not an earlier stint
    recent = f.valid_from - (closing.at_latest or when) <= closing.recorded_at - f.valid_from
    if closing.object_id is not None and said_then and closing.recorded_at > f.valid_from and recent:
        return closing.recorded_at
    return None


def told_after(at: datetime, evidence: Sequence[str], before: datetime, before_evidence: Sequence[str]) -> bool:
    """Whether statements recorded at ``at`` (events ``evidence``) were made after those recorded at
    ``before`` (``before_evidence``): later, or at the same moment (an undated transcript, whose statements
    are all recorded when it is ingested) later in the turns of the same session."""
    if at != before:
        return at > before
    if not evidence or not before_evidence:
        return False
    session, first = min(event_place(e) for e in evidence)
    return all(s == session and seq < first for s, seq in map(event_place, before_evidence))


def told_over(f: Fact) -> bool:
    """Whether ``f`` is a state told as over and not corrected (:data:`graphmem.models.OVER_PHRASE`)."""
    return f.time_phrase == OVER_PHRASE and f.valid_from is None and f.valid_to is not None


def told_past(f: Fact) -> bool:
    """Whether ``f``'s own statement told it as over: a state told as over (:func:`told_over`), or one its
    clause dated in the past ("In 2019 I worked at Acme", "I lived in Porto until 2020": it ended before
    memory learned it, which no later value or closing can do to a fact that held)."""
    if told_over(f):
        return True
    return f.valid_to is not None and f.valid_to <= f.recorded_at and f.time_phrase is not None and not f.never_held


def own_end(f: Fact) -> datetime | None:
    """The end a fact's own statement gave it, when an end other facts explained may have replaced it: a
    state told as over ("I worked at Acme": no start, an end) ended by the time it was said; one its clause
    dated in the past ("I lived in Porto until 2020") keeps its end (an earlier end another fact gave it is
    then taken as its own: the phrase is not resolved again)."""
    if told_over(f):
        return f.recorded_at
    return f.valid_to if told_past(f) else None


def closing_ends(facts: Iterable[Fact], closings: Sequence[FactClosing]) -> dict[str, datetime]:
    """``valid_to`` of each fact a closing ends, by fact id (the earliest matching closing)."""
    out: dict[str, datetime] = {}
    if not closings:
        return out
    by_predicate: dict[str, list[FactClosing]] = {}
    for c in closings:
        if not c.correction:  # a correction ends nothing in the world (apply_corrections)
            by_predicate.setdefault(c.predicate, []).append(c)
    for f in facts:
        end = earliest(*(closing_end(c, f) for c in by_predicate.get(f.predicate, ())))
        if end is not None:
            out[f.id] = end
    return out


def told_ended(f: Fact) -> bool:
    """Whether ``f`` is a statement that its fact had ended by the time it was said, with no start: "My dog
    Rex died yesterday", "I worked at Acme", or an ending memory held no fact for ("Omar and I got divorced
    in May" told first: :func:`unmatched_endings`). Such a statement ends the same fact told before it,
    whenever that statement reaches memory (:func:`statement_closings`)."""
    return f.valid_from is None and f.valid_to is not None and f.valid_to <= f.recorded_at and f.predicate != "plans"


def statement_closings(facts: Iterable[Fact]) -> tuple[FactClosing, ...]:
    """Each statement among ``facts`` told as ended (:func:`told_ended`) as a closing of its subject,
    predicate and object at its end, said when it was: closings are not stored, so the end a statement told
    first keeps acting on the same fact told earlier that memory learns later (an older file ingested after
    a newer one, a message delivered late, a merge), as the closing would had the facts come in order. It
    ends no statement told after it (:func:`closing_end`), nor itself."""
    out = []
    for f in facts:
        if not told_ended(f):
            continue
        ends = [(f.subject_id, f.object_id)]
        if f.predicate in MUTUAL:  # Omar's marriage to Fay ended: Fay's to Omar did
            ends.append((f.object_id, f.subject_id))
        out += [
            FactClosing(
                f.namespace, f.predicate, f.recorded_at, subject_id=s, object_id=o, at=f.valid_to, evidence=f.evidence
            )
            for s, o in ends
        ]
    return tuple(out)


def unmatched_endings(facts: Sequence[Fact], closings: Sequence[FactClosing]) -> list[Fact]:
    """The endings among ``closings`` that end none of ``facts``, as statements told as ended
    (:func:`told_ended`): "Omar and I got divorced in May" with no marriage stored is kept as Fay
    ``married_to`` Omar until May, which ends the marriage told in January when that reaches memory
    (:func:`statement_closings`).

    Only an ending that names its fact whole is kept: one that names no subject or no value ("I quit my
    job", "Rex died": whose pet?) or whose statement reads as the end of more than one predicate or fact
    ("I quit Globex": a job, or a game? "I dropped out of Hudson College": studies or membership?) names
    no fact to keep; nor is one kept when any of its statement's readings ended a fact, or when its
    statement already gave its fact ("My dog Rex died yesterday")."""
    readings: dict[tuple[str, ...], list[FactClosing]] = {}
    for c in closings:
        if not c.correction and c.evidence:
            readings.setdefault(c.evidence, []).append(c)
    out: dict[str, Fact] = {}
    for group in readings.values():
        # "I quit my job at Acme" reads as the end of Fay's job at Acme and of whichever job she held
        named = [g for g in group if g.subject_id is not None and g.object_id is not None]
        if not named or len({g.predicate for g in group}) > 1 or named[0].predicate == "plans":
            continue  # (a plan called off that memory never held is no plan to keep: "I cancelled Netflix")
        group = named
        c = named[0]
        subject, value = c.subject_id, c.object_id
        if subject is None or value is None:
            continue
        # a state of two people ended is one ending, either way round ("Omar and I got divorced")
        if any(g.object_id not in (value, subject) and name_key(g.object_id or "") != name_key(value) for g in group):
            continue
        both = [*group, replace(c, subject_id=value, object_id=subject)] if c.predicate in MUTUAL else group
        keys = {(e.subject_id, e.predicate, e.object_id) for e in both}
        if any((f.subject_id, f.predicate, f.object_id) in keys and set(f.evidence) & set(c.evidence) for f in facts):
            continue
        if any(closing_end(e, f) is not None for e in both for f in facts):
            continue
        fid = fact_id(c.evidence[0], subject, c.predicate, value)
        end = min(c.at or c.recorded_at, c.recorded_at)
        out[fid] = Fact(
            c.namespace,
            fid,
            subject,
            c.predicate,
            value,
            c.recorded_at,
            valid_to=end,
            evidence=c.evidence,
            time_phrase=c.phrase,
        )
    return list(out.values())


def remap_closings(closings: Sequence[FactClosing], mapping: Mapping[str, str]) -> tuple[FactClosing, ...]:
    """The closings with their entity ids rewritten by entity resolution's ``mapping``."""
    out = []
    for c in closings:
        subject = mapping.get(c.subject_id, c.subject_id) if c.subject_id is not None else None
        obj = mapping.get(c.object_id, c.object_id) if c.object_id is not None else None
        value = mapping.get(c.value, c.value) if c.value is not None else None
        if (subject, obj, value) != (c.subject_id, c.object_id, c.value):
            c = replace(c, subject_id=subject, object_id=obj, value=value)
        out.append(c)
    return tuple(out)
