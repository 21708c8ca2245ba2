"""Person-fact seeds: a question about a person and a kind of thing reaches the turns of their facts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Fact
from graphmem.recall import RecallRequest, recall
from graphmem.recall.config import RecallConfig
from graphmem.recall.hit import Hit
from graphmem.recall.person_facts import describe
from tests.recall.conftest import NS, START


def _recall(memory: Memory, text: str, config: RecallConfig) -> list[Hit]:
    request = RecallRequest.of(text, namespace=NS, k=14)
    return recall(request, store=memory.store, vectors=memory.vectors, embed=memory.embedder.embed, config=config)


def _facts(memory: Memory) -> None:
    def fact(fid: str, subject: str, predicate: str, obj: str, evidence: str) -> Fact:
        return Fact(NS, fid, subject, predicate, obj, recorded_at=START + timedelta(days=30), evidence=(evidence,))

    memory.write(
        Batch(
            NS,
            entities=(Entity(NS, "ent:hiking", "hiking", "Topic"), Entity(NS, "ent:baking", "baking", "Topic")),
            facts=(
                fact("f1", "ent:ben", "practises", "ent:hiking", "s1:2"),
                fact("f2", "ent:ben", "plays", "ent:cello", "s3:1"),
                fact("f3", "ent:ana", "practises", "ent:baking", "s1:5"),
                fact("f4", "ent:ana", "has_pet", "ent:biscuit", "s2:1"),
                fact("f5", "ent:ben", "said_about", "ent:conservatory", "s3:3"),
            ),
        )
    )


def _fact_seeds(hits: list[Hit]) -> dict[str, str]:
    return {h.event.id: s.label for h in hits for s in h.why.seeds if s.kind == "fact"}


def test_named_persons_fitting_facts_seed_their_evidence(memory: Memory) -> None:
    _facts(memory)
    hits = _recall(memory, "What hobbies does Ben have?", RecallConfig(fact_seed_weight=0.5))
    seeded = _fact_seeds(hits)
    assert seeded.get("s1:2") == "Ben practises hiking"  # the why names the fact
    # only the named person's facts take part: Ana's baking is an activity too, but not Ben's
    assert "s1:5" not in seeded and "s2:1" not in seeded
    described = next(s for h in hits for s in h.why.seeds if s.kind == "fact" and h.event.id == "s1:2")
    assert "Ben practises hiking" in described.describe_at()


def test_channel_is_off_by_default_and_needs_a_named_person(memory: Memory) -> None:
    _facts(memory)
    assert _fact_seeds(_recall(memory, "What hobbies does Ben have?", RecallConfig())) == {}
    assert _fact_seeds(_recall(memory, "What hobbies are there?", RecallConfig(fact_seed_weight=0.5))) == {}


def test_best_fitting_fact_gets_the_largest_share(memory: Memory) -> None:
    _facts(memory)
    hits: dict[str, Any] = {
        h.event.id: h for h in _recall(memory, "What instrument does Ben play?", RecallConfig(fact_seed_weight=0.5))
    }
    seeds = {s.label: s for h in hits.values() for s in h.why.seeds if s.kind == "fact"}
    assert seeds["Ben plays cello"].rank == 1


def test_description_uses_the_declared_predicate() -> None:
    assert describe("practises", "camping") == "does a hobby or activity: camping"
    assert describe("said_about", "the shelter") == "talked about: the shelter"
    assert describe("sister_of", "Jon") == "sister of: Jon"
