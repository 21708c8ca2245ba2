"""The mirror's multigraph behaves as networkx's MultiDiGraph for every operation the mirror uses."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphmem.store.multigraph import MultiDiGraph

NODES = st.sampled_from(["a", "b", "c", ("ns", "d")])
KEYS = st.sampled_from(["NEXT", "MENTIONS:subject", "FACT:1"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add_node"), NODES, st.integers(0, 3)),
        st.tuples(st.just("add_edge"), NODES, NODES, KEYS, st.integers(0, 3)),
        st.tuples(st.just("remove_edge"), NODES, NODES, KEYS),
        st.tuples(st.just("remove_node"), NODES),
        st.tuples(st.just("remove_nodes_from"), st.lists(NODES, max_size=3)),
    ),
    max_size=40,
)


def _apply(graph: Any, op: tuple[Any, ...]) -> None:
    name, *args = op
    if name == "add_node":
        graph.add_node(args[0], kind=args[1])
    elif name == "add_edge":
        graph.add_edge(args[0], args[1], key=args[2], weight=args[3])
    elif name == "remove_edge":
        if graph.has_edge(args[0], args[1], args[2]):
            graph.remove_edge(args[0], args[1], args[2])
    elif name == "remove_node":
        if args[0] in graph:
            graph.remove_node(args[0])
    else:
        graph.remove_nodes_from(args[0])


def _view(graph: Any) -> dict[str, Any]:
    nodes = ["a", "b", "c", ("ns", "d"), ("ns", "missing")]
    return {
        "nodes": {n: dict(graph.nodes[n]) for n in nodes if n in graph},
        "out": {str(n): sorted(map(repr, graph.out_edges(n, data=True, keys=True))) for n in nodes},
        "in": {str(n): sorted(map(repr, graph.in_edges(n, data=True))) for n in nodes},
        "out_keys": {str(n): sorted(map(repr, graph.out_edges(n, keys=True))) for n in nodes},
        "has": {(str(u), str(v), k): graph.has_edge(u, v, k) for u in nodes for v in nodes for k in ("NEXT", None)},
    }


@settings(max_examples=200, deadline=None)
@given(OPS)
def test_same_as_networkx(ops: list[tuple[Any, ...]]) -> None:
    ours, theirs = MultiDiGraph(), nx.MultiDiGraph()
    for op in ops:
        _apply(ours, op)
        _apply(theirs, op)
        assert _view(ours) == _view(theirs)
    assert len(ours) == len(theirs)
    assert ours.number_of_edges() == theirs.number_of_edges()


def test_missing_edge_and_node_raise_key_error() -> None:
    graph = MultiDiGraph()
    graph.add_edge("a", "b", key="k")
    with pytest.raises(KeyError):
        graph.remove_edge("a", "b", "other")
    with pytest.raises(KeyError):
        graph.remove_node("z")


def test_edges_may_change_while_walking() -> None:
    graph = MultiDiGraph()
    graph.add_edge("a", "b", key="NEXT")
    graph.add_edge("a", "c", key="NEXT")
    for u, v, _k in graph.out_edges("a", keys=True):
        graph.remove_edge(u, v, "NEXT")
    assert list(graph.out_edges("a")) == []
