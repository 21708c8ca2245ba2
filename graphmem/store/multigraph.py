"""A directed multigraph with keyed edges: the part of networkx's ``MultiDiGraph`` the mirror uses.

The embedded store's in-memory mirror needs nodes with attributes and keyed, attributed edges it can
add, test, remove and walk in both directions; nothing of networkx's algorithms. Importing networkx
costs about a third of a second of CPU (it loads every algorithm module and scans installed packages
for backends), which a one-shot ``graphmem recall`` from the shell pays in full, so the mirror uses
this instead. The layout is networkx's own (``succ[u][v][key] -> attrs``, ``pred[v][u][key]`` the same
dict), and so are the signatures of the methods kept, so the two are interchangeable here.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Any

__all__ = ["MultiDiGraph"]

Node = Hashable
Attrs = dict[str, Any]


class MultiDiGraph:
    """Nodes with attribute dicts; directed edges ``(u, v, key)`` with attribute dicts."""

    __slots__ = ("nodes", "pred", "succ")

    def __init__(self) -> None:
        self.nodes: dict[Node, Attrs] = {}
        self.succ: dict[Node, dict[Node, dict[Hashable, Attrs]]] = {}
        self.pred: dict[Node, dict[Node, dict[Hashable, Attrs]]] = {}

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def number_of_edges(self) -> int:
        """How many edges the graph holds."""
        return sum(len(keys) for nbrs in self.succ.values() for keys in nbrs.values())

    def add_node(self, node: Node, **attrs: Any) -> None:
        """Add ``node`` (or update its attributes if present)."""
        found = self.nodes.get(node)
        if found is None:
            self.nodes[node] = dict(attrs)
            self.succ[node] = {}
            self.pred[node] = {}
        else:
            found.update(attrs)

    def add_edge(self, u: Node, v: Node, key: Hashable = 0, **attrs: Any) -> Hashable:
        """Add the edge ``u -> v`` under ``key`` (adding missing nodes, updating an existing edge)."""
        for node in (u, v):
            if node not in self.nodes:
                self.add_node(node)
        keys = self.succ[u].get(v)
        if keys is None:
            keys = self.succ[u][v] = {}
            self.pred[v][u] = keys  # one dict seen from both ends, as networkx keeps it
        data = keys.get(key)
        if data is None:
            keys[key] = dict(attrs)
        else:
            data.update(attrs)
        return key

    def has_edge(self, u: Node, v: Node, key: Hashable | None = None) -> bool:
        """Whether an edge ``u -> v`` exists (under ``key`` when given)."""
        keys = self.succ.get(u, {}).get(v)
        if keys is None:
            return False
        return key is None or key in keys

    def remove_edge(self, u: Node, v: Node, key: Hashable) -> None:
        """Remove the edge ``u -> v`` under ``key``.

        Raises:
            KeyError: there is no such edge.
        """
        keys = self.succ[u][v]
        del keys[key]
        if not keys:
            del self.succ[u][v]
            del self.pred[v][u]

    def remove_node(self, node: Node) -> None:
        """Remove ``node`` and every edge touching it.

        Raises:
            KeyError: there is no such node.
        """
        del self.nodes[node]
        for v in self.succ.pop(node):
            if v != node:
                del self.pred[v][node]
        for u in self.pred.pop(node):
            if u != node:
                del self.succ[u][node]

    def remove_nodes_from(self, nodes: Iterable[Node]) -> None:
        """Remove each of ``nodes`` that is present, with its edges."""
        for node in nodes:
            if node in self.nodes:
                self.remove_node(node)

    def out_edges(self, node: Node, *, data: bool = False, keys: bool = False) -> Iterator[tuple[Any, ...]]:
        """Edges leaving ``node``: ``(u, v)``, plus ``key`` with ``keys``, plus the attributes with ``data``."""
        return _edges(node, self.succ.get(node, {}), out=True, data=data, keys=keys)

    def in_edges(self, node: Node, *, data: bool = False, keys: bool = False) -> Iterator[tuple[Any, ...]]:
        """Edges entering ``node``, shaped as :meth:`out_edges` (``u`` the far end, ``v`` is ``node``)."""
        return _edges(node, self.pred.get(node, {}), out=False, data=data, keys=keys)


def _edges(
    node: Node, nbrs: dict[Node, dict[Hashable, Attrs]], *, out: bool, data: bool, keys: bool
) -> Iterator[tuple[Any, ...]]:
    for far, by_key in list(nbrs.items()):
        u, v = (node, far) if out else (far, node)
        for key, attrs in list(by_key.items()):
            if keys and data:
                yield u, v, key, attrs
            elif keys:
                yield u, v, key
            elif data:
                yield u, v, attrs
            else:
                yield u, v
