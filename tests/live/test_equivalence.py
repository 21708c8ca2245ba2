"""A LoCoMo conversation added message by message builds what ingesting the file builds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphmem import EdgeType, Memory
from graphmem.embed import Int8OnnxEmbedder
from graphmem.formats import read_transcripts
from graphmem.live import messages_of
from graphmem.store.base import Direction
from tests.ingest.fakes import FakeEmbedder, FakeSpanEmbedder

from .conftest import LOCOMO_DEV

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LOCOMO_DEV.exists(), reason="the LoCoMo dev file (../shared) is absent"),
]


def _smallest_conversation(tmp_path: Path) -> Path:
    samples = json.loads(LOCOMO_DEV.read_text(encoding="utf-8"))

    def turns(sample: dict[str, Any]) -> int:
        conv = sample["conversation"]
        return sum(len(v) for k, v in conv.items() if k.startswith("session_") and isinstance(v, list))

    path = tmp_path / "one.json"
    path.write_text(json.dumps([min(samples, key=turns)]), encoding="utf-8")
    return path


def _edges(mem: Memory, ns: str, edge: EdgeType) -> set[tuple[str, str]]:
    nodes = [e.id for e in mem.store.iter_events(ns)] if edge is EdgeType.NEXT else []
    if edge is EdgeType.NEXT_SESSION:
        nodes = [s.id for s in mem.store.iter_sessions(ns)]
    out = set()
    for node in nodes:
        for n in mem.store.neighbors(ns, node, edge_types=[edge], direction=Direction.OUT):
            out.add((node, n.node_id))
    return out


# Two texts per turn, one pass, and the int8 model (dynamic quantisation: a vector could depend on its batch).
@pytest.mark.parametrize("kind", [FakeEmbedder, FakeSpanEmbedder, Int8OnnxEmbedder])
def test_added_one_by_one_equals_ingested(tmp_path: Path, nlp: Any, kind: type[Any]) -> None:
    path = _smallest_conversation(tmp_path)
    (transcript,) = read_transcripts(path)
    ns = transcript.namespace
    with (
        Memory.open(tmp_path / "batch", embedder=kind(), nlp=nlp) as batch,
        Memory.open(tmp_path / "live", embedder=kind(), nlp=nlp) as live,
    ):
        assert batch.ingest(path).ok
        messages = messages_of(transcript)
        ids = []
        for message in messages:
            ids.extend(live.add(message, namespace=ns))

        want = list(batch.store.iter_events(ns))
        got = list(live.store.iter_events(ns))
        assert ids == [e.id for e in want]
        # the times too: "later that month" is of the time the session's stored turns talked of last
        key = [(e.id, e.session, e.seq, e.speaker, e.text, e.occurred_at, e.source_id, e.times) for e in want]
        assert [(e.id, e.session, e.seq, e.speaker, e.text, e.occurred_at, e.source_id, e.times) for e in got] == key
        assert [(s.id, s.index, s.started_at) for s in live.store.iter_sessions(ns)] == [
            (s.id, s.index, s.started_at) for s in batch.store.iter_sessions(ns)
        ]
        for edge in (EdgeType.NEXT, EdgeType.NEXT_SESSION):
            assert _edges(live, ns, edge) == _edges(batch, ns, edge)
        # Each turn is embedded with the turn it replies to (graphmem.embed_text): a message added alone
        # finds that turn in the store, so its vector is the one the file's batch gave it.
        want_vectors = {eid: vec for eid, vec, _model in batch.store.iter_embeddings(ns)}
        got_vectors = {eid: vec for eid, vec, _model in live.store.iter_embeddings(ns)}
        assert sorted(got_vectors) == sorted(want_vectors) == sorted(e.id for e in want)
        assert all(got_vectors[eid] == pytest.approx(vec, abs=1e-6) for eid, vec in want_vectors.items())
        # The same entities, typed alike. Topic salience is judged on the namespace's history, so it does not
        # depend on batching; a capitalised word at a sentence start ("Rock on!") counts as a common word when
        # the conversation uses it in lower case, which a one-message add learns from the lower-case
        # vocabulary of what the namespace holds (before that was given to the extractor, 2 of 182 names and
        # 8 of 182 typed ids differed here).
        want_ents = {e.id for e in batch.store.iter_entities(ns)}
        got_ents = {e.id for e in live.store.iter_entities(ns)}
        assert sorted(got_ents ^ want_ents) == []

        questions = [q["question"] for q in json.loads(path.read_text(encoding="utf-8"))[0]["qa"]][:60]
        shared = total = 0
        for question in questions:
            a = {h.event.id for h in batch.recall(question, namespace=ns, k=10)}
            b = {h.event.id for h in live.recall(question, namespace=ns, k=10)}
            shared += len(a & b)
            total += len(a)
        assert total and shared / total >= 0.9, f"recall top-10 agreement {shared / total:.1%}"
