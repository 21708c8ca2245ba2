"""Several processes on one store: one writer at a time, never silent; reads see others' commits;
read-only opens read and refuse to write."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem import Batch, Event, Memory, QuerySemanticError, ReadOnlyStoreError, StoreLockedError
from graphmem.store.embedded import DB_FILENAME
from graphmem.store.lock import WriteLock
from tests.ingest.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
CHAT = ROOT / "data" / "chat.jsonl"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

_HOLD = """
import sys, time
from graphmem.store.embedded import EmbeddedStore
store = EmbeddedStore.open(sys.argv[1])
with store.write_lock():
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _events(ns: str, texts: list[str], session: str = "s1") -> list[Event]:
    return [Event(ns, f"ev:{session}:{i}", session, i, "Dana", t) for i, t in enumerate(texts, 1)]


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A store whose write lock another process holds (for up to 60 s)."""
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        mem.add_events(_events("n", ["first"]), namespace="n")
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(store), "60"], stdout=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    try:
        yield store, proc
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_a_second_writer_waits_then_fails_naming_the_holder(holder: tuple[Path, subprocess.Popen[str]]) -> None:
    store, proc = holder
    with Memory.open(store, embedder=FakeEmbedder(), lock_timeout=0.3) as mem:
        started = time.monotonic()
        with pytest.raises(StoreLockedError, match=f"locked by another writer \\(pid {proc.pid} ") as err:
            mem.add_events(_events("n", ["second"], "s2"), namespace="n")
        assert time.monotonic() - started >= 0.3
        assert err.value.holder is not None and f"pid {proc.pid}" in err.value.holder
        assert mem.stats("n").events == 1  # nothing changed
        proc.kill()
        proc.wait()
        mem.add_events(_events("n", ["second"], "s2"), namespace="n")  # the kernel released the dead holder's lock
        assert mem.stats("n").events == 2


def test_a_second_writer_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    store = tmp_path / "db"
    Memory.open(store).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(store), "1.0"], stdout=subprocess.PIPE, text=True, env=ENV
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with Memory.open(store, embedder=FakeEmbedder(), lock_timeout=60) as mem:
            mem.add_events(_events("n", ["after the wait"]), namespace="n")
            assert mem.stats("n").events == 1
    finally:
        proc.wait(timeout=60)
        if proc.stdout is not None:
            proc.stdout.close()


def test_concurrent_ingests_lose_nothing(tmp_path: Path) -> None:
    lines = CHAT.read_text(encoding="utf-8").splitlines()
    other = [json.dumps({**json.loads(line), "text": f"{json.loads(line)['text']} (b)"}) for line in lines]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "b" / "chat.jsonl").write_text("\n".join(other) + "\n", encoding="utf-8")
    store = tmp_path / "db"
    Memory.open(store).close()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "graphmem",
                "--db",
                str(store),
                "ingest",
                "-n",
                "shared",
                "--no-embed",
                "--json",
                str(p),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**ENV, "GRAPHMEM_LOCK_TIMEOUT": "300"},
        )
        for p in (tmp_path / "a" / "chat.jsonl", tmp_path / "b" / "chat.jsonl")
    ]
    outcomes = [p.communicate(timeout=600) for p in procs]
    ok = [p.returncode == 0 for p in procs]
    for p, (_out, err) in zip(procs, outcomes, strict=True):
        assert p.returncode == 0 or "locked by another writer" in err, err  # never a silent loss
    with Memory.open(store, read_only=True) as mem:
        texts = [e.text for e in mem.store.iter_events("shared")]
    assert any(ok)
    assert len(texts) == len(lines) * sum(ok)
    assert len(set(texts)) == len(texts)  # nobody's turns overwrote the other's


def test_a_forget_elsewhere_is_honoured_by_an_open_handle(tmp_path: Path) -> None:
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        mem.add_events(_events("x", ["Dana adopted a dog named Rex.", "Rex likes the park."]), namespace="x")
        assert [h.event.text for h in mem.recall("dog Rex", namespace="x", k=5)]  # index and mirror loaded
        proc = subprocess.run(
            [sys.executable, "-m", "graphmem", "--db", str(store), "forget", "-n", "x", "--yes"],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert mem.recall("dog Rex", namespace="x", k=5) == []  # nothing of the forgotten namespace is recalled
        assert mem.namespaces() == []
        with pytest.raises(QuerySemanticError, match="'x' holds no data"):
            mem.query("FIND (e:Event) RETURN e.text", namespace="x")


_WRITE = """
import sys
from graphmem import Event, Memory
with Memory.open(sys.argv[1]) as mem:
    mem.add_events([Event("y", "ev:s:1", "s", 1, "Sam", "written elsewhere")], namespace="y")
"""


def test_writes_elsewhere_are_seen_by_an_open_handle(tmp_path: Path) -> None:
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        mem.add_events(_events("x", ["here"]), namespace="x")
        assert mem.namespaces() == ["x"]
        subprocess.run([sys.executable, "-c", _WRITE, str(store)], env=ENV, timeout=300, check=True)
        assert mem.namespaces() == ["x", "y"]
        assert [e.text for e in mem.store.iter_events("y")] == ["written elsewhere"]
        assert mem.stats("x").events == 1  # the unchanged namespace kept its mirror
        # and this handle's next write goes after what the other process wrote
        assert mem.add({"speaker": "Dana", "text": "and here"}, namespace="y") == ["ev:s:2"]


def _digest(path: Path) -> bytes:
    return (path / DB_FILENAME).read_bytes()


def test_read_only_reads_and_refuses_writes(tmp_path: Path) -> None:
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        mem.add_events(_events("x", ["Dana adopted a dog."]), namespace="x")
    before = _digest(store)
    with Memory.open(store, read_only=True, embedder=FakeEmbedder()) as ro:
        assert ro.read_only
        assert ro.stats("x").events == 1
        assert [h.event.text for h in ro.recall("dog", namespace="x")] == ["Dana adopted a dog."]
        for write in (
            lambda: ro.add({"speaker": "Dana", "text": "more"}, namespace="x"),
            lambda: ro.forget("x"),
            lambda: ro.store.write(Batch("x")),
        ):
            with pytest.raises(ReadOnlyStoreError):
                write()
    assert _digest(store) == before


# The interpreter lives under /root (mode 700 here), so a child cannot start as ``nobody``: it starts as
# root, imports what the commands need, then drops to ``nobody`` before touching the store.
_AS_NOBODY = """
import os, sys
import graphmem.cli.app, graphmem.cli.query_cmd, graphmem.query, graphmem.store.readonly, graphmem.store.embedded
import graphmem.memory, importlib.readers, importlib.resources  # the CLI imports these lazily
import networkx  # imported when a namespace is first loaded into memory
import graphmem.query.executor, graphmem.query.planner, graphmem.query.parser, rich.table, json, sqlite3, difflib
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
sys.exit(graphmem.cli.app.main(sys.argv[1:]))
"""


def _graphmem_as_reader(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, "--db", str(store), *args],
        capture_output=True,
        text=True,
        env={**ENV, "HOME": str(store.parent)},
        timeout=300,
        check=False,
    )


def test_reading_commands_work_on_a_store_the_user_cannot_write() -> None:
    """File permissions do not bind root, so as root the child drops to ``nobody`` before it opens the store;
    as another user the store is simply not writable by anyone."""
    base = Path(tempfile.mkdtemp(prefix="graphmem-ro-"))
    try:
        store = base / "db"
        with Memory.open(store) as mem:
            mem.add_events(_events("x", ["Dana adopted a dog."]), namespace="x")
        for path in (store, *store.iterdir()):
            path.chmod(0o555 if path.is_dir() else 0o444)
        base.chmod(0o755)
        reads = (
            (["stats", "--json"], '"x"'),
            (["namespaces"], "x"),
            (["query", "FIND (e:Event) RETURN e.text", "-n", "x"], "dog"),
            (["facts", "-n", "x", "--json"], "[]"),  # facts and context opened the store for writing:
            (["context", "Who adopted a dog?", "-n", "x"], "dog"),  # "store directory ... is not writable"
        )
        for args, shown in reads:
            proc = _graphmem_as_reader(store, *args)
            assert proc.returncode == 0, (args, proc.stderr[-300:])
            assert shown in proc.stdout, (args, proc.stdout[-300:])
        proc = _graphmem_as_reader(store, "forget", "-n", "x", "--yes")
        assert proc.returncode == 1
        assert "not writable" in proc.stderr
    finally:
        for path in (base, *base.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base)


def test_a_store_opens_while_another_process_commits_a_long_write(tmp_path: Path) -> None:
    # Opening a store for writing started a write transaction (installing the change counters, present
    # already), so it failed with "database is locked" after 5 s whenever another process was in the middle
    # of a long commit (a large ingest unit, forgetting a large namespace).
    store = tmp_path / "db"
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        mem.add_events(_events("n", ["first"]), namespace="n")
    other = sqlite3.connect(store / DB_FILENAME, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer's commit under way
        started = time.monotonic()
        with Memory.open(store, embedder=FakeEmbedder()) as mem:
            assert mem.stats("n").events == 1  # reads go on meanwhile
        assert time.monotonic() - started < 2
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_first_add_loads_its_models_before_taking_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process's first add loaded spaCy and the embedding model while holding the store-wide write lock:
    # 6 s on this machine under load, during which every other writer waited (and with a few agents or
    # `graphmem add` processes starting together, the last one's 30 s lock timeout ran out).
    import graphmem.embed
    import graphmem.extract.nlp
    from graphmem.extract.nlp import load_nlp

    nlp = load_nlp()
    loaded: list[tuple[str, bool]] = []
    with Memory.open(tmp_path / "db") as mem:
        lock = mem.store.write_lock()
        assert isinstance(lock, WriteLock)

        def loading_nlp(*args: object, **kwargs: object) -> object:
            loaded.append(("spacy", lock.held))
            return nlp

        def loading_embedder(spec: str | None = None) -> FakeEmbedder:
            loaded.append(("embedder", lock.held))
            return FakeEmbedder()

        monkeypatch.setattr(graphmem.extract.nlp, "load_nlp", loading_nlp)
        monkeypatch.setattr(graphmem.embed, "default_embedder", loading_embedder)
        ids = mem.add({"speaker": "Dana", "text": "I just started a new job at Acme Robotics."}, namespace="n")
        assert ids == ["ev:session_1:1"]
    assert sorted(loaded) == [("embedder", False), ("spacy", False)]
    loaded.clear()
    with Memory.open(tmp_path / "db", read_only=True) as ro, pytest.raises(ReadOnlyStoreError):
        ro.add({"speaker": "Dana", "text": "More news."}, namespace="n")  # refused before any model loads
    assert loaded == []


def test_lookups_see_what_another_memory_committed(tmp_path: Path) -> None:
    """facts, timeline and match_entity catch up with another writer's commits, as recall does: a long-lived
    process (an MCP server) answered from its stale mirror, forgotten messages included."""
    from graphmem.extract.nlp import load_nlp

    nlp = load_nlp()
    store = tmp_path / "db"
    with (
        Memory.open(store, embedder=FakeEmbedder(), nlp=nlp) as reader,
        Memory.open(store, embedder=FakeEmbedder(), nlp=nlp) as writer,
    ):
        [first] = writer.add(
            {"speaker": "Ana", "text": "I live in Lisbon.", "time": "2024-01-10T09:00:00"}, namespace="n"
        )
        assert [f.object for f in reader.facts("Ana", namespace="n")] == ["Lisbon"]
        writer.add(
            {"speaker": "Ana", "text": "I moved to Porto yesterday.", "time": "2024-02-10T09:00:00"}, namespace="n"
        )
        assert [f.object for f in reader.facts("Ana", namespace="n")] == ["Porto"]
        assert [e.text for e in reader.timeline("Ana", namespace="n")][-1] == "I moved to Porto yesterday."
        writer.forget("n", first)
        assert "I live in Lisbon." not in [e.text for e in reader.timeline("Ana", namespace="n")]
        assert "Lisbon" not in [f.object for f in reader.facts("Ana", namespace="n", all_time=True)]
        writer.add({"speaker": "Bo", "text": "Hi Ana!", "time": "2024-02-11T09:00:00"}, namespace="n")
        assert reader.match_entity("Bo", namespace="n").entities
