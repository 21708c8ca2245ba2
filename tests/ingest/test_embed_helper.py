"""Embedding in a helper process beside extraction (graphmem.embed_pool): the same store as embedding here."""

from __future__ import annotations

import os
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.embed_pool import EmbedPool
from graphmem.errors import IngestError
from graphmem.ingest import ingest
from graphmem.memory import Memory

from .conftest import DATA
from .fakes import FakeEmbedder, FakeSpanEmbedder
from .test_spacy_ingest import _contents


class OnlyHereEmbedder(FakeEmbedder):
    """Embeds in the process that made it and fails in any other (a helper that cannot build the model)."""

    name = "only-here-embedder"

    def __init__(self) -> None:
        super().__init__()
        self.pid = os.getpid()

    def embed(self, texts: Any) -> np.ndarray:
        if os.getpid() != self.pid:
            raise RuntimeError("no model in this process")
        return super().embed(texts)


class FailingEmbedder(FakeEmbedder):
    """Fails on any text holding ``BOOM``."""

    name = "failing-embedder"

    def embed(self, texts: Any) -> np.ndarray:
        if any("BOOM" in t for t in texts):
            raise ValueError("cannot embed BOOM")
        return super().embed(texts)


@pytest.mark.parametrize("kind", [FakeEmbedder, FakeSpanEmbedder])  # two texts per turn, and one pass
def test_helper_writes_the_store_the_serial_path_writes(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch, kind: type[FakeEmbedder]
) -> None:
    """Units extracted here, embedded by the helper and by this process: every event, entity, fact,
    mention and vector as when this process embeds each unit as it writes it."""
    from graphmem.extract.pipeline import SpacyExtractor

    monkeypatch.setattr("graphmem.ingest_units.UNIT_TURNS", 4)  # several units per file
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)  # start the helper at once
    stores, helpers = [], []
    for helper in (False, True):
        with Memory.open(tmp_path / f"db{helper}", embedder=kind()) as mem:
            extractor = SpacyExtractor(nlp, now=datetime(2025, 1, 1))
            summary = ingest(mem, DATA, extractor=extractor, embed_helper=helper)
            assert summary.files_ok == 4, summary.errors
            stores.append(_contents(mem))
            helpers.append(summary.helpers)
    assert helpers == [0, 1]
    assert stores[0] == stores[1]
    assert sum(len(ns["embeddings"]) for ns in stores[0].values()) == 67


def test_pool_with_the_onnx_embedder_matches_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default embedder rebuilt in the helper: vectors equal one in-process call up to rounding."""
    from graphmem.embed import default_embedder
    from graphmem.ingest_extract import for_workers

    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    embedder = default_embedder()
    texts = [f"I adopted a dog called Rex in {1990 + i}, and {'we walk a lot. ' * (i % 7)}" for i in range(150)]
    with EmbedPool(embedder, for_workers(embedder), chunk=16) as pool:
        tickets = [pool.submit(texts[:70]), pool.submit(texts[70:])]
        got = np.vstack([pool.result(t) for t in tickets])
        assert pool.started
    want = embedder.embed(texts)
    assert got.shape == want.shape
    assert np.allclose(got, want, atol=1e-5)


def test_pool_with_the_onnx_embedder_pools_spans_as_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass per text through the helper: both pooled vectors equal one in-process call up to rounding."""
    from graphmem.embed import default_embedder
    from graphmem.ingest_extract import for_workers

    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    embedder = default_embedder()
    texts = [f"Ana: I adopted a dog in {1990 + i}! (replying to Ben: {'Any news? ' * (i % 5)})" for i in range(90)]
    spans = [(5, 5 + len(f"I adopted a dog in {1990 + i}!")) for i in range(90)]
    with EmbedPool(embedder, for_workers(embedder), chunk=16) as pool:
        tickets = [pool.submit(texts[:40], spans[:40]), pool.submit(texts[40:], spans[40:])]
        got = np.vstack([pool.result(t) for t in tickets])
        assert pool.started
    whole, part = embedder.embed_spans(texts, spans)  # type: ignore[attr-defined]
    assert np.allclose(got, np.hstack([whole, part]), atol=1e-5)


def test_a_helper_failure_fails_that_unit_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    with EmbedPool(FailingEmbedder(), FailingEmbedder(), chunk=2) as pool:
        good = pool.submit(["fine", "also fine", "still fine"])
        bad = pool.submit(["fine", "BOOM here"])
        after = pool.submit(["fine again"])
        assert pool.result(good).shape == (3, 8)
        with pytest.raises(IngestError, match="cannot embed BOOM"):
            pool.result(bad)
        assert pool.result(after).shape == (1, 8)
    with EmbedPool(FailingEmbedder(), None) as alone:  # no helper: this process embeds and reports the same
        with pytest.raises(IngestError, match="cannot embed BOOM"):
            alone.result(alone.submit(["BOOM"]))
        assert not alone.started


def test_what_the_helper_cannot_embed_is_embedded_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    embedder = OnlyHereEmbedder()
    texts = [f"turn number {i}" for i in range(40)]
    with EmbedPool(embedder, embedder, chunk=4) as pool:
        tickets = [pool.submit(texts[:25]), pool.submit(texts[25:])]
        got = np.vstack([pool.result(t) for t in tickets])
        assert pool.started
    assert np.array_equal(got, embedder.embed(texts))


def test_a_helper_that_stops_answering_does_not_hang_ingest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    monkeypatch.setattr("graphmem.embed_pool.HELPER_SILENCE_S", 0.5)
    embedder = FakeEmbedder()
    texts = [f"turn number {i}" for i in range(20)]
    got: list[np.ndarray] = []

    def run() -> None:
        with EmbedPool(embedder, FakeEmbedder(), chunk=4) as pool:
            ticket = pool.submit(texts)
            assert pool.started and pool._handle is not None
            os.kill(pool._handle[0].pid, signal.SIGSTOP)  # hung before it answered anything
            got.append(pool.result(ticket))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "ingest hung on a stopped helper"
    assert np.array_equal(got[0], FakeEmbedder().embed(texts))
    assert embedder.texts > 0  # what the helper held was embedded here


SCRIPT = """
import sys
from pathlib import Path
from graphmem.ingest import ingest
from graphmem.memory import Memory
from tests.ingest.fakes import FakeEmbedder, FakeExtractor, keep
print("RUN", flush=True)
with Memory.open(Path(sys.argv[2]), embedder=FakeEmbedder()) as mem:
    summary = ingest(mem, sys.argv[1], extractor=FakeExtractor(), resolver=keep)
    print("DONE", summary.files_ok, summary.events, summary.helpers, flush=True)
"""


def test_a_script_without_a_main_guard_ingests_once(tmp_path: Path) -> None:
    """The helper is its own program (``python -c`` graphmem.embed_pool's bootstrap), not a spawned copy of
    the caller: a script without ``if __name__ == "__main__"`` is not run again inside it."""
    import subprocess
    import sys

    turns = "".join(f"{'Ana' if i % 2 else 'Ben'}: turn number {i} of a long chat\n" for i in range(300))
    (tmp_path / "chat.txt").write_text(turns, encoding="utf-8")
    (tmp_path / "script.py").write_text(SCRIPT, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(tmp_path / "script.py"), str(tmp_path / "chat.txt"), str(tmp_path / "db")],
        capture_output=True,
        text=True,
        cwd=root,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).count("RUN") == 1
    assert "DONE 1 300 1" in done.stdout


SETTINGS_SCRIPT = """
import sys
import numpy as np
import graphmem.embed_pool
from graphmem.ingest_embed import LazyPool
from graphmem.memory import Memory
from graphmem.settings import Settings

graphmem.embed_pool.HELPER_AFTER_TEXTS = 1
texts = [f"Ana: I adopted a dog in {1990 + i}! (replying to Ben: any news?)" for i in range(48)]
with Memory.open(sys.argv[1], settings=Settings(embedder="onnx")) as mem:
    lazy = LazyPool(mem)
    pool = lazy.get()
    with pool:
        got = pool.result(pool.submit(texts))
    want = mem.embedder.embed(texts)
    print("MODEL", mem.embedder.name)
    print("HELPER", pool.started, pool.helper_texts)
    print("SAME", bool(np.allclose(got, want, atol=1e-5)))
"""


def test_the_helper_embeds_with_the_embedder_a_setting_chose(tmp_path: Path) -> None:
    """``Settings(embedder="onnx")`` in a process whose environment says nothing (the default would be the
    int8 model): the ingest helper builds the same embedder as the parent, so it embeds (before the
    helper carried the parent's spec, it refused and the parent embedded everything)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "GRAPHMEM_EMBEDDER"}
    env["PYTHONPATH"] = str(root)
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_SCRIPT, str(tmp_path / "db")],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["MODEL"] != "all-MiniLM-L6-v2-dynint8-v1"  # the setting, not the default, chose the model
    started, helper_texts = lines["HELPER"].split()
    assert started == "True" and int(helper_texts) > 0, done.stdout
    assert lines["SAME"] == "True"


@pytest.mark.parametrize("helper", [False, True])
@pytest.mark.parametrize("how", ["collected", "discarded"])
def test_a_ticket_collected_or_discarded_is_an_error_not_a_hang(
    monkeypatch: pytest.MonkeyPatch, how: str, helper: bool
) -> None:
    """Its chunks are gone: asking for its vectors again says so at once (it waited forever before)."""
    monkeypatch.setattr("graphmem.embed_pool.HELPER_AFTER_TEXTS", 1)
    raised: list[BaseException] = []

    def run() -> None:
        with EmbedPool(FakeEmbedder(), FakeEmbedder() if helper else None, chunk=2) as pool:
            ticket = pool.submit(["one", "two", "three", "four", "five"])
            if how == "collected":
                pool.result(ticket)
            else:
                pool.discard(ticket)
                pool.discard(ticket)  # twice is harmless
            try:
                pool.result(ticket)
            except Exception as exc:
                raised.append(exc)
            assert pool.result(pool.submit(["six"])).shape == (1, 8)  # the pool still serves

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), f"result() hung on a ticket already {how}"
    assert len(raised) == 1 and isinstance(raised[0], ValueError), raised
    assert "already collected or discarded" in str(raised[0])


def test_a_failed_unit_discards_its_other_tickets() -> None:
    """A unit of two batches whose first fails to embed: the second's texts are not left queued (with a
    helper they were embedded for nothing), and its ticket is gone."""
    from graphmem.ingest_embed import _attach_pooled, _request
    from graphmem.ingest_extract import Extracted
    from graphmem.models import Batch, Event

    class NoStore:
        def get_events(self, namespace: str, ids: Any) -> list[Event]:
            return []

    def batch(ns: str, texts: list[str]) -> Batch:
        events = tuple(Event(ns, f"ev:{ns}:{i}", "s1", i, None, t) for i, t in enumerate(texts, 1))
        return Batch(ns, events=events)

    embedder = FailingEmbedder()
    part = Extracted(batches=[batch("a", ["BOOM here", "fine"]), batch("b", [f"later {i}" for i in range(40)])])
    with EmbedPool(embedder, None, chunk=2) as pool:
        tickets = [_request(pool, NoStore(), b) for b in part.batches]  # type: ignore[arg-type]
        out = _attach_pooled(part, tickets, pool)
        assert out.error is not None and "cannot embed BOOM" in out.error
        assert not pool._backlog, "the failed unit's other batch is still queued"
        with pytest.raises(ValueError, match="already collected or discarded"):
            pool.result(tickets[1][0])
    assert embedder.texts <= 2


def test_a_unit_that_fails_with_a_bug_leaves_nothing_queued() -> None:
    """Not a unit's failure (here numpy's error for vectors of the wrong width): the exception goes up, and
    the unit's other batch is not left queued (it was, before, to be embedded for nothing)."""
    from graphmem.ingest_embed import _attach_pooled, _request
    from graphmem.ingest_extract import Extracted
    from graphmem.models import Batch, Event

    class NoStore:
        def get_events(self, namespace: str, ids: Any) -> list[Event]:
            return []

    class NarrowSometimes(FakeEmbedder):
        def embed(self, texts: Any) -> Any:
            out = super().embed(texts)
            return out[:, :4] if any("NARROW" in t for t in texts) else out

    def batch(ns: str, texts: list[str]) -> Batch:
        return Batch(ns, events=tuple(Event(ns, f"ev:{ns}:{i}", "s1", i, None, t) for i, t in enumerate(texts, 1)))

    part = Extracted(batches=[batch("a", ["fine", "a NARROW one"]), batch("b", [f"later {i}" for i in range(40)])])
    with EmbedPool(NarrowSometimes(), None, chunk=1) as pool:
        tickets = [_request(pool, NoStore(), b) for b in part.batches]  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            _attach_pooled(part, tickets, pool)
        assert not pool._backlog and not pool._live, "the unit's other batch is still queued"


def test_a_chunk_interrupted_while_embedded_here_goes_back_on_the_queue() -> None:
    """Ctrl-C while this process embeds a later ticket's chunk: the chunk is queued again, so the later
    ticket's vectors still come (its result waited forever before)."""

    class InterruptOnce(FakeEmbedder):
        armed = True

        def embed(self, texts: Any) -> Any:
            if self.armed and any(t.startswith("later") for t in texts):
                self.armed = False
                raise KeyboardInterrupt
            return super().embed(texts)

    got: list[Any] = []

    def run() -> None:
        with EmbedPool(InterruptOnce(), None, chunk=2) as pool:
            first = pool.submit(["a1", "a2"])
            later = pool.submit([f"later {i}" for i in range(6)])
            taken = later.chunks[0][0]
            picks = iter([next(job for job in pool._backlog if job[0] == taken)])

            def pick_later_first(mine: set[int]) -> Any:  # what _pick does while a helper holds `first`
                job = next(picks, None)
                if job is None:
                    return original(mine)
                pool._backlog.remove(job)
                return job

            original = pool._pick
            pool._pick = pick_later_first  # type: ignore[method-assign]
            with pytest.raises(KeyboardInterrupt):
                pool.result(first)
            got.append(pool.result(later).shape)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the later ticket's result hung: its interrupted chunk was lost"
    assert got == [(6, 8)]


def test_a_cached_function_of_main_is_not_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``functools.lru_cache`` wrapper pickles by name like a function; one of ``__main__`` cannot load in
    the helper, so the embedder carrying it is kept here (it was shipped, and the helper died)."""
    import functools
    import sys

    from graphmem.embed_pool import _ship

    def plain(x: int) -> int:
        return x

    plain.__module__, plain.__qualname__ = "__main__", "graphmem_test_cached_hook"
    cached = functools.lru_cache(maxsize=None)(plain)
    monkeypatch.setattr(sys.modules["__main__"], "graphmem_test_cached_hook", cached, raising=False)
    embedder = FakeEmbedder()
    embedder.hook = cached  # type: ignore[attr-defined]
    assert _ship(embedder) is None
    del embedder.hook  # type: ignore[attr-defined]
    assert _ship(embedder) is not None
