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
call can be in flight (extracting in this process: :meth:`Stop.interruptible`) a signal raises at once, so
a stop need not wait for a long extraction; waiting for worker processes and for another writer's lock
polls, and :meth:`Stop.check` is called at each poll of the wait.

A second signal (Ctrl-C again, or SIGTERM after Ctrl-C) abandons the unit in progress (:meth:`Stop.unit`):
a long transcript is one unit, whose embedding alone may take minutes. Up to the unit's commit
(:meth:`Stop.committing`, as :class:`Committing` writes its batch) :class:`UnitAbandoned` is raised, the
writer takes back the entities the unit retyped before its commit (a moved file's records re-keyed to
its new path stay so, as when a unit fails), notes the unit in
:attr:`IngestSummary.abandoned <graphmem.ingest_summary.IngestSummary.abandoned>` and raises the stop the
first signal asked for: nothing of the unit is stored, the units before it are. A commit once begun is
written whole. On the embedded store the signal raises at once wherever the unit is (its transactions
roll back on any exception, a namespace half read into its mirror is dropped), except inside a write
(:meth:`Stop.held`), where it is raised as the write ends. On a server store it is raised only at the
unit's next write, before it begins: the neo4j driver turns an exception raised mid-I/O into another error
and can leave its connection unusable, so a unit still resolving waits for its write to be abandoned.
Each ingest that stops so raises :class:`IngestInterrupted` (SIGINT first) or :class:`IngestExit`
(SIGTERM first), which carry the run's summary.
"""

from __future__ import annotations

import inspect
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.embed import Embedder
    from graphmem.ingest import IngestTarget
    from graphmem.ingest_summary import IngestSummary
    from graphmem.models import Batch
    from graphmem.store.base import GraphStore

__all__ = ["Committing", "IngestExit", "IngestInterrupted", "Stop", "UnitAbandoned", "stopping", "writing"]


class UnitAbandoned(KeyboardInterrupt):
    """A second signal abandons the unit in progress (raised inside the run, turned into the first signal's
    stop by the writer once the unit is taken back)."""


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped an ingest run; ``summary`` says what it did before (and ``summary.abandoned`` which
    unit it took back)."""

    def __init__(self, summary: IngestSummary) -> None:
        super().__init__()
        self.summary = summary


class IngestExit(SystemExit):
    """SIGTERM (or another exit) stopped an ingest run, with the status ``code``; ``summary`` as for
    :class:`IngestInterrupted`."""

    def __init__(self, code: object, summary: IngestSummary) -> None:
        super().__init__(code)
        self.summary = summary


class Stop:
    """The stop a signal asked of a run, taken at the run's :meth:`check` points.

    A :class:`Stop` made outside :func:`stopping` is never asked to stop: its checks do nothing.
    """

    __slots__ = ("_at_once", "_closed", "_held", "_open", "_raised", "_unit", "abandon", "signum")

    def __init__(self) -> None:
        #: The first signal noted (``signal.SIGINT`` or ``signal.SIGTERM``), or ``None``.
        self.signum: int | None = None
        #: Whether a second signal asked to abandon the unit in progress.
        self.abandon = False
        self._open = 0
        self._unit = 0
        self._at_once = False
        self._closed = False
        self._held = 0
        self._raised = False

    def check(self) -> None:
        """Raise the stop a signal asked for, if one did (and again at every later check).

        Raises:
            KeyboardInterrupt: after SIGINT (Ctrl-C).
            SystemExit: after SIGTERM, with status 143.
        """
        if self.signum is None:
            return
        self._raised = True  # the run is stopping: a second signal no longer interrupts what it undoes
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt
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

    @contextmanager
    def unit(self, *, at_once: bool) -> Iterator[None]:
        """The work of one unit, up to its commit (:meth:`committing`), which a second signal abandons: at
        once when ``at_once`` (every store call in it survives an exception raised anywhere), else at its
        next write (:meth:`held`, :meth:`committing`)."""
        self.check()  # a signal noted before it begins stops the run here: it is not written
        self._unit += 1
        self._at_once, self._closed = at_once, False
        try:
            yield
        finally:
            self._unit -= 1
            self._closed = False

    @contextmanager
    def held(self) -> Iterator[None]:
        """A write of the unit before its commit (what it moved): abandoned before it begins when asked, never
        while it runs (it commits whole); asked meanwhile, the unit is abandoned as it ends."""
        self._abandon_here()
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if self._at_once:
            self._abandon_here()

    def committing(self) -> None:
        """The unit's commit begins: abandoned here when asked; from now on the unit is written whole."""
        self._abandon_here()
        self._closed = True

    def reopen(self) -> None:
        """The commit begun at :meth:`committing` raised, writing nothing (a conflict tried again, a failure):
        the unit may be abandoned again, at its next write."""
        self._closed = False

    def _abandon_here(self) -> None:
        """Raise :class:`UnitAbandoned` if a second signal asked for it and neither it nor the stop was raised
        yet (it is raised once: what the writer then does to take the unit back, or to stop the run's workers,
        is not interrupted again)."""
        if self.abandon and self._unit and not self._held and not self._closed and not self._raised:
            self._raised = True
            raise UnitAbandoned

    def _note(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
            if self._open:
                self.check()
            return
        self.abandon = True
        if self._at_once:
            self._abandon_here()


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


class Committing:
    """``target`` whose writes are a unit's commit (:meth:`Stop.committing`):
    one that a second signal asked to abandon is not begun, and one begun is written whole."""

    __slots__ = ("_stop", "_target")

    def __init__(self, target: IngestTarget, stop: Stop) -> None:
        self._target, self._stop = target, stop

    @property
    def store(self) -> GraphStore:
        """The target's store."""
        return self._target.store

    @property
    def embedder(self) -> Embedder:
        """The target's embedder."""
        return self._target.embedder

    def write(self, batch: Batch) -> None:
        """Write ``batch`` to the target, whole, unless the unit was abandoned before."""
        self._stop.committing()
        try:
            self._target.write(batch)
        except BaseException:
            # nothing was written (a write is all-or-nothing; a conflict is tried again from the batch), so
            # the unit is open again: a second signal abandons it before its next attempt
            self._stop.reopen()
            raise

    def writing(self, waiting: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        """The target's write lock (:func:`writing`)."""
        return writing(self._target, waiting)


def writing(target: IngestTarget, waiting: Callable[[], None] | None) -> AbstractContextManager[None]:
    """``target.writing(waiting=waiting)``, or ``target.writing()`` for a target whose ``writing`` takes no
    ``waiting`` (written before it was asked for): such a target's wait for its lock is not ended by a stop."""
    if waiting is None:
        return target.writing()
    try:
        params = inspect.signature(target.writing).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): call it as the protocol says
        return target.writing(waiting=waiting)
    if any(p.name == "waiting" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return target.writing(waiting=waiting)
    return target.writing()
