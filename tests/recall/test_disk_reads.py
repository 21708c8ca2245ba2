"""Recall over a namespace read from SQLite (above ``mirror_max_events``) finds the hits of the loaded mirror.

The embedded store serves a big namespace's reads from indexed SQLite queries instead of loading it
(see graphmem/store/sqlite_graph.py); recall must not tell the difference: same hits, same scores, same
explanations, with and without a time window, for both traversal configurations. It reads each event row
once per recall: the rows full-text search, the edges and the seeds read are kept for the rest of the recall.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click
import pytest

from graphmem.cli.common import open_memory
from graphmem.embed import Embedder
from graphmem.memory import Memory
from graphmem.recall.config import DEFAULT_CONFIG, ENTITY_WALK_CONFIG, RecallConfig
from graphmem.store.embedded import EmbeddedStore
from graphmem.vector_index import VectorIndex
from tests.recall.test_round_trips import QUESTIONS, hits_of, requests, write_dialogue


@pytest.fixture
def store_dir(tmp_path: Path, embedder: Embedder) -> Iterator[Path]:
    store = EmbeddedStore.open(tmp_path / "store")
    write_dialogue(store, "big", embedder)
    store.close()
    yield tmp_path / "store"


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ENTITY_WALK_CONFIG], ids=["default", "entity walk"])
def test_recall_hits_are_the_same_from_sqlite(
    store_dir: Path, tmp_path: Path, embedder: Embedder, config: RecallConfig
) -> None:
    mirror = EmbeddedStore.open(store_dir, mirror_max_events=None)
    disk = EmbeddedStore.open(store_dir, mirror_max_events=0)
    vectors = VectorIndex.open(mirror, tmp_path / "vectors")
    try:
        for request in requests("big"):
            want = hits_of(mirror, vectors, embedder, request, config)
            assert want, request.text
            assert hits_of(disk, vectors, embedder, request, config) == want, request.text
        assert disk.loaded == frozenset() and mirror.loaded == {"big"}
    finally:
        vectors.close()
        mirror.close()
        disk.close()


def test_memory_reads_a_big_namespace_from_sqlite(store_dir: Path, embedder: Embedder) -> None:
    with Memory.open(store_dir, embedder=embedder, read_only=True) as loaded:
        want = [h.as_dict() for h in loaded.recall(QUESTIONS[1], namespace="big", k=5)]
        assert loaded.store.loaded == {"big"}  # type: ignore[attr-defined]
    with Memory.open(store_dir, embedder=embedder, read_only=True, mirror_max_events=10) as mem:
        assert [h.as_dict() for h in mem.recall(QUESTIONS[1], namespace="big", k=5)] == want
        assert mem.store.loaded == frozenset()  # type: ignore[attr-defined]


def test_a_one_shot_cli_recall_reads_from_sqlite(
    store_dir: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = click.Context(click.Command("recall"))
    monkeypatch.delenv("GRAPHMEM_MIRROR_MAX_EVENTS", raising=False)
    with open_memory(ctx, str(store_dir), read_only=True, one_shot=True, embedder=embedder) as mem:
        hits = [h.as_dict() for h in mem.recall(QUESTIONS[0], namespace="big", k=5)]
        assert hits and mem.store.loaded == frozenset()  # type: ignore[attr-defined]
    monkeypatch.setenv("GRAPHMEM_MIRROR_MAX_EVENTS", "1000")  # the setting, when given, decides
    with open_memory(ctx, str(store_dir), read_only=True, one_shot=True, embedder=embedder) as mem:
        assert [h.as_dict() for h in mem.recall(QUESTIONS[0], namespace="big", k=5)] == hits
        assert mem.store.loaded == {"big"}  # type: ignore[attr-defined]


def test_recall_is_the_same_before_and_after_admission(store_dir: Path, embedder: Embedder) -> None:
    """With the memory budget full, a namespace read once is answered from SQLite, then loaded: same hits."""
    with Memory.open(store_dir, embedder=embedder) as writer:
        write_dialogue(writer.store, "other", embedder)
    with Memory.open(store_dir, embedder=embedder, read_only=True) as loaded:
        want = [h.as_dict() for h in loaded.recall(QUESTIONS[1], namespace="big", k=5)]
        other = [h.as_dict() for h in loaded.recall(QUESTIONS[1], namespace="other", k=5)]
    with Memory.open(store_dir, embedder=embedder, read_only=True, cache_mb=0.001) as mem:
        store = mem.store
        assert [h.as_dict() for h in mem.recall(QUESTIONS[1], namespace="big", k=5)] == want
        assert store.loaded == frozenset()  # type: ignore[attr-defined]  # one recall, one reference: not admitted
        assert [h.as_dict() for h in mem.recall(QUESTIONS[1], namespace="big", k=5)] == want
        assert store.loaded == {"big"}  # type: ignore[attr-defined]  # read again soon: loaded
        assert [h.as_dict() for h in mem.recall(QUESTIONS[1], namespace="other", k=5)] == other
        assert "other" not in store.loaded  # type: ignore[attr-defined]  # full: its first recall from SQLite


_READS_EVENTS = re.compile(r"\b(?:FROM|JOIN) events\b")
_BY_KEY = re.compile(r"\b(?:rowid|id) (?:IN \(|= \?)")  # a lookup by id or rowid, not a range of rows


class _Fetched:
    """A statement's rows, already fetched (all the store does with a cursor)."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows
        self._next = 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows = self._rows[self._next : self._next + size]
        self._next += len(rows)
        return rows

    def fetchone(self) -> Any:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchall(self) -> list[Any]:
        return self.fetchmany(len(self._rows) - self._next)


class _EventReads(sqlite3.Connection):
    """A connection recording the ``events`` rows its statements return: ``(by key, event id)`` in order."""

    reads: list[tuple[bool, str]]

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        cursor = super().execute(sql, parameters)
        names = [column[0] for column in cursor.description or ()]
        column = "id" if "id" in names else "event_id"  # an events row, or a mention joined to its event's row
        if not _READS_EVENTS.search(sql) or column not in names:
            return cursor
        rows = cursor.fetchall()
        by_key = _BY_KEY.search(sql) is not None
        self.reads.extend((by_key, row[names.index(column)]) for row in rows)
        return _Fetched(rows)


def _recording_connect(reads: list[tuple[bool, str]]) -> Callable[..., sqlite3.Connection]:
    connect = sqlite3.connect

    def recording(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, factory=_EventReads, **kwargs)
        conn.reads = reads
        return conn

    return recording


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ENTITY_WALK_CONFIG], ids=["default", "entity walk"])
def test_a_recall_from_sqlite_looks_each_event_row_up_once(
    store_dir: Path, tmp_path: Path, embedder: Embedder, config: RecallConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeds (dense and full-text), the turns beside them, sessions' turns: a row read once is kept for the
    recall, so no row is looked up by id or rowid after it was read. (A range read, the next turn of a
    session, may meet a row read before: only the index could tell which row it is.)"""
    mirror = EmbeddedStore.open(store_dir, mirror_max_events=None)
    vectors = VectorIndex.open(mirror, tmp_path / "vectors")
    reads: list[tuple[bool, str]] = []
    monkeypatch.setattr(sqlite3, "connect", _recording_connect(reads))
    try:
        for request in requests("big"):
            want = hits_of(mirror, vectors, embedder, request, config)
            disk = EmbeddedStore.open(store_dir, mirror_max_events=0)  # nothing kept from an earlier recall
            try:
                reads.clear()
                assert hits_of(disk, vectors, embedder, request, config) == want, request.text
                assert sum(by_key for by_key, _ in reads) > len(want), request.text  # seeds are looked up
                seen: set[str] = set()
                again = []
                for by_key, event_id in reads:
                    if by_key and event_id in seen:
                        again.append(event_id)
                    seen.add(event_id)
                assert again == [], request.text
            finally:
                disk.close()
    finally:
        vectors.close()
        mirror.close()
