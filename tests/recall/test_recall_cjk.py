"""Recall over an unspaced dialogue (Chinese, Japanese): a word inside a turn is a full-text seed of it."""

from __future__ import annotations

from pathlib import Path

from graphmem.embed import Embedder
from graphmem.memory import Memory
from graphmem.models import Batch, Event, Session
from graphmem.recall import RecallConfig, RecallRequest, recall

NS = "zh-ja"
TURNS = [
    ("Li", "我昨天在北京吃了烤鸭"),
    ("Wang", "她下个月要去上海出差"),
    ("Li", "北京的冬天很冷"),
    ("Sato", "私は昨日東京で寿司を食べました"),
    ("Wang", "毎朝コーヒーを飲みます"),
]


def _memory(tmp_path: Path, embedder: Embedder) -> Memory:
    mem = Memory.open(tmp_path / "mem", embedder=embedder)
    events = tuple(Event(NS, f"t{i}", "s1", i, who, text) for i, (who, text) in enumerate(TURNS))
    vectors = embedder.embed([e.text for e in events])
    embeddings = tuple((e.id, v.tolist()) for e, v in zip(events, vectors, strict=True))
    mem.write(Batch(NS, (Session(NS, "s1", 0),), events, embeddings=embeddings, embedding_model=embedder.name))
    return mem


def test_a_word_inside_unspaced_turns_is_a_text_seed(tmp_path: Path, embedder: Embedder) -> None:
    mem = _memory(tmp_path, embedder)
    try:
        for question, turn in (("烤鸭", "t0"), ("我想知道北京烤鸭", "t0"), ("東京で何を食べましたか", "t3")):
            request = RecallRequest.of(question, namespace=NS, k=3)
            text_only = recall(
                request, store=mem.store, vectors=mem.vectors, embed=embedder.embed, config=RecallConfig(dense=False)
            )
            assert text_only and text_only[0].event.id == turn, question
            assert text_only[0].why.seeds[0].kind == "text"
            hits = mem.recall(question, namespace=NS, k=3)  # the default: the turn has both seeds
            best = next(h for h in hits if h.event.id == turn)
            assert {s.kind for s in best.why.seeds} >= {"text", "dense"}, question
    finally:
        mem.close()
