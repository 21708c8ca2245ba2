"""The Bolt store's client copy (``graphmem/store/cypher/copy.py``) estimates its bytes from what it holds, and
keeps no part estimated above its byte cap. No server: the copy is loaded from rows shaped like the server's."""

from __future__ import annotations

import gc
import random
import tracemalloc
from datetime import datetime, timedelta
from typing import Any

import pytest

from graphmem.models import Event
from graphmem.store.cypher.copy import (
    EDGES,
    EVENTS,
    LOAD_EDGES,
    LOAD_ENTITIES,
    EdgeCopy,
    LocalCopies,
    NamespaceCopy,
    events_bytes,
    load_edges,
    load_events,
)
from graphmem.store.cypher.session import Row


def _fresh(text: str) -> str:
    """A string object of its own, as the driver gives every row its own."""
    return (text + "\x00")[:-1]


class Rows:
    """Answers the copy's load statements with ``events`` events of ``words`` random words and their edges."""

    def __init__(self, events: int, words: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        vocab = [f"w{i}x" for i in range(20000)]
        start = datetime(2023, 5, 1)
        self.events: list[Row] = [
            {
                "p": {
                    "namespace": _fresh("n"),
                    "id": f"e{i}",
                    "session": f"s{i // 20}",
                    "seq": i,
                    "speaker": _fresh("Caroline"),
                    "text": " ".join(rng.choices(vocab, k=words)),
                    "occurred_at": start + timedelta(minutes=i),
                    "source_id": f"D1:{i}",
                    "source_file": _fresh("conversation.json"),
                    "source_line": i,
                    "kind": _fresh("utterance"),
                    "times": None,
                },
                "total": events,
                "chars": float(words * 5),
            }
            for i in range(events)
        ]
        self.entities: list[Row] = [
            {
                "p": {
                    "namespace": _fresh("n"),
                    "id": f"x{i}",
                    "name": f"Entity {i}",
                    "type": _fresh("Thing"),
                    "aliases": [],
                }
            }
            for i in range(events // 4)
        ]
        self.edges: list[Row] = [
            {
                "a": f"e{i}",
                "a_labels": ["Event"],
                "a_at": start,
                "b": f"e{i + 1}",
                "b_labels": ["Event"],
                "b_at": start,
                "b_ns": _fresh("n"),
                "type": _fresh("NEXT"),
                "p": {"namespace": _fresh("n")},
            }
            for i in range(events * 4)
        ]

    def read(self, cypher: str, params: Any = None) -> list[Row]:
        return self.edges if cypher == LOAD_EDGES else self.entities if cypher == LOAD_ENTITIES else self.events


def _measured(events: int, words: int) -> tuple[int, int, int, int]:
    """The events and edges parts' estimates and what they hold under tracemalloc (the rows read dropped)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        rows = Rows(events, words)
        copy = load_events(rows, "n", 1, events)
        assert copy is not None
        copy.search_text(["w"], 1)  # held from the first text search on: the estimate counts it
        edges = load_edges(rows, "n", 1)
        del rows
        gc.collect()
        both = tracemalloc.get_traced_memory()[0] - base
        assert copy is not None and edges is not None
        estimated = (copy.size, edges.size)
        del edges
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return estimated[0], held, estimated[1], both - held


@pytest.mark.parametrize(("events", "words"), [(300, 25), (100, 400)])
def test_the_estimate_follows_what_is_held(events: int, words: int) -> None:
    copy_estimate, copy_held, edge_estimate, edge_held = _measured(events, words)
    assert 0.8 < copy_estimate / copy_held < 1.3, (copy_estimate, copy_held)
    assert 0.8 < edge_estimate / edge_held < 1.3, (edge_estimate, edge_held)


def test_longer_texts_are_estimated_larger() -> None:
    def part(text: str) -> int:
        events = [Event("n", f"e{i}", "s", i, None, text, None) for i in range(10)]
        return events_bytes(events, [], {}, {})

    assert part("x" * 10_000) - part("x" * 100) >= 10 * 9_900


def test_a_copy_over_the_cap_is_not_built() -> None:
    rows = Rows(50, 400)
    copy = load_events(rows, "n", 1, 50)
    edges = load_edges(rows, "n", 1)
    assert copy is not None and edges is not None
    assert load_events(rows, "n", 1, 50, copy.size - 1) is None
    assert load_events(rows, "n", 1, 50, copy.size) is not None
    assert load_edges(rows, "n", 1, edges.size - 1) is None
    assert load_edges(rows, "n", 1, edges.size) is not None


def _events(text: str, namespace: str = "a") -> NamespaceCopy:
    held = {f"e{i}": Event(namespace, f"e{i}", "s", i, None, text, None) for i in range(4)}
    return NamespaceCopy(namespace, 1, held, {}, 4, 1.0)


def test_a_part_over_the_cap_is_not_kept_even_alone() -> None:
    small, big = _events("short"), _events("long " * 20_000)
    copies = LocalCopies(max_events=10, max_bytes=(small.size + big.size) // 2)
    assert small.size <= copies.max_bytes < big.size
    with copies.scope():
        copies.observed("a", 1)
        copies.keep("a", EVENTS, big)
        assert copies.wanted("a", EVENTS) == (1, None, False)  # not kept, and not tried again
        assert copies.wanted("a", EDGES) == (1, None, False)
        copies.observed("b", 1)
        copies.keep("b", EVENTS, _events("short", "b"))
        held = copies.wanted("b", EVENTS)
        assert held is not None and held[1] is not None  # one that fits is kept
        edges = EdgeCopy("b", 1, {"e0": [{"type": "NEXT", "id": "x" * copies.max_bytes, "p": {}}]})
        copies.keep("b", EDGES, edges)  # an edges part too big: the namespace goes to the server whole
        assert copies.wanted("b", EVENTS) == (1, None, False) and copies.wanted("b", EDGES) == (1, None, False)


def test_unspaced_text_is_estimated_by_the_tokens_it_is_searched_by() -> None:
    """A run of Chinese is one ``\\w+`` word but many tokens (its characters and bigrams): the copy's estimate
    counts the tokens, as it holds them once it has searched text."""
    from graphmem.store.cypher.copy import _words
    from graphmem.store.cypher.text_search import text_tokens

    text = "我昨天在北京吃了烤鸭，北京的冬天很冷"
    assert _words(text) == set(text_tokens([text])[text])
    assert {"北京", "烤鸭", "冬天"} <= _words(text)
    assert _words("Hello there, world") == {"hello", "there", "world"}
