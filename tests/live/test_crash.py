"""Processes sharing a store and processes killed mid-write: nothing acknowledged is lost, nothing is stored
twice, and the vector index agrees with the SQLite record when the store is opened again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from graphmem import Memory
from graphmem.live import add
from tests.ingest.fakes import FakeEmbedder, FakeExtractor
from tests.live.checks import check_acknowledged

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
NS = "talk"

#: Adds ``n`` messages one at a time (fake extractor and embedder), printing each acknowledged id.
_ADDER = """
import sys
from graphmem import Memory
from graphmem.live import add
from tests.ingest.fakes import FakeEmbedder, FakeExtractor

store, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
extractor = FakeExtractor()
mem = Memory.open(store, embedder=FakeEmbedder(), lock_timeout=60)
for i in range(n):
    word = f"kw{tag}x{i}"
    ids = add(mem, {"speaker": f"P{tag}", "text": f"{tag} says {word}"}, namespace="talk", extractor=extractor)
    print(ids[0], word, flush=True)
mem.close()
"""


def _adder(store: Path, tag: str, n: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _ADDER, str(store), tag, str(n)], stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT
    )


def _acks(lines: str) -> list[tuple[str, str]]:
    return [(eid, word) for eid, word in (line.split() for line in lines.splitlines() if line.strip())]


def check_store(store: Path, namespace: str, acked: list[tuple[str, str]]) -> None:
    """Every acknowledged (event id, unique word) is stored once and found; the index agrees with SQLite;
    turns are numbered without gaps and linked in order."""
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        events = list(mem.store.iter_events(namespace))
        ids = [e.id for e in events]
        assert len(ids) == len(set(ids))
        assert len({e.text for e in events}) == len(events)  # no message stored twice under two ids
        check_acknowledged(mem, namespace, events, acked)


def test_two_processes_adding_to_one_namespace_store_every_message_once(tmp_path: Path) -> None:
    store = tmp_path / "db"
    Memory.open(store).close()
    procs = [_adder(store, tag, 12) for tag in ("a", "b")]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    acked = [ack for out in outs for ack in _acks(out)]
    assert len(acked) == 24
    check_store(store, NS, acked)


def test_a_writer_killed_between_adds_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    store = tmp_path / "db"
    first = _adder(store, "a", 5)  # ends normally: its vector files are saved
    acked = _acks(first.communicate(timeout=120)[0])
    killed = _adder(store, "b", 10_000)
    assert killed.stdout is not None
    acked += _acks("".join(killed.stdout.readline() for _ in range(8)))
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    # read through the same buffered reader: readline() may have read further lines ahead into it, which
    # communicate(timeout=…) would skip (it reads the pipe's descriptor); they are acknowledged adds
    rest = killed.stdout.read()
    killed.stdout.close()
    acked += _acks(rest)
    # the saved vector files are older than the store: the index catches up on open
    check_store(store, NS, acked)
    with Memory.open(store, embedder=FakeEmbedder()) as mem:  # adding goes on after the last stored turn
        held = mem.stats(NS).events
        assert held in (len(acked), len(acked) + 1)  # the add under way may have committed unacknowledged
        ids = add(mem, {"speaker": "Pa", "text": "back again"}, namespace=NS, extractor=FakeExtractor())
        assert ids == [f"ev:session_1:{held + 1}"]


#: Ingests a folder with a fake extractor that kills its own process when it meets the text named.
_INGESTER = """
import os, sys
from graphmem import Memory
from tests.ingest.fakes import FakeEmbedder, FakeExtractor

class Dies(FakeExtractor):
    def extract(self, transcript):
        if any(sys.argv[3] in t.text for s in transcript.sessions for t in s.turns):
            os.kill(os.getpid(), 9)
        return super().extract(transcript)

with Memory.open(sys.argv[1], embedder=FakeEmbedder()) as mem:
    print(mem.ingest(sys.argv[2], namespace="talk", extractor=Dies()).events, flush=True)
"""


def test_an_ingest_killed_midway_completes_without_duplicates_when_run_again(tmp_path: Path) -> None:
    folder = tmp_path / "chats"
    folder.mkdir()
    for f in range(6):
        lines = [
            json.dumps({"speaker": "AB"[i % 2], "text": f"file {f} turn {i} kw{f}x{i}", "session": i // 5})
            for i in range(10)
        ]
        (folder / f"c{f}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = tmp_path / "db"

    def ingest(poison: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-c", _INGESTER, str(store), str(folder), poison]
        return subprocess.run(argv, capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)

    killed = ingest("kw3x7")  # dies in the fourth file
    assert killed.returncode == -signal.SIGKILL
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        assert 0 < mem.stats(NS).events < 60
    done = ingest("never said")
    assert done.returncode == 0, done.stderr
    check_store(store, NS, [])
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        assert mem.stats(NS).events == 60
        texts = {e.text for e in mem.store.iter_events(NS)}
        assert texts == {f"file {f} turn {i} kw{f}x{i}" for f in range(6) for i in range(10)}


#: Writes vectors, then saves the index and is killed while writing its id map (after the matrix).
_SAVER = """
import os, sys
from pathlib import Path
from graphmem import Batch, Event, Memory, Session
from graphmem.vector_space import SpaceFiles
from tests.ingest.fakes import FakeEmbedder

events = tuple(Event("talk", f"e{i}", "s", i + 1, "A", f"turn {i}") for i in range(300))
vectors = FakeEmbedder().embed([e.text for e in events])
mem = Memory.open(sys.argv[1], embedder=FakeEmbedder())
mem.vectors.count("talk")  # the index is open, so the write goes into it
embeddings = tuple((e.id, [float(x) for x in v]) for e, v in zip(events, vectors))
mem.write(Batch("talk", sessions=(Session("talk", "s", 0, None),), events=events, embeddings=embeddings,
                embedding_model="fake-embedder"))
write = SpaceFiles._write

def dying(self, name, fill, *tag):
    if name == "ids.json":
        return write(self, name, lambda tmp: (fill(tmp), os.kill(os.getpid(), 9)), *tag)
    return write(self, name, fill, *tag)

SpaceFiles._write = dying
mem.vectors.flush()
"""


def test_a_process_killed_while_saving_the_vector_index_leaves_a_usable_store(tmp_path: Path) -> None:
    store = tmp_path / "db"
    argv = [sys.executable, "-c", _SAVER, str(store)]
    killed = subprocess.run(argv, capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    leftovers = [p.name for p in (store / "vectors").rglob(".*.tmp")]
    assert leftovers  # the killed save left its temporary file
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        assert mem.vectors.count(NS) == 300  # rebuilt from the store: the save never finished
        assert mem.vectors.rebuilt is not None and "manifest missing" in mem.vectors.rebuilt
        query = FakeEmbedder().embed(["turn 7"])
        assert mem.vectors.search(NS, query, k=1)[0].node_id == "e7"
    # the next save cleared what the killed one left (a large namespace's file is gigabytes)
    assert [p.name for p in (store / "vectors").rglob(".*.tmp")] == []
    with Memory.open(store, embedder=FakeEmbedder()) as mem:
        assert mem.vectors.count(NS) == 300 and mem.vectors.rebuilt is None  # the saved files are trusted


def _space() -> object:
    import hnswlib
    import numpy as np

    from graphmem.vector_space import NamespaceVectors

    space = NamespaceVectors(hnswlib, 4, "fake")
    space.put(["a", "b"], np.eye(2, 4, dtype=np.float32))
    return space


def _hold_save_lock(folder: Path) -> int:
    """What another process's save holds: the folder's save lock, on an open file of its own."""
    import fcntl

    from graphmem.vector_space import SAVE_LOCK

    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / SAVE_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_removing_a_namespace_s_files_keeps_the_save_lock_another_save_holds(tmp_path: Path) -> None:
    import fcntl

    import pytest

    from graphmem.vector_space import SAVE_LOCK, SpaceFiles

    folder = tmp_path / "ns"
    holder = _hold_save_lock(folder)
    try:
        SpaceFiles(folder).remove()
        # a saver opening the lock file now must meet the holder's lock, not a new file of its own
        fd = os.open(folder / SAVE_LOCK, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    finally:
        os.close(holder)


def test_a_save_does_not_wait_for_ever_on_a_stopped_saver_nor_delete_its_files(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    import graphmem.vector_space as vs

    monkeypatch.setattr(vs, "SAVE_LOCK_WAIT", 0.2)
    folder = tmp_path / "ns"
    holder = _hold_save_lock(folder)  # a saver stopped (Ctrl-Z) in the middle of its save
    theirs = folder / ".vectors.npy.theirs.tmp"
    theirs.write_bytes(b"a save in progress")
    try:
        saving = threading.Thread(target=vs.SpaceFiles(folder).save, args=("ns", _space()), daemon=True)
        saving.start()
        saving.join(timeout=10)
        assert not saving.is_alive()  # saved beside the stopped one
        assert theirs.exists()  # whose temporary file is not a dead save's
        assert vs.SpaceFiles(folder).exists()
    finally:
        os.close(holder)


def test_a_save_with_the_lock_keeps_what_a_save_beside_it_is_writing(tmp_path: Path) -> None:
    # a save that waited out a stopped holder writes without the lock: the next saver holding the lock
    # deleted its temporaries mid-write (its save then failed); they go only once that saver is long dead
    import graphmem.vector_space as vs

    folder = tmp_path / "ns"
    folder.mkdir()
    dead = folder / ".vectors.npy.k3j2.tmp"  # a save that held the lock and was killed
    beside = folder / f".ids.json.{vs.UNLOCKED}q8w1.tmp"  # a save without the lock, writing now
    dead.write_bytes(b"x")
    beside.write_bytes(b"x")
    vs.SpaceFiles(folder).save("ns", _space())
    assert not dead.exists() and beside.exists()
    old = beside.stat().st_mtime - vs.UNLOCKED_STALE - 60
    os.utime(beside, (old, old))  # its saver died long ago
    vs.SpaceFiles(folder).save("ns", _space())
    assert not beside.exists()
