"""The storage layer's imports, read from the source: no cycle inside ``store/``, and no store → query edge.

Every ``import`` statement of every module of ``graphmem/`` counts, also those inside functions (a
lazy import still couples two modules); only imports under ``if TYPE_CHECKING:`` are left out, since
they never run. ``from pkg import name`` counts as importing ``pkg.name`` when that is a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "graphmem"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import node in ``node``, skipping the bodies of ``if TYPE_CHECKING:``."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        children: list[ast.AST] = list(node.orelse)
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        yield from _imports(child)


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the graphmem modules it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            source = _absolute(name, node, path.name == "__init__.py")
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                targets.add(sub if sub in modules else source)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]], within: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module among ``within`` (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v] & within):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(within):
        if v not in index:
            visit(v)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return import_graph(modules)


def _store_modules(graph: dict[str, set[str]]) -> set[str]:
    return {m for m in graph if m == "graphmem.store" or m.startswith("graphmem.store.")}


def test_the_graph_sees_the_known_edges(graph: dict[str, set[str]]) -> None:
    # the reader itself must work, or the tests below pass for nothing
    assert "graphmem.store.cypher.store" in graph["graphmem.store.neo4j"]
    assert "graphmem.store.cypher.write" in graph["graphmem.store.cypher.store"]  # from pkg import module
    assert "graphmem.store.base" in graph["graphmem.query.pushdown"]
    assert "graphmem.store.embedded" in graph["graphmem.store.registry"]  # lazy, inside a function


def test_no_import_cycle_inside_store(graph: dict[str, set[str]]) -> None:
    assert cycles(graph, _store_modules(graph)) == []


def test_no_cycle_through_store_modules(graph: dict[str, set[str]]) -> None:
    # a cycle leaving store/ and coming back (store → config → store) counts too
    store = _store_modules(graph)
    assert [c for c in cycles(graph, set(graph)) if store & set(c)] == []


def test_store_never_imports_query(graph: dict[str, set[str]]) -> None:
    wrong = {
        m: sorted(t for t in targets if t == "graphmem.query" or t.startswith("graphmem.query."))
        for m, targets in graph.items()
        if m in _store_modules(graph)
    }
    assert {m: t for m, t in wrong.items() if t} == {}


def test_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph, set(graph)) == [["a", "b", "c"]]
    assert cycles(graph, {"a", "b", "d"}) == []


def test_type_checking_imports_are_left_out() -> None:
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import graphmem.b\nelse:\n    import graphmem.c\n"
    )
    tree = ast.parse(source)
    names = {alias.name for node in _imports(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert names == {"graphmem.c"}
