""":class:`AsyncMemory`: the :class:`~graphmem.Memory` API for code that runs an event loop.

Every method is a coroutine that runs the blocking work (SQLite, hnswlib, the embedding model, spaCy)
on one worker thread owned by the instance, never on the event loop. One thread, not a pool, on
purpose: the embedded store runs every statement on a single SQLite connection under a lock, so
parallel readers would only queue on that lock, and the memory's lazily loaded resources (embedder,
vector index) are built once on that thread instead of racing. Calls run in the order they were
awaited, so a ``recall`` awaited after an ``add`` sees what was added, and writes are serialised.

Cancelling a call stops its work only if the worker thread has not started it yet. Once started it runs
to its end, as a thread cannot be interrupted: a cancelled ``add`` (``write``, ``ingest``, ``forget``...)
may still commit. Read back what it would have written to know.
A cancelled ``writing()`` never leaves the store's write lock held.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager, suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from graphmem.errors import ConfigError, StoreError
from graphmem.memory import Memory

if TYPE_CHECKING:
    from graphmem.context import Context
    from graphmem.dates import TimeArg
    from graphmem.ingest import Extractor, IngestSummary
    from graphmem.lookup import EntityMatch, StatedFact
    from graphmem.models import Batch, Entity, Event, Fact, Mention
    from graphmem.query.plan import Plan
    from graphmem.query.result import Result
    from graphmem.recall import Hit, RecallConfig, RecallRequest
    from graphmem.recall.cache import NamespaceCache
    from graphmem.recall.request import TimeAxis
    from graphmem.reembed import ReembedSummary, VectorStatus
    from graphmem.store.results import DeleteResult, StoreStats

__all__ = ["AsyncMemory"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


class AsyncMemory:
    """Long-term memory for agents that run an event loop; the same methods as :class:`~graphmem.Memory`.

    ::

        async with AsyncMemory.open("./mem") as mem:
            await mem.add([{"speaker": "Ana", "text": "I adopted a beagle called Biscuit"}], namespace="ana")
            ctx = await mem.context("What is Ana's dog called?", namespace="ana")
            print(ctx.text)

    Wrap a memory you opened yourself with ``AsyncMemory(memory)``; :meth:`close` closes it. Its
    properties (``store``, ``settings``, ``embedder``...) are the wrapped :attr:`memory`'s.

    A cancelled call may still have done its work: the worker thread cannot be interrupted, so an ``add``
    cancelled once it started may still commit (see the module's docstring).
    """

    def __init__(self, memory: Memory, *, executor: ThreadPoolExecutor | None = None) -> None:
        """Wrap an open :class:`Memory`; its work runs on ``executor`` (default: a new one-thread executor).

        Raises:
            ConfigError: ``executor`` has more than one thread (calls would run out of order, and the store's
                write lock, which belongs to the thread that took it, on threads that do not hold it).
        """
        if executor is not None and executor._max_workers != 1:
            raise ConfigError(
                f"AsyncMemory needs an executor with one worker thread, not {executor._max_workers}: "
                "use ThreadPoolExecutor(max_workers=1)"
            )
        self._memory = memory
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphmem")
        self._closed = False

    @classmethod
    def open(cls, path_or_uri: str | os.PathLike[str] | None = None, **options: Any) -> _Opening:
        """Open a memory off the event loop; the arguments are those of :meth:`Memory.open`.

        Await it (``mem = await AsyncMemory.open(path)``) or enter it (``async with AsyncMemory.open(path)
        as mem:``, which closes the memory on leaving; ``async with await ...`` works as well).
        """
        return _Opening(functools.partial(cls._open, path_or_uri, **options))

    @classmethod
    async def _open(cls, path_or_uri: str | os.PathLike[str] | None, **options: Any) -> AsyncMemory:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphmem")
        loop = asyncio.get_running_loop()
        try:
            memory = await loop.run_in_executor(executor, functools.partial(Memory.open, path_or_uri, **options))
        except BaseException:
            executor.shutdown(wait=False)
            raise
        mem = cls(memory, executor=executor)
        mem._own_executor = True
        return mem

    @property
    def memory(self) -> Memory:
        """The wrapped synchronous memory (use it only from the worker thread or after :meth:`close`)."""
        return self._memory

    async def _run(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        if self._closed:
            raise StoreError("this AsyncMemory is closed")
        return await self._submit(functools.partial(fn, *args, **kwargs))

    async def _submit(self, work: Callable[[], _T]) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work)

    # -- lifecycle -----------------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncMemory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the memory (after the calls already queued) and stop the worker thread. Safe to call twice.

        A call made after it raises :class:`~graphmem.errors.StoreError`, as a closed :class:`Memory` does.
        """
        if self._closed:
            return
        self._closed = True
        try:
            await self._submit(self._memory.close)
        finally:
            if self._own_executor:
                self._executor.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"<AsyncMemory {self._memory!r}>"

    # -- writing -------------------------------------------------------------------------------------

    async def add(
        self,
        messages: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        session: str | None = None,
        participants: Mapping[str, str] | None = None,
    ) -> list[str]:
        """See :meth:`Memory.add`: append messages as an agent talks; returns the ids of their events."""
        return await self._run(
            self._memory.add, messages, namespace=namespace, session=session, participants=participants
        )

    async def write(self, batch: Batch, *, rebuild_vectors: bool = False) -> None:
        """See :meth:`Memory.write`."""
        await self._run(self._memory.write, batch, rebuild_vectors=rebuild_vectors)

    async def add_events(
        self,
        events: Sequence[Event],
        *,
        namespace: str,
        entities: Sequence[Entity] = (),
        mentions: Sequence[Mention] = (),
        facts: Sequence[Fact] = (),
    ) -> int:
        """See :meth:`Memory.add_events`."""
        return await self._run(
            self._memory.add_events, events, namespace=namespace, entities=entities, mentions=mentions, facts=facts
        )

    async def ingest(
        self,
        source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Sequence[dict[str, Any]],
        *,
        namespace: str | None = None,
        format: str | None = None,
        extractor: str | Extractor = "spacy",
        workers: int = 1,
        embed: bool = True,
        participants: Mapping[str, str] | None = None,
    ) -> IngestSummary:
        """See :meth:`Memory.ingest` (no progress bar: it would draw from another thread)."""
        return await self._run(
            self._memory.ingest,
            source,
            namespace=namespace,
            format=format,
            extractor=extractor,
            workers=workers,
            embed=embed,
            participants=participants,
        )

    async def reembed(self, namespace: str | None = None, *, batch: int = 256) -> ReembedSummary:
        """See :meth:`Memory.reembed` (no progress bar: it would draw from another thread)."""
        return await self._run(self._memory.reembed, namespace, batch=batch)

    async def vector_status(self, namespace: str | None = None) -> list[VectorStatus]:
        """See :meth:`Memory.vector_status`."""
        return await self._run(self._memory.vector_status, namespace)

    async def forget(
        self, namespace: str, event_id: str | None = None, *, session: str | None = None, about: str | None = None
    ) -> DeleteResult:
        """See :meth:`Memory.forget`."""
        return await self._run(self._memory.forget, namespace, event_id, session=session, about=about)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """See :meth:`Memory.writing`: ``async with mem.writing():`` holds the store's write lock (taken and
        released on the worker thread, where the calls awaited inside run too) for a whole operation.

        Cancelling the task while it waits for the lock leaves nothing held: if the worker thread takes the
        lock after all, it releases it right away. Cancelling the task while it releases the lock does not
        stop the release. The worker thread cannot be interrupted, so until the wait ends (the lock is
        taken, or the store's lock timeout passes) every later call on this memory, reads included, waits
        behind it; reads that must not wait need a second ``AsyncMemory`` (readers never wait for a writer).
        """
        if self._closed:
            raise StoreError("this AsyncMemory is closed")
        held = self._memory.writing()
        entering = self._executor.submit(held.__enter__)
        try:
            await asyncio.shield(asyncio.wrap_future(entering))
        except asyncio.CancelledError:
            if not entering.cancel():  # started: the worker thread takes the lock, so it must release it
                entering.add_done_callback(functools.partial(self._leave_abandoned, held))
            raise
        try:
            yield
        except BaseException as exc:
            if not await self._leave(held, type(exc), exc, exc.__traceback__):
                raise
        else:
            await self._leave(held, None, None, None)

    async def _leave(
        self,
        held: AbstractContextManager[None],
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Exit ``held`` on the worker thread that entered it; cancelling the caller does not stop the exit."""
        leaving = self._executor.submit(held.__exit__, exc_type, exc, tb)
        return await asyncio.shield(asyncio.wrap_future(leaving))

    def _leave_abandoned(self, held: AbstractContextManager[None], entering: Future[None]) -> None:
        """Exit ``held`` on the worker thread once its abandoned ``__enter__`` has taken the lock.

        Runs on the worker thread as the enter completes (or on the loop's thread if it already had); the
        exit is queued on the worker either way, as the lock belongs to the thread that took it.
        """
        if entering.cancelled() or entering.exception() is not None:
            return  # nothing was taken
        with suppress(RuntimeError):  # raised when close() shut the executor down meanwhile
            self._executor.submit(held.__exit__, None, None, None)

    # -- keeping up with other processes, and memory use -----------------------------------------------

    async def refresh(self) -> None:
        """See :meth:`Memory.refresh`: catch up with what other processes committed to the store."""
        await self._run(self._memory.refresh)

    async def unload(self, namespace: str) -> None:
        """See :meth:`Memory.unload`: drop ``namespace``'s graph, vectors and recall caches from memory."""
        await self._run(self._memory.unload, namespace)

    async def recall_cache(self, namespace: str) -> NamespaceCache:
        """See :meth:`Memory.recall_cache`."""
        return await self._run(self._memory.recall_cache, namespace)

    # -- reading -------------------------------------------------------------------------------------

    async def recall(
        self,
        text: str,
        *,
        namespace: str,
        k: int = 10,
        hops: int = 2,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        speakers: Sequence[str] | None = None,
        as_of: TimeArg | None = None,
        valid_at: TimeArg | None = None,
        all_time: bool = False,
        time_axis: TimeAxis = "either",
        reference: TimeArg | None = None,
    ) -> list[Hit]:
        """See :meth:`Memory.recall`."""
        return await self._run(
            self._memory.recall,
            text,
            namespace=namespace,
            k=k,
            hops=hops,
            since=since,
            until=until,
            speakers=speakers,
            as_of=as_of,
            valid_at=valid_at,
            all_time=all_time,
            time_axis=time_axis,
            reference=reference,
        )

    async def recall_request(self, request: RecallRequest, *, config: RecallConfig | None = None) -> list[Hit]:
        """See :meth:`Memory.recall_request`."""
        return await self._run(self._memory.recall_request, request, config=config)

    async def context(
        self,
        question: str,
        *,
        namespace: str,
        budget_tokens: int = 1500,
        k: int = 20,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        all_time: bool = False,
    ) -> Context:
        """See :meth:`Memory.context`."""
        return await self._run(
            self._memory.context,
            question,
            namespace=namespace,
            budget_tokens=budget_tokens,
            k=k,
            since=since,
            until=until,
            all_time=all_time,
        )

    async def context_for(self, request: RecallRequest, *, budget_tokens: int = 1500) -> Context:
        """See :meth:`Memory.context_for`."""
        return await self._run(self._memory.context_for, request, budget_tokens=budget_tokens)

    async def match_entity(self, name: str, *, namespace: str) -> EntityMatch:
        """See :meth:`Memory.match_entity`."""
        return await self._run(self._memory.match_entity, name, namespace=namespace)

    async def timeline(
        self,
        entity: str | EntityMatch,
        *,
        namespace: str,
        since: TimeArg | None = None,
        until: TimeArg | None = None,
        time_axis: TimeAxis = "either",
    ) -> list[Event]:
        """See :meth:`Memory.timeline`."""
        return await self._run(
            self._memory.timeline, entity, namespace=namespace, since=since, until=until, time_axis=time_axis
        )

    async def facts(
        self,
        entity: str | EntityMatch | None = None,
        *,
        namespace: str,
        predicate: str | None = None,
        valid_at: TimeArg | None = None,
        as_of: TimeArg | None = None,
        all_time: bool = False,
        coalesce: bool = True,
    ) -> list[StatedFact]:
        """See :meth:`Memory.facts`."""
        return await self._run(
            self._memory.facts,
            entity,
            namespace=namespace,
            predicate=predicate,
            valid_at=valid_at,
            as_of=as_of,
            all_time=all_time,
            coalesce=coalesce,
        )

    async def query(self, text: str, **params: Any) -> Result:
        """See :meth:`Memory.query`."""
        return await self._run(self._memory.query, text, **params)

    async def about_source(self) -> Callable[[str, str, int], Awaitable[Sequence[tuple[str, float]]]]:
        """See :meth:`Memory.about_source`: the DSL's ``ABOUT`` seed source, as a coroutine function
        ``about(namespace, text, k)`` whose search (the embedder and vector index) runs on the worker thread."""
        nearest = await self._run(self._memory.about_source)

        async def about(namespace: str, text: str, k: int) -> Sequence[tuple[str, float]]:
            return await self._run(nearest, namespace, text, k)

        return about

    async def explain(self, text: str, **params: Any) -> Plan:
        """See :meth:`Memory.explain`."""
        return await self._run(self._memory.explain, text, **params)

    async def stats(self, namespace: str | None = None) -> StoreStats:
        """See :meth:`Memory.stats`."""
        return await self._run(self._memory.stats, namespace)

    async def namespaces(self) -> list[str]:
        """See :meth:`Memory.namespaces`."""
        return await self._run(self._memory.namespaces)


class _Opening(Coroutine[Any, Any, AsyncMemory]):
    """What :meth:`AsyncMemory.open` returns: a coroutine for the memory (await it, or hand it to
    ``asyncio.create_task``), or an ``async with`` that closes the memory on leaving (entered once)."""

    def __init__(self, opener: Callable[[], Coroutine[Any, Any, AsyncMemory]]) -> None:
        self._opener = opener
        self._running: Coroutine[Any, Any, AsyncMemory] | None = None
        self._memory: AsyncMemory | None = None

    def _coroutine(self) -> Coroutine[Any, Any, AsyncMemory]:
        if self._running is None:  # made on first use: an _Opening never used warns of nothing
            self._running = self._opener()
        return self._running

    def __await__(self) -> Generator[Any, None, AsyncMemory]:
        return self._coroutine().__await__()

    def send(self, value: Any) -> Any:
        return self._coroutine().send(value)

    def throw(self, *args: Any) -> Any:
        return self._coroutine().throw(*args)

    def close(self) -> None:
        if self._running is not None:
            self._running.close()

    async def __aenter__(self) -> AsyncMemory:
        if self._running is not None:
            raise RuntimeError("this AsyncMemory.open(...) was already awaited or entered: call open again")
        self._memory = await self._coroutine()
        return self._memory

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._memory is not None:
            await self._memory.close()
