"""Pseudo-relevance feedback: Rocchio in the dense space, RM3-style expansion terms for BM25."""

from __future__ import annotations

import numpy as np
import pytest

from graphmem.memory import Memory
from graphmem.recall import RecallConfig, RecallRequest, recall
from graphmem.recall.feedback import expansion_terms, rocchio
from graphmem.recall.hit import Hit

from .conftest import NS


def test_rocchio_moves_the_query_towards_the_feedback_and_stays_unit() -> None:
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    docs = np.array([[0.0, 1.0, 0.0], [0.0, 0.6, 0.8]], dtype=np.float32)
    moved = rocchio(q, docs, 0.5)
    assert float(np.linalg.norm(moved)) == pytest.approx(1.0)
    assert float(moved @ docs.mean(axis=0)) > float(q @ docs.mean(axis=0))
    assert moved[0] > moved[1]  # β 0.5: still closer to the question than to the feedback
    assert rocchio(q, docs, 0.0) is q
    assert rocchio(q, np.zeros((0, 3), dtype=np.float32), 0.5) is q


def test_expansion_terms_weigh_feedback_words_by_score_and_rarity() -> None:
    feedback = [
        ("We drove to the lake and went kayaking with the kids.", 1.0),
        ("Kayaking on the lake was so peaceful, the kids loved it.", 0.8),
        ("Work has been busy but the weekend was great.", 0.1),
    ]
    pool = [text for text, _ in feedback] + ["The weekend was busy.", "Busy week at work, great weekend."]
    terms = expansion_terms(feedback, pool, exclude={"kids"}, n=3)
    assert terms[0] in {"kayaking", "lake"} and set(terms[:2]) == {"kayaking", "lake"}
    assert "kids" not in terms  # excluded (a question term)
    assert "the" not in terms and "was" not in terms  # function words never expand
    assert expansion_terms(feedback, pool, exclude=set(), n=0) == []
    assert expansion_terms([], pool, exclude=set(), n=5) == []


def _ask(memory: Memory, text: str, config: RecallConfig) -> list[Hit]:
    request = RecallRequest.of(text, namespace=NS, k=14)
    return recall(request, store=memory.store, vectors=memory.vectors, embed=memory.embedder.embed, config=config)


def test_feedback_round_adds_seeds_that_explain_themselves(memory: Memory) -> None:
    plain = _ask(memory, "What did Ben do in the mountains?", RecallConfig())
    assert not any(s.kind == "feedback" for h in plain for s in h.why.seeds)
    config = RecallConfig(feedback_docs=3, feedback_dense=0.5, feedback_weight=0.5, feedback_text=0.5)
    hits = _ask(memory, "What did Ben do in the mountains?", config)
    fed = [s for h in hits for s in h.why.seeds if s.kind == "feedback"]
    assert fed, "the second round found nothing"
    assert all(s.rank >= 1 for s in fed)
    assert "feedback #" in next(h for h in hits if any(s.kind == "feedback" for s in h.why.seeds)).why.describe()


def test_vector_index_returns_held_vectors_in_order(memory: Memory) -> None:
    rows = memory.vectors.vectors(NS, ["s1:2", "missing", "s1:1"])
    assert rows.shape == (2, memory.embedder.dim)
    expected = np.asarray(memory.embedder.embed(["Great, I went hiking in the Alps with my sister."]))[0]
    assert float(rows[0] @ expected) > 0.99
    assert memory.vectors.vectors(NS, ["missing"]).shape == (0, 0)
