"""``graphmem`` as a program: a one-shot recall ends without interpreter teardown, output complete."""

from __future__ import annotations

import errno
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore


def _store(path: Path, events: int) -> str:
    store = EmbeddedStore.open(path)
    evs = tuple(
        Event("n", f"e{i}", "s", i, "Ann", f"Ann went hiking in the hills, day {i} " + "x" * 400) for i in range(events)
    )
    store.write(Batch("n", (Session("n", "s", 0),), evs))
    store.close()
    return str(path)


def _program(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphmem", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_recall_output_is_complete_after_a_fast_exit(tmp_path: Path) -> None:
    db = _store(tmp_path / "mem", 300)
    # Larger than a pipe's buffer: everything must be flushed before the process ends.
    proc = _program("--db", db, "recall", "where did Ann go hiking?", "-n", "n", "-k", "300", "--hops", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 65536
    hits = json.loads(proc.stdout)["hits"]
    assert len(hits) == 300
    table = _program("--db", db, "recall", "where did Ann go hiking?", "-n", "n", "-k", "2")
    assert table.returncode == 0, table.stderr
    assert "Ann went hiking" in table.stdout


def test_a_failing_recall_still_reports_and_exits_1(tmp_path: Path) -> None:
    db = _store(tmp_path / "mem", 1)
    # (a namespace that holds no data is no failure since: it recalls nothing, with a note)
    proc = _program("--db", db, "recall", "anything", "-n", "n", "--speaker", "Missing")
    assert proc.returncode == 1
    assert "Missing" in proc.stderr


def test_the_fast_exit_is_only_for_one_shot_reads(tmp_path: Path) -> None:
    db = _store(tmp_path / "mem", 1)
    code = (
        "import io, sys, contextlib\n"
        "from graphmem.cli import main\n"
        "from graphmem.cli.common import may_exit_fast\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--db', sys.argv[1], 'stats'])\n"
        "    after_stats = may_exit_fast()\n"
        "    main(['--db', sys.argv[1], 'recall', 'hiking', '-n', 'n', '--json'])\n"
        "print(after_stats, may_exit_fast())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, db], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "False True"


def test_ctrl_c_is_interrupted_with_status_130_not_aborted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in a command printed "aborted" and exited 1, as a declined confirmation does."""
    from graphmem.cli import main
    from graphmem.memory import Memory

    db = _store(tmp_path / "mem", 1)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Memory, "stats", interrupted)
    assert main(["--db", db, "stats"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"


def test_an_interrupted_ingest_says_how_to_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphmem.cli import main
    from graphmem.memory import Memory

    db = _store(tmp_path / "mem", 1)
    (tmp_path / "t.txt").write_text("Ana: hi\n", encoding="utf-8")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Memory, "ingest", interrupted)
    assert main(["--db", db, "ingest", str(tmp_path / "t.txt")]) == 130
    err = capsys.readouterr().err
    # stopped before its run began (loading the extractor): the one message docs/cli.md gives, 0 files done
    assert [line for line in err.splitlines() if line.strip()] == [
        "ingest stopped: 0 file(s) done, nothing half-written (the sessions committed so far are kept); "
        "run the same command again to resume",
        "interrupted",
    ]


class _FailingStdout(io.StringIO):
    """A stdout whose writes fail as a full disk's (``> /dev/full``) or a closed pipe's (``| head``) do."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def fileno(self) -> int:  # a closed pipe's handling may look for the descriptor: it fails alike
        raise self.error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "error: cannot write output: No space left on device\n"),
    ],
)
def test_a_failed_write_to_stdout_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: OSError, message: str
) -> None:
    from graphmem.cli import main

    db = tmp_path / "mem"
    (tmp_path / "chat.txt").write_text("A: I live in Oslo.\n", encoding="utf-8")
    assert main(["--db", str(db), "ingest", str(tmp_path / "chat.txt"), "--no-embed"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", _FailingStdout(error))
    try:
        rc = main(["--db", str(db), "stats"])
    except SystemExit as exc:  # click's own quiet exit for a closed pipe
        rc = exc.code
    assert rc == 1
    assert capsys.readouterr().err == message
