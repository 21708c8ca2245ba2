"""Ctrl-C with ``--workers N`` is the writer's to handle: the worker processes never see it, so they print
no KeyboardInterrupt traceback, whether they are still importing or already extracting. A writer killed
(SIGTERM, SIGKILL) leaves no worker behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest_extract import _result, _sigint_blocked, _worker_init
from graphmem.ingest_stop import Stop
from graphmem.store.embedded import DB_FILENAME

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")


def _sigint_state() -> tuple[bool, bool]:
    """In a worker: whether SIGINT is blocked, and whether it is ignored."""
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return blocked, signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_the_worker_initializer_ignores_ctrl_c() -> None:
    before = signal.getsignal(signal.SIGINT)
    try:
        extractor: Any = object()
        _worker_init(extractor, None)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_worker_started_by_a_submit_never_receives_ctrl_c() -> None:
    # The spawned interpreter imports for a while before any initializer runs: a Ctrl-C then printed
    # a traceback from the middle of an import. The block taken around the submit is inherited.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        with _sigint_blocked():
            future = pool.submit(_sigint_state)
        blocked, _ = future.result(timeout=60)
    assert blocked
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # lifted in this process


def test_a_signal_stops_the_wait_for_a_worker_between_polls() -> None:
    # The wait for a worker's unit raised from the signal handler, inside concurrent.futures' locks; it now
    # polls and checks the stop between polls. The unit here is done only after 30 s: a wait that did not
    # look at the stop would return it instead of raising.
    fut: Future[Any] = Future()
    stop = Stop()
    finish = threading.Timer(30, fut.set_result, ("the unit",))
    noted = threading.Timer(0.3, setattr, (stop, "signum", signal.SIGTERM))
    finish.start()
    noted.start()
    try:
        with pytest.raises(SystemExit) as raised:
            _result(fut, stop)
        assert raised.value.code == 128 + signal.SIGTERM
    finally:
        finish.cancel()
        noted.cancel()


def test_the_wait_for_a_worker_returns_its_result_or_raises_its_error() -> None:
    done: Future[Any] = Future()
    done.set_result("the unit")
    assert _result(done, Stop()) == "the unit"
    failed: Future[Any] = Future()
    failed.set_exception(TimeoutError("the worker's own timeout"))  # not mistaken for the poll's
    with pytest.raises(TimeoutError, match="worker's own"):
        _result(failed, Stop())


def _children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended (this machine's init may not reap it)


def _until(check: Callable[[], bool], what: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _transcripts(folder: Path) -> None:
    """Enough turns that two workers are still extracting when the first unit is committed."""
    names = ["Maya", "Jon", "Harriet", "Priya", "Tomas"]
    places = ["Berlin", "Leeds", "Paris", "Lisbon", "Oslo", "Kyoto"]
    folder.mkdir()
    for f in range(8):
        lines = ["# Chats written for a test.", ""]
        for s in range(1, 7):
            lines.append(f"## Session {s} — {s + 1} March 2024")
            for t in range(90):
                who, other, where = names[(t + f) % 5], names[(t + 2) % 5], places[(t * s + f) % 6]
                lines.append(f"[{10 + t // 60:02d}:{t % 60:02d}] {who}: I went to {where} with {other} on day {t}.")
            lines.append("")
        (folder / f"t{f}.txt").write_text("\n".join(lines))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_an_ingest_ends_its_workers(tmp_path: Path, sig: signal.Signals) -> None:
    # The worker processes of `graphmem ingest -w 2` went on after their parent was killed (SIGTERM ended it at
    # once, SIGKILL always does), each holding a spaCy pipeline, until they finished or for ever when idle.
    _transcripts(tmp_path / "in")
    db = tmp_path / "db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PYTHONFAULTHANDLER": "1"}
    args = [sys.executable, "-m", "graphmem", "--db", str(db), "ingest", "-w", "2", "--no-embed", str(tmp_path / "in")]
    log = tmp_path / "stderr"
    with log.open("w") as stderr:  # a file, not a pipe: a worker left behind would hold a pipe open
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    workers: set[int] = set()
    try:

        def working() -> bool:
            assert proc.poll() is None, log.read_text()[-2000:]
            workers.update(p for p in _children(proc.pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text())
            if len(workers) < 2 or not (db / DB_FILENAME).exists():
                return False
            conn = sqlite3.connect(f"file:{db / DB_FILENAME}?mode=ro", uri=True)
            try:
                return bool(conn.execute("SELECT count(*) FROM events").fetchone()[0])
            except sqlite3.Error:  # the schema is not written yet
                return False
            finally:
                conn.close()

        _until(working, "two workers and a first committed unit")
        proc.send_signal(sig)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:  # say where it hangs: faulthandler prints every thread on SIGABRT
            proc.send_signal(signal.SIGABRT)
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
            states = {pid: _alive(pid) for pid in workers}
            pytest.fail(
                f"the writer did not end within 120 s of {sig.name} (workers alive: {states}):\n"
                + log.read_text()[-6000:]
            )
        err = log.read_text()
        _until(lambda: not any(_alive(p) for p in workers), f"the workers {sorted(workers)} to end", timeout=30)
        if sig == signal.SIGTERM:  # the writer stopped them itself, and said what is kept
            assert proc.returncode == 128 + signal.SIGTERM, err[-2000:]
            assert "nothing half-written (the sessions committed so far are kept)" in err
            assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:  # what this test started, should the check above have failed
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
