"""A second Ctrl-C abandons the unit in progress, and Ctrl-C or SIGTERM stops a wait for the write lock.

Findings: a Ctrl-C during a large unit (a long transcript is one unit) waited for that unit's commit, minutes
of embedding, and a second Ctrl-C did nothing more; SIGTERM while ``graphmem ingest`` waited for another
writer's lock ended it at once without a word, and Ctrl-C there said nothing of why it stopped. In-process,
each signal is raised by the process itself at a chosen point (``signal.raise_signal``); across processes
the test waits for a marker file the child writes before it sends one, so nothing depends on timing.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.ingest import ingest
from graphmem.ingest_stop import IngestInterrupted, Stop, UnitAbandoned
from graphmem.memory import Memory
from graphmem.models import Batch, Entity
from graphmem.store.lock import LOCK_FILENAME
from tests.support.talk import sessions_file

from .fakes import FakeEmbedder, FakeExtractor

ROOT = Path(__file__).resolve().parents[2]


def _stored_sessions(memory: Memory, ns: str) -> list[str]:
    return sorted(s.id for s in memory.store.iter_sessions(ns))


def _twice_in(session: str, after: Callable[[], None] = lambda: None) -> tuple[Callable[..., Any], list[str]]:
    """A resolver that raises SIGINT twice in this process while it resolves the batch of ``session`` (the
    second signal then ``after``), noting ``"went on"`` if it is not interrupted by the second."""
    seen: list[str] = []

    def resolver(batch: Batch, existing: list[Entity]) -> Batch:
        if any(s.id == session for s in batch.sessions):
            signal.raise_signal(signal.SIGINT)  # the first: the unit would be committed whole
            seen.append("first noted")
            signal.raise_signal(signal.SIGINT)  # the second: the unit is abandoned here
            seen.append("went on")
            after()
        return batch

    return resolver, seen


def test_a_second_ctrl_c_abandons_the_unit_in_progress(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)  # one session per unit
    big = sessions_file(tmp_path / "big.jsonl")
    later = sessions_file(tmp_path / "later.jsonl", sessions=1)
    resolver, seen = _twice_in("s01")
    with pytest.raises(IngestInterrupted) as stopped:
        ingest(memory, [big, later], extractor=FakeExtractor(), resolver=resolver, embed=False)
    assert seen == ["first noted"]  # the second Ctrl-C raised at once, in the middle of the unit
    # the unit is rolled back: the store holds what it held before it; the unit before it stays
    assert _stored_sessions(memory, "big") == ["s00"]
    assert "later" not in memory.namespaces()
    abandoned = stopped.value.summary.abandoned
    assert abandoned is not None and str(big) in abandoned and "session s01" in abandoned
    assert f"{big}:4" in abandoned  # where the abandoned unit starts
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    again = ingest(memory, [big, later], extractor=FakeExtractor(), embed=False)  # resumes at that unit
    assert (again.files_ok, again.files_failed, again.turns) == (2, 0, 12)
    assert _stored_sessions(memory, "big") == ["s00", "s01", "s02", "s03"]


def test_a_second_ctrl_c_during_the_units_write_lets_it_commit_whole(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    big = sessions_file(tmp_path / "big.jsonl")
    store = memory.store
    real = store.write

    def write(batch: Batch) -> None:  # both signals come once the unit's commit has begun
        if any(s.id == "s01" for s in batch.sessions):
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
        real(batch)

    monkeypatch.setattr(store, "write", write)
    with pytest.raises(IngestInterrupted) as stopped:
        ingest(memory, big, extractor=FakeExtractor(), embed=False)
    assert stopped.value.summary.abandoned is None
    assert _stored_sessions(memory, "big") == ["s00", "s01"]  # written whole; nothing after it


def test_what_an_abandoned_unit_moved_is_moved_back(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the retyping of kept entities is written before the unit's commit: abandoned, it is undone
    undone: list[Any] = []
    monkeypatch.setattr("graphmem.ingest.retype_kept", lambda store, batch, known, write: ["moved"])
    monkeypatch.setattr("graphmem.ingest.undo_retypes", lambda store, retyped, write: undone.append(retyped))
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    resolver, _ = _twice_in("s01")
    with pytest.raises(IngestInterrupted):
        ingest(memory, sessions_file(tmp_path / "big.jsonl"), extractor=FakeExtractor(), resolver=resolver, embed=False)
    assert undone == [["moved"]]


def test_a_stop_abandons_a_unit_at_its_next_write_where_it_cannot_at_once() -> None:
    # a server store: the neo4j driver turns an exception raised mid-I/O into another error
    stop = Stop()
    with stop.unit(at_once=False):
        stop._note(signal.SIGINT, None)
        stop._note(signal.SIGINT, None)  # noted only
        assert stop.abandon
        with pytest.raises(UnitAbandoned):
            stop.committing()
    stop = Stop()
    with stop.unit(at_once=True):
        stop._note(signal.SIGINT, None)
        stop.committing()  # the commit began: written whole, whatever comes
        stop._note(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):
        stop.check()


# -- the CLI, signalled from outside -------------------------------------------------------------------

_DRIVER = """
import sys, time
from pathlib import Path
import graphmem.embed, graphmem.ingest, graphmem.ingest_units
import graphmem.store.lock as lock
from graphmem.cli.app import run
from tests.ingest.fakes import FakeExtractor
from tests.ingest.test_stop_abandon import SlowEmbedder

marker = Path(sys.argv[1])
graphmem.ingest_units.UNIT_TURNS = 3
graphmem.ingest._get_extractor = lambda extractor, nlp: FakeExtractor()
graphmem.embed.default_embedder = lambda name=None: SlowEmbedder(marker)
real = lock.WriteLock._take

def take(self, *args):
    marker.write_text("waiting", encoding="utf-8")  # the lock is about to be waited for
    return real(self, *args)

lock.WriteLock._take = take
real_note = graphmem.ingest_stop.Stop._note
handled = Path(str(marker) + ".signals")

def note(self, signum, frame):
    try:
        real_note(self, signum, frame)
    finally:  # the signal was handled (noted, or raised): the test may send the next one
        count = int(handled.read_text(encoding="utf-8")) if handled.exists() else 0
        handled.write_text(str(count + 1), encoding="utf-8")

graphmem.ingest_stop.Stop._note = note
sys.argv = ["graphmem", *sys.argv[2:]]
run()
"""


class SlowEmbedder(FakeEmbedder):
    """Takes a second per text of session ``s02`` (a unit minutes long), writing ``marker`` as it starts."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        slow = [t for t in texts if "session 2" in t]
        if slow:
            self.marker.write_text("embedding", encoding="utf-8")
            for _ in slow:
                time.sleep(1.0)
        return super().embed(texts)


def _start(tmp_path: Path, marker: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "GRAPHMEM_LOCK_TIMEOUT": "600"}
    command = [sys.executable, "-c", _DRIVER, str(marker), "--db", str(tmp_path / "db"), "ingest", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _wait_for(marker: Path, text: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not (marker.exists() and marker.read_text(encoding="utf-8") == text):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, f"the child never got to {text!r}"
        time.sleep(0.05)


def _finish(proc: subprocess.Popen[str], seconds: float = 60) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"the ingest did not stop within {seconds:g} s") from None


def test_the_cli_abandons_a_long_unit_on_a_second_ctrl_c(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"  # s02 is a long unit: embedding it takes 100 s
    turns = [(s, i) for s, n in ((0, 3), (1, 3), (2, 100)) for i in range(n)]
    lines = [
        json.dumps({"speaker": "AB"[i % 2], "text": f"turn {i} of session {s}", "session": f"s{s:02d}"})
        for s, i in turns
    ]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    marker = tmp_path / "marker"
    proc = _start(tmp_path, marker, str(big))
    _wait_for(marker, "embedding", proc)
    proc.send_signal(signal.SIGINT)
    _wait_for(Path(f"{marker}.signals"), "1", proc)  # the first was noted: the second asks to abandon
    proc.send_signal(signal.SIGINT)
    _, err = _finish(proc)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "error" not in err
    said = err.strip().splitlines()
    assert said[0].startswith("ingest stopped: 0 file(s) done, nothing half-written")
    abandoned = next(line for line in said if line.startswith("abandoned: "))
    assert said[-1] == "interrupted"
    with Memory.open(tmp_path / "db", read_only=True, embedder=FakeEmbedder()) as memory:
        stored = _stored_sessions(memory, "big")
    # the units before stay (s00 and, when s02 was embedded ahead while s01 was written, s01); the abandoned
    # unit is the first one not stored, and the long one is not
    assert stored in (["s00"], ["s00", "s01"])
    assert f"{big}: abandoned part way" in abandoned and f"session s{len(stored):02d};" in abandoned


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_while_waiting_for_the_write_lock_ends_the_wait(tmp_path: Path, sig: int, status: int) -> None:
    first = sessions_file(tmp_path / "first.jsonl", sessions=1)
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as memory:
        assert ingest(memory, first, extractor=FakeExtractor(), embed=False).ok
    big = sessions_file(tmp_path / "big.jsonl")
    marker = tmp_path / "marker"
    fd = os.open(tmp_path / "db" / LOCK_FILENAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds the store
        proc = _start(tmp_path, marker, "--no-embed", str(big))
        _wait_for(marker, "waiting", proc)
        time.sleep(0.3)  # (it may be sent before the wait begins: it is noted, and ends the wait at once)
        proc.send_signal(sig)
        _, err = _finish(proc)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert proc.returncode == status, err[-2000:]
    assert "Traceback" not in err and "error" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith("ingest stopped: 0 file(s) done, nothing half-written")
    assert "stopped: while waiting for another writer to release the store's write lock" in lines[1]
    with Memory.open(tmp_path / "db", read_only=True, embedder=FakeEmbedder()) as memory:
        assert memory.namespaces() == ["first"]
    again = _start(tmp_path, tmp_path / "again", "--no-embed", "--json", str(big))  # the lock is free now
    out, err = _finish(again)
    assert again.returncode == 0, err[-2000:]
    assert json.loads(out)["turns"] == 12
