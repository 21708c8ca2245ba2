"""Fuzzing ``Memory.query``: whatever the text, only a ``GraphmemError`` may escape.

Generated queries (AST → text), mutated queries (the golden queries with characters, tokens and
repeated runs inserted, deleted or replaced) and raw text, including lone surrogates and nesting
hundreds deep, all go through the public facade with parameters bound. 2,000 examples run in every
test run; ``pytest -m slow`` adds a run of 20,000.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import Memory
from graphmem.errors import GraphmemError
from graphmem.query import unparse

from .test_properties import _PARAMS, _SEEDS, _TOKENS, queries

_DEEP = [
    "NOT ",
    "(",
    ")",
    " OR e.seq = 1",
    " AND e.seq > 0",
    "-->()",
    "<-[:NEXT]-(x)",
    ", (z)",
    "[",
    "]",
    "count(",
    ' + "a"',
    "\ud800",
    ":100:",
    "[/b]",
    "\x00",
    "9999",
]


_STRING = re.compile(r'"[^"\\]*"')
_AFTER_WHERE = re.compile(r"\bWHERE\s+", re.IGNORECASE)
_FIRST_NODE = re.compile(r"\bFIND\s+(?:\w+\s+)?\([^)]*\)", re.IGNORECASE)


def _edit_string(text: str, draw: st.DrawFn) -> str:
    """Put drawn text (lone surrogates and markup included) inside one of the query's string literals."""
    found = list(_STRING.finditer(text))
    if not found:
        return text
    at = draw(st.sampled_from(found))
    inner = draw(st.text(st.characters(blacklist_characters='"\\'), max_size=6) | st.sampled_from(_DEEP[-4:]))
    return f'{text[: at.start()]}"{inner}{at.group()[1:-1]}"{text[at.end() :]}'


def _deepen(text: str, draw: st.DrawFn) -> str:
    """Nest the query deeply where it stays valid: NOTs or an OR/AND chain after WHERE, a long path."""
    n = draw(st.integers(2, 1200))
    where = _AFTER_WHERE.search(text)
    node = _FIRST_NODE.search(text)
    kind = draw(st.sampled_from(["not", "or", "and", "parens", "chain"]))
    if kind == "chain" and node is not None:
        return text[: node.end()] + "-->()" * n + text[node.end() :]
    if where is None:
        return text
    inserts = {
        "not": "NOT " * n,
        "or": "1 = 2 OR " * n,
        "and": "1 = 1 AND " * n,
        "parens": "(1 = 1 AND " * n,
        "chain": "",
    }
    extra = inserts[kind]
    tail = ")" * n if kind == "parens" else ""
    end = text.find(" RETURN", where.end())
    if tail and end > 0:
        return text[: where.end()] + extra + text[where.end() : end] + tail + text[end:]
    return text[: where.end()] + extra + text[where.end() :]


@st.composite
def fuzzed(draw: st.DrawFn) -> str:
    """A golden query, a generated one or raw text, then up to four edits."""
    text = draw(
        st.one_of(
            st.sampled_from(_SEEDS),
            st.sampled_from(_SEEDS),
            queries.map(unparse),
            st.text(max_size=60),
        )
    )
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "token", "repeat", "deep", "string", "nest"]))
        pos = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:pos] + draw(st.text(max_size=4)) + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 8)) :]
        elif kind == "replace":
            text = text[:pos] + draw(st.characters()) + text[pos + 1 :]
        elif kind == "token":
            text = text[:pos] + " " + draw(st.sampled_from(_TOKENS)) + " " + text[pos:]
        elif kind == "repeat":
            end = min(len(text), pos + draw(st.integers(1, 12)))
            text = text[:pos] + text[pos:end] * draw(st.integers(2, 600)) + text[end:]
        elif kind == "deep":
            text = text[:pos] + draw(st.sampled_from(_DEEP)) * draw(st.integers(1, 1200)) + text[pos:]
        elif kind == "string":
            text = _edit_string(text, draw)
        else:
            text = _deepen(text, draw)
    return text


def _query(memory: Memory, text: str, params: dict[str, Any]) -> None:
    with contextlib.suppress(GraphmemError):
        memory.query(text, **params)


_PINNED = [{}, {"namespace": "t1"}, {**_PARAMS, "namespace": "t1"}]


@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=fuzzed(), params=st.sampled_from(_PINNED))
def test_only_graphmem_errors_escape_memory_query(small_memory: Memory, text: str, params: dict[str, Any]) -> None:
    _query(small_memory, text, params)


@pytest.fixture
def asked_for_slow(request: pytest.FixtureRequest) -> None:
    """Skip unless the run selects slow tests (``-m slow``): 20,000 examples take many minutes."""
    if "slow" not in (request.config.getoption("markexpr") or "").replace("not slow", ""):
        pytest.skip("20,000 fuzz examples: run with -m slow")


@pytest.mark.slow
@pytest.mark.timeout(3600)
@settings(max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=fuzzed(), params=st.sampled_from(_PINNED))
def test_only_graphmem_errors_escape_memory_query_long_run(
    asked_for_slow: None, small_memory: Memory, text: str, params: dict[str, Any]
) -> None:
    _query(small_memory, text, params)
