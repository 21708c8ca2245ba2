"""Ctrl-C with ``--workers N`` is the writer's to handle: the worker processes never see it, so they print
no KeyboardInterrupt traceback, whether they are still importing or already extracting."""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from graphmem.ingest_extract import _sigint_blocked, _worker_init

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
