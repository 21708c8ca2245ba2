"""Filling in what an older graphmem left unset on a Cypher server (session captions, event session orders),
over a fake session: every node that can be filled is, and a node the update cannot fill (its key does not
match itself back, as a NaN does not) neither stops the others nor keeps the loop going."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from graphmem.errors import ReadOnlyStoreError
from graphmem.store.cypher import setup

#: More statements than any of these cases needs: a loop that does not end fails here instead of hanging.
_MOST_STATEMENTS = 50


class FakeNodes:
    """Nodes of one label on a server: each a namespace, a key (``key``) and a property (``prop``) that is
    ``None`` where an older graphmem left it unset. Keys match as Cypher matches them (``NaN`` matches
    nothing). The select returns the unset ones in insertion order, one row per namespace and key."""

    def __init__(self, select: str, update: str, key: str, value: str, prop: str) -> None:
        self.select, self.update = select, update
        self.key, self.value, self.prop = key, value, prop
        self.nodes: list[dict[str, Any]] = []
        self.statements = 0
        self.refuse_writes = False
        self.uri = "bolt://fake"

    def add(self, ns: str, key: Any, value: Any = None) -> None:
        self.nodes.append({"ns": ns, self.key: key, self.prop: value})

    def unset(self) -> list[dict[str, Any]]:
        return [n for n in self.nodes if n[self.prop] is None]

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[dict[str, Any]]:
        self.statements += 1
        assert self.statements <= _MOST_STATEMENTS, "the backfill does not stop"
        params = params or {}
        if cypher == self.select:
            keys: list[tuple[str, Any]] = []
            for n in self.unset():
                if not any(n["ns"] is k[0] and n[self.key] is k[1] for k in keys):
                    keys.append((n["ns"], n[self.key]))
            return [self._row(ns, key) for ns, key in keys[: params["batch"]]]
        if cypher == self.update:
            if self.refuse_writes:
                raise ReadOnlyStoreError("the server refused the write")
            filled = 0
            for row in params["rows"]:
                for n in self.nodes:
                    matched = n["ns"] == row["ns"] and n[self.key] == row[self.key]
                    if matched and n[self.prop] is None and row[self.value] is not None:
                        n[self.prop] = row[self.value]
                        filled += 1
            alias = re.search(r"AS (\w+)\s*$", cypher)
            assert alias is not None
            return [{alias.group(1): filled}]
        raise AssertionError(cypher)

    def _row(self, ns: str, key: Any) -> dict[str, Any]:
        return {"ns": ns, self.key: key, "started_at": None, "date_text": None}


def sessions() -> FakeNodes:
    return FakeNodes(setup._UNCAPTIONED, setup._SET_CAPTIONS, "id", "caption", "caption")


def events() -> FakeNodes:
    return FakeNodes(setup._UNORDERED, setup._SET_ORDER, "session", "key", "session_order")


BACKFILLS: list[tuple[str, Callable[[], FakeNodes], Callable[..., int]]] = [
    ("captions", sessions, setup.caption_sessions),
    ("orders", events, setup.order_events),
]


@pytest.mark.parametrize(("name", "make", "backfill"), BACKFILLS, ids=[b[0] for b in BACKFILLS])
def test_a_node_that_cannot_be_filled_does_not_stop_the_others(
    name: str, make: Callable[[], FakeNodes], backfill: Callable[..., int]
) -> None:
    fake = make()
    fake.add("ns", float("nan"))  # selected first each time, never matched back
    for key in ("s1", "s2", "s3", "s4", "s5"):
        fake.add("ns", key)
    fake.add("ns", "s1")  # an event of a session already listed, or a second session node of one id
    assert backfill(fake, batch=2) == 6
    assert fake.unset() == [fake.nodes[0]]
    assert backfill(fake, batch=2) == 0  # idempotent: the stuck node alone ends it at once
    assert fake.statements <= _MOST_STATEMENTS


@pytest.mark.parametrize(("name", "make", "backfill"), BACKFILLS, ids=[b[0] for b in BACKFILLS])
def test_a_batch_of_nodes_that_cannot_be_filled_ends_the_loop(
    name: str, make: Callable[[], FakeNodes], backfill: Callable[..., int]
) -> None:
    fake = make()
    for _ in range(3):
        fake.add("ns", float("nan"))  # three nodes, none equal to another
    fake.add("ns", "s1")
    assert backfill(fake, batch=3) == 0  # a whole batch matched nothing back: it stops there
    assert fake.statements == 2
    assert backfill(fake, batch=10) == 1  # a larger batch reaches past them


@pytest.mark.parametrize(("name", "make", "backfill"), BACKFILLS, ids=[b[0] for b in BACKFILLS])
def test_a_refused_write_is_logged_and_nothing_is_lost(
    name: str, make: Callable[[], FakeNodes], backfill: Callable[..., int], caplog: pytest.LogCaptureFixture
) -> None:
    fake = make()
    fake.add("ns", "s1")
    fake.refuse_writes = True
    with caplog.at_level(logging.INFO, logger=setup.__name__):
        assert backfill(fake) == 0
    assert "bolt://fake" in caplog.text and "refused the write" in caplog.text
    assert len(fake.unset()) == 1
