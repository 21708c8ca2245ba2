"""Ingestion orchestration with a fake extractor: counts, skipping, all-or-nothing, resume, workers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from graphmem.errors import ConfigError
from graphmem.ingest import IngestSummary, collect_files, ingest
from graphmem.memory import Memory
from tests.support.talk import sessions_file

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


def test_a_file_failing_midway_keeps_its_committed_sessions_and_resumes(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 1)  # one session per unit
    turn = {"speaker": "A", "dia_id": "D1:1", "text": "fine"}
    bad = {"speaker": "B", "dia_id": "D1:2", "text": "EXPLODE here"}
    samples = [
        {"sample_id": "first", "conversation": {"session_1": [turn, turn]}},
        {"sample_id": "second", "conversation": {"session_1": [turn, turn], "session_2": [turn, bad]}},
    ]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(samples), encoding="utf-8")
    summary = run(memory, [path, DATA / "chat.jsonl"])
    assert (summary.files_ok, summary.files_failed) == (1, 1)
    assert "extraction failed: ValueError" in summary.errors[0][1]
    # every session committed before the failure stays; the failed one wrote nothing
    assert memory.stats("first").events == 2
    assert [s.id for s in memory.store.iter_sessions("second")] == ["session_1"]
    samples[1]["conversation"]["session_2"][1] = {**bad, "text": "fixed"}
    path.write_text(json.dumps(samples), encoding="utf-8")
    again = run(memory, [path, DATA / "chat.jsonl"])
    assert (again.files_ok, again.files_failed, again.files_skipped) == (1, 0, 1)
    assert (memory.stats("first").events, memory.stats("second").events) == (2, 4)


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


def test_interrupted_run_resumes(memory: Memory, data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 1)  # one session per unit
    path = data_copy / "transcript.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Maya: INTERRUPT\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run(memory, [*sorted(data_copy.glob("*.j*")), path])
    assert set(memory.namespaces()) == {"priya-tomas", "chat", "chat_export", "transcript"}
    path.write_text(path.read_text(encoding="utf-8").replace("INTERRUPT", "back again"), encoding="utf-8")
    again = run(memory, data_copy)
    assert (again.files_ok, again.files_skipped) == (1, 3)
    assert memory.stats("transcript").events == SAMPLE_TURNS["transcript"] + 1


class _StopAfter(FakeExtractor):
    """Interrupts (as Ctrl-C would) when asked to extract its ``stop``-th transcript."""

    def __init__(self, stop: int) -> None:
        super().__init__()
        self.stop = stop

    def extract(self, transcript):
        if self.calls + 1 == self.stop:
            raise KeyboardInterrupt
        return super().extract(transcript)


def test_an_interrupted_large_file_resumes_at_the_session_it_stopped_in(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)  # one session per unit
    path = sessions_file(tmp_path / "big.jsonl", sessions=10)
    with pytest.raises(KeyboardInterrupt):
        run(memory, path, extractor=_StopAfter(7))
    sessions = [s.id for s in memory.store.iter_sessions("big")]
    assert sessions == [f"s{i:02d}" for i in range(6)]  # six sessions committed before the interrupt
    extractor = FakeExtractor()
    again = run(memory, path, extractor=extractor)
    assert extractor.calls == 4  # only the four sessions not yet committed are extracted again
    assert (again.files_ok, again.turns, again.events_retracted) == (1, 12, 0)
    stored = sorted(memory.store.iter_sessions("big"), key=lambda s: s.index)
    assert [s.id for s in stored] == [f"s{i:02d}" for i in range(10)]
    assert [s.index for s in stored] == list(range(10))
    events = list(memory.store.iter_events("big"))
    assert len(events) == len({e.id for e in events}) == 30  # nothing lost, nothing twice
    assert run(memory, path).files_skipped == 1


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
    assert summary.errors[0][1] == "messages at $[0]: missing field 'text' (or 'content')"


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
    from graphmem.ingest_extract import _DefaultEmbedder, for_workers

    fake = FakeEmbedder()
    assert for_workers(fake) is fake  # pickles: travels as is
    unpicklable = FakeEmbedder()
    unpicklable.lock = threading.Lock()  # type: ignore[attr-defined]
    assert for_workers(unpicklable) is None  # the writer embeds instead
    default = default_embedder()
    proxy = for_workers(default)
    assert isinstance(proxy, _DefaultEmbedder) and proxy.name == default.name
    assert proxy.embed(["same space"]).tolist() == default.embed(["same space"]).tolist()


def test_longest_conversations_are_submitted_first() -> None:
    from concurrent.futures import Future

    from graphmem.ingest_extract import _submit
    from graphmem.ingest_read import Job
    from graphmem.ingest_units import Todo
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


def test_sessions_are_committed_in_units_of_enough_turns(memory: Memory, tmp_path: Path) -> None:
    from graphmem.ingest_units import UNIT_TURNS

    path = sessions_file(tmp_path / "big.jsonl", sessions=2 * -(-UNIT_TURNS // 10) + 1, turns=10)
    extractor = FakeExtractor()
    summary = run(memory, path, extractor=extractor)
    assert extractor.calls == 3  # two full units and the rest
    stored = sorted(memory.store.iter_sessions("big"), key=lambda s: s.index)
    assert [s.index for s in stored] == list(range(len(stored)))
    assert summary.turns == len(list(memory.store.iter_events("big")))


def test_progress_counts_turns_as_units_are_committed(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.progress import ProgressBar

    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 6)
    seen: list[tuple[int, int]] = []

    def advance(self: object, steps: int = 1, **fields: float) -> None:
        seen.append((int(fields["turns"]), steps))

    monkeypatch.setattr(ProgressBar, "advance", advance)
    run(memory, sessions_file(tmp_path / "big.jsonl", sessions=6), progress=False)
    assert seen == [(6, 0), (12, 0), (18, 0), (18, 1)]  # turns shown while the one file is still running


def test_workers_embed_events_as_the_parent_does() -> None:
    """The stand-in sent to worker processes makes the parent's vectors (one pass per turn), not another kind."""
    from graphmem.embed import default_embedder
    from graphmem.embed_text import embed_events
    from graphmem.ingest_extract import for_workers
    from graphmem.models import Event

    default = default_embedder()
    proxy = for_workers(default)
    assert proxy is not None
    events = [
        Event("w", "ev:s:1", "s", 1, "Ana", "Did you ever get a dog?"),
        Event("w", "ev:s:2", "s", 2, "Ben", "Yes, Rex, a beagle, last spring."),
    ]
    got, want = embed_events(proxy, events), embed_events(default, events)
    assert np.allclose(got, want, atol=1e-6)


def test_workers_build_the_embedder_the_parent_was_built_from(tmp_path: Path) -> None:
    """A parent whose default embedder came from a setting (not the environment) gets the same in workers."""
    import os
    import pickle
    import subprocess
    import sys

    from graphmem.embed import make_embedder
    from graphmem.ingest_extract import _DefaultEmbedder

    legacy = make_embedder("onnx")  # what Settings(embedder="onnx") builds in the parent
    stand_in = tmp_path / "stand_in.pickle"
    stand_in.write_bytes(pickle.dumps(_DefaultEmbedder(legacy.name, "onnx")))
    env = {k: v for k, v in os.environ.items() if k != "GRAPHMEM_EMBEDDER"}  # the worker's env says "auto"
    code = "import pickle, sys; e = pickle.load(open(sys.argv[1], 'rb')); print(e.embed(['same space']).shape)"
    done = subprocess.run([sys.executable, "-c", code, str(stand_in)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 384)"
