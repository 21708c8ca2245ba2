"""AsyncMemory under an event loop: the same answers as Memory, off the loop, in call order."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from graphmem import AsyncMemory
from graphmem.embed import Embedder
from graphmem.errors import QuerySyntaxError, StoreError
from graphmem.memory import Memory
from tests.recall.conftest import NS, build_batches

pytestmark = pytest.mark.anyio


async def test_same_answers_as_memory(memory: Memory) -> None:
    expected = [h.event.id for h in memory.recall("puppy", namespace=NS, k=3)]
    amem = AsyncMemory(memory)
    try:
        assert [h.event.id for h in await amem.recall("puppy", namespace=NS, k=3)] == expected
        ctx = await amem.context("What is the name of Ana's puppy?", namespace=NS)
        assert ctx.text == memory.context("What is the name of Ana's puppy?", namespace=NS).text
        assert [e.id for e in await amem.timeline("Biscuit", namespace=NS)] == ["s2:1", "s2:3", "s3:4"]
        assert [f.fact.id for f in await amem.facts("Ana", namespace=NS)] == ["f:owns"]
        result = await amem.query("FIND (e:Event) WHERE e.speaker = $who RETURN count(*) AS n", who="Ana", namespace=NS)
        assert result.rows == ((7,),)
        plan = await amem.explain("FIND (e:Event) RETURN e", namespace=NS)
        assert str(plan) == str(memory.explain("FIND (e:Event) RETURN e", namespace=NS))
        assert await amem.namespaces() == [NS]
        assert (await amem.stats(NS)).events == 14
        with pytest.raises(QuerySyntaxError):
            await amem.query("FIND (e:Event) RETRUN e", namespace=NS)
        gone = await amem.forget(NS, "s1:1")
        assert gone.events == 1 and (await amem.stats(NS)).events == 13
    finally:
        await amem.close()
        await amem.close()  # twice is fine


async def test_work_runs_off_the_loop_on_one_thread(memory: Memory) -> None:
    seen: list[str] = []
    original = memory.recall_request

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    memory.recall_request = spy  # type: ignore[method-assign]
    async with AsyncMemory(memory) as amem:
        # the loop keeps running while recall works: a ticker advances meanwhile
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.gather(*(amem.recall(q, namespace=NS) for q in ("puppy", "cello", "bread", "hiking")))
        task.cancel()
    assert ticks > 0
    assert len(seen) == 4 and len(set(seen)) == 1
    assert seen[0] != threading.main_thread().name and seen[0].startswith("graphmem")


async def test_writes_are_serialised_in_call_order(tmp_path: Path, embedder: Embedder) -> None:
    async with await AsyncMemory.open(tmp_path / "mem", embedder=embedder) as amem:
        for batch in build_batches():
            await amem.write(batch)
        order = await asyncio.gather(amem.forget(NS, "s1:1"), amem.stats(NS), amem.forget(NS, "s1:2"), amem.stats(NS))
        assert order[0].events == 1 and order[1].events == 13
        assert order[2].events == 1 and order[3].events == 12
    assert repr(amem).startswith("<AsyncMemory")


async def test_open_failure_is_raised(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a store")
    with pytest.raises(StoreError):
        await AsyncMemory.open(tmp_path / "file")
    with pytest.raises(StoreError):
        async with AsyncMemory.open(tmp_path / "file"):
            pass


async def test_open_is_awaited_or_entered(tmp_path: Path, embedder: Embedder) -> None:
    """``async with AsyncMemory.open(...)`` opens and closes the memory, as ``async with await`` does."""
    async with AsyncMemory.open(tmp_path / "mem", embedder=embedder) as amem:
        assert isinstance(amem, AsyncMemory)
        await amem.write(build_batches()[0])
        assert (await amem.stats(NS)).events > 0
    assert amem._closed
    amem = await AsyncMemory.open(tmp_path / "mem", embedder=embedder)
    assert (await amem.stats(NS)).events > 0
    await amem.close()
    amem = await asyncio.create_task(AsyncMemory.open(tmp_path / "mem", embedder=embedder))  # a coroutine
    await amem.close()
    opening = AsyncMemory.open(tmp_path / "mem", embedder=embedder)
    async with opening as amem:
        with pytest.raises(RuntimeError, match="already awaited or entered"):
            async with opening:
                pass
    assert amem._closed


async def test_add_then_recall_in_call_order(tmp_path: Path, embedder: Embedder) -> None:
    async with await AsyncMemory.open(tmp_path / "mem", embedder=embedder) as amem:
        message = {"speaker": "Ana", "text": "I adopted a beagle called Biscuit.", "time": "2024-03-08T10:00"}
        adding = asyncio.ensure_future(amem.add([message], namespace="ana"))
        recalled = asyncio.ensure_future(amem.recall("Which dog did Ana adopt?", namespace="ana", k=1))
        ids, hits = await asyncio.gather(adding, recalled)  # the recall, awaited second, sees the add
        assert len(ids) == 1 and [h.event.id for h in hits] == ids
        assert hits[0].event.text == message["text"]


async def test_a_closed_memory_says_so(tmp_path: Path, embedder: Embedder) -> None:
    # A call after close raised RuntimeError("cannot schedule new futures after shutdown"), not a graphmem
    # error; Memory says "this Memory is closed".
    amem = await AsyncMemory.open(tmp_path / "mem", embedder=embedder)
    await amem.write(build_batches()[0])
    queued = asyncio.ensure_future(amem.stats(NS))
    await asyncio.sleep(0)  # its work is queued before close: it runs first
    await amem.close()
    assert (await queued).events > 0
    with pytest.raises(StoreError, match="closed"):
        await amem.recall("beagle", namespace=NS)
    with pytest.raises(StoreError, match="closed"):
        await amem.add({"speaker": "Ana", "text": "Still there?"}, namespace=NS)
    await amem.close()  # twice is fine


def test_every_public_method_takes_what_memory_takes() -> None:
    """The async facade mirrors Memory: a parameter added to Memory but not to AsyncMemory fails here."""
    import inspect

    left_out = {"ingest": {"progress"}, "reembed": {"progress"}}  # a progress bar would draw from the executor's thread
    for name, method in inspect.getmembers(AsyncMemory, inspect.iscoroutinefunction):
        if name.startswith("_") or not hasattr(Memory, name):
            continue
        signature = inspect.signature(method)
        if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            continue  # open() forwards everything to Memory.open
        ours = list(signature.parameters)
        theirs = [p for p in inspect.signature(getattr(Memory, name)).parameters if p not in left_out.get(name, ())]
        assert ours == theirs, f"AsyncMemory.{name} takes {ours}, Memory.{name} takes {theirs}"


async def test_times_may_be_date_text(memory: Memory) -> None:
    amem = AsyncMemory(memory)
    try:
        assert [f.fact.id for f in await amem.facts("Ben", namespace=NS, valid_at="2021-06")] == ["f:lived"]
        assert [e.id for e in await amem.timeline("Biscuit", namespace=NS, until="2024-03-08")] == ["s2:1", "s2:3"]
        hits = await amem.recall("puppy", namespace=NS, since="2024-03-15", time_axis="said")
        assert hits and {h.event.session for h in hits} == {"s3"}
    finally:
        await amem.close()


def test_every_time_parameter_takes_date_text() -> None:
    """Each time argument of Memory and AsyncMemory is typed to take text, as the code reads it: one
    added later with ``datetime | None`` fails here."""
    import inspect

    from graphmem.recall import RecallRequest

    times = {"since", "until", "as_of", "valid_at", "reference"}
    methods = [m for c in (Memory, AsyncMemory) for n, m in inspect.getmembers(c) if not n.startswith("_")]
    seen = set()
    for method in [*methods, RecallRequest.of]:
        if not callable(method):
            continue
        for p in inspect.signature(method).parameters.values():
            if p.name in times:
                seen.add(p.name)
                assert p.annotation == "TimeArg | None", f"{method.__qualname__}({p.name}: {p.annotation})"
    assert seen == times


def test_every_public_method_of_memory_has_an_async_twin() -> None:
    """refresh, unload and about_source (and recall_cache, writing) had none: an agent on an event loop
    called them on the loop's thread, or on the sync memory from two threads."""
    import inspect

    for name in dir(Memory):
        if name.startswith("_") or isinstance(inspect.getattr_static(Memory, name), property):
            continue
        assert hasattr(AsyncMemory, name), f"AsyncMemory has no {name}"
        twin = inspect.getattr_static(AsyncMemory, name)
        if name not in ("open", "writing"):  # open returns an awaitable; writing is an async context manager
            assert inspect.iscoroutinefunction(twin), f"AsyncMemory.{name} is not a coroutine function"


async def test_refresh_unload_about_source_and_writing(memory: Memory, tmp_path: Path) -> None:
    from graphmem.store.embedded import EmbeddedStore

    async with AsyncMemory(memory) as amem:
        await amem.recall("puppy", namespace=NS)
        assert isinstance(memory.store, EmbeddedStore) and NS in memory.store.loaded
        await amem.unload(NS)
        assert NS not in memory.store.loaded
        other = Memory.open(memory.store.uri, embedder=memory.embedder)  # another writer of the same store
        try:
            other.forget(NS, "s1:1")
        finally:
            other.close()
        await amem.refresh()
        assert memory.store.get_event(NS, "s1:1") is None
        about = await amem.about_source()
        expected = memory.about_source()(NS, "puppy", 3)
        assert list(await about(NS, "puppy", 3)) == list(expected)
        assert (await amem.recall_cache(NS)) is memory.recall_cache(NS)
        lock = memory.store.write_lock()
        async with amem.writing():
            assert lock.held  # type: ignore[attr-defined]
            assert (await amem.stats(NS)).events == 13  # calls inside run on the thread holding the lock
        assert not lock.held  # type: ignore[attr-defined]
        with pytest.raises(KeyError):
            async with amem.writing():
                raise KeyError("inside")
        assert not lock.held  # type: ignore[attr-defined]
