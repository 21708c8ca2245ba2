"""Over Bolt, a number the query language cannot hold is the same named error as embedded, not the
driver's OverflowError (the check is the parser's and the resolver's, before any store is asked)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphmem import Memory
from graphmem.errors import QuerySemanticError, QuerySyntaxError
from graphmem.query import run_query
from graphmem.store.cypher import CypherStore
from tests.query.conftest import small_graph
from tests.support.bolt_server import BoltTarget, loaded_on_both

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def neo(tmp_path_factory: pytest.TempPathFactory, bolt_server: BoltTarget) -> Iterator[CypherStore]:
    """The query tests' small graph in the Bolt server (namespace t1)."""
    both: tuple[Memory, CypherStore]
    with loaded_on_both(tmp_path_factory.mktemp("numbers") / "db", bolt_server, small_graph) as both:
        yield both[1]


BIG = "9223372036854775808"  # 2**63


@pytest.mark.parametrize(
    "text",
    [
        f'FIND (e:Event) IN "t1" WHERE e.seq < {BIG} RETURN e',
        f'FIND (e:Event) IN "t1" WHERE e.seq IN [1, {BIG}] RETURN e',
        f'FIND (e:Event {{seq: {BIG}}}) IN "t1" RETURN e',
        f'FIND (e:Event) IN "t1" RETURN {BIG} AS n',
        f'FIND (e:Event) IN "t1" RETURN {"9" * 5000} AS n',
    ],
    ids=["compare", "list", "map", "return", "5000 digits"],
)
def test_a_literal_out_of_range_is_a_syntax_error(neo: CypherStore, text: str) -> None:
    with pytest.raises(QuerySyntaxError, match="out of range"):
        run_query(neo, text, {})


def test_a_parameter_out_of_range_is_a_parameter_error(neo: CypherStore) -> None:
    with pytest.raises(QuerySemanticError, match=r"parameter \$n is out of range"):
        run_query(neo, 'FIND (e:Event) IN "t1" WHERE e.seq < $n RETURN e', {"n": 2**63})
