"""recall(): what it returns, why, and how filters and hops shape it."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from graphmem.errors import ConfigError, UnknownSpeakerError
from graphmem.memory import Memory
from graphmem.recall import Hit, RecallConfig, RecallRequest, recall
from graphmem.recall.config import ENTITY_WALK_CONFIG
from graphmem.recall.query import analyse, participants_named, pronouns_for

from .conftest import NS, START


def _ids(hits: list[Hit]) -> list[str]:
    return [h.event.id for h in hits]


def _recall(memory: Memory, text: str, *, config: RecallConfig, **options: Any) -> list[Hit]:
    """The recall stage called directly with its dependencies (a fresh namespace cache each call)."""
    request = RecallRequest.of(text, **options)
    return recall(request, store=memory.store, vectors=memory.vectors, embed=memory.embedder.embed, config=config)


def test_best_hit_answers_the_question(memory: Memory) -> None:
    hits = memory.recall("What instrument is Ben learning?", namespace=NS, k=3)
    assert hits[0].event.text.startswith("I started learning the cello")
    assert hits[0].event.source_id == "s3-1"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_every_hit_explains_itself(memory: Memory) -> None:
    hits = memory.recall("Who adopted a puppy?", namespace=NS, k=8)
    assert len(hits) == 8
    for hit in hits:
        assert hit.why.seeds, hit
        assert hit.why.describe()
        as_json = hit.as_dict()
        assert as_json["why"]["seeds"][0]["kind"] in {"dense", "text", "entity"}
        if hit.why.path:
            # a path starts at the seed it names and ends at the hit
            assert hit.why.origin is not None
            assert hit.why.path[0].source == hit.why.origin.node_id
            assert hit.why.path[-1].target == hit.event.id
            assert hit.why.origin in hit.why.seeds


def test_neighbouring_turn_is_reached_over_next(memory: Memory) -> None:
    # The reply "A beagle..." never mentions breed words of the question; the question turn does.
    hits = memory.recall("What breed is the puppy?", namespace=NS, k=6)
    by_id = {h.event.id: h for h in hits}
    assert "s2:3" in by_id
    reached = [h for h in hits if any(step.edge == "NEXT" for step in h.why.path)]
    assert reached, [h.why.describe() for h in hits]


def test_hops_zero_ranks_seeds_only(memory: Memory) -> None:
    hits = memory.recall("What breed is the puppy?", namespace=NS, k=10, hops=0)
    assert all(not h.why.path for h in hits)
    assert all(h.why.parts["graph"] == 0 for h in hits)


def test_time_window_applies_in_traversal(memory: Memory) -> None:
    since = START + timedelta(days=6)
    until = START + timedelta(days=8)
    hits = memory.recall("hiking glacier puppy cello", namespace=NS, k=20, since=since, until=until)
    assert hits
    assert {h.event.session for h in hits} == {"s2"}
    for hit in hits:
        assert hit.why.window.since == since and hit.why.window.until == until
        assert since <= hit.why.window.occurred_at <= until  # type: ignore[operator]


def test_as_of_hides_later_events(memory: Memory) -> None:
    hits = memory.recall("cello lessons", namespace=NS, k=20, as_of=START + timedelta(days=10))
    assert hits and all(h.event.session in {"s1", "s2"} for h in hits)
    assert all(h.why.window.as_of is not None for h in hits)


def test_speaker_filter_applies_to_everything_reached(memory: Memory) -> None:
    hits = memory.recall("Biscuit the puppy", namespace=NS, k=20, speakers=["ana"])
    assert hits and all(h.event.speaker == "Ana" for h in hits)
    assert all(h.why.speakers == ("ana",) for h in hits)


def test_named_participant_lifts_their_turns(memory: Memory) -> None:
    plain = RecallConfig(name_boost=0.0)
    lifted = memory.recall("What did Ben do?", namespace=NS, k=14)
    flat = _recall(memory, "What did Ben do?", namespace=NS, k=14, config=plain)
    ben = {h.event.id for h in lifted if h.event.speaker == "Ben"}
    assert all("speaker" in h.why.parts for h in lifted if h.event.id in ben)
    top_lifted = sum(h.event.speaker == "Ben" for h in lifted[:5])
    top_flat = sum(h.event.speaker == "Ben" for h in flat[:5])
    assert top_lifted >= top_flat
    assert top_lifted >= 4


def test_answer_type_lift_for_where_questions(memory: Memory) -> None:
    hits = memory.recall("Where did Ben go on the weekend?", namespace=NS, k=5)
    alps = next(h for h in hits if h.event.id == "s1:2")
    assert alps.why.parts.get("answer_type")
    assert _ids(hits)[0] == "s1:2"


def test_methods_without_graph(memory: Memory) -> None:
    dense = _recall(memory, "a dog that chews shoes", namespace=NS, k=3, config=RecallConfig(text=False, graph=False))
    assert all(s.kind == "dense" for h in dense for s in h.why.seeds)
    lexical = _recall(memory, "cello", namespace=NS, k=3, config=RecallConfig(dense=False, graph=False))
    assert _ids(lexical) == ["s3:1"]  # only one turn says cello
    assert lexical[0].why.seeds[0].kind == "text"


def test_hub_speaker_does_not_flood(memory: Memory) -> None:
    # Every turn mentions its speaker; with mentions expanded, the hub must not pass score on.
    cfg = RecallConfig(mention_weight=1.0, link_weight=0.5, hub_min=3, hub_share=0.2)
    hits = _recall(memory, "sourdough starter", namespace=NS, k=14, config=cfg)
    via_hub = [h for h in hits if any(s.source in {"ent:ana", "ent:ben"} for s in h.why.path)]
    assert not via_hub
    # while a rare entity does link its turns: Biscuit is named in three turns of two sessions
    hits = _recall(memory, "Biscuit", namespace=NS, k=14, config=cfg)
    linked = {h.event.id for h in hits if any(s.source == "ent:biscuit" for s in h.why.path)}
    assert linked and linked <= {"s2:1", "s2:3", "s3:4"}
    for hit in hits:  # never back to where it came from
        assert all(step.target != hit.why.path[0].source for step in hit.why.path[1:-1])


def test_speaker_filter_takes_one_name_none_or_known_ones(memory: Memory) -> None:
    one = memory.recall("Biscuit the puppy", namespace=NS, k=5, speakers="Ana")  # a name, not its letters
    assert one and all(h.event.speaker == "Ana" for h in one)
    everyone = memory.recall("Biscuit the puppy", namespace=NS, k=5, speakers=[])  # no filter, as in MCP
    assert _ids(everyone) == _ids(memory.recall("Biscuit the puppy", namespace=NS, k=5))
    message = r"no speaker 'Anna' in namespace 'chat-1' \(speakers: Ana, Ben\) \(did you mean 'Ana'\?\)"
    with pytest.raises(UnknownSpeakerError, match=message) as info:
        memory.recall("Biscuit the puppy", namespace=NS, speakers=["Ben", "Anna"])
    assert (info.value.speaker, info.value.namespace, info.value.suggestion) == ("Anna", NS, "Ana")
    with pytest.raises(UnknownSpeakerError, match="no speaker 'Nobody'"):  # the stage itself checks
        _recall(memory, "puppy", namespace=NS, speakers=["Nobody"], config=RecallConfig())
    assert memory.recall("anything", namespace="nobody-here", speakers=["Ana"]) == []  # a new user's first turn


def test_unknown_namespace_and_bad_arguments(memory: Memory) -> None:
    assert memory.recall("anything", namespace="nobody-here") == []  # nothing remembered yet (the CLI notes it)
    with pytest.raises(ConfigError):
        memory.recall("x", namespace=NS, k=0)
    with pytest.raises(ConfigError):
        memory.recall("x", namespace="bad namespace!")
    with pytest.raises(ConfigError, match=r"speakers must be a name or a sequence of names, not b'Ana' \(bytes\)"):
        memory.recall("x", namespace=NS, speakers=b"Ana")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        _recall(memory, "x", namespace=NS, config=RecallConfig(dense=False, text=False))


def test_recall_survives_reopen(memory: Memory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = _ids(memory.recall("puppy named Biscuit", namespace=NS, k=5))
    embedder = memory.embedder
    memory.close()
    with Memory.open(tmp_path / "mem", embedder=embedder) as again:
        assert _ids(again.recall("puppy named Biscuit", namespace=NS, k=5)) == before
        assert again.vectors.rebuilt is None


def test_forget_removes_event_from_results(memory: Memory) -> None:
    assert "s3:1" in _ids(memory.recall("cello", namespace=NS, k=3))
    memory.forget(NS, "s3:1")
    assert "s3:1" not in _ids(memory.recall("cello", namespace=NS, k=14))


def test_query_analysis() -> None:
    q = analyse("When did Melanie's kids go to the Grand Canyon?")
    assert q.terms == ("melanie", "kids", "go", "grand", "canyon")
    assert "Grand Canyon" in q.names and "Melanie" in q.names
    named = participants_named(q, {"melanie": "Melanie"})
    assert named == {"melanie": "Melanie"}
    assert pronouns_for(q.text, named) == "When did my kids go to the Grand Canyon?"
    assert q.without(set(named)).fulltext == "kids go grand canyon"
    assert analyse("what is it?").fulltext == "what is it"


def test_as_of_applies_to_fact_edges(memory: Memory) -> None:
    from graphmem.models import Batch, Fact

    fact = Fact(
        NS,
        "f1",
        "ent:biscuit",
        "likes",
        "ent:starter",
        recorded_at=START + timedelta(days=20),
        evidence=("s1:6",),
    )
    memory.write(Batch(NS, facts=(fact,)))
    cfg = RecallConfig(mention_weight=1.0, link_weight=0.5, fact_weight=1.0, hub_min=3, hub_share=0.2)

    def fact_steps(**kwargs: object) -> list[str]:
        hits = _recall(memory, "Biscuit the beagle", namespace=NS, k=14, config=cfg, **kwargs)
        return [h.event.id for h in hits if any(s.edge == "FACT" for s in h.why.path)]

    assert fact_steps() == ["s1:6"]
    assert fact_steps(as_of=START + timedelta(days=30)) == ["s1:6"]
    assert fact_steps(as_of=START + timedelta(days=19)) == []  # memory did not hold the fact yet


def test_shared_specific_entity_links_sessions(memory: Memory) -> None:
    # "the beagle chewed my shoes" (s2:3) names Biscuit; so does s3:4, a week later, which shares no word
    # with the question: it is reached through the thing both name, and its why says so.
    question = "What did the beagle chew?"
    hits = _recall(memory, question, namespace=NS, k=14, config=ENTITY_WALK_CONFIG)
    by_id = {h.event.id: h for h in hits}
    linked = by_id["s3:4"]
    assert linked.why.parts["link"] > 0
    assert linked.why.via and linked.why.via[0] == "entity 'Biscuit' (MENTIONS)"
    assert "via entity 'Biscuit' (MENTIONS)" in linked.why.describe()
    assert linked.why.as_dict()["via"] == list(linked.why.via)
    # without entity edges it gets nothing that way, and scores lower
    plain = _recall(memory, question, namespace=NS, k=14, config=RecallConfig(mention_weight=0.0, fact_weight=0.0))
    unlinked = {h.event.id: h for h in plain}["s3:4"]
    assert unlinked.why.parts["link"] == 0 and not unlinked.why.via
    assert linked.score > unlinked.score
    # a speaker (named by every turn of theirs) carries nothing: no hit came through Ana or Ben
    assert not [h for h in hits if any(s.target in {"ent:ana", "ent:ben"} for s in h.why.path)]


def test_specificity_is_inverse_document_frequency(memory: Memory) -> None:
    from graphmem.recall.traverse import Traversal
    from graphmem.store.base import TimeFilter

    walk = Traversal(memory.store, NS, TimeFilter(), lambda ids: [], RecallConfig(), {}, 14)
    assert walk.specificity("ent:cello") == pytest.approx(math.log(14 / 1))
    assert walk.specificity("ent:biscuit") == pytest.approx(math.log(14 / 3))
    walk.speakers.add("ent:ana")
    assert walk.specificity("ent:ana") == 0.0


def test_until_and_as_of_a_date_keep_that_days_turns(memory: Memory) -> None:
    # s3 is said on 15 March from 10:01: memory "as of" 15 March holds it, as "until" 15 March does
    day = (START + timedelta(days=14)).date()
    hits = memory.recall("cello lessons", namespace=NS, k=20, until=day, as_of=day, time_axis="said")
    assert "s3" in {h.event.session for h in hits}
    assert all(h.why.window.as_of == datetime.combine(day, time.max) for h in hits)
    before = memory.recall("cello lessons", namespace=NS, k=20, as_of=datetime.combine(day, time(10)))
    assert "s3" not in {h.event.session for h in before}  # a datetime is that moment


@pytest.mark.parametrize("hops", [0, 2])
def test_least_similar_candidate_is_still_returned(memory: Memory, hops: int) -> None:
    # the window holds session s3's four turns: with k above that, all four come back, the dense
    # seed on the normalisation floor (fused score 0) last rather than dropped
    since = START + timedelta(days=14)
    hits = memory.recall(
        "What is Ben doing?", namespace=NS, k=10, hops=hops, since=since, until=since + timedelta(days=1)
    )
    assert sorted(_ids(hits)) == ["s3:1", "s3:2", "s3:3", "s3:4"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
