"""Reading, read-only, a store whose folder the user cannot write, when its write-ahead log holds commits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.store.embedded import DB_FILENAME, EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# A writer killed after its second commit: that commit is in the write-ahead log only.
_WRITER = """
import os, sys
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore
store = EmbeddedStore.open(sys.argv[1])
store.write(Batch("n", (Session("n", "s", 0),), (Event("n", "e1", "s", 0, "A", "first"),)))
store.close()
store = EmbeddedStore.open(sys.argv[1])
store.write(Batch("n", (), (Event("n", "e2", "s", 1, "A", "second, in the log only"),)))
os._exit(0)
"""

# Permission bits do not bind root: as root the reader drops to ``nobody`` once it has imported graphmem (the
# interpreter may live where ``nobody`` cannot read); as another user the folder is simply not writable.
_READER = """
import os, sys
import graphmem.errors, graphmem.store.embedded, graphmem.store.readonly, graphmem.store.sqlite_open
import importlib.util, networkx  # imported on first use, where nobody may not read them
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
try:
    store = graphmem.store.embedded.EmbeddedStore.open(sys.argv[1], read_only=True)
    print(" ".join(e.id for e in store.iter_events("n")))
except graphmem.errors.StoreError as exc:
    print("StoreError:", exc)
"""


def _run(code: str, store: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code, str(store)], capture_output=True, text=True, env=ENV, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def _lock_up(store: Path) -> None:
    for path in (*store.iterdir(), store):
        path.chmod(0o555 if path.is_dir() else 0o444)


def _open_up(base: Path) -> None:
    for path in (base, *base.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture
def base() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="graphmem-wal-"))  # not under pytest's tmp_path: nobody may enter it
    base.chmod(0o755)
    try:
        yield base
    finally:
        _open_up(base)
        shutil.rmtree(base)


def test_commits_left_in_the_log_are_not_silently_dropped(base: Path) -> None:
    # With the -shm file gone and the folder unwritable, the store was opened immutable=1: the database file
    # alone, without the log's commits, and the reader saw "e1" where the store holds "e1 e2".
    store = base / "db"
    _run(_WRITER, store)
    wal = store / (DB_FILENAME + "-wal")
    assert wal.stat().st_size > 32  # the second commit is in the log
    (store / (DB_FILENAME + "-shm")).unlink()
    _lock_up(store)
    said = _run(_READER, store)
    assert said.startswith(f"StoreError: cannot read the store at {store}: its write-ahead log"), said
    assert "Open the store once as a user who may write its folder" in said
    # what the message asks: a writable open moves the log into the database, and the reader sees both
    _open_up(base)
    EmbeddedStore.open(store).close()
    assert not wal.exists() or wal.stat().st_size == 0
    _lock_up(store)
    assert _run(_READER, store) == "e1 e2"
