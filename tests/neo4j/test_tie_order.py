"""Events said at one time (two sessions under one header date) come in one order on both backends, in
TIMELINE and FIND FIRST/LAST: by time, then session, position and id (the planner's ``event_order``).

Before, the order was by time and position only, and tied rows came in each store's own order: the
pushed-down Cypher and the embedded executor answered ``FIND LAST`` with different events. Later, both
sorted tied session ids as text (``session_10`` before ``session_9``); now both sort them naturally, the
Cypher by the key each event stores (``session_order``), which the upgrade to schema 4 adds to older events.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphmem import Memory, SchemaUpgradeError, StoreUpgradedWarning
from graphmem.query import explain_query, run_query
from graphmem.query.cypher import compile_plan
from graphmem.store.cypher import CypherStore
from graphmem.store.cypher.setup import order_events
from tests.query import tie_order
from tests.query.test_tie_order import FIRST, LAST, TIMELINE
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j

NS = "tie"
TRANSCRIPT = """## Session 1 — 3 March 2024
Kai: I had lunch with Noor in Porto.
Noor: Porto was sunny.
Kai: Noor and I walked along the river.

## Session 2 — 3 March 2024
Noor: Later I called Kai about Porto again.
Kai: Noor, Porto is lovely in spring.
Noor: Agreed, Kai.
"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    """The two sessions, embedded and in the Bolt server."""
    folder = tmp_path_factory.mktemp("tie")
    transcript = folder / "tie.txt"
    transcript.write_text(TRANSCRIPT, encoding="utf-8")

    def load(mem: Memory) -> None:
        mem.ingest(transcript, namespace=NS)

    with loaded_on_both(folder / "db", bolt_server, load) as both:
        yield both


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("FIND FIRST 2 (e:Event) RETURN e.id", ["ev:tie/session_1:1", "ev:tie/session_2:1"]),
        ("FIND LAST 2 (e:Event) RETURN e.id", ["ev:tie/session_2:3", "ev:tie/session_1:3"]),
        ("FIND LAST (e:Event) RETURN e.id", ["ev:tie/session_2:3"]),
    ],
)
def test_first_and_last_break_ties_by_session_then_position(
    stores: tuple[Memory, CypherStore], query: str, expected: list[str]
) -> None:
    mem, neo = stores
    for store in (mem.store, neo):
        assert [row[0] for row in run_query(store, query, {"namespace": NS}).rows] == expected, store


def test_timeline_breaks_ties_by_session_then_position(stores: tuple[Memory, CypherStore]) -> None:
    mem, neo = stores
    query = 'TIMELINE (x {name: "Porto"})'
    expected = [
        ("tie/session_1", "I had lunch with Noor in Porto."),
        ("tie/session_2", "Later I called Kai about Porto again."),
        ("tie/session_1", "Porto was sunny."),
        ("tie/session_2", "Noor, Porto is lovely in spring."),
    ]
    for store in (mem.store, neo):
        rows = run_query(store, query, {"namespace": NS}).rows
        assert [(row[1], row[3]) for row in rows] == expected, store


@pytest.fixture(scope="module")
def natural(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[tuple[Memory, CypherStore]]:
    """Sessions whose ids sort otherwise as text (:mod:`tests.query.tie_order`), embedded and in the server."""
    with loaded_on_both(tmp_path_factory.mktemp("natural") / "db", bolt_server, tie_order.load) as both:
        yield both


def _rows(store: object, query: str, ns: str) -> list[tuple[object, ...]]:
    result = run_query(store, query, {"namespace": ns})  # type: ignore[arg-type]
    if query == TIMELINE:
        return [(r[1], r[3]) for r in result.rows]
    return [tuple(r) for r in result.rows]


def _expected(query: str, ns: str) -> list[tuple[object, ...]]:
    pairs = tie_order.expected_pairs(ns)
    if query == TIMELINE:
        return [(s, f"turn {q} of {s}") for s, q in pairs]
    return list(pairs[::-1] if query == LAST else pairs)


@pytest.mark.parametrize("query", [FIRST, LAST, TIMELINE], ids=["first", "last", "timeline"])
@pytest.mark.parametrize("ns", tie_order.namespaces())
def test_tied_sessions_come_in_natural_order_on_both_backends(
    natural: tuple[Memory, CypherStore], query: str, ns: str
) -> None:
    """``s2``/``s10``, ``session_9``/``session_10``, digits only, leading zeros; dated and undated."""
    mem, neo = natural
    compile_plan(explain_query(mem.store, query, {"namespace": ns}), ns)  # pushed down, not run on the client
    assert _rows(mem.store, query, ns) == _rows(neo, query, ns) == _expected(query, ns)


def test_events_written_before_the_sort_key_get_it_on_a_writable_open(
    natural: tuple[Memory, CypherStore], bolt_server: BoltTarget
) -> None:
    """Events without ``session_order`` (a graphmem's before schema 4) tie by session id as text, the order
    of before, until a writable open upgrades the database and gives them the key (a few sessions per
    statement); a read-only open is refused and writes none."""
    from neo4j import GraphDatabase

    from graphmem.store.neo4j import connect

    mem, neo = natural
    ns = "session-dated"
    target = {"auth": bolt_server.auth, "database": bolt_server.database}
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:

        def keyless() -> int:
            records, _, _ = driver.execute_query(
                "MATCH (e:Event) WHERE e.session_order IS NULL RETURN count(e) AS n", database_=bolt_server.database
            )
            return int(records[0]["n"])

        def forget_keys() -> None:  # as a graphmem before session_order (schema 3) left its events
            driver.execute_query("MATCH (e:Event) REMOVE e.session_order", database_=bolt_server.database)
            driver.execute_query(
                "MATCH (m:GraphmemSchema {name: 'graphmem'}) SET m.version = 3", database_=bolt_server.database
            )

        events = sum(2 * len(tie_order.natural(n)) for n in tie_order.namespaces())
        assert keyless() == 0
        forget_keys()
        as_text = sorted(tie_order.expected_pairs(ns))  # session_10 before session_9
        assert _rows(neo, FIRST, ns) == as_text
        with pytest.raises(SchemaUpgradeError):
            connect(bolt_server.uri, read_only=True, **target).close()
        assert keyless() == events
        with pytest.warns(StoreUpgradedWarning):
            connect(bolt_server.uri, **target).close()
        assert keyless() == 0
        assert _rows(neo, FIRST, ns) == _rows(mem.store, FIRST, ns) == tie_order.expected_pairs(ns)
        forget_keys()
        assert order_events(neo._session, batch=3) == events
        assert order_events(neo._session, batch=3) == 0  # idempotent
        assert _rows(neo, TIMELINE, "digits-undated") == _expected(TIMELINE, "digits-undated")
