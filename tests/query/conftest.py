"""Fixtures for the query tests: a small hand-written graph, a fake ABOUT source, and the data/ samples.

The small graph (namespace ``t1``; ``t2`` holds one more event) is written out here in full so that every
expected answer in the tests can be worked out by reading it.

Session s1 (2023-05-08), s2 (2023-06-10), s3 (2023-07-01)::

    e1 s1 13:56 Caroline  "I went to the LGBTQ support group yesterday"      mentions support
    e2 s1 13:57 Melanie   "That's great! I'm going camping with the kids"    mentions camping, kids
    e3 s1 13:58 Caroline  "I want to look into adoption agencies"            mentions adoption
    e4 s1 13:59 Melanie   "Camping is our favourite family thing"            mentions camping
    e5 s2 09:00 Melanie   "I ran a charity race last weekend"                mentions race (happened 2023-06-03)
    e6 s2 09:01 Caroline  "Adoption is going well, I met an agency"          mentions adoption, agency
    e7 s2 09:02 Melanie   "Caroline, you inspire me"                         mentions Caroline
    e8 s3 (no time) Jon   "Back from Berlin"                                 mentions berlin

Facts: f1 Caroline -attend-> support   valid 2023-05-07.., recorded 2023-05-08
       f2 Melanie  -run->    race      valid 2023-06-03.., recorded 2023-06-10
       f3 Jon      -work_at-> bakery   valid ..2023-06-01, recorded 2023-05-01, expired 2023-06-15
       f4 Jon      -live_in-> berlin   valid 2023-06-01.., recorded 2023-07-01
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem import Entity, Event, Fact, Memory, Mention
from graphmem.models import TimeRef

DATA = Path(__file__).resolve().parents[2] / "data"
NS = "t1"

_WORD = re.compile(r"\w+")


def _events() -> list[Event]:
    rows = [
        ("e1", "s1", 0, "Caroline", "I went to the LGBTQ support group yesterday", datetime(2023, 5, 8, 13, 56)),
        ("e2", "s1", 1, "Melanie", "That's great! I'm going camping with the kids", datetime(2023, 5, 8, 13, 57)),
        ("e3", "s1", 2, "Caroline", "I want to look into adoption agencies", datetime(2023, 5, 8, 13, 58)),
        ("e4", "s1", 3, "Melanie", "Camping is our favourite family thing", datetime(2023, 5, 8, 13, 59)),
        ("e5", "s2", 0, "Melanie", "I ran a charity race last weekend", datetime(2023, 6, 10, 9, 0)),
        ("e6", "s2", 1, "Caroline", "Adoption is going well, I met an agency", datetime(2023, 6, 10, 9, 1)),
        ("e7", "s2", 2, "Melanie", "Caroline, you inspire me", datetime(2023, 6, 10, 9, 2)),
        ("e8", "s3", 0, "Jon", "Back from Berlin", None),
    ]
    # e5's "last weekend" is when the race happened: e.happened is 2023-06-03, e.time 2023-06-10
    weekend = (TimeRef("last weekend", datetime(2023, 6, 3), datetime(2023, 6, 5), "day"),)
    return [
        Event(
            NS, eid, sess, seq, who, text, when, source_id=f"D{sess[1]}:{seq + 1}", times=weekend if eid == "e5" else ()
        )
        for eid, sess, seq, who, text, when in rows
    ]


ENTITIES = [
    Entity(NS, "p:caroline", "Caroline", "Person"),
    Entity(NS, "p:melanie", "Melanie", "Person", ("Mel",)),
    Entity(NS, "p:jon", "Jon", "Person"),
    Entity(NS, "t:support", "LGBTQ support group", "Topic"),
    Entity(NS, "t:camping", "camping", "Topic"),
    Entity(NS, "t:kids", "kids", "Topic"),
    Entity(NS, "t:adoption", "adoption", "Topic"),
    Entity(NS, "t:agency", "adoption agency", "Topic"),
    Entity(NS, "t:race", "charity race", "Topic"),
    Entity(NS, "g:berlin", "Berlin", "Place"),
    Entity(NS, "o:bakery", "Crumb Bakery", "Organization"),
]
_SPEAKERS = {"Caroline": "p:caroline", "Melanie": "p:melanie", "Jon": "p:jon"}
_MENTIONS = {
    "e1": ["t:support"],
    "e2": ["t:camping", "t:kids"],
    "e3": ["t:adoption"],
    "e4": ["t:camping"],
    "e5": ["t:race"],
    "e6": ["t:adoption", "t:agency"],
    "e7": ["p:caroline"],
    "e8": ["g:berlin"],
}
FACTS = [
    Fact(
        NS,
        "f1",
        "p:caroline",
        "attend",
        "t:support",
        datetime(2023, 5, 8),
        valid_from=datetime(2023, 5, 7),
        evidence=("e1",),
    ),
    Fact(
        NS, "f2", "p:melanie", "run", "t:race", datetime(2023, 6, 10), valid_from=datetime(2023, 6, 3), evidence=("e5",)
    ),
    Fact(
        NS,
        "f3",
        "p:jon",
        "work_at",
        "o:bakery",
        datetime(2023, 5, 1),
        valid_to=datetime(2023, 6, 1),
        expired_at=datetime(2023, 6, 15),
    ),
    Fact(
        NS,
        "f4",
        "p:jon",
        "live_in",
        "g:berlin",
        datetime(2023, 7, 1),
        valid_from=datetime(2023, 6, 1),
        evidence=("e8",),
    ),
]


def small_graph(mem: Memory) -> None:
    """Write the graph of this module's docstring into ``mem``."""
    events = _events()
    mentions = [Mention(NS, e.id, _SPEAKERS[e.speaker or ""], "speaker") for e in events]
    mentions += [Mention(NS, eid, ent) for eid, ents in _MENTIONS.items() for ent in ents]
    mem.add_events(events, namespace=NS, entities=ENTITIES, mentions=mentions, facts=FACTS)
    other = Event("t2", "x1", "s1", 0, "Zed", "Another namespace entirely", datetime(2024, 1, 1))
    mem.add_events([other], namespace="t2")


def fake_about(events: Sequence[Event]) -> Any:
    """An ``ABOUT`` source scoring events by word overlap with the text (Jaccard), best first."""
    words = {e.id: set(_WORD.findall(e.text.lower())) for e in events}

    def about(namespace: str, text: str, k: int) -> list[tuple[str, float]]:
        query = set(_WORD.findall(text.lower()))
        scored = []
        for e in events:
            if e.namespace != namespace:
                continue
            overlap = len(query & words[e.id]) / len(query | words[e.id])
            if overlap > 0:
                scored.append((e.id, round(overlap, 4)))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored[:k]

    return about


@pytest.fixture(scope="session")
def small_memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    """The small graph in an embedded store (read-only for tests)."""
    with Memory.open(tmp_path_factory.mktemp("small") / "db") as mem:
        small_graph(mem)
        yield mem


@pytest.fixture(scope="session")
def about_small() -> Any:
    """The fake ABOUT source over the small graph."""
    return fake_about(_events())


@pytest.fixture(scope="session")
def samples_memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    """The data/ samples ingested once with the real extractor and embedder (read-only for tests)."""
    with Memory.open(_samples_path(tmp_path_factory)) as mem:
        summary = mem.ingest(DATA)
        assert summary.files_failed == 0, summary.errors
        yield mem


_SAMPLES: dict[str, Path] = {}


def _samples_path(factory: pytest.TempPathFactory) -> Path:
    if "db" not in _SAMPLES:
        _SAMPLES["db"] = factory.mktemp("samples") / "db"
    return _SAMPLES["db"]


@pytest.fixture(scope="session")
def reopened_samples(samples_memory: Memory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Memory]:
    """The same store opened again, read-only, as another process would read it: the store's own order, not
    the ingesting process's (a query's rows must come the same in both)."""
    with Memory.open(_samples_path(tmp_path_factory), read_only=True) as mem:
        yield mem
