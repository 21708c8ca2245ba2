"""2Q admission of namespaces into the mirror once the memory budget is full (graphmem/store/admission.py).

While the budget has room a namespace loads on its first read (tests/store/test_lazy.py). Once loading
would evict another, a namespace read once is answered from SQLite, and loaded when read again while its
name is in the ghost list (a larger one: read more often, one more reference per 250 events past 500); reads
in a row of one namespace are one reference; writes load as before.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from graphmem.models import Batch, Event
from graphmem.store import mirror
from graphmem.store.admission import GhostAdmission
from graphmem.store.budget import CacheBudget
from graphmem.store.embedded import EmbeddedStore
from tests.store.test_lazy import _batch, _fill, _snapshot

SIZES = {"a": 30, "b": 30, "c": 30, "d": 30}


def test_a_first_reference_is_remembered_and_a_second_is_admitted() -> None:
    gate = GhostAdmission()
    assert not gate.admits("a", resident=0)
    assert gate.same_reference("a")  # further reads of a, nothing in between: the same reference
    assert not gate.same_reference("b")
    assert not gate.admits("b", resident=0)
    assert gate.admits("a", resident=0)  # a again, b came between: admitted
    assert not gate.admits("a", resident=0)  # its name left the list when admitted


def test_the_ghost_list_keeps_half_the_loaded_namespaces_and_at_least_two() -> None:
    gate = GhostAdmission()
    for ns in ("a", "b", "c"):
        assert not gate.admits(ns, resident=1)
    assert not gate.admits("a", resident=1)  # forgotten: only b and c were kept
    assert gate.admits("c", resident=1)
    wide = GhostAdmission()
    for ns in "abcdef":
        assert not wide.admits(ns, resident=10)
    assert wide.admits("b", resident=10)  # five names kept: a went, b stayed
    wide.note("c")  # c read while loaded: not a ghost any more
    assert not wide.admits("c", resident=10)


def test_the_read_before_is_per_thread() -> None:
    gate = GhostAdmission()
    with ThreadPoolExecutor(1) as other:
        assert not gate.admits("a", resident=0)  # this thread reads a
        assert not other.submit(gate.admits, "b", 0).result()  # another thread reads b meanwhile
        assert gate.same_reference("a")  # this thread's next read of a continues its reference
        assert other.submit(gate.same_reference, "b").result()
        assert not other.submit(gate.same_reference, "a").result()
        other.submit(gate.begin).result()  # another thread's scope starts: this thread's reference goes on
        assert gate.same_reference("a")
    assert gate.admits("b", resident=0)  # the ghost list is shared: b was read by the other thread


def _full_store(path: Path) -> tuple[EmbeddedStore, CacheBudget, dict[str, tuple[object, ...]]]:
    _fill(path, SIZES)
    free = EmbeddedStore.open(path)
    expected = {ns: _snapshot(free, ns) for ns in SIZES}
    free.close()
    budget = CacheBudget(mirror.estimate_bytes(events=45, mentions=12, entities=1, sessions=1))  # one fits
    return EmbeddedStore.open(path, budget=budget), budget, expected


def test_with_the_budget_full_the_first_read_is_from_sqlite_and_the_second_loads(tmp_path: Path) -> None:
    store, budget, expected = _full_store(tmp_path / "s")
    assert _snapshot(store, "a") == expected["a"]
    assert store.loaded == {"a"}  # room: loaded at once
    assert _snapshot(store, "b") == expected["b"]  # many reads in a row: one reference
    assert store.loaded == {"a"} and budget.evictions == 0
    assert _snapshot(store, "c") == expected["c"]
    assert store.loaded == {"a"} and budget.evictions == 0
    assert _snapshot(store, "b") == expected["b"]  # read again soon: loaded, a evicted
    assert store.loaded == {"b"} and budget.evictions == 1
    assert budget.used <= budget.limit  # type: ignore[operator]
    for ns in ("d", "a", "d"):
        assert _snapshot(store, ns) == expected[ns]
    assert store.loaded == {"d"} and budget.evictions == 2
    store.close()


def test_writes_under_a_full_budget_behave_as_without_admission(tmp_path: Path) -> None:
    store, _budget, _expected = _full_store(tmp_path / "s")
    store.get_event("a", "e0")
    assert store.loaded == {"a"}
    more = _batch("b", 2, start=30)
    store.write(Batch("b", events=more.events))  # not loaded: written to SQLite only, as always
    assert store.loaded == {"a"}
    assert store.get_event("b", "e31") == more.events[1]  # read from SQLite: the write is seen
    assert store.loaded == {"a"}
    retracting = Batch("c", events=(Event("c", "e99", "s0", 99, "Ann", "new turn"),), retract=("e0",))
    store.write(retracting)  # planning a retraction loads the namespace, as without admission
    assert store.get_event("c", "e0") is None and store.get_event("c", "e99") is not None
    assert "c" in store.loaded
    store.close()


def test_a_read_scope_is_one_reference_and_the_next_scope_loads(tmp_path: Path) -> None:
    store, budget, expected = _full_store(tmp_path / "s")
    store.get_event("a", "e0")  # room: loaded
    with store.reading():
        assert _snapshot(store, "b") == expected["b"]
        with store.reading():  # nested: the same scope
            assert _snapshot(store, "b") == expected["b"]
        assert store.loaded == {"a"}
    with store.reading():  # b alone again, in a new scope (the next recall): admitted
        assert _snapshot(store, "b") == expected["b"]
    assert store.loaded == {"b"} and budget.evictions == 1
    store.close()


def test_concurrent_read_scopes_do_not_admit_each_other_namespaces(tmp_path: Path) -> None:
    """Two recalls at once, each reading its namespace several times with the other's reads in between:
    each is still one reference, so neither namespace is loaded (a shared "last read" admitted both)."""
    store, budget, _expected = _full_store(tmp_path / "s")
    store.get_event("a", "e0")  # room: loaded; the budget is now full
    with ThreadPoolExecutor(1) as one, ThreadPoolExecutor(1) as two:
        scopes = {one: ExitStack(), two: ExitStack()}
        for pool, stack in scopes.items():  # each thread opens its scope (one recall each)
            pool.submit(stack.enter_context, store.reading()).result()
        for n in range(3):  # the two threads' reads interleave
            assert one.submit(store.get_event, "b", f"e{n}").result() is not None
            assert two.submit(store.get_event, "c", f"e{n}").result() is not None
        for pool, stack in scopes.items():
            pool.submit(stack.close).result()
    assert store.loaded == {"a"} and budget.evictions == 0
    store.close()


def test_a_larger_namespace_needs_more_references_to_be_admitted() -> None:
    """Loading costs in proportion to the events; a recall saved does not: a namespace of 1,000 events is
    admitted on its fourth reference while remembered (with 2Q's rule, on its second), one of 30 on its
    second, and the count is kept while its name stays in the list."""
    from graphmem.store.admission import EVENTS_PER_REFERENCE, references_to_admit

    assert EVENTS_PER_REFERENCE == 250
    assert [references_to_admit(n) for n in (0, 30, 500, 501, 1000, 100_000)] == [2, 2, 2, 3, 4, 400]
    gate = GhostAdmission()
    results = []
    for _ in range(4):
        results.append(gate.admits("big", resident=10, events=1000))
        gate.begin()
    assert results == [False, False, False, True]
    assert not gate.admits("small", resident=10, events=30)
    gate.begin()
    assert gate.admits("small", resident=10, events=30)


def test_the_store_counts_a_namespaces_events_when_admitting_it(tmp_path: Path) -> None:
    """Through the store, with the budget full: a 1,000-event namespace is loaded on its fourth recall (one
    read scope each), a 30-event one on its second, and other namespaces read in between do not reset it."""
    _fill(tmp_path / "s", {"a": 30, "big": 1000, "c": 30, "d": 30})
    store = EmbeddedStore.open(tmp_path / "s", budget=CacheBudget(2_650_000))

    def recall(ns: str) -> bool:
        with store.reading():
            for _ in range(3):
                store.get_event(ns, "e0")
                store.neighbors(ns, "e1")
        return ns in store.loaded

    try:
        assert recall("a")  # the budget had room
        assert [recall("big") for _ in range(4)] == [False, False, False, True]
        store.unload("big")
        assert recall("a")
        seen = [recall(ns) for ns in ["big", "c", "big", "d", "big", "c", "big"]]
        assert [
            hit for ns, hit in zip(["big", "c", "big", "d", "big", "c", "big"], seen, strict=True) if ns == "big"
        ] == [
            False,
            False,
            False,
            True,
        ]
    finally:
        store.close()
