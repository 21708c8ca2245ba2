"""Ingestion orchestration with a fake extractor: counts, skipping, all-or-nothing, resume, workers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.errors import ConfigError
from graphmem.ingest import IngestSummary, collect_files, ingest
from graphmem.memory import Memory

from .conftest import DATA
from .fakes import FakeEmbedder, FakeExtractor, keep

SAMPLE_TURNS = {"priya-tomas": 30, "chat": 13, "transcript": 14, "chat_export": 10}


def run(memory: Memory, source, **kw) -> IngestSummary:
    kw.setdefault("extractor", FakeExtractor())
    kw.setdefault("resolver", keep)
    return ingest(memory, source, **kw)


def counts(memory: Memory) -> dict[str, int]:
    return memory.stats().as_dict()


def test_collect_files_walks_folders_and_skips_other_files(tmp_path: Path) -> None:
    (tmp_path / "a" / ".hidden").mkdir(parents=True)
    for name in ("a/x.json", "a/y.txt", "a/README.md", "a/.hidden/z.txt", "a/.dot.jsonl", "b.md"):
        (tmp_path / name).write_text("x")
    got = collect_files([tmp_path / "a", tmp_path / "b.md", tmp_path / "a" / "x.json"])
    assert [Path(p).relative_to(tmp_path).as_posix() for p in got] == ["a/x.json", "a/y.txt", "b.md"]


def test_ingest_data_folder(memory: Memory) -> None:
    summary = run(memory, DATA)
    assert (summary.files_ok, summary.files_failed, summary.files_skipped) == (4, 0, 0)
    assert summary.errors == []
    assert summary.turns == summary.events == sum(SAMPLE_TURNS.values())
    assert sorted(summary.namespaces) == sorted(SAMPLE_TURNS)
    for ns, turns in SAMPLE_TURNS.items():
        assert memory.stats(ns).events == turns
        assert memory.stats(ns).embeddings == turns
    assert summary.turns_per_s > 0 and summary.seconds > 0
    assert set(summary.timings) == {"read", "extract", "resolve", "embed", "write"}
    assert summary.as_dict()["files_ok"] == 4


def test_events_keep_source_ids_and_caption_text(memory: Memory) -> None:
    run(memory, DATA / "locomo_style.json")
    [ev] = memory.store.find_events_by_source("priya-tomas", "D1:2")
    assert ev.speaker == "Tomás" and "misty green hill" in ev.text
    assert [s.id for s in memory.store.iter_sessions("priya-tomas")] == ["session_1", "session_2", "session_3"]


def test_reingest_unchanged_is_a_no_op(memory: Memory) -> None:
    run(memory, DATA)
    before = counts(memory)
    extractor = FakeExtractor()
    again = run(memory, DATA, extractor=extractor)
    assert (again.files_ok, again.files_skipped, again.turns) == (0, 4, 0)
    assert extractor.calls == 0
    assert counts(memory) == before


def test_changed_file_is_ingested_again(memory: Memory, data_copy: Path) -> None:
    run(memory, data_copy)
    path = data_copy / "transcript.txt"
    path.write_text(path.read_text(encoding="utf-8") + "[20:40] Jon: One more thing about Berlin.\n", encoding="utf-8")
    again = run(memory, data_copy)
    assert (again.files_ok, again.files_skipped) == (1, 3)
    assert memory.stats("transcript").events == SAMPLE_TURNS["transcript"] + 1


def test_new_extractor_version_reingests(memory: Memory) -> None:
    run(memory, DATA / "chat.jsonl")
    newer = FakeExtractor()
    newer.version = "2"
    assert run(memory, DATA / "chat.jsonl", extractor=newer).files_ok == 1


def test_bad_files_are_skipped_and_others_continue(memory: Memory, data_copy: Path) -> None:
    (data_copy / "broken.json").write_text('[{"sample_id": "b",\n "conversation": }]', encoding="utf-8")
    (data_copy / "latin.txt").write_bytes("Ana: olá\n".encode("latin-1"))
    summary = run(memory, data_copy)
    assert (summary.files_ok, summary.files_failed) == (4, 2)
    messages = dict(summary.errors)
    assert messages[str(data_copy / "broken.json")].startswith(f"{data_copy / 'broken.json'}:2: malformed JSON")
    assert "not UTF-8" in messages[str(data_copy / "latin.txt")]
    assert not summary.ok


def test_missing_path_is_a_failed_file(memory: Memory, tmp_path: Path) -> None:
    summary = run(memory, [DATA / "chat.jsonl", tmp_path / "absent.jsonl"])
    assert (summary.files_ok, summary.files_failed) == (1, 1)
    assert "no such file" in summary.errors[0][1]


def test_a_file_failing_midway_leaves_nothing(memory: Memory, tmp_path: Path) -> None:
    turn = {"speaker": "A", "dia_id": "D1:1", "text": "fine"}
    bad = {"speaker": "B", "dia_id": "D1:2", "text": "EXPLODE here"}
    samples = [
        {"sample_id": "first", "conversation": {"session_1": [turn, turn]}},
        {"sample_id": "second", "conversation": {"session_1": [turn, bad]}},
    ]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(samples), encoding="utf-8")
    summary = run(memory, [path, DATA / "chat.jsonl"])
    assert (summary.files_ok, summary.files_failed) == (1, 1)
    assert "extraction failed: ValueError" in summary.errors[0][1]
    assert memory.namespaces() == ["chat"]  # nothing of "first", though it extracted fine


def test_store_failure_on_one_file_then_resume(memory: Memory, tmp_path: Path) -> None:
    def flaky(batch, existing):
        if batch.namespace == "chat_export":
            raise RuntimeError("resolver crashed")
        return batch

    summary = run(memory, DATA, resolver=flaky)
    assert (summary.files_ok, summary.files_failed) == (3, 1)
    assert "chat_export" not in memory.namespaces()
    again = run(memory, DATA)
    assert (again.files_ok, again.files_skipped) == (1, 3)
    assert memory.stats("chat_export").events == SAMPLE_TURNS["chat_export"]


def test_interrupted_run_resumes(memory: Memory, data_copy: Path) -> None:
    path = data_copy / "transcript.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Maya: INTERRUPT\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run(memory, [*sorted(data_copy.glob("*.j*")), path])
    done = set(memory.namespaces())
    assert done == {"priya-tomas", "chat", "chat_export"}
    path.write_text(path.read_text(encoding="utf-8").replace("INTERRUPT", "back again"), encoding="utf-8")
    again = run(memory, data_copy)
    assert (again.files_ok, again.files_skipped) == (1, 3)


def test_workers_two_matches_one(tmp_path: Path) -> None:
    results = []
    for workers in (1, 2):
        with Memory.open(tmp_path / f"db{workers}", embedder=FakeEmbedder()) as mem:
            summary = run(mem, DATA, workers=workers)
            assert summary.files_ok == 4 and summary.workers == workers
            events = {ns: [(e.id, e.text) for e in mem.store.iter_events(ns)] for ns in mem.namespaces()}
            vectors = {
                ns: sorted((i, [round(x, 5) for x in v], m) for i, v, m in mem.store.iter_embeddings(ns))
                for ns in mem.namespaces()
            }
            assert sum(len(v) for v in vectors.values()) == 67
            assert summary.timings["embed"] > 0
            if workers == 2:  # the picklable fake embedder travelled to the workers
                assert mem.embedder.texts == 0  # type: ignore[attr-defined]
            results.append((events, vectors))
    assert results[0] == results[1]


def test_workers_two_records_extraction_failures(memory: Memory, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"speaker": "A", "text": "EXPLODE"}) + "\n", encoding="utf-8")
    summary = run(memory, [bad, DATA / "chat.jsonl"], workers=2)
    assert (summary.files_ok, summary.files_failed) == (1, 1)
    assert memory.namespaces() == ["chat"]


def test_in_memory_records(memory: Memory) -> None:
    first = [{"speaker": "Ana", "text": "I adopted a cat named Miso."}, {"speaker": "Bo", "text": "Cute!"}]
    second = [{"speaker": "Ana", "text": "Miso knocked over my plant."}]
    assert run(memory, first, namespace="ana").events == 2
    assert run(memory, second, namespace="ana").events == 1
    assert memory.stats("ana").events == 3  # the second call did not overwrite the first
    # in-memory messages are added, not files: sending them again says them again (identity is position)
    assert run(memory, first, namespace="ana").events == 2
    assert [e.seq for e in memory.store.iter_events("ana")] == [1, 2, 3, 4, 5]
    assert run(memory, {"role": "user", "content": "one dict"}).namespaces == ["default"]


def test_bad_records_are_reported(memory: Memory) -> None:
    summary = run(memory, [{"speaker": "Ana"}], namespace="ana")
    assert summary.files_failed == 1
    assert summary.errors[0][1] == "<records> at $[0]: missing field 'text' (or 'content')"


def test_no_embed(memory: Memory) -> None:
    summary = run(memory, DATA / "chat.jsonl", embed=False)
    assert summary.events == 13
    assert memory.stats("chat").embeddings == 0


def test_explicit_namespace_collects_several_files(memory: Memory) -> None:
    run(memory, [DATA / "chat.jsonl", DATA / "transcript.txt"], namespace="friends")
    assert memory.namespaces() == ["friends"]
    assert memory.stats("friends").events == SAMPLE_TURNS["chat"] + SAMPLE_TURNS["transcript"]


def test_progress_bar(memory: Memory, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(memory, DATA, progress=True).files_ok == 4
    err = capsys.readouterr().err
    assert "ingest" in err and "4/4" in err and "67 turns" in err


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"format": "xml"}, "unknown format"), ({"namespace": "a b"}, "illegal namespace"), ({"workers": 0}, "workers")],
)
def test_bad_options(memory: Memory, kw: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        run(memory, DATA, **kw)


def test_bad_source_type(memory: Memory) -> None:
    with pytest.raises(ConfigError, match="not a mix"):
        run(memory, [DATA, {"speaker": "A", "text": "x"}])


def test_what_workers_receive_to_embed() -> None:
    import threading

    from graphmem.embed import default_embedder
    from graphmem.ingest import _DefaultEmbedder, _for_workers

    fake = FakeEmbedder()
    assert _for_workers(fake) is fake  # pickles: travels as is
    unpicklable = FakeEmbedder()
    unpicklable.lock = threading.Lock()  # type: ignore[attr-defined]
    assert _for_workers(unpicklable) is None  # the writer embeds instead
    default = default_embedder()
    proxy = _for_workers(default)
    assert isinstance(proxy, _DefaultEmbedder) and proxy.name == default.name
    assert proxy.embed(["same space"]).tolist() == default.embed(["same space"]).tolist()


def test_longest_conversations_are_submitted_first() -> None:
    from concurrent.futures import Future

    from graphmem.ingest import _submit
    from graphmem.ingest_read import Job, Todo
    from graphmem.transcript import RawSession, RawTurn, Transcript

    def transcript(name: str, turns: int) -> Transcript:
        raw = tuple(RawTurn("A", str(i)) for i in range(turns))
        return Transcript(name, (RawSession("session_1", 0, raw),))

    class Pool:
        def __init__(self) -> None:
            self.order: list[str] = []

        def submit(self, fn: object, transcripts: list[Transcript], path: str) -> Future[str]:
            self.order.append(transcripts[0].namespace)
            fut: Future[str] = Future()
            fut.set_result(transcripts[0].namespace)
            return fut

    pool = Pool()
    job = Job("f.json", todo=[Todo(transcript(n, k), None) for n, k in (("a", 1), ("b", 3), ("c", 2))])
    futures = _submit(pool, job)  # type: ignore[arg-type]
    assert pool.order == ["b", "c", "a"]
    assert [f.result() for f in futures] == ["a", "b", "c"]
