"""Stopping an ingest on Ctrl-C (SIGINT) or SIGTERM between units, never in the middle of a store call.

Python raises ``KeyboardInterrupt`` wherever the main thread is when Ctrl-C comes. Inside the neo4j
driver, mid-I/O, the driver turned it into another error (``BufferError: Existing exports of data: object
cannot be re-sized``, or ``BEGIN not expected in state: TX_READY`` on the next transaction): the unit was
reported as a failure of a good file and the run went on. SIGTERM's default ended a one-process run at
once, without a word.

While :func:`stopping` is in force (an ingest run in the main thread, over the default handlers only), both
signals are noted instead (:class:`Stop`), and the writer acts on them at its next :meth:`Stop.check`,
between units: the unit being written is committed whole (or, stopped before it was written, not at all),
and the run raises what the default would have, ``KeyboardInterrupt`` for SIGINT and ``SystemExit(143)``
for SIGTERM, so the CLI says what is kept and exits 130 or 143; running it again resumes. Where no store
call can be in flight (extracting in this process, waiting for worker processes:
:meth:`Stop.interruptible`) a signal raises at once, so a stop need not wait for a long extraction.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Stop", "stopping"]


class Stop:
    """The stop a signal asked of a run, taken at the run's :meth:`check` points.

    A :class:`Stop` made outside :func:`stopping` is never asked to stop: its checks do nothing.
    """

    __slots__ = ("_open", "signum")

    def __init__(self) -> None:
        #: The first signal noted (``signal.SIGINT`` or ``signal.SIGTERM``), or ``None``.
        self.signum: int | None = None
        self._open = 0

    def check(self) -> None:
        """Raise the stop a signal asked for, if one did (and again at every later check).

        Raises:
            KeyboardInterrupt: after SIGINT (Ctrl-C).
            SystemExit: after SIGTERM, with status 143.
        """
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt
        if self.signum is not None:
            raise SystemExit(128 + self.signum)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """A stretch that calls no store (extraction, a wait for workers): a signal here raises at once,
        and one noted before it raises on entry."""
        self.check()
        self._open += 1
        try:
            yield
        finally:
            self._open -= 1

    def _note(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self._open:
            self.check()


@contextmanager
def stopping() -> Iterator[Stop]:
    """Note SIGINT and SIGTERM in the :class:`Stop` given, instead of raising wherever the run is.

    Only in the main thread (where Python runs signal handlers) and only over the default handlers: a
    program that handles either signal itself keeps its handler (the run then never stops at a check for
    it). The handlers are put back on exit.
    """
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    defaults = ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL))
    ours = [signum for signum, default in defaults if signal.getsignal(signum) == default]
    previous = {signum: signal.signal(signum, stop._note) for signum in ours}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
