"""The embedding helper's pipes (graphmem.embed_pool): a helper that stops reading never blocks the
parent, and the helper runs the graphmem the parent runs, whatever its own path would have found."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.embed_pool import EmbedPool

from .fakes import FakeEmbedder


def test_a_helper_that_stops_reading_does_not_block_submit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    monkeypatch.setattr("graphmem.embed_pool.HELPER_SILENCE_S", 0.5)
    texts = [("word " * 400) + str(i) for i in range(300)]  # a 64-text chunk is ~128 KB: more than a pipe holds
    got: list[np.ndarray] = []
    helpers: list[subprocess.Popen[bytes]] = []
    submitted = threading.Event()

    def run() -> None:
        with EmbedPool(FakeEmbedder(), FakeEmbedder()) as pool:
            first = pool.submit(texts[:1])  # starts the helper
            assert pool._handle is not None
            helpers.append(pool._handle[0])
            os.kill(pool._handle[0].pid, signal.SIGSTOP)  # it reads nothing from now on
            ticket = pool.submit(texts)
            submitted.set()
            got.append(pool.result(first))
            got.append(pool.result(ticket))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert submitted.wait(30), "submit blocked on a helper that does not read"
        worker.join(60)
        assert not worker.is_alive(), "ingest hung on a helper that does not read"
    finally:  # a failed run leaves the stopped helper behind: do not leak it
        for helper in helpers:
            if helper.poll() is None:
                helper.kill()
                helper.wait(5)
    assert np.array_equal(got[1], FakeEmbedder().embed(texts))


class _Recording(FakeEmbedder):
    """Remembers every text it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts)


def test_a_discarded_ticket_held_by_a_stopped_helper_is_not_embedded_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    monkeypatch.setattr("graphmem.embed_pool.HELPER_SILENCE_S", 0.5)
    here = _Recording()
    kept, dropped = ["kept one", "kept two"], ["dropped one", "dropped two"]
    got: list[np.ndarray] = []
    helpers: list[subprocess.Popen[bytes]] = []
    left: list[Any] = []

    def run() -> None:
        with EmbedPool(here, FakeEmbedder(), chunk=2) as pool:
            wanted = pool.submit(kept)  # starts the helper: one chunk in flight
            unwanted = pool.submit(dropped)  # the second chunk in flight
            assert pool._handle is not None and len(pool._in_flight) == 2
            helpers.append(pool._handle[0])
            os.kill(pool._handle[0].pid, signal.SIGSTOP)  # it answers nothing from now on
            pool.discard(unwanted)
            got.append(pool.result(wanted))  # the helper is stopped; what it held and is wanted is embedded here
            left.extend([pool._results, pool._errors, pool._dropped, pool._backlog])

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        worker.join(60)
        assert not worker.is_alive(), "ingest hung on a stopped helper"
    finally:
        for helper in helpers:
            if helper.poll() is None:
                helper.kill()
                helper.wait(5)
    assert np.array_equal(got[0], FakeEmbedder().embed(kept))
    assert here.seen == kept  # the discarded chunk was neither requeued nor embedded here
    assert not any(left)  # and nothing of it is kept


REPORTER = '''
import numpy as np


class Reporter:
    """Writes which graphmem the process embedding with it imported."""

    name = "fake-embedder"

    def __init__(self, out):
        self.out = out

    def embed(self, texts):
        import graphmem

        with open(self.out, "w") as f:
            f.write(graphmem.__file__)
        return np.ones((len(texts), 8), dtype=np.float32)
'''

PARENT = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]  # graphmem and the embedder are found by this path alone
import numpy as np
from graphmem.embed_pool import EmbedPool
from reporter import Reporter


class Here:
    name = "fake-embedder"

    def embed(self, texts):
        return np.ones((len(texts), 8), dtype=np.float32)


import graphmem.embed_pool
graphmem.embed_pool.HELPER_AFTER_TEXTS = 1
with EmbedPool(Here(), Reporter(sys.argv[3]), chunk=1) as pool:
    ticket = pool.submit(["a", "b", "c", "d"])  # the helper holds "a" and "b": this process embeds the rest
    pool.result(ticket)
import graphmem
print(graphmem.__file__)
"""


def test_the_helper_imports_the_graphmem_of_the_parent(tmp_path: Path) -> None:
    """The parent runs a copy of graphmem found by its path alone: without the parent's path first, the
    helper would import the installed graphmem (or none), wherever this test runs from."""
    root = tmp_path / "checkout"
    source = Path(__file__).resolve().parents[2] / "graphmem"
    shutil.copytree(source, root / "graphmem", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "reporter.py").write_text(REPORTER, encoding="utf-8")
    (tmp_path / "parent.py").write_text(PARENT, encoding="utf-8")
    out = tmp_path / "helper.txt"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(tmp_path / "parent.py"), str(root), str(tmp_path), str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.exists(), "the helper embedded nothing"
    assert out.read_text() == done.stdout.strip() == str(root / "graphmem" / "__init__.py")


def test_this_process_embeds_while_the_helper_holds_the_chunk_it_waits_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper is always handed the head of the queue, which is the chunk this process waits for next:
    waiting must not leave this process idle while the ticket has queued chunks (it slept through half an
    ingest before), and the rows come back in order whoever embedded them."""
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    here = _Recording()
    texts = [f"turn number {i} " + "word " * (i % 7) for i in range(40)]
    with EmbedPool(here, FakeEmbedder(), chunk=2) as pool:
        got = pool.result(pool.submit(texts))
        assert pool.started
    assert np.array_equal(got, FakeEmbedder().embed(texts))
    assert here.seen, "this process embedded nothing: it only waited for the helper"
    assert pool.local_texts == len(here.seen) and pool.local_texts + pool.helper_texts == len(texts)


MAIN_EMBEDDER = """
import numpy as np
import graphmem.embed_pool
from graphmem.embed_pool import EmbedPool


class MainEmbedder:
    name = "main-embedder"

    def embed(self, texts):
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


graphmem.embed_pool.HELPER_AFTER_TEXTS = 1
texts = [f"text number {i} " * (i % 3 + 1) for i in range(12)]
embedder = MainEmbedder()
with EmbedPool(embedder, embedder, chunk=2) as pool:
    got = pool.result(pool.submit(texts))
print("STARTED", pool.started)
print("SAME", bool(np.array_equal(got, embedder.embed(texts))))
"""


def test_an_embedder_of_the_main_script_is_not_sent_to_the_helper(tmp_path: Path) -> None:
    """It pickles, but the helper does not run the caller's ``__main__`` and cannot load it: it is not
    started (it died with a traceback on stderr before the parent embedded everything)."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", MAIN_EMBEDDER],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.split() == ["STARTED", "False", "SAME", "True"], done.stdout


def _run_helper(payload: bytes, *, reply_unread: bool) -> tuple[int, bytes, bytes]:
    """Run the helper on ``payload`` (its stdin, then closed); ``reply_unread``: no one reads its replies."""
    from graphmem.embed_pool import _BOOT

    read, write = os.pipe()
    if reply_unread:
        os.close(read)  # as the parent's end closes when it dies: a reply cannot be delivered
    helper = subprocess.Popen(
        [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=write, stderr=subprocess.PIPE
    )
    os.close(write)
    try:
        _, err = helper.communicate(payload, timeout=120)
    finally:
        helper.kill()
    out = b""
    if not reply_unread:
        with os.fdopen(read, "rb") as replies:
            out = replies.read()
    return helper.returncode, out, err


def test_the_helper_exits_quietly_when_its_parent_is_gone() -> None:
    # Killing `graphmem ingest` made the helper print a BrokenPipeError traceback when it answered.
    import pickle

    payload = b"".join(pickle.dumps(item) for item in (sys.path, FakeEmbedder(), (0, ["a text"], None)))
    assert _run_helper(payload, reply_unread=True) == (0, b"", b"")
    code, out, err = _run_helper(payload, reply_unread=False)  # read, the same chunk is answered
    assert code == 0 and err == b"" and pickle.loads(out)[0] == 0


def test_the_helper_exits_quietly_on_a_pickle_cut_short() -> None:
    # The parent killed while writing a chunk leaves half a pickle in the pipe.
    import pickle

    chunk = pickle.dumps((0, ["a text"] * 50, None))
    payload = pickle.dumps(sys.path) + pickle.dumps(FakeEmbedder()) + chunk[: len(chunk) // 2]
    assert _run_helper(payload, reply_unread=False) == (0, b"", b"")
