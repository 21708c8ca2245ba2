"""Every public class, function and method of the query layer has a docstring.

The Cypher compiler (``cypher.py``, ``cypher_expr.py``) is checked with the Neo4j backend.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import graphmem.query

_SKIP = {"graphmem.query.cypher", "graphmem.query.cypher_expr"}
_FILES = {f"graphmem.query.{m.name}" for m in pkgutil.iter_modules(graphmem.query.__path__)}
MODULES = [
    *sorted(_FILES - _SKIP),
    "graphmem.query",
    "graphmem.repl",
    "graphmem.repl_prompt",
    "graphmem.cli.common",
    "graphmem.cli.query_cmd",
]


def _public(namespace: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(n, v) for n, v in namespace.items() if not n.startswith("_")]


def undocumented() -> list[str]:
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, obj in _public(vars(module)):
            if getattr(obj, "__module__", None) != name or not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{name}.{attr}")
            if not inspect.isclass(obj):
                continue
            for meth, member in _public(vars(obj)):
                func = member.fget if isinstance(member, property) else member
                func = getattr(func, "__func__", func)  # static and class methods
                if inspect.isfunction(func) and not func.__doc__:
                    missing.append(f"{name}.{attr}.{meth}")
    return missing


def test_public_callables_have_docstrings() -> None:
    assert undocumented() == []
