"""Re-ingesting edited inputs where the diff used to go wrong: files holding several conversations
(reordered, removed, inserted), sessions appended by one speaker, worker processes, and a store
embedded by another model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory

from .fakes import FakeEmbedder, FakeExtractor, keep
from .test_reingest import BACKENDS, S1, S2, _open, chat, events, run


@pytest.fixture(params=BACKENDS)
def mem(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Memory]:
    """An empty memory on each backend (the Bolt one wiped first)."""
    with _open(request, tmp_path) as memory:
        yield memory


def conv(name: str, texts: list[str]) -> dict[str, Any]:
    """A one-session LoCoMo sample."""
    turns = [{"speaker": "AB"[i % 2], "dia_id": f"D1:{i + 1}", "text": t} for i, t in enumerate(texts)]
    body = {"speaker_a": "A", "speaker_b": "B", "session_1": turns, "session_1_date_time": "1:00 pm on 8 May, 2023"}
    return {"sample_id": name, "conversation": body}


ALPHA = conv("alpha", ["a1", "a2", "a3"])
BETA = conv("beta", ["b1", "b2", "b3"])
BETA_EDITED = conv("beta", ["b1", "b2", "EDITED"])
GAMMA = conv("gamma", ["c1", "c2"])


def texts(memory: Memory, ns: str) -> list[str]:
    return sorted(e.text for e in memory.store.iter_events(ns))


def stored(memory: Memory) -> dict[str, list[str]]:
    return {ns: texts(memory, ns) for ns in memory.namespaces() if texts(memory, ns)}


def whole(tmp_path: Path, samples: list[dict[str, Any]]) -> dict[str, list[str]]:
    """What ingesting ``samples`` into an empty store gives."""
    (where := tmp_path / f"whole-{len(list(tmp_path.iterdir()))}").mkdir()
    (where / "locomo.json").write_text(json.dumps(samples), encoding="utf-8")
    with Memory.open(where / "db", embedder=FakeEmbedder()) as other:
        run(other, where / "locomo.json")
        return stored(other)


VERSIONS = {
    # the conversation's position in the file changes between versions
    "reordered": [[ALPHA, BETA], [BETA_EDITED], [GAMMA, BETA]],
    "back to the original": [[ALPHA, BETA], [BETA_EDITED], [ALPHA, BETA]],
    "removed": [[ALPHA, BETA], [BETA]],
    "inserted": [[BETA], [GAMMA, BETA_EDITED], [ALPHA, GAMMA, BETA]],
}


@pytest.mark.parametrize("change", list(VERSIONS))
def test_multi_conversation_file_matches_each_version_ingested_whole(mem: Memory, tmp_path: Path, change: str) -> None:
    path = tmp_path / "locomo.json"
    for version in VERSIONS[change]:
        path.write_text(json.dumps(version), encoding="utf-8")
        run(mem, path)
        assert stored(mem) == whole(tmp_path, version), [s["sample_id"] for s in version]
        assert ingest(mem, path, extractor=FakeExtractor(), resolver=keep).files_skipped == 1


def test_removed_conversation_is_retracted_and_comes_back_when_restored(mem: Memory, tmp_path: Path) -> None:
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps([ALPHA, BETA]), encoding="utf-8")
    run(mem, path)
    path.write_text(json.dumps([BETA]), encoding="utf-8")
    summary = run(mem, path)
    assert (summary.turns, summary.turns_kept, summary.events_retracted) == (0, 3, 3)
    assert texts(mem, "alpha") == []
    path.write_text(json.dumps([ALPHA, BETA]), encoding="utf-8")
    summary = run(mem, path)
    assert (summary.turns, summary.turns_kept) == (3, 3)
    assert texts(mem, "alpha") == ["a1", "a2", "a3"]


def test_appended_one_speaker_session_is_extracted_with_the_conversations_participants(
    tmp_path: Path, nlp: Any
) -> None:
    # the appended session has only Maya: whom she addresses ("you") is Jon, as over the whole file
    first = ["## Session 1 — 1 March 2024", "Maya: Hi Jon, how are you?", "Jon: Fine thanks, I just moved to Berlin."]
    second = ["## Session 2 — 3 March 2024", "Maya: You told me you work at Google now.", "Maya: I miss you."]
    path = tmp_path / "c.txt"

    def facts(memory: Memory) -> list[tuple[str, str, str]]:
        return sorted((f.predicate, f.subject_id, f.object_id) for f in memory.store.iter_facts("c"))

    path.write_text("\n".join(first + second) + "\n", encoding="utf-8")
    with Memory.open(tmp_path / "whole", embedder=FakeEmbedder(), nlp=nlp) as m:
        assert ingest(m, path).ok
        expected = facts(m)
    assert ("works_at", "ent:person:jon", "ent:organization:google") in expected
    path.write_text("\n".join(first) + "\n", encoding="utf-8")
    with Memory.open(tmp_path / "diff", embedder=FakeEmbedder(), nlp=nlp) as m:
        assert ingest(m, path).ok
        path.write_text("\n".join(first + second) + "\n", encoding="utf-8")
        summary = ingest(m, path)
        assert summary.ok and (summary.turns, summary.turns_kept) == (2, 2)
        assert facts(m) == expected


def test_workers_embed_a_continued_session_with_the_kept_turn_it_replies_to(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    longer = [*S1, "Jon: the food was superb", "Maya: nice"]

    def vectors(memory: Memory) -> dict[str, list[float]]:
        return {i: v for i, v, _ in memory.store.iter_embeddings("chat") if i.startswith("ev:")}

    path.write_text(chat(longer), encoding="utf-8")
    with Memory.open(tmp_path / "whole", embedder=FakeEmbedder()) as m:
        run(m, path, workers=2)
        expected = vectors(m)
    path.write_text(chat(S1), encoding="utf-8")
    with Memory.open(tmp_path / "diff", embedder=FakeEmbedder()) as m:
        run(m, path, workers=2)
        path.write_text(chat(longer), encoding="utf-8")
        summary = run(m, path, workers=2)
        assert (summary.turns, summary.turns_kept) == (2, 3)
        assert vectors(m) == expected


class OtherEmbedder(FakeEmbedder):
    name = "fake-other"


def test_reingest_with_another_embedder_stops_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(chat(S1, S2), encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as m:
        run(m, path)
        before = events(m, "chat")
    path.write_text(chat(S1, [*S2, "Maya: seven"]), encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=OtherEmbedder()) as m:
        summary = ingest(m, path, extractor=FakeExtractor(), resolver=keep)
        assert not summary.ok
        (message,) = [msg for _, msg in summary.errors]
        assert "fake-embedder" in message and "fake-other" in message and "graphmem reembed" in message
        assert events(m, "chat") == before
        assert {model for model, _ in m.store.embedding_origins("chat")} == {"fake-embedder"}
        # re-embedded with the new model, the edit goes in
        m.reembed()
        assert run(m, path).turns == 1
        assert {model for model, _ in m.store.embedding_origins("chat")} == {"fake-other"}
        assert m.recall("seven", namespace="chat")


def test_a_renamed_conversation_is_retracted_under_its_old_name(mem: Memory, tmp_path: Path) -> None:
    # the file named both namespaces itself: a caller's copy ("-n a") is another matter (test_copies.py)
    path = tmp_path / "locomo.json"
    path.write_text(json.dumps([ALPHA, BETA]), encoding="utf-8")
    run(mem, path)
    path.write_text(json.dumps([ALPHA, conv("beta2", ["b1", "b2", "b3"])]), encoding="utf-8")
    run(mem, path)
    assert (texts(mem, "beta"), texts(mem, "beta2")) == ([], ["b1", "b2", "b3"])
