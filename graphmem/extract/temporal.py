"""Temporal fact maintenance: facts about a state end in the world when a newer state replaces them.

Most facts record something that happened ("Priya hand_in notice") and never end. A few predicates
are *states* a subject holds with one object at a time (:data:`STATE_PREDICATES`):

- ``works_at``: a person works at one employer;
- ``lives_in``: a person lives in one place;
- ``married_to``: a person is married to one person.

For these, a fact's ``valid_to`` (the world axis) is the earliest ``valid_from`` of

- a fact with the same subject and predicate and a *different* object that starts strictly later
  (Priya ``works_at`` Lumen Robotics from 1 April 2024 ends Priya ``works_at`` Northwind Bank then), or
- a *change* fact (:data:`CHANGE_PREDICATES`: "left", "quit", "moved out of", "divorced", ...) with the
  same subject and the same object, dated strictly after the state began.

``valid_to`` of a state fact is derived: :func:`update_facts` recomputes it from every fact of the
namespace, so it is the same whatever order files are ingested in, and a retracted fact stops ending
others. ``expired_at`` (the memory axis: when memory stopped holding a fact) is never set here: it is
kept for retractions and corrections, not for changes in the world. Facts with no ``valid_from``
(undated input) cannot be ordered and are never ended by a later one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from graphmem.models import Batch, Fact

__all__ = ["CHANGE_PREDICATES", "STATE_PREDICATES", "state_predicate", "update_facts", "valid_to_of"]

#: Predicates holding one object per subject at a time (see the module docs).
STATE_PREDICATES = frozenset({"works_at", "lives_in", "married_to"})

_WORK = frozenset({"works_at"})
_HOME = frozenset({"lives_in"})
_SPOUSE = frozenset({"married_to"})
#: Predicates (verb lemmas as the fact stage writes them) that end the named state for the same object.
CHANGE_PREDICATES: dict[str, frozenset[str]] = {
    "leave": _WORK | _HOME,
    "leave_at": _WORK,  # "left my job at X"
    "quit": _WORK,
    "quit_at": _WORK,
    "resign_from": _WORK,
    "retire_from": _WORK,
    "be_fire_from": _WORK,
    "be_lay_off_from": _WORK,
    "lose_at": _WORK,  # "lost my job at X"
    "move_out_of": _HOME,
    "move_from": _HOME,
    "move_away_from": _HOME,
    "divorce": _SPOUSE,
    "be_divorce_from": _SPOUSE,
    "separate_from": _SPOUSE,
    "split_up_with": _SPOUSE,
}

# Other spellings of the states (an LLM extractor's predicates, snake_cased).
_SYNONYMS = {
    "works_at": "works_at",
    "work_at": "works_at",
    "work_for": "works_at",
    "works_for": "works_at",
    "employed_by": "works_at",
    "employed_at": "works_at",
    "is_employed_by": "works_at",
    "be_employed_by": "works_at",
    "lives_in": "lives_in",
    "live_in": "lives_in",
    "resides_in": "lives_in",
    "reside_in": "lives_in",
    "married_to": "married_to",
    "is_married_to": "married_to",
    "be_married_to": "married_to",
    "marry": "married_to",
    "married": "married_to",
}


def state_predicate(predicate: str) -> str | None:
    """The state predicate a predicate spells (``"work_for"`` → ``"works_at"``), or ``None``."""
    return _SYNONYMS.get(predicate)


def _starts_after(when: datetime | None, start: datetime | None) -> bool:
    return when is not None and (start is None or when > start)


def valid_to_of(facts: Iterable[Fact]) -> dict[str, datetime | None]:
    """The derived ``valid_to`` of every state fact among ``facts``, by fact id (see the module docs)."""
    states: dict[tuple[str, str], list[Fact]] = {}
    changes: dict[tuple[str, str], list[Fact]] = {}
    for f in facts:
        if f.predicate in STATE_PREDICATES:
            states.setdefault((f.subject_id, f.predicate), []).append(f)
        elif f.predicate in CHANGE_PREDICATES:
            changes.setdefault((f.subject_id, f.object_id), []).append(f)
    out: dict[str, datetime | None] = {}
    for (subject, predicate), group in states.items():
        for f in group:
            ends = [
                g.valid_from for g in group if g.object_id != f.object_id and _starts_after(g.valid_from, f.valid_from)
            ]
            ends.extend(
                c.valid_from
                for c in changes.get((subject, f.object_id), ())
                if predicate in CHANGE_PREDICATES[c.predicate] and _starts_after(c.valid_from, f.valid_from)
            )
            out[f.id] = min((e for e in ends if e is not None), default=None)
    return out


def update_facts(batch: Batch, existing_facts: Iterable[Fact]) -> Batch:
    """Set ``valid_to`` on the state facts of a batch and of its namespace (run after entity resolution).

    Args:
        batch: a resolved batch (its entity ids are the stored ones).
        existing_facts: the facts already stored in the batch's namespace.

    Returns:
        The batch with its own facts' ``valid_to`` derived, plus every stored fact whose ``valid_to``
        changes, re-emitted under its id (the store upserts it). Stored facts that only the batch's
        ``retract`` events supported are left out of the reckoning, as the write deletes them.
    """
    retracted = set(batch.retract)
    own = {f.id for f in batch.facts}
    stored: dict[str, Fact] = {}
    for f in existing_facts:
        if f.namespace != batch.namespace or f.id in own:
            continue
        if retracted and f.evidence and set(f.evidence) <= retracted:
            continue
        stored[f.id] = f
    derived = valid_to_of([*stored.values(), *batch.facts])
    facts = [
        replace(f, valid_to=derived[f.id]) if derived.get(f.id, f.valid_to) != f.valid_to else f for f in batch.facts
    ]
    for fid, f in stored.items():
        if fid in derived and derived[fid] != f.valid_to:
            evidence = tuple(e for e in f.evidence if e not in retracted) or f.evidence
            facts.append(replace(f, valid_to=derived[fid], evidence=evidence))
    return replace(batch, facts=tuple(facts))
