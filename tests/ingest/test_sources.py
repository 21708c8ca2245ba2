"""Which source wrote what: same-named files never overwrite each other; an edited file replaces its
earlier version atomically; a folder without transcripts is a failed input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphmem.cli import main
from graphmem.ingest import IngestSummary, ingest
from graphmem.memory import Memory

from .conftest import DATA
from .fakes import FakeEmbedder, FakeExtractor, keep


def run(memory: Memory, source: Any, **kw: Any) -> IngestSummary:
    kw.setdefault("extractor", FakeExtractor())
    kw.setdefault("resolver", keep)
    return ingest(memory, source, **kw)


def two_chats(root: Path) -> tuple[Path, Path]:
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    a, b = root / "a" / "chat.txt", root / "b" / "chat.txt"
    a.write_text("Maya: tea\nJon: ok\n", encoding="utf-8")
    b.write_text("Ann: coffee\nBob: no\n", encoding="utf-8")
    return a, b


def texts(memory: Memory, ns: str) -> list[str]:
    return sorted(e.text for e in memory.store.iter_events(ns))


def test_same_file_name_in_two_folders_keeps_both(memory: Memory, tmp_path: Path) -> None:
    a, b = two_chats(tmp_path / "c")
    summary = run(memory, tmp_path / "c")
    assert (summary.files_ok, summary.events) == (2, 4)
    assert memory.stats("chat").events == 4
    assert texts(memory, "chat") == ["coffee", "no", "ok", "tea"]
    assert {e.source_file for e in memory.store.iter_events("chat")} == {str(a), str(b)}
    sessions = [s.id for s in memory.store.iter_sessions("chat")]
    assert "session_1" in sessions and len(sessions) == 2  # the first keeps its plain id
    again = run(memory, tmp_path / "c")
    assert (again.files_skipped, again.files_ok) == (2, 0)


def test_same_file_name_in_separate_runs_and_edits(memory: Memory, tmp_path: Path) -> None:
    a, b = two_chats(tmp_path / "c")
    run(memory, a)
    run(memory, b)
    assert texts(memory, "chat") == ["coffee", "no", "ok", "tea"]
    b.write_text("Ann: juice\n", encoding="utf-8")
    summary = run(memory, b)
    assert (summary.files_ok, summary.events, summary.events_retracted) == (1, 1, 2)
    assert texts(memory, "chat") == ["juice", "ok", "tea"]
    a.write_text("Maya: water\n", encoding="utf-8")
    run(memory, tmp_path / "c")
    assert texts(memory, "chat") == ["juice", "water"]


def test_same_file_name_into_one_explicit_namespace(memory: Memory, tmp_path: Path) -> None:
    two_chats(tmp_path / "c")
    summary = run(memory, tmp_path / "c", namespace="friends", workers=2)
    assert summary.events == 4 and memory.stats("friends").events == 4


def test_edited_file_replaces_its_earlier_version(memory: Memory, tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text("Maya: one\nJon: two\nMaya: three\n", encoding="utf-8")
    assert run(memory, path).events == 3
    path.write_text("Jon: four\nMaya: five\n", encoding="utf-8")
    summary = run(memory, path)
    assert (summary.files_ok, summary.turns, summary.events, summary.events_retracted) == (1, 2, 2, 3)
    assert summary.as_dict()["events_retracted"] == 3
    assert texts(memory, "talk") == ["five", "four"]
    assert memory.stats("talk").embeddings == 2
    assert (memory.stats("talk").mentions, memory.stats("talk").spoken_by) == (0, 2)  # no stale speaker links


def test_edited_file_leaves_no_stale_mentions_or_facts(memory: Memory, tmp_path: Path, spacy_extractor: Any) -> None:
    path = tmp_path / "pets.txt"
    path.write_text(
        "Maya: I adopted a cat named Miso in Lisbon.\nJon: Miso loves the red sofa.\nMaya: Miso bought a lamp.\n",
        encoding="utf-8",
    )
    first = ingest(memory, path, extractor=spacy_extractor)
    assert first.facts > 0 and {"miso", "lisbon"} <= {e.name.lower() for e in memory.store.iter_entities("pets")}
    path.write_text("Jon: Priya sold her bicycle.\nMaya: Priya visited Berlin.\n", encoding="utf-8")
    summary = ingest(memory, path, extractor=spacy_extractor)
    assert (summary.events, summary.events_retracted) == (2, 3)
    events = {e.id: e.text for e in memory.store.iter_events("pets")}
    assert sorted(events.values()) == ["Priya sold her bicycle.", "Priya visited Berlin."]
    names = " | ".join(e.name.lower() for e in memory.store.iter_entities("pets"))
    assert "berlin" in names and not any(old in names for old in ("miso", "lisbon", "sofa", "lamp", "cat"))
    assert all(event in events for event, _entity, _role in memory.store.iter_mentions("pets"))
    for fact in memory.store.iter_facts("pets"):
        assert set(fact.evidence) <= set(events)
    assert memory.stats("pets").events == 2


def test_folder_without_transcripts_fails(memory: Memory, tmp_path: Path) -> None:
    empty, docs = tmp_path / "empty", tmp_path / "docs"
    empty.mkdir()
    docs.mkdir()
    (docs / "README.md").write_text("Ana: hi\n", encoding="utf-8")
    summary = run(memory, [empty, docs, DATA / "chat.jsonl"])
    assert (summary.files_ok, summary.files_failed) == (1, 2)
    assert [m for _, m in summary.errors] == [
        f"no transcript files under {empty} (looked for .json, .jsonl, .log, .ndjson, .txt)",
        f"no transcript files under {docs} (looked for .json, .jsonl, .log, .ndjson, .txt)",
    ]


def test_cli_folder_without_transcripts_exits_1(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "empty").mkdir()
    code = main(["--db", str(tmp_path / "db"), "ingest", "--no-embed", str(tmp_path / "empty")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"error: no transcript files under {tmp_path / 'empty'}" in err


def test_cli_same_name_repro(tmp_path: Path, capsys: Any) -> None:
    two_chats(tmp_path / "c")
    db = str(tmp_path / "db")
    assert main(["--db", db, "ingest", "--no-embed", "--json", str(tmp_path / "c")]) == 0
    capsys.readouterr()
    assert main(["--db", db, "stats", "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["total"]["events"] == 4


def test_extractor_protocol_is_the_one_in_extract() -> None:
    import graphmem.extract
    import graphmem.ingest

    assert graphmem.ingest.Extractor is graphmem.extract.Extractor


def test_fake_embedder_used(memory: Memory) -> None:
    assert isinstance(memory.embedder, FakeEmbedder)


def test_cli_summary_counts_retracted_events(tmp_path: Path, capsys: Any) -> None:
    path, db = tmp_path / "talk.txt", str(tmp_path / "db")
    path.write_text("Maya: one\nJon: two\nMaya: three\n", encoding="utf-8")
    assert main(["--db", db, "ingest", "--no-embed", str(path)]) == 0
    path.write_text("Jon: four\nMaya: five\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", db, "ingest", "--no-embed", str(path)]) == 0
    out = capsys.readouterr().out
    assert "│ events                    │ 2     │" in out
    assert "│ events retracted          │ 3     │" in out


def test_edited_multi_conversation_file_resumes_without_losing_its_new_half(memory: Memory, tmp_path: Path) -> None:
    import json

    def sample(sid: str, words: str) -> dict[str, Any]:
        turns = [{"speaker": "A", "dia_id": f"D1:{i + 1}", "text": w} for i, w in enumerate(words.split())]
        return {"sample_id": sid, "conversation": {"session_1": turns}}

    path = tmp_path / "two.json"
    path.write_text(json.dumps([sample("x", "x1 x2"), sample("y", "y1 y2")]), encoding="utf-8")
    run(memory, path, namespace="shared")
    path.write_text(json.dumps([sample("x", "X1"), sample("y", "Y1 Y2 Y3")]), encoding="utf-8")
    calls = []

    def fails_second(batch: Any, existing: Any) -> Any:
        calls.append(batch.namespace)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return batch

    broken = run(memory, path, namespace="shared", resolver=fails_second)
    # each conversation's earlier version is retracted in the transaction that writes its new one: the
    # failed second conversation keeps its earlier version
    assert (broken.files_failed, broken.events_retracted) == (1, 2)
    assert sorted(texts(memory, "shared")) == ["X1", "y1", "y2"]
    again = run(memory, path, namespace="shared")
    assert (again.files_ok, again.events, again.events_retracted) == (1, 3, 2)
    assert texts(memory, "shared") == ["X1", "Y1", "Y2", "Y3"]


def test_state_facts_are_ended_across_files_whatever_the_order(memory: Memory, tmp_path: Path) -> None:
    from .fakes import HomeExtractor

    new, old = tmp_path / "new.txt", tmp_path / "old.txt"
    new.write_text("## Session 1 — 1 March 2024\nMaya: home: Berlin\n", encoding="utf-8")
    old.write_text("## Session 1 — 1 March 2023\nMaya: home: Lisbon\n", encoding="utf-8")
    extractor = HomeExtractor()
    ingest(memory, new, namespace="maya", extractor=extractor, embed=False)
    ingest(memory, old, namespace="maya", extractor=extractor, embed=False)
    facts = {memory.store.get_entity("maya", f.object_id).name: f for f in memory.store.iter_facts("maya")}  # type: ignore[union-attr]
    assert facts["Lisbon"].valid_to == facts["Berlin"].valid_from is not None
    assert facts["Berlin"].valid_to is None
    old.write_text("## Session 1 — 1 March 2023\nMaya: hello\n", encoding="utf-8")  # the Lisbon fact goes
    ingest(memory, old, namespace="maya", extractor=extractor, embed=False)
    assert [(f.predicate, f.valid_to) for f in memory.store.iter_facts("maya")] == [("lives_in", None)]
