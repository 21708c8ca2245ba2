"""Writing to a server store that other clients write too: an operation guarded, and tried again on a conflict.

The embedded store's file lock holds every other process off for a whole operation (read what is stored,
decide, commit). A server store has no such lock: an operation reads and decides inside the store's guard
(:class:`~graphmem.store.base.GuardsWrites`), whose write is refused with
:class:`~graphmem.errors.WriteConflictError` when another client wrote the namespace meanwhile, and is
then done again from what the namespace holds now. :func:`graphmem.live.add` does so for each call,
:func:`graphmem.ingest.ingest` for each unit of a file, :meth:`graphmem.Memory.add_events` for each call and
:func:`graphmem.forget.forget_message` for its writes up to the deletion and for those after it, through
:func:`retry_conflicts`; :func:`graphmem.reembed.reembed` for each batch, :func:`graphmem.settle.settle` for
each call and a merging :mod:`graphmem.sync` for each namespace, through :func:`run_guarded`, which runs
once inside a guard of the same namespace already open on the thread (a settle inside a forget or a sync).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, TypeVar

from graphmem.errors import WriteConflictError
from graphmem.store.base import GuardsWrites

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["ATTEMPTS", "BACKOFF", "guarded", "retry_conflicts", "run_guarded"]

T = TypeVar("T")

#: How often an operation is done again after another writer of a server store wrote first, and the first
#: pause (seconds, doubled each time up to one second, jittered) before it is.
ATTEMPTS = 8
BACKOFF = 0.02


#: The (store, namespace) pairs this thread is inside :func:`guarded` of, each with its depth.
_inside = threading.local()


def _open_guards() -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] | None = getattr(_inside, "guards", None)
    if found is None:
        found = _inside.guards = {}
    return found


def guarded(store: GraphStore, namespace: str) -> AbstractContextManager[object]:
    """The store's guard of ``namespace`` (:class:`~graphmem.store.base.GuardsWrites`), or nothing on a store
    that other processes cannot write meanwhile (the embedded store's file lock holds them off)."""
    if not isinstance(store, GuardsWrites):
        return nullcontext()
    return _noted(store, namespace, store.guarded(namespace))


@contextmanager
def _noted(store: GraphStore, namespace: str, guard: AbstractContextManager[object]) -> Iterator[object]:
    key = (id(store), namespace)
    open_guards = _open_guards()
    with guard as held:
        open_guards[key] = open_guards.get(key, 0) + 1
        try:
            yield held
        finally:
            open_guards[key] -= 1
            if not open_guards[key]:
                del open_guards[key]


def run_guarded(store: GraphStore, namespace: str, operation: Callable[[], T], *, failed: Callable[[int], str]) -> T:
    """Run ``operation`` inside :func:`guarded`, started over on a conflict (:func:`retry_conflicts`); inside an
    operation already guarding ``namespace`` of ``store`` on this thread, once and in that guard: a conflict
    then starts the outer operation over (a nested retry would read again under the outer guard, whose
    check still expects the counter it read first, and be refused each time)."""
    if (id(store), namespace) in _open_guards():
        with guarded(store, namespace):
            return operation()

    def attempt() -> T:
        with guarded(store, namespace):
            return operation()

    return retry_conflicts(attempt, namespace=namespace, failed=failed)


def retry_conflicts(operation: Callable[[], T], *, namespace: str, failed: Callable[[int], str]) -> T:
    """Run ``operation`` (which reads, decides and writes inside :func:`guarded`) until no other writer
    wrote ``namespace`` during it, at most :data:`ATTEMPTS` times, pausing a little longer each time.

    Args:
        operation: the whole operation, from its first read: each attempt starts over.
        namespace: the namespace it writes (the error names it).
        failed: the message of the error after the last attempt, given the number of attempts.

    Raises:
        WriteConflictError: other writers wrote ``namespace`` during every attempt (message ``failed``).
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return operation()
        except WriteConflictError as exc:  # a server store: another process wrote first; read again
            if attempt >= ATTEMPTS:
                raise WriteConflictError(failed(attempt), namespace=namespace) from exc
            time.sleep(random.uniform(0.5, 1.5) * min(BACKOFF * 2 ** (attempt - 1), 1.0))
    raise AssertionError("unreachable")
