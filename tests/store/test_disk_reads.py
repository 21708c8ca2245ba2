"""Namespaces read from SQLite (above ``mirror_max_events``) give exactly what the loaded mirror gives.

The contract suite runs on the embedded store in both modes (``embedded`` and ``embedded-sqlite`` in
conftest.py); these tests add the exact order of every edge list on a store large enough to have hubs,
facts with old versions and several sessions, the threshold itself, and writes to a namespace served
from SQLite.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from graphmem.errors import ConfigError
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, Mention, NodeKind, Session
from graphmem.settings import DEFAULT_MIRROR_MAX_EVENTS, Settings
from graphmem.store import sqlite_graph
from graphmem.store.base import Direction, TimeFilter
from graphmem.store.embedded import EmbeddedStore

NS = "chat"
T0 = datetime(2024, 5, 1, 9, 0)
THINGS = ("pottery", "lisbon", "violin", "kyoto", "chess")


def _batches(ns: str = NS) -> list[Batch]:
    out = []
    for index in range(3):
        sid = f"s{index}"
        started = T0 + timedelta(days=7 * index)
        events, mentions = [], []
        entities = {p: Entity(ns, p, p.title(), "Person") for p in ("ana", "ben")}
        for seq in range(8):
            speaker = ("ana", "ben")[seq % 2]
            thing = THINGS[(seq + index) % len(THINGS)]
            eid = f"{sid}:{seq}"
            when = None if seq == 5 else started + timedelta(minutes=seq)
            events.append(
                Event(ns, eid, sid, seq % 4, speaker.title(), f"{speaker} on {thing}", when, f"D{index}:{seq}")
            )
            mentions += [Mention(ns, eid, speaker, "speaker"), Mention(ns, eid, speaker, "subject")]
            mentions.append(Mention(ns, eid, thing, "mention"))
            entities[thing] = Entity(ns, thing, thing.title(), "Topic", aliases=(f"{thing} club",))
        out.append(
            Batch(
                ns,
                sessions=(Session(ns, sid, 2 - index, started),),  # index order differs from id order
                events=tuple(events),
                entities=tuple(entities.values()),
                mentions=tuple(mentions),
            )
        )
    facts = (
        Fact(ns, "f1", "ana", "likes", "pottery", T0, valid_from=T0, evidence=("s0:0",)),
        Fact(ns, "f2", "ben", "lives_in", "lisbon", T0, valid_to=T0 + timedelta(days=9), evidence=("s0:1", "s1:1")),
        Fact(ns, "f3", "ana", "knows", "ben", T0 + timedelta(days=3), evidence=("s1:2",)),
    )
    out.append(Batch(ns, facts=facts))
    later = Fact(ns, "f1", "ana", "likes", "chess", T0 + timedelta(days=20), evidence=("s2:0",))
    out.append(Batch(ns, facts=(later,)))  # a new version of f1: the old one is kept as history
    return out


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[EmbeddedStore, EmbeddedStore]]:
    """The same store opened twice: every namespace loaded, and every namespace read from SQLite."""
    writer = EmbeddedStore.open(tmp_path / "s", mirror_max_events=None)
    for batch in _batches():
        writer.write(batch)
    writer.close()
    mirror = EmbeddedStore.open(tmp_path / "s", mirror_max_events=None)
    disk = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    yield mirror, disk
    mirror.close()
    disk.close()


TIMES = (
    None,
    TimeFilter(),
    TimeFilter(since=T0 + timedelta(minutes=3), until=T0 + timedelta(days=7, minutes=4)),
    TimeFilter(as_of=T0 + timedelta(days=5)),
    TimeFilter(valid_at=T0 + timedelta(days=12)),
    TimeFilter(history=True),
)
EDGES = (None, *([t] for t in EdgeType), [EdgeType.MENTIONS, EdgeType.NEXT])


def test_every_edge_list_is_the_mirrors_in_order(stores: tuple[EmbeddedStore, EmbeddedStore]) -> None:
    mirror, disk = stores
    nodes = [e.id for e in mirror.iter_events(NS)] + [e.id for e in mirror.iter_entities(NS)]
    nodes += [s.id for s in mirror.iter_sessions(NS)] + ["nowhere"]
    checked = 0
    for node, edges, way, time in itertools.product(nodes, EDGES, Direction, TIMES):
        want = mirror.neighbors(NS, node, edge_types=edges, direction=way, time=time)
        assert disk.neighbors(NS, node, edge_types=edges, direction=way, time=time) == want, (node, edges, way, time)
        checked += bool(want)
    assert checked > 1000  # the lists compared are not all empty
    asked = [*nodes, nodes[0], "nowhere"]  # duplicates and unknown ids as well
    for edges, way, time in itertools.product(EDGES, Direction, TIMES):
        many = disk.neighbors_many(NS, asked, edge_types=edges, direction=way, time=time)
        assert many == mirror.neighbors_many(NS, asked, edge_types=edges, direction=way, time=time), (edges, way)
    assert disk.loaded == frozenset() and mirror.loaded == {NS}


def test_node_reads_are_the_mirrors(stores: tuple[EmbeddedStore, EmbeddedStore]) -> None:
    mirror, disk = stores
    assert list(disk.iter_sessions(NS)) == list(mirror.iter_sessions(NS))
    assert list(disk.iter_events(NS)) == list(mirror.iter_events(NS))
    assert list(disk.iter_events(NS, session="s1")) == list(mirror.iter_events(NS, session="s1"))
    assert list(disk.iter_entities(NS)) == list(mirror.iter_entities(NS))
    for time in TIMES:
        assert list(disk.iter_facts(NS, time=time)) == list(mirror.iter_facts(NS, time=time))
    assert list(disk.iter_facts(NS, history=True)) == list(mirror.iter_facts(NS, history=True))
    ids = ["s2:3", "nope", "s0:0", "s2:3"]
    assert disk.get_events(NS, ids) == mirror.get_events(NS, ids)
    for name in ("Pottery", "  POTTERY club ", "ana", "nobody"):
        assert disk.find_entities(NS, name) == mirror.find_entities(NS, name)
    assert disk.find_entities(NS, "chess", type="Person") == []
    assert disk.find_events_by_source(NS, "D1:2") == mirror.find_events_by_source(NS, "D1:2")
    assert disk.get_fact(NS, "f2") == mirror.get_fact(NS, "f2")
    assert disk.get_session(NS, "s1") == mirror.get_session(NS, "s1")
    assert disk.get_entity(NS, "kyoto") == mirror.get_entity(NS, "kyoto")
    assert disk.speakers(NS) == mirror.speakers(NS) == ["Ana", "Ben"]
    assert disk.stats(NS) == mirror.stats(NS)
    assert disk.loaded == frozenset()


def test_only_namespaces_above_the_limit_stay_on_disk(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=8)
    for batch in _batches("big")[:2] + _batches("small")[:1]:  # 16 events and 8 events
        store.write(batch)
    assert store.get_event("big", "s0:1") is not None and store.get_event("small", "s0:1") is not None
    assert store.loaded == {"small"}
    store.close()


def test_writes_to_a_namespace_on_disk_are_read_back(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    for batch in _batches():
        store.write(batch)
    nxt = store.neighbors(NS, "s0:4", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in nxt] == ["s0:6"]  # by time (a minute apart; s0:5 has none: last), not seq
    extra = Event(NS, "s0:x", "s0", 0, "Ana", "ana on kyoto again", T0)  # ties s0:0 in time and seq: after it by id
    store.write(Batch(NS, events=(extra,), mentions=(Mention(NS, "s0:x", "kyoto", "mention"),)))
    out = store.neighbors(NS, "s0:x", direction=Direction.OUT)
    assert [(n.edge, n.node_id) for n in out] == [
        (EdgeType.IN_SESSION, "s0"),
        (EdgeType.MENTIONS, "kyoto"),
        (EdgeType.NEXT, "s0:1"),
    ]
    back = store.neighbors(NS, "s0:x", edge_types=[EdgeType.NEXT], direction=Direction.IN)
    assert [n.node_id for n in back] == ["s0:0"]
    assert store.find_entities(NS, "Kyoto club")[0].id == "kyoto"
    deleted = store.delete_event(NS, "s0:x")
    assert deleted.events == 1
    assert store.get_event(NS, "s0:x") is None
    store.write(Batch(NS, retract=("s0:0",)))  # planning a retraction reads a copy of the graph
    assert store.get_fact(NS, "f1") is not None
    assert store.loaded == frozenset()
    store.close()


def test_a_negative_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mirror_max_events"):
        EmbeddedStore.open(tmp_path / "s", mirror_max_events=-1)


def test_the_limit_is_a_setting() -> None:
    assert Settings.from_env({}).mirror_event_limit == DEFAULT_MIRROR_MAX_EVENTS == 200_000
    assert Settings.from_env({"GRAPHMEM_MIRROR_MAX_EVENTS": "1_000"}).mirror_event_limit == 1000
    assert Settings.from_env({"GRAPHMEM_MIRROR_MAX_EVENTS": "0"}).mirror_event_limit == 0
    with pytest.raises(ConfigError, match="GRAPHMEM_MIRROR_MAX_EVENTS"):
        _ = Settings.from_env({"GRAPHMEM_MIRROR_MAX_EVENTS": "-3"}).mirror_event_limit


def test_speakers_with_and_without_their_index(tmp_path: Path) -> None:
    """The ``events_by_speaker`` index is made when a store opens writable; a store without it (read-only,
    written before the index existed) lists the same speakers by scanning."""
    ns = "talk"
    names = ("Zoë", "ana", "", None, "Ben", "ana", "Ánne")
    events = tuple(Event(ns, f"e{i}", "s", i, who, f"turn {i}", T0) for i, who in enumerate(names))
    writer = EmbeddedStore.open(tmp_path / "s", mirror_max_events=None)
    writer.write(Batch(ns, sessions=(Session(ns, "s", 0, T0),), events=events))
    expected = writer.speakers(ns)
    writer.close()
    assert expected == sorted({"Zoë", "ana", "Ben", "Ánne"})
    indexed = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    assert indexed.speakers(ns) == expected
    indexed.close()
    conn = sqlite3.connect(tmp_path / "s" / "graphmem.sqlite3")
    conn.execute("DROP INDEX events_by_speaker")
    conn.close()
    scanned = EmbeddedStore.open(tmp_path / "s", read_only=True, mirror_max_events=0)
    assert scanned.speakers(ns) == expected
    scanned.close()


@pytest.mark.parametrize("kept", [3, 20_000])
def test_events_read_again_are_the_same(
    stores: tuple[EmbeddedStore, EmbeddedStore], kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decoded events are kept between reads (the view starts over when ``kept`` would be exceeded)."""
    monkeypatch.setattr(sqlite_graph, "EVENT_CACHE", kept)
    mirror, disk = stores
    first = disk.get_events(NS, ["s0:1", "s1:2"])
    again = disk.get_events(NS, ["s1:2", "missing", "s0:1", "s2:0"])  # two kept, one read now
    assert again == mirror.get_events(NS, ["s1:2", "missing", "s0:1", "s2:0"])
    assert first == mirror.get_events(NS, ["s0:1", "s1:2"])


def _counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the event rows decoded from now on (a kept event is not decoded again)."""
    decoded: list[str] = []
    real = sqlite_graph.event_from_row

    def counting(row: tuple[object, ...]) -> Event:
        decoded.append(str(row[1]))
        return real(row)

    monkeypatch.setattr(sqlite_graph, "event_from_row", counting)
    return decoded


def test_decoded_events_are_bounded_over_all_namespaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One LRU of ``EVENT_CACHE`` events serves every namespace read from SQLite; a read of more ids than
    that is answered whole but kept nowhere (nor does it push out what is kept)."""
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    for ns in ("a", "b"):
        events = tuple(Event(ns, f"e{i}", "s", i, "Ann", f"{ns} turn {i}", T0) for i in range(6))
        store.write(Batch(ns, sessions=(Session(ns, "s", 0, T0),), events=events))
    monkeypatch.setattr(sqlite_graph, "EVENT_CACHE", 4)
    decoded = _counting_decodes(monkeypatch)
    assert [e.text for e in store.get_events("a", ["e0", "e1"])] == ["a turn 0", "a turn 1"]
    store.get_events("a", ["e0", "e1"])
    assert decoded == ["e0", "e1"]  # kept
    store.get_events("b", ["e0", "e1", "e2"])  # 5 events over both namespaces: a's e0 goes
    decoded.clear()
    assert [e.text for e in store.get_events("a", ["e1", "e0"])] == ["a turn 1", "a turn 0"]
    assert decoded == ["e0"]
    wide = [f"e{i}" for i in range(6)]  # more than EVENT_CACHE: read, not kept
    decoded.clear()
    assert [e.text for e in store.get_events("b", wide)] == [f"b turn {i}" for i in range(6)]
    assert [e.text for e in store.get_events("b", wide)] == [f"b turn {i}" for i in range(6)]
    assert len(decoded) == 12
    decoded.clear()
    store.get_events("a", ["e1", "e0"])
    assert decoded == []  # what was kept before the wide reads still is
    store.close()


def test_kept_events_are_found_by_rowid_until_they_go(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each kept event's rowid is kept with it (a full-text hit is a rowid) and goes with it."""
    monkeypatch.setattr(sqlite_graph, "EVENT_CACHE", 2)
    cache = sqlite_graph.EventCache()
    a, b, c = (Event(NS, f"e{i}", "s", i, "ana", f"turn {i}", T0) for i in range(3))
    cache.put(1, a, 10)
    cache.put(1, b, 11)
    assert cache.at(1, 10) is a and cache.at(2, 10) is None and cache.at(1, 12) is None
    cache.put(1, c, 12)  # b, used least recently (a was just found), goes with its rowid
    assert cache.at(1, 11) is None and cache.get(1, "e1") is None and cache.at(1, 12) is c
    cache.put(1, a, 13)  # the same event under another rowid: the old one finds nothing
    assert cache.at(1, 10) is None and cache.at(1, 13) is a and len(cache) == 2
    cache.clear()
    assert cache.at(1, 13) is None and len(cache) == 0


def test_full_text_hits_are_read_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Searching a namespace served from SQLite reads its hits' rows whole: the events asked for next (as
    recall asks for its text seeds) are not read again, and neither are the hits of a second search."""
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    events = tuple(
        Event("a", f"e{i}", "s", i, "Ann", f"turn {i} about {'kites' if i % 2 else 'boats'}", T0) for i in range(8)
    )
    store.write(Batch("a", sessions=(Session("a", "s", 0, T0),), events=events))
    store.get_events("a", ["e0"])  # recall reads the namespace before it searches: the view exists
    decoded = _counting_decodes(monkeypatch)
    hits = [hit.event_id for hit in store.search_text("a", "kites", limit=3)]
    assert len(hits) == 3 and sorted(decoded) == sorted(hits)
    assert [e.id for e in store.get_events("a", hits)] == hits
    assert [hit.event_id for hit in store.search_text("a", "kites", limit=3)] == hits
    assert sorted(decoded) == sorted(hits)  # nothing read and decoded again
    monkeypatch.setattr(sqlite_graph, "EVENT_CACHE", 3)
    store.get_events("a", ["e0", "e2", "e4"])  # the hits go
    decoded.clear()
    assert [hit.event_id for hit in store.search_text("a", "kites", limit=3)] == hits
    assert sorted(decoded) == sorted(hits)  # read again, the same
    store.close()


@pytest.mark.parametrize("time", [None, TIMES[2]], ids=["no bound", "window"])
def test_the_events_an_edge_read_meets_are_kept(
    stores: tuple[EmbeddedStore, EmbeddedStore],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    time: TimeFilter | None,
) -> None:
    """A session's turns, the turns beside a turn, a fact's evidence and, within a window, the turns naming a
    thing are read whole once and kept: asking for those events next (as recall does) decodes nothing.
    (Without a window a thing's turns come from the mentions alone, no event row read.)"""
    mirror, _disk = stores
    decoded = _counting_decodes(monkeypatch)
    nodes = {"event": [e.id for e in mirror.iter_events(NS)], "session": [x.id for x in mirror.iter_sessions(NS)]}
    if time is not None:
        nodes["entity"] = [e.id for e in mirror.iter_entities(NS)]
    checked = dict.fromkeys(nodes, 0)
    for kind, node in ((kind, node) for kind, ids in nodes.items() for node in ids):
        disk = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)  # nothing kept from another node
        edges = disk.neighbors(NS, node, time=time)
        assert edges == mirror.neighbors(NS, node, time=time)
        met = [nb.node_id for nb in edges if nb.kind is NodeKind.EVENT]
        read = len(decoded)
        assert [e.id for e in disk.get_events(NS, met)] == met
        assert len(decoded) == read, node
        checked[kind] += bool(met)
        disk.close()
    assert all(checked.values()), checked


def test_another_connections_commit_is_seen_without_refresh(tmp_path: Path) -> None:
    """Events, speakers and entity names kept by a reader's views are dropped when another connection
    commits (``PRAGMA data_version`` changes), as its full-text search already sees the new rows."""
    ns = "talk"
    writer = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    events = (Event(ns, "e1", "s", 1, "Ann", "we saw a film", T0), Event(ns, "e2", "s", 2, "Ann", "a hike", T0))
    writer.write(
        Batch(ns, sessions=(Session(ns, "s", 0, T0),), events=events, entities=(Entity(ns, "ann", "Ann", "Person"),))
    )
    reader = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    assert [e.text for e in reader.get_events(ns, ["e1", "e2"])] == ["we saw a film", "a hike"]
    assert reader.speakers(ns) == ["Ann"] and reader.find_entities(ns, "Bo") == []
    writer.write(
        Batch(
            ns,
            events=(Event(ns, "e1", "s", 1, "Bo", "we saw a zebra", T0),),
            entities=(Entity(ns, "bo", "Bo", "Person"),),
        )
    )
    writer.delete_event(ns, "e2")
    assert [h.event_id for h in reader.search_text(ns, "zebra")] == ["e1"]
    assert [(e.speaker, e.text) for e in reader.get_events(ns, ["e1", "e2"])] == [("Bo", "we saw a zebra")]
    assert reader.get_event(ns, "e2") is None
    assert "Bo" in reader.speakers(ns)
    assert [e.id for e in reader.find_entities(ns, "Bo")] == ["bo"]
    reader.close()
    writer.close()


def test_a_reader_never_returns_a_deleted_event_whose_rowid_was_reused(tmp_path: Path) -> None:
    """The writer deletes the last event and writes another, which takes its rowid: a reader whose view was
    made before finds the new event by full text, not the deleted one kept under that rowid."""
    ns = "a"
    writer = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    first = (Event(ns, "e1", "s", 1, "Ann", "kites one", T0), Event(ns, "e2", "s", 2, "Ann", "kites two", T0))
    writer.write(Batch(ns, sessions=(Session(ns, "s", 0, T0),), events=first))
    reader = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    reader.get_events(ns, ["e1"])  # the reader's view exists, as in a recall
    assert sorted(h.event_id for h in reader.search_text(ns, "kites")) == ["e1", "e2"]
    writer.delete_event(ns, "e2")
    writer.write(Batch(ns, events=(Event(ns, "e3", "s", 3, "Ann", "kites three", T0),)))
    reused = writer._conn.execute("SELECT rowid FROM events WHERE id = 'e3'").fetchone()[0]
    assert reused == 2, "the rowid was not reused: this test no longer tests what it says"
    assert sorted(h.event_id for h in reader.search_text(ns, "kites")) == ["e1", "e3"]
    reader.close()
    writer.close()


@pytest.mark.parametrize("windowed", [False, True])
def test_a_long_session_and_a_busy_speaker_are_listed_without_keeping_their_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windowed: bool
) -> None:
    """Past ``SIDE_ROWS_KEPT`` events, a session's members and an entity's turns in a window are listed by id
    and time: the same neighbours, none of the events decoded into the event cache (all were, before, which
    cost a long session's reader 5× and flushed the cache)."""
    ns = "long"
    store = EmbeddedStore.open(tmp_path / "s", mirror_max_events=0)
    events = tuple(Event(ns, f"e{i:02d}", "s", i, "Ann", f"turn {i}", T0 + timedelta(minutes=i)) for i in range(1, 21))
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s", 0, T0),),
            events=events,
            entities=(Entity(ns, "ann", "Ann", "Person"),),
            mentions=tuple(Mention(ns, ev.id, "ann", "speaker") for ev in events),
        )
    )
    since, until = T0 + timedelta(minutes=3), T0 + timedelta(minutes=12)
    window = TimeFilter(since=since, until=until) if windowed else None
    expected = [ev.id for ev in events if window is None or since <= ev.occurred_at <= until]
    kept: list[str] = []
    put = sqlite_graph.EventCache.put

    def counting_put(self: sqlite_graph.EventCache, view: object, event: Event, rowid: int) -> None:
        kept.append(event.id)
        put(self, view, event, rowid)

    monkeypatch.setattr(sqlite_graph.EventCache, "put", counting_put)
    for cap, keeps in ((5, False), (100, True)):
        monkeypatch.setattr(sqlite_graph, "SIDE_ROWS_KEPT", cap)
        kept.clear()
        members = store.neighbors(ns, "s", edge_types=[EdgeType.IN_SESSION], direction=Direction.IN, time=window)
        assert [nb.node_id for nb in members] == expected
        if windowed:
            turns = store.neighbors(ns, "ann", edge_types=[EdgeType.SPOKEN_BY], direction=Direction.IN, time=window)
            assert [nb.node_id for nb in turns] == expected
        assert bool(kept) is keeps, (cap, kept)
    store.close()
