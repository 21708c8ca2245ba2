"""TIMELINE and FIND FIRST/LAST order events said at one time (or at no known time) by their session ids
in natural order (``session_9`` before ``session_10``, ``9`` before ``10``) (the session index is not a key here).

Before, the query language sorted tied sessions by their ids as text: ``session_10``'s turns came before
``session_9``'s. The same queries run pushed down to a Bolt server in :mod:`tests.neo4j.test_tie_order`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphmem import Memory
from graphmem.models import natural_key, natural_sort_text
from graphmem.query import explain_query, run_query
from graphmem.query.cypher import compile_plan
from tests.query.tie_order import expected_pairs, load, namespaces

FIRST = "FIND FIRST 20 (e:Event) RETURN e.session, e.seq"
LAST = "FIND LAST 20 (e:Event) RETURN e.session, e.seq"
TIMELINE = 'TIMELINE ({id: "p:kai"})'


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    with Memory.open(Path(tmp_path_factory.mktemp("ties")) / "db") as mem:
        load(mem)
        yield mem


@pytest.mark.parametrize("ns", namespaces())
def test_find_first_and_last_take_tied_sessions_in_natural_order(memory: Memory, ns: str) -> None:
    first = [tuple(r) for r in run_query(memory.store, FIRST, {"namespace": ns}).rows]
    last = [tuple(r) for r in run_query(memory.store, LAST, {"namespace": ns}).rows]
    assert first == expected_pairs(ns)
    assert last == expected_pairs(ns)[::-1]


@pytest.mark.parametrize("ns", namespaces())
def test_timeline_takes_tied_sessions_in_natural_order(memory: Memory, ns: str) -> None:
    result = run_query(memory.store, TIMELINE, {"namespace": ns})
    assert [(r[1], r[3]) for r in result.rows] == [(s, f"turn {q} of {s}") for s, q in expected_pairs(ns)]


@pytest.mark.parametrize("query", [FIRST, LAST, TIMELINE])
def test_the_tie_order_pushes_down_to_the_stored_key(memory: Memory, query: str) -> None:
    """Cypher sorts by the key the writers store (``session_order``), never by a value in the text."""
    plan = explain_query(memory.store, query, {"namespace": "s-dated"})
    assert "natural(" in str(plan)
    text = compile_plan(plan, "s-dated").text
    assert "coalesce(" in text and ".session_order, " in text.split("ORDER BY", 1)[1]


_PIECES = st.one_of(
    st.text(alphabet=st.sampled_from("aB_ !\x00~é٣²\U0001f600"), max_size=3),
    st.text(alphabet=st.sampled_from("0123456789"), min_size=1, max_size=30),  # digit runs past 10 and 20 digits
)
_IDS = st.lists(_PIECES, max_size=5).map("".join)


@given(_IDS, _IDS | st.text(max_size=8))
def test_the_sort_text_orders_as_the_natural_key(a: str, b: str) -> None:
    for x, y in ((a, b), (a, a + "0"), (a + "01", a + "1"), (b, a), (a + "9" * 12, a + "1" + "0" * 12)):
        kx, ky = natural_key(x), natural_key(y)
        sx, sy = natural_sort_text(x), natural_sort_text(y)
        assert (kx < ky, kx == ky) == (sx < sy, sx == sy), (x, y, sx, sy)
