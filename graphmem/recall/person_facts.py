"""Person facts as seeds: a question about a person and a kind of thing reaches the turns stating them.

"What activities does Melanie partake in?" shares no word with "we went camping last weekend", and a
turn's embedding is about the whole turn. Extraction has already read that turn as the fact *Melanie
practises camping* (:mod:`graphmem.extract.relations`). This channel describes each fact of a person
the question names in words ("does a hobby or activity: camping", from the declared predicate's
description and the object's name), embeds the descriptions once per namespace, and ranks the named
person's facts by the cosine of their description to the question. The evidence turns of the best
facts join the seeds, calibrated like the dense seeds: a fact's share is its cosine's place between
the person's typical fact (the median) and their best one, times ``fact_seed_weight``. So no
per-category rule says which predicate a question wants, and a question about a person with no
fitting fact only moves turns by the spread of their facts' cosines.

Only facts whose **subject** is the person the question names take part: a question about one
speaker never lifts the turns of the other's facts (LoCoMo's adversarial questions name the other
speaker on purpose). Each seed's label names the fact it came through ("Melanie practises camping").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmem.extract.vocabulary import by_name
from graphmem.recall.hit import Seed
from graphmem.text import normalise_name

if TYPE_CHECKING:
    from graphmem.models import Event, Fact
    from graphmem.recall.cache import NamespaceCache
    from graphmem.recall.config import RecallConfig
    from graphmem.recall.seeds import SeedSet
    from graphmem.store.base import GraphStore

__all__ = ["PersonFacts", "describe", "fact_seeds"]

_CHANNEL = "person_facts"
_GENERIC = {"said_about": "talked about"}


def describe(predicate: str, object_name: str) -> str:
    """The words a fact is embedded as: ``"does a hobby or activity: camping"``."""
    declared = by_name(predicate)
    if predicate in _GENERIC or declared is None:
        what = _GENERIC.get(predicate) or predicate.replace("_", " ")
    else:
        what = declared.description
    return f"{what}: {object_name}"


@dataclass(frozen=True, slots=True)
class _Described:
    fact: Fact
    label: str
    object_name: str


class PersonFacts:
    """The facts of a namespace's people, by subject, with their descriptions embedded on first use."""

    __slots__ = ("_by_subject", "_people", "_vectors")

    def __init__(self, store: GraphStore, namespace: str) -> None:
        """Read the namespace's current facts and the names of their ends (once per namespace)."""
        names: dict[str, str] = {}
        people: dict[str, str] = {}
        by_subject: dict[str, list[_Described]] = {}
        for fact in store.iter_facts(namespace):
            subject = self._name(store, namespace, fact.subject_id, names, people)
            obj = self._name(store, namespace, fact.object_id, names, people)
            if subject and obj and fact.evidence and not fact.never_held:
                label = f"{subject} {fact.predicate} {obj}"
                by_subject.setdefault(fact.subject_id, []).append(_Described(fact, label, obj))
        self._by_subject = by_subject
        self._people = people
        self._vectors: dict[str, Any] = {}

    @staticmethod
    def _name(store: GraphStore, namespace: str, eid: str, names: dict[str, str], people: dict[str, str]) -> str:
        if eid not in names:
            entity = store.get_entity(namespace, eid)
            names[eid] = entity.name if entity is not None else ""
            if entity is not None and entity.type == "Person":
                people.setdefault(normalise_name(entity.name), eid)
        return names[eid]

    def person(self, speaker: str) -> str | None:
        """The entity id of the person called ``speaker`` who is the subject of some fact, if any."""
        return self._people.get(normalise_name(speaker))

    def facts_of(self, person: str) -> list[_Described]:
        """The person's facts (as subject)."""
        return self._by_subject.get(person, [])

    def vectors(self, person: str, embed: Callable[[Sequence[str]], Any]) -> Any:
        """The embedded descriptions of the person's facts, in :meth:`facts_of` order."""
        if person not in self._vectors:
            facts = self.facts_of(person)
            texts = [describe(d.fact.predicate, d.object_name) for d in facts]
            self._vectors[person] = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, 1))
        return self._vectors[person]


def fact_seeds(
    store: GraphStore,
    namespace: str,
    speakers: Sequence[str],
    question_vector: Any,
    embed: Callable[[Sequence[str]], Any],
    admit: Callable[[list[str]], list[Event]],
    cache: NamespaceCache,
    cfg: RecallConfig,
    out: SeedSet,
) -> None:
    """Add the evidence turns of the named people's best-fitting facts to ``out`` (see the module docs).

    Args:
        store: the graph.
        namespace: the namespace asked.
        speakers: the participants the question names (their speaker names).
        question_vector: the question's embedding (unit length).
        embed: embeds fact descriptions (unit vectors).
        admit: fetches events by id, keeping those that pass the request's filters.
        cache: the namespace's cache (holds the facts once read).
        cfg: ``fact_seed_weight`` and ``fact_seed_k``.
        out: the seeds to add to.
    """
    if cfg.fact_seed_weight <= 0 or not speakers:
        return
    known = cache.derived.get(_CHANNEL)
    if not isinstance(known, PersonFacts):
        known = PersonFacts(store, namespace)
        cache.derived[_CHANNEL] = known
    shares: dict[str, tuple[float, float, int, str]] = {}
    for speaker in speakers:
        person = known.person(speaker)
        facts = known.facts_of(person) if person is not None else []
        if len(facts) < 2:
            continue
        sims = known.vectors(person or "", embed) @ np.asarray(question_vector, dtype=np.float32)
        top, floor = float(sims.max()), float(np.median(sims))
        spread = top - floor
        if spread <= 1e-6:
            continue
        order = np.argsort(-sims)[: cfg.fact_seed_k]
        for rank, i in enumerate(order, 1):
            share = cfg.fact_seed_weight * max(0.0, (float(sims[i]) - floor) / spread)
            if share <= 0:
                break
            described = facts[int(i)]
            for event_id in described.fact.evidence:
                if share > shares.get(event_id, (0.0,))[0]:
                    shares[event_id] = (share, float(sims[i]), rank, described.label)
    if not shares:
        return
    for event in admit(list(shares)):
        share, sim, rank, label = shares[event.id]
        out.events[event.id] = out.events.get(event.id, 0.0) + share
        out.seeds.setdefault(event.id, []).append(Seed("fact", event.id, sim, rank, label))
        out.cache[event.id] = event
