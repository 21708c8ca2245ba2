"""Ctrl-C (SIGINT) and SIGTERM stop an ingest between units (:mod:`graphmem.ingest_stop`).

Tester findings: a Ctrl-C that came while the neo4j driver was reading from its socket was turned by the
driver into another error (``BufferError: Existing exports of data``), so the unit was reported as a failure
of a good file and the run went on, exiting 1; SIGTERM ended a one-process ingest at once, without a word.
Each signal here is raised by the process itself at a chosen point (``signal.raise_signal``), so nothing
depends on timing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import graphmem.ingest
from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.transcript import Transcript
from tests.support.talk import sessions_file

from .fakes import FakeEmbedder, FakeExtractor

ROOT = Path(__file__).resolve().parents[2]

#: What the neo4j driver raised when a Ctrl-C came while it read from its socket.
DRIVER_ERROR = "Existing exports of data: object cannot be re-sized"


def _signal_in_write(sig: int, at: int) -> Callable[..., Any]:
    """``commit_batch`` that raises ``sig`` in this process as its ``at``-th call starts, and turns a
    KeyboardInterrupt raised there into the error the neo4j driver made of one mid-I/O."""
    real = graphmem.ingest.commit_batch
    calls = 0

    def commit(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == at:
            try:
                signal.raise_signal(sig)
            except BaseException as exc:  # as the driver did with it
                raise BufferError(DRIVER_ERROR) from exc
        return real(*args, **kwargs)

    return commit


def _stored_sessions(memory: Memory, ns: str) -> list[str]:
    return sorted(s.id for s in memory.store.iter_sessions(ns))


def test_ctrl_c_during_a_write_stops_the_run_after_that_unit(
    memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)  # one session per unit
    big = sessions_file(tmp_path / "big.jsonl")
    later = sessions_file(tmp_path / "later.jsonl", sessions=1)
    monkeypatch.setattr(graphmem.ingest, "commit_batch", _signal_in_write(signal.SIGINT, at=2))
    with pytest.raises(KeyboardInterrupt):  # not a failed file, and the run does not go on
        ingest(memory, [big, later], extractor=FakeExtractor())
    # the unit being written when Ctrl-C came is committed whole; nothing after it is written
    assert _stored_sessions(memory, "big") == ["s00", "s01"]
    assert "later" not in memory.namespaces()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handlers are put back
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    monkeypatch.undo()
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    extractor = FakeExtractor()
    again = ingest(memory, [big, later], extractor=extractor)  # resumes at the unit after it
    assert (again.files_ok, again.files_failed, again.turns, again.events_retracted) == (2, 0, 9, 0)
    assert extractor.calls == 3
    events = list(memory.store.iter_events("big"))
    assert len(events) == len({e.id for e in events}) == 12


class _SignalsItself(FakeExtractor):
    """Raises SIGINT in this process while extracting its second transcript; notes whether it went on."""

    def __init__(self) -> None:
        super().__init__()
        self.went_on = False

    def extract(self, transcript: Transcript) -> Any:
        if self.calls == 1:
            self.calls += 1
            signal.raise_signal(signal.SIGINT)
            self.went_on = True
        return super().extract(transcript)


def test_ctrl_c_while_extracting_stops_at_once(memory: Memory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no store call is in flight while this process extracts: a stop need not wait for the unit
    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 3)
    extractor = _SignalsItself()
    with pytest.raises(KeyboardInterrupt):
        ingest(memory, sessions_file(tmp_path / "big.jsonl"), extractor=extractor, embed=False)
    assert not extractor.went_on
    assert _stored_sessions(memory, "big") == ["s00"]


def test_a_programs_own_handlers_are_kept(memory: Memory, tmp_path: Path) -> None:
    seen: list[Any] = []

    class Looks(FakeExtractor):
        def extract(self, transcript: Transcript) -> Any:
            seen.append((signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)))
            return super().extract(transcript)

    def own(signum: int, frame: Any) -> None:  # pragma: no cover - never called
        pass

    before = signal.signal(signal.SIGINT, own)
    try:
        assert ingest(memory, sessions_file(tmp_path / "t.jsonl", sessions=1), extractor=Looks(), embed=False).ok
        assert signal.getsignal(signal.SIGINT) is own
    finally:
        signal.signal(signal.SIGINT, before)
    # the program's SIGINT handler stays; SIGTERM (default) is the ingest's while it runs
    assert seen[0][0] is own and seen[0][1] not in (signal.SIG_DFL, own)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


# `graphmem ingest` in a process of its own that raises the signal at its second unit's write
_DRIVER = """
import signal, sys
import graphmem.ingest, graphmem.ingest_units
from graphmem.cli.app import run
from tests.ingest.fakes import FakeExtractor
from tests.ingest.test_stop_signals import _signal_in_write

graphmem.ingest_units.UNIT_TURNS = 3
graphmem.ingest._get_extractor = lambda extractor, nlp: FakeExtractor()
if sys.argv[1] != "none":
    graphmem.ingest.commit_batch = _signal_in_write(getattr(signal, sys.argv[1]), at=2)
sys.argv = ["graphmem", *sys.argv[2:]]
run()
"""


def _cli(tmp_path: Path, sig: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    db = str(tmp_path / "db")
    command = [sys.executable, "-c", _DRIVER, sig, "--db", db, "ingest", "--no-embed", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.parametrize(("sig", "status", "said"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, None)])
def test_the_cli_says_what_is_kept_and_exits_with_the_signals_status(
    tmp_path: Path, sig: str, status: int, said: str | None
) -> None:
    big = sessions_file(tmp_path / "big.jsonl")
    later = sessions_file(tmp_path / "later.jsonl", sessions=1)
    proc = _cli(tmp_path, sig, str(big), str(later))
    assert proc.returncode == status, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    stopped = (
        "ingest stopped: 0 file(s) done, nothing half-written (the sessions committed so far are kept); "
        "run the same command again to resume"
    )
    assert stopped in lines
    assert said is None or lines[-1] == said
    assert "error" not in proc.stderr and "Traceback" not in proc.stderr and DRIVER_ERROR not in proc.stderr
    with Memory.open(tmp_path / "db", read_only=True, embedder=FakeEmbedder()) as memory:
        assert _stored_sessions(memory, "big") == ["s00", "s01"]
        assert "later" not in memory.namespaces()
    again = _cli(tmp_path, "none", str(big), str(later), "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    summary = json.loads(again.stdout)
    assert (summary["files_ok"], summary["turns"], summary["events_retracted"]) == (2, 9, 0)
