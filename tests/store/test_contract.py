"""The GraphStore contract: the executable specification every backend must pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem.errors import ConfigError, StoreError
from graphmem.models import (
    Batch,
    EdgeType,
    Entity,
    Event,
    Fact,
    FactClosing,
    Mention,
    NodeKind,
    Session,
    SourceRecord,
    TimeRef,
)
from graphmem.recall.fetch import entities_by_id
from graphmem.store.base import (
    Direction,
    FetchesEntities,
    FetchesFrontier,
    FindsEventsAt,
    FindsFactsOfEvents,
    GraphStore,
    KeepsPositions,
    TimeFilter,
)
from tests.store.conftest import Backend

T0 = datetime(2023, 5, 8, 13, 56)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def conversation(ns: str) -> Batch:
    """Two sessions, four events, three entities, mentions and two facts."""
    s1 = Session(ns, "s1", 0, day(0), "1:56 pm on 8 May, 2023")
    s2 = Session(ns, "s2", 1, day(10), "1:56 pm on 18 May, 2023")
    events = (
        Event(
            ns,
            "e1",
            "s1",
            0,
            "Caroline",
            "I went to the LGBTQ support group yesterday.",
            day(0),
            "D1:1",
            "conv.json",
            3,
            "utterance",
            (TimeRef("yesterday", day(-1), day(0), "day"),),
        ),
        Event(
            ns, "e2", "s1", 1, "Melanie", "That's great! I'm painting a sunrise.", day(0) + timedelta(minutes=1), "D1:2"
        ),
        Event(ns, "e3", "s1", 2, "Caroline", "Painting sounds relaxing.", day(0) + timedelta(minutes=2), "D1:3"),
        Event(ns, "e4", "s2", 0, "Melanie", "We went camping with the kids.", day(10), "D2:1"),
    )
    entities = (
        Entity(ns, "caroline", "Caroline", "Person", ("Caro",)),
        Entity(ns, "melanie", "Melanie", "Person", ("Mel",)),
        Entity(ns, "support-group", "LGBTQ support group", "Topic"),
        Entity(ns, "camping", "camping", "Topic"),
    )
    mentions = (
        Mention(ns, "e1", "caroline", "speaker"),
        Mention(ns, "e1", "support-group", "mention"),
        Mention(ns, "e2", "melanie", "speaker"),
        Mention(ns, "e2", "caroline", "addressee"),
        Mention(ns, "e3", "caroline", "speaker"),
        Mention(ns, "e4", "melanie", "speaker"),
        Mention(ns, "e4", "camping", "mention"),
    )
    facts = (
        Fact(
            ns,
            "f1",
            "caroline",
            "attend",
            "support-group",
            recorded_at=day(0),
            valid_from=day(-1),
            valid_to=day(0),
            evidence=("e1",),
            time_phrase="yesterday",
        ),
        Fact(
            ns,
            "f2",
            "melanie",
            "go",
            "camping",
            recorded_at=day(10),
            valid_from=day(9),
            evidence=("e4", "e2"),
            expired_at=day(20),
        ),
    )
    return Batch(ns, (s1, s2), events, entities, mentions, facts)


def counts(store: GraphStore, ns: str) -> dict[str, int]:
    return store.stats(ns).as_dict()


# -- round trips ---------------------------------------------------------------------------------------


def test_write_and_read_back_every_kind(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    batch = conversation(ns)
    store.write(batch)
    assert list(store.iter_sessions(ns)) == list(batch.sessions)
    assert list(store.iter_events(ns)) == list(batch.events)
    assert list(store.iter_events(ns, session="s2")) == [batch.events[3]]
    assert list(store.iter_entities(ns)) == sorted(batch.entities, key=lambda e: e.id)
    assert list(store.iter_facts(ns, history=True)) == list(batch.facts)
    assert list(store.iter_facts(ns)) == [batch.facts[0]]  # f2 expired: history only
    assert store.get_session(ns, "s1") == batch.sessions[0]
    assert store.get_event(ns, "e1") == batch.events[0]
    assert store.get_entity(ns, "melanie") == batch.entities[1]
    assert store.get_fact(ns, "f2") == batch.facts[1]
    assert store.get_event(ns, "nope") is None
    assert store.get_events(ns, ["e3", "missing", "e1"]) == [batch.events[2], batch.events[0]]
    assert sorted(store.iter_mentions(ns)) == sorted((m.event_id, m.entity_id, m.role) for m in batch.mentions)
    assert counts(store, ns) == {
        "namespaces": 1,
        "sessions": 2,
        "events": 4,
        "entities": 4,
        "mentions": 3,
        "spoken_by": 4,
        "facts": 2,
        "embeddings": 0,
    }


names = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
texts = st.text(max_size=300)
stamps = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=texts,
    speaker=st.one_of(st.none(), names),
    name=names,
    aliases=st.lists(names, max_size=3).map(tuple),
    when=st.one_of(st.none(), stamps),
    predicate=names,
    phrase=st.one_of(st.none(), texts),
)
def test_round_trip_arbitrary_unicode(
    backend: Backend,
    text: str,
    speaker: str | None,
    name: str,
    aliases: tuple[str, ...],
    when: datetime | None,
    predicate: str,
    phrase: str | None,
) -> None:
    store = backend.opened[0] if backend.opened else backend.open()
    ns = backend.ns("rt")
    store.delete_namespace(ns)
    session = Session(ns, "s", 0, when, phrase)
    event = Event(ns, "e", "s", 0, speaker, text, when, source_id=name, times=(TimeRef(text[:20], when, when, "day"),))
    ent_a = Entity(ns, "a", name, "Person", aliases)
    ent_b = Entity(ns, "b", text or "x", "Topic")
    fact = Fact(
        ns, "f", "a", predicate, "b", recorded_at=when or T0, valid_from=when, evidence=("e",), time_phrase=phrase
    )
    store.write(Batch(ns, (session,), (event,), (ent_a, ent_b), (Mention(ns, "e", "a", "speaker"),), (fact,)))
    assert store.get_session(ns, "s") == session
    assert store.get_event(ns, "e") == event
    assert store.get_entity(ns, "a") == ent_a
    assert store.get_entity(ns, "b") == ent_b
    assert store.get_fact(ns, "f") == fact
    assert store.find_events_by_source(ns, name) == [event]
    assert ent_a in store.find_entities(ns, name)
    for alias in aliases:
        assert ent_a in store.find_entities(ns, alias)


def test_upsert_replaces_by_id(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    changed = Event(ns, "e2", "s1", 1, "Melanie", "Actually I paint sunsets.", day(0) + timedelta(minutes=1), "D1:2")
    store.write(Batch(ns, events=(changed,)))
    assert store.get_event(ns, "e2") == changed
    assert counts(store, ns)["events"] == 4
    assert [h.event_id for h in store.search_text(ns, "sunsets")] == ["e2"]
    assert store.search_text(ns, "sunrise") == []


# -- lookups and traversal ---------------------------------------------------------------------------


def test_find_entities_by_name_and_alias_ignoring_case(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    assert [e.id for e in store.find_entities(ns, "  caroline ")] == ["caroline"]
    assert [e.id for e in store.find_entities(ns, "MEL")] == ["melanie"]
    assert store.find_entities(ns, "Mel", type="Place") == []
    assert store.find_entities(ns, "nobody") == []
    assert [e.id for e in store.find_events_by_source(ns, "D2:1")] == ["e4"]


def test_order_edges_are_derived(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    nxt = store.neighbors(ns, "e1", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [(n.node_id, n.kind) for n in nxt] == [("e2", NodeKind.EVENT)]
    assert store.neighbors(ns, "e3", edge_types=[EdgeType.NEXT], direction=Direction.OUT) == []
    back = store.neighbors(ns, "e3", edge_types=[EdgeType.NEXT], direction=Direction.IN)
    assert [n.node_id for n in back] == ["e2"]
    sess = store.neighbors(ns, "s1", edge_types=[EdgeType.NEXT_SESSION], direction=Direction.OUT)
    assert [(n.node_id, n.kind) for n in sess] == [("s2", NodeKind.SESSION)]
    members = store.neighbors(ns, "s1", edge_types=[EdgeType.IN_SESSION], direction=Direction.IN)
    assert sorted(n.node_id for n in members) == ["e1", "e2", "e3"]
    # inserting an event between e1 and e2 relinks the order
    store.write(Batch(ns, events=(Event(ns, "e1b", "s1", 0, "Caroline", "Also, hi.", day(0)),)))
    nxt = store.neighbors(ns, "e1", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in nxt] == ["e1b"]


def test_neighbors_by_type_and_direction(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    spoken = store.neighbors(ns, "e2", edge_types=[EdgeType.SPOKEN_BY], direction=Direction.OUT)
    assert [(n.node_id, n.role, n.edge) for n in spoken] == [("melanie", "speaker", EdgeType.SPOKEN_BY)]
    mentions = store.neighbors(ns, "e2", edge_types=[EdgeType.MENTIONS], direction=Direction.OUT)
    assert [(n.node_id, n.role) for n in mentions] == [("caroline", "addressee")]
    said = store.neighbors(ns, "caroline", edge_types=[EdgeType.SPOKEN_BY], direction=Direction.IN)
    assert sorted(n.node_id for n in said) == ["e1", "e3"]
    # f2 expired on day 20: the default read is the current record, so ask as of day 12
    facts = store.neighbors(
        ns, "melanie", edge_types=[EdgeType.FACT], direction=Direction.OUT, time=TimeFilter(as_of=day(12))
    )
    assert [(n.node_id, n.fact.predicate if n.fact else None) for n in facts] == [("camping", "go")]
    assert store.neighbors(ns, "melanie", edge_types=[EdgeType.FACT], direction=Direction.IN) == []
    every = store.neighbors(ns, "e1")
    assert {n.edge for n in every} == {EdgeType.IN_SESSION, EdgeType.NEXT, EdgeType.SPOKEN_BY, EdgeType.MENTIONS}
    assert store.neighbors(ns, "no-such-node") == []


def test_frontier_in_one_call_equals_node_by_node(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    assert isinstance(store, FetchesFrontier)
    ids = ["e1", "e2", "caroline", "melanie", "s1", "no-such-node"]
    window = TimeFilter(since=day(0), until=day(5), valid_at=day(1))
    for edges, direction, time in [
        (None, Direction.BOTH, None),
        ([EdgeType.MENTIONS, EdgeType.SPOKEN_BY], Direction.OUT, None),
        ([EdgeType.FACT, EdgeType.MENTIONS], Direction.IN, window),
        (None, Direction.BOTH, window),
    ]:
        many = store.neighbors_many(ns, ids, edge_types=edges, direction=direction, time=time)
        assert list(many) == ids
        for node_id in ids:
            assert many[node_id] == store.neighbors(ns, node_id, edge_types=edges, direction=direction, time=time)
    assert store.neighbors_many(ns, ["e1"], edge_types=[]) == {"e1": []}
    assert store.neighbors_many(ns, []) == {}
    assert store.neighbors_many(backend.ns("empty"), ["e1"]) == {"e1": []}


def test_every_edge_filtered_equals_the_edges_asked_for(backend: Backend) -> None:
    """Recall fetches every edge of a frontier once and filters it per use: that must keep the store's order."""
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    window = TimeFilter(since=day(0), until=day(5))
    kinds = [[EdgeType.NEXT], [EdgeType.MENTIONS, EdgeType.SPOKEN_BY], [EdgeType.FACT, EdgeType.MENTIONS]]
    for node_id in ["e1", "e2", "e4", "caroline", "melanie", "s1"]:
        for time in (None, window):
            every = store.neighbors(ns, node_id, time=time)
            for edges in kinds:
                for direction in Direction:
                    kept = [n for n in every if n.edge in edges and direction in (Direction.BOTH, n.direction)]
                    assert kept == store.neighbors(ns, node_id, edge_types=edges, direction=direction, time=time)


def test_entities_in_one_call(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    wanted = ["melanie", "no-such-entity", "caroline", "melanie"]
    found = entities_by_id(store, ns, wanted)
    assert list(found) == ["melanie", "caroline"]
    assert found["caroline"] == store.get_entity(ns, "caroline")
    assert isinstance(store, FetchesEntities) == (backend.name == "neo4j")  # a server: one query for them all
    if isinstance(store, FetchesEntities):
        assert store.get_entities(ns, wanted) == [found["melanie"], found["caroline"]]
        assert store.get_entities(ns, []) == []


def test_events_at_one_instant(backend: Backend) -> None:
    """Live add finds a file's message without an id by its time (``FindsEventsAt``): every backend answers
    alike: the events of the sessions named, said at exactly that instant (an aware one in UTC), by id."""
    store, ns, other = backend.open(), backend.ns(), backend.ns("b")
    at = day(0)
    batch = conversation(ns)
    extra = (
        Event(ns, "a-first-by-id", "s2", 1, "Melanie", "Same instant, another session.", at, kind="caption"),
        Event(ns, "e5", "s3", 0, "Caroline", "Same instant, a third session.", at, "D3:1", "conv.json", 9),
        Event(ns, "e6", "s1", 3, "Caroline", "A microsecond later.", at + timedelta(microseconds=1)),
        Event(ns, "e7", "s3", 1, None, "No time at all."),
    )
    sessions = (*batch.sessions, Session(ns, "s3", 2, day(20)))
    store.write(replace(batch, sessions=sessions, events=(*batch.events, *extra)))
    store.write(conversation(other))
    assert isinstance(store, FindsEventsAt)

    def ids(sessions: list[str] | set[str], when: datetime, namespace: str = ns) -> list[str]:
        return [e.id for e in store.events_at(namespace, sessions, when)]

    everywhere = ["s1", "s2", "s3", "no-such-session"]
    assert store.events_at(ns, everywhere, at) == [extra[0], batch.events[0], extra[1]]  # whole events, by id
    assert ids({"s2", "s1"}, at) == ["a-first-by-id", "e1"]
    assert ids(["s1"], at.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))) == ["e1"]
    assert ids(["s1"], at + timedelta(microseconds=1)) == ["e6"]
    assert ids(everywhere, at + timedelta(seconds=1)) == []
    assert ids([], at) == []
    assert ids(everywhere, at, other) == ["e1"]
    assert ids(everywhere, at, backend.ns("empty")) == []
    store.delete_event(ns, "e1")
    assert ids(everywhere, at) == ["a-first-by-id", "e5"]


def test_event_time_filter_in_traversal(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    early = TimeFilter(until=day(1))
    said = store.neighbors(ns, "melanie", edge_types=[EdgeType.SPOKEN_BY], direction=Direction.IN, time=early)
    assert [n.node_id for n in said] == ["e2"]
    late = TimeFilter(since=day(5))
    said = store.neighbors(ns, "melanie", edge_types=[EdgeType.SPOKEN_BY], direction=Direction.IN, time=late)
    assert [n.node_id for n in said] == ["e4"]


def test_events_keep_when_they_happened(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    e1, e2 = store.get_events(ns, ["e1", "e2"])
    assert e1.happened == (day(-1), day(0))  # "yesterday"
    assert e1.happened_ref is not None and e1.happened_ref.phrase == "yesterday"
    assert e2.happened == (e2.occurred_at, e2.occurred_at)  # no time phrase: when it was said


def test_both_fact_time_axes(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))

    def fact_ids(tf: TimeFilter) -> list[str]:
        return [f.id for f in store.iter_facts(ns, time=tf)]

    # world time, as memory holds it now: f1 held on day -1 only; f2 (from day 9 on) has expired
    assert fact_ids(TimeFilter(valid_at=day(-1))) == ["f1"]
    assert fact_ids(TimeFilter(valid_at=day(0))) == []
    assert fact_ids(TimeFilter(valid_at=day(15))) == []
    # record time: f1 known from day 0; f2 known from day 10 until it expired on day 20
    assert fact_ids(TimeFilter(as_of=day(5))) == ["f1"]
    assert fact_ids(TimeFilter(as_of=day(12))) == ["f1", "f2"]
    assert fact_ids(TimeFilter(as_of=day(25))) == ["f1"]
    # both axes at once
    assert fact_ids(TimeFilter(valid_at=day(15), as_of=day(12))) == ["f2"]
    assert fact_ids(TimeFilter(valid_at=day(15), as_of=day(5))) == []
    # the same filters apply to FACT edges during traversal
    out = store.neighbors(ns, "melanie", edge_types=[EdgeType.FACT], time=TimeFilter(as_of=day(25)))
    assert out == []
    out = store.neighbors(ns, "melanie", edge_types=[EdgeType.FACT], time=TimeFilter(as_of=day(12)))
    assert [n.fact.id for n in out if n.fact] == ["f2"]


def test_retiring_a_fact_keeps_its_history(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    f1 = store.get_fact(ns, "f1")
    assert f1 is not None and f1.expired_at is None
    from dataclasses import replace

    store.write(Batch(ns, facts=(replace(f1, expired_at=day(3)),)))
    assert [f.id for f in store.iter_facts(ns, time=TimeFilter(as_of=day(2)))] == ["f1"]
    assert [f.id for f in store.iter_facts(ns, time=TimeFilter(as_of=day(4)))] == []


# -- bi-temporal versions ------------------------------------------------------------------------------


def job_history(ns: str) -> tuple[Batch, Batch]:
    """Dana works at Acme from day 0 (said on day 1); on day 30 she says she left on day 20 and joined Globex.

    The second batch is what temporal maintenance writes: the Acme fact re-emitted with its new end (same
    id) and the new Globex fact, both caused by the day-30 statement ``e2``.
    """
    entities = (
        Entity(ns, "dana", "Dana", "Person"),
        Entity(ns, "acme", "Acme", "Organization"),
        Entity(ns, "globex", "Globex", "Organization"),
    )
    s1, s2 = Session(ns, "s1", 0, day(1)), Session(ns, "s2", 1, day(30))
    e1 = Event(ns, "e1", "s1", 0, "Dana", "I work at Acme.", day(1))
    e2 = Event(ns, "e2", "s2", 0, "Dana", "I left Acme on the 28th and joined Globex.", day(30))
    acme = Fact(ns, "fa", "dana", "works_at", "acme", recorded_at=day(1), valid_from=day(0), evidence=("e1",))
    first = Batch(
        ns,
        sessions=(s1,),
        events=(e1,),
        entities=entities,
        mentions=(Mention(ns, "e1", "dana", "speaker"), Mention(ns, "e1", "acme")),
        facts=(acme,),
    )
    globex = Fact(ns, "fg", "dana", "works_at", "globex", recorded_at=day(30), valid_from=day(20), evidence=("e2",))
    closed = Fact(
        ns,
        "fa",
        "dana",
        "works_at",
        "acme",
        recorded_at=day(30),
        valid_from=day(0),
        valid_to=day(20),
        evidence=("e1",),
        revised_by=("e2",),
    )
    second = Batch(
        ns,
        sessions=(s2,),
        events=(e2,),
        entities=entities[2:],
        mentions=(Mention(ns, "e2", "dana", "speaker"), Mention(ns, "e2", "globex")),
        facts=(closed, globex),
    )
    return first, second


def employers(store: GraphStore, ns: str, tf: TimeFilter | None = None) -> list[str]:
    return sorted(f.object_id for f in store.iter_facts(ns, time=tf) if f.predicate == "works_at")


@pytest.mark.parametrize(
    ("as_of", "valid_at", "expected"),
    [
        # known before the closing statement (day 30), valid before the change (day 20): Acme
        (day(25), day(10), ["acme"]),
        # known before the closing, valid after the change: memory then still believed Acme
        (day(25), day(22), ["acme"]),
        # known after the closing, valid before the change: Acme (the closed version)
        (day(35), day(10), ["acme"]),
        # known after the closing, valid after the change: Globex
        (day(35), day(22), ["globex"]),
    ],
)
def test_bitemporal_matrix(backend: Backend, as_of: datetime, valid_at: datetime, expected: list[str]) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    store.write(first)
    store.write(second)
    assert employers(store, ns, TimeFilter(valid_at=valid_at, as_of=as_of)) == expected
    out = store.neighbors(ns, "dana", edge_types=[EdgeType.FACT], time=TimeFilter(valid_at=valid_at, as_of=as_of))
    assert sorted(n.node_id for n in out) == expected


def test_closing_versions_a_fact_instead_of_overwriting(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    store.write(first)
    store.write(second)
    current = store.get_fact(ns, "fa")
    assert current is not None
    assert (current.valid_to, current.recorded_at, current.expired_at) == (day(20), day(30), None)
    history = [f for f in store.iter_facts(ns, history=True) if f.object_id == "acme"]
    assert len(history) == 2
    old = next(f for f in history if f.id != "fa")
    assert (old.valid_to, old.recorded_at, old.expired_at) == (None, day(1), day(30))
    assert store.get_fact(ns, old.id) == old
    # the default read is the current record: one version per fact, none expired
    assert sorted(f.id for f in store.iter_facts(ns)) == ["fa", "fg"]
    # writing the same version again changes nothing
    store.write(second)
    assert len(list(store.iter_facts(ns, history=True))) == 3


def test_retracting_the_closing_statement_restores_the_prior_version(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    store.write(first)
    store.write(second)
    result = store.delete_event(ns, "e2")
    assert result.events == 1
    restored = store.get_fact(ns, "fa")
    assert restored is not None
    assert (restored.valid_to, restored.recorded_at, restored.expired_at) == (None, day(1), None)
    assert [f.id for f in store.iter_facts(ns, history=True)] == ["fa"]
    assert employers(store, ns, TimeFilter(valid_at=day(22))) == ["acme"]
    # the same through a batch's retraction (re-ingesting the edited file)
    store.write(second)
    store.write(Batch(ns, retract=("e2",)))
    assert [f.id for f in store.iter_facts(ns, history=True)] == ["fa"]
    assert employers(store, ns) == ["acme"]


def test_retracting_a_revision_keeps_the_entity_the_restored_version_names(backend: Backend) -> None:
    # Ann works_at B, then works_at C: deleting the statement of C restores the version naming B, but B
    # (named by nothing else) was deleted as unused, leaving a fact whose object is gone (a reader's
    # neighbours of Ann then failed).
    store, ns = backend.open(), backend.ns()
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s0", 0, day(0)),),
            events=(Event(ns, "e1", "s0", 1, "Ann", "I work at B.", day(1)),),
            entities=(Entity(ns, "ann", "Ann", "PERSON"), Entity(ns, "b", "B", "ORG"), Entity(ns, "c", "C", "ORG")),
            facts=(Fact(ns, "f", "ann", "works_at", "b", day(1), evidence=("e1",)),),
        )
    )
    store.write(
        Batch(
            ns,
            events=(Event(ns, "e3", "s0", 3, "Ann", "Now I work at C.", day(3)),),
            facts=(Fact(ns, "f", "ann", "works_at", "c", day(3), evidence=("e3",)),),
        )
    )
    store.delete_event(ns, "e3")
    [restored] = store.iter_facts(ns)
    assert (restored.subject_id, restored.object_id) == ("ann", "b")
    assert store.get_entity(ns, "b") is not None
    assert [n.node_id for n in store.neighbors(ns, "ann", edge_types=[EdgeType.FACT], direction=Direction.OUT)] == ["b"]


def test_a_closing_without_a_new_value_versions_the_fact(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, _ = job_history(ns)
    store.write(first)
    quit_ = Event(ns, "e9", "s1", 1, "Dana", "I quit my job.", day(50))
    closing = FactClosing(ns, "works_at", day(50), subject_id="dana", evidence=("e9",), phrase="quit")
    stored = store.get_fact(ns, "fa")
    assert stored is not None
    ended = Fact(
        ns, "fa", "dana", "works_at", "acme", recorded_at=day(1), valid_from=day(0), valid_to=day(50), evidence=("e1",)
    )
    store.write(Batch(ns, events=(quit_,), facts=(ended,), closings=(closing,)))
    current = store.get_fact(ns, "fa")
    assert current is not None and (current.recorded_at, current.valid_to, current.revised_by) == (
        day(50),
        day(50),
        ("e9",),
    )
    assert employers(store, ns, TimeFilter(as_of=day(45), valid_at=day(60))) == ["acme"]
    assert employers(store, ns, TimeFilter(valid_at=day(60))) == []
    store.delete_event(ns, "e9")
    assert store.get_fact(ns, "fa") == stored


def test_a_second_closing_extends_the_chain_and_unwinds_in_the_middle(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    first, second = job_history(ns)
    store.write(first)
    store.write(second)
    e3 = Event(ns, "e3", "s2", 1, "Dana", "Actually I left Acme on the 25th.", day(40))
    later = Fact(
        ns,
        "fa",
        "dana",
        "works_at",
        "acme",
        recorded_at=day(40),
        valid_from=day(0),
        valid_to=day(25),
        evidence=("e1",),
        revised_by=("e3",),
    )
    store.write(Batch(ns, events=(e3,), facts=(later,)))
    acme = sorted(
        (f.recorded_at, f.expired_at, f.valid_to) for f in store.iter_facts(ns, history=True) if f.object_id == "acme"
    )
    assert acme == [(day(1), day(30), None), (day(30), day(40), day(20)), (day(40), None, day(25))]
    store.delete_event(ns, "e2")  # the middle version goes; its predecessor now expires when the last began
    acme = sorted(
        (f.recorded_at, f.expired_at, f.valid_to) for f in store.iter_facts(ns, history=True) if f.object_id == "acme"
    )
    assert acme == [(day(1), day(40), None), (day(40), None, day(25))]
    assert employers(store, ns, TimeFilter(as_of=day(35), valid_at=day(22))) == ["acme"]


def test_fact_chains_of_events_are_whole_chains(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    assert isinstance(store, FindsFactsOfEvents)
    first, second = job_history(ns)
    store.write(first)
    store.write(second)
    every = sorted(store.iter_facts(ns, history=True), key=lambda f: f.id)
    acme = [f for f in every if f.object_id == "acme"]
    globex = [f for f in every if f.object_id == "globex"]
    assert len(acme) == 2 and len(globex) == 1
    assert store.fact_chains_of_events(ns, ["e1"]) == acme  # evidence: both versions of fa
    assert store.fact_chains_of_events(ns, ["e2"]) == every  # the evidence of fg, the revision of fa
    assert store.fact_chains_of_events(ns, ["e2", "nope"]) == every
    assert store.fact_chains_of_events(ns, ["nope"]) == []
    assert store.fact_chains_of_events(ns, []) == []
    assert store.fact_chains_of_events(backend.ns("b"), ["e1"]) == []  # another namespace holds none


def test_full_text_search(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    hits = store.search_text(ns, "camping with kids")
    assert hits and hits[0].event_id == "e4"
    assert all(h.score > 0 for h in hits)
    assert [h.event_id for h in store.search_text(ns, "painting", limit=5)] in (["e3", "e2"], ["e2", "e3"])
    assert len(store.search_text(ns, "painting", limit=1)) == 1
    for nasty in ['"', "AND OR NOT", "*", "NEAR(a b)", "col:text", "'; DROP TABLE events; --", "", "   "]:
        store.search_text(ns, nasty)  # any text is safe
    assert store.search_text(backend.ns("other"), "camping") == []


def test_full_text_search_finds_every_inflection_fts5_stems_alike(backend: Backend) -> None:
    """A word finds the other forms of it that SQLite FTS5's Porter tokenizer (the embedded index) stems alike,
    not just those sharing its spelling (``run`` finds ``running``, ``berry`` finds ``berries``), and ranks
    them as that index does where the statistics agree. A word spelled outside ASCII finds its spelling in any
    case (``über``, ``Über``), though the index removes diacritics and a server's ``toLower`` does not."""
    store, ns = backend.open(), backend.ns()
    s1 = Session(ns, "s1", 0, day(0), "")
    texts = (
        "I love running in the park every morning.",
        "We picked berries and baked a pie.",
        "Such happiness that day, honestly.",
        "A quiet evening at home with tea.",
        "Über alles, she said.",
        "He showed élan on stage.",
        "My résumé is ready.",
    )
    events = tuple(
        Event(ns, f"x{i}", "s1", i, "Caroline", text, day(0) + timedelta(minutes=i), f"D1:{i + 1}")
        for i, text in enumerate(texts)
    )
    store.write(Batch(ns, (s1,), events))

    def found(query: str) -> list[str]:
        return [h.event_id for h in store.search_text(ns, query)]

    assert found("run") == ["x0"]
    assert found("berry") == ["x1"]
    assert found("baking") == ["x1"]
    assert found("happy") == ["x2"]
    assert found("runs berry") in (["x0", "x1"], ["x1", "x0"])
    assert found("tea evenings") == ["x3"]
    assert found("über") == found("Über") == ["x4"]  # unicode61 folds diacritics; the server's toLower does not
    assert found("élan") == ["x5"]
    assert found("résumé") == found("résumés") == ["x6"]


def test_embeddings_round_trip(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    batch = conversation(ns)
    vec = [0.25, -0.5, 1.0, 0.0]
    from dataclasses import replace

    store.write(replace(batch, embeddings=(("e1", vec), ("camping", [1.0, 0.0, 0.0, 0.0])), embedding_model="m1"))
    got = {node: (v, model) for node, v, model in store.iter_embeddings(ns)}
    assert got == {"e1": (vec, "m1"), "camping": ([1.0, 0.0, 0.0, 0.0], "m1")}
    assert counts(store, ns)["embeddings"] == 2


def test_embedding_origins_count_event_vectors_by_model_and_scheme(backend: Backend) -> None:
    from dataclasses import replace

    store, ns = backend.open(), backend.ns()
    vec = [0.25, -0.5, 1.0, 0.0]
    store.write(replace(conversation(ns), embeddings=(("e1", vec), ("e2", vec)), embedding_model="m1"))
    assert store.embedding_origins(ns) == {("m1", ""): 2}  # written without a scheme: unknown
    store.write(Batch(ns, embeddings=(("e3", vec), ("e2", vec)), embedding_model="m2", embedding_scheme="s/2"))
    store.write(Batch(ns, embeddings=(("camping", vec),), embedding_model="m3", embedding_scheme="s/3"))  # an entity
    assert store.embedding_origins(ns) == {("m1", ""): 1, ("m2", "s/2"): 2}
    assert store.event_embedding_origins(ns) == [("e1", "m1", ""), ("e2", "m2", "s/2"), ("e3", "m2", "s/2")]
    assert store.event_embedding_origins(ns, after="e1", limit=1) == [("e2", "m2", "s/2")]
    assert store.event_embedding_origins(ns, after="e3") == []
    store.write(Batch(ns, embeddings=(("e2", vec),), embedding_model="m1"))  # rewritten without a scheme
    assert store.embedding_origins(ns) == {("m1", ""): 2, ("m2", "s/2"): 1}
    store.delete_event(ns, "e1")
    assert store.embedding_origins(ns) == {("m1", ""): 1, ("m2", "s/2"): 1}
    assert store.embedding_origins(backend.ns("other")) == {}
    assert store.event_embedding_origins(backend.ns("other")) == []


def test_embedding_dimensions_count_event_vectors_by_model_scheme_and_dimension(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    vec = [0.25, -0.5, 1.0, 0.0]
    store.write(replace(conversation(ns), embeddings=(("e1", vec), ("e2", vec)), embedding_model="m1"))
    store.write(Batch(ns, embeddings=(("e3", vec[:2]),), embedding_model="m1", embedding_scheme="s/2"))
    store.write(Batch(ns, embeddings=(("camping", vec[:3]),), embedding_model="m1"))  # an entity: not counted
    assert store.embedding_dimensions(ns) == {("m1", "", 4): 2, ("m1", "s/2", 2): 1}
    assert store.embedding_dimensions(backend.ns("other")) == {}


def test_sources_are_remembered(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    src = SourceRecord(ns, "data/chat.jsonl", "abc123", day(0))
    from dataclasses import replace

    store.write(replace(conversation(ns), sources=(src,)))
    assert store.has_source(ns, "data/chat.jsonl", "abc123")
    assert not store.has_source(ns, "data/chat.jsonl", "changed")
    assert not store.has_source(backend.ns("b"), "data/chat.jsonl", "abc123")


def test_source_records_are_read_by_key_prefix(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    keys = ["data/chat.jsonl", "data/chat.jsonl#turns@s2", "data/chat.jsonl#turns@s1", "data/chat.jsonl2", "other"]
    records = tuple(SourceRecord(ns, k, f"h-{k}", day(i)) for i, k in enumerate(keys))
    from dataclasses import replace

    store.write(replace(conversation(ns), sources=records))
    got = store.source_records(ns, "data/chat.jsonl#turns@")
    assert [(r.key, r.content_hash, r.ingested_at) for r in got] == [
        ("data/chat.jsonl#turns@s1", "h-data/chat.jsonl#turns@s1", day(2)),
        ("data/chat.jsonl#turns@s2", "h-data/chat.jsonl#turns@s2", day(1)),
    ]
    assert [r.key for r in store.source_records(ns, "data/chat.jsonl")] == sorted(keys[:4])
    assert store.source_records(ns, "data/%") == [] and store.source_records(backend.ns("b"), "data/") == []
    # a record is overwritten by key, as a session's fingerprints are when it changes
    store.write(Batch(ns, sources=(SourceRecord(ns, "data/chat.jsonl#turns@s1", "new", day(5)),)))
    assert [r.content_hash for r in store.source_records(ns, "data/chat.jsonl#turns@s1")] == ["new"]


# -- namespaces ------------------------------------------------------------------------------------------


def test_namespaces_are_isolated(backend: Backend) -> None:
    store = backend.open()
    a, b = backend.ns("a"), backend.ns("b")
    store.write(conversation(a))
    store.write(Batch(b, (Session(b, "s1", 0),), (Event(b, "e1", "s1", 0, "Bob", "Totally different."),)))
    assert store.get_event(b, "e1") is not None and store.get_event(b, "e1").text == "Totally different."
    assert store.get_event(a, "e1").text.startswith("I went")
    assert store.get_entity(b, "caroline") is None
    assert store.find_entities(b, "Caroline") == []
    assert list(store.iter_facts(b)) == []
    assert [h.event_id for h in store.search_text(b, "support group")] == []
    assert {a, b} <= set(store.namespaces())
    assert counts(store, b)["events"] == 1
    store.delete_namespace(a)
    assert store.get_event(a, "e1") is None
    assert counts(store, a)["events"] == 0
    assert store.get_event(b, "e1") is not None
    assert a not in store.namespaces()


@pytest.mark.parametrize("bad", ["", "has space", "semi;colon", "a/b", "-leading", "x" * 200, "a\u200bb", "tab\tx"])
def test_illegal_namespace_is_refused(backend: Backend, bad: str) -> None:
    store = backend.open()
    with pytest.raises(ConfigError, match="namespace"):
        store.write(Batch(bad, (Session(bad, "s", 0),)))
    with pytest.raises(ConfigError, match="namespace"):
        store.get_event(bad, "e1")


@pytest.mark.parametrize("name", ["família", "日記", "é"])
def test_a_namespace_in_any_script_is_stored(backend: Backend, name: str) -> None:
    store = backend.open()
    store.write(Batch(name, (Session(name, "s", 0),), (Event(name, "e1", "s", 0, "Ana", "Olá"),)))
    event = store.get_event(name, "e1")
    assert event is not None and event.text == "Olá"
    assert name in store.namespaces()


# -- atomic batches --------------------------------------------------------------------------------------


def test_failing_batch_leaves_nothing(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    before = counts(store, ns)
    bad_batches = [
        # a good event followed by a mention of an entity that does not exist
        Batch(
            ns, events=(Event(ns, "new", "s1", 9, "X", "new text"),), mentions=(Mention(ns, "new", "ghost", "mention"),)
        ),
        # an event in a session that does not exist
        Batch(ns, events=(Event(ns, "new", "nope", 0, "X", "new text"),)),
        # a fact citing a missing event
        Batch(
            ns,
            entities=(Entity(ns, "newent", "New"),),
            facts=(Fact(ns, "fx", "newent", "p", "caroline", day(0), evidence=("missing",)),),
        ),
        # an id reused across kinds
        Batch(ns, entities=(Entity(ns, "e1", "clash"),)),
        # a record of another namespace
        Batch(ns, sessions=(Session(backend.ns("zz"), "s9", 9),)),
        # an embedding of a node that does not exist
        Batch(ns, embeddings=(("ghost", [1.0]),), embedding_model="m"),
    ]
    for bad in bad_batches:
        with pytest.raises(StoreError):
            store.write(bad)
        assert counts(store, ns) == before
        assert store.get_event(ns, "new") is None
        assert store.get_entity(ns, "newent") is None
        assert store.get_event(ns, "e1") == conversation(ns).events[0]


# -- lifecycle --------------------------------------------------------------------------------------------


def test_reopen_after_close(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    batch = conversation(ns)
    store.write(batch)
    store.close()
    with pytest.raises(StoreError):
        store.get_event(ns, "e1")
    store.close()  # twice is fine
    again = backend.open()
    assert list(again.iter_events(ns)) == list(batch.events)
    assert list(again.iter_facts(ns, history=True)) == list(batch.facts)
    assert [n.node_id for n in again.neighbors(ns, "e1", edge_types=[EdgeType.NEXT], direction=Direction.OUT)] == ["e2"]
    assert again.stats(ns).as_dict() == {
        "namespaces": 1,
        "sessions": 2,
        "events": 4,
        "entities": 4,
        "mentions": 3,
        "spoken_by": 4,
        "facts": 2,
        "embeddings": 0,
    }


# -- deletes ----------------------------------------------------------------------------------------------


def test_delete_event_removes_what_only_it_supported(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    result = store.delete_event(ns, "e1")
    assert (result.events, result.facts, result.entities, result.mentions, result.spoken_by) == (1, 1, 1, 1, 1)
    assert store.get_event(ns, "e1") is None
    assert store.get_fact(ns, "f1") is None  # only e1 supported it
    assert store.get_entity(ns, "support-group") is None  # only e1 and f1 used it
    assert store.get_entity(ns, "caroline") is not None  # still speaks in e3
    assert store.search_text(ns, "support group") == []
    assert ("e1", "caroline", "speaker") not in set(store.iter_mentions(ns))
    # e2 is now first in s1
    assert store.neighbors(ns, "e2", edge_types=[EdgeType.NEXT], direction=Direction.IN) == []


def test_delete_event_shrinks_shared_evidence_and_relinks(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    result = store.delete_event(ns, "e2")
    assert result.facts == 0
    f2 = store.get_fact(ns, "f2")
    assert f2 is not None and f2.evidence == ("e4",)
    nxt = store.neighbors(ns, "e1", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in nxt] == ["e3"]
    assert store.delete_event(ns, "e2").events == 0  # already gone
    # survives reopen
    store.close()
    again = backend.open()
    assert again.get_fact(ns, "f2").evidence == ("e4",)
    assert [n.node_id for n in again.neighbors(ns, "e1", edge_types=[EdgeType.NEXT], direction=Direction.OUT)] == ["e3"]


def test_positions_given_survive_forgetting(backend: Backend) -> None:
    """The highest position each session gave stays when its last events, and the session itself, are
    forgotten (live ingestion numbers after it, so an event id never names two messages); only clearing
    the namespace clears it."""
    store, ns = backend.open(), backend.ns()
    assert isinstance(store, KeepsPositions)
    store.write(conversation(ns))
    assert store.last_positions(ns) == {"s1": 2, "s2": 0}
    store.write(Batch(ns, events=(Event(ns, "e5", "s2", 4, "Melanie", "Later."),)))
    for eid in ("e3", "e4", "e5"):  # s1's last event; all of s2, which goes with them
        store.delete_event(ns, eid)
    assert store.get_session(ns, "s2") is None
    store.close()
    again = backend.open()
    assert isinstance(again, KeepsPositions)
    assert again.last_positions(ns) == {"s1": 2, "s2": 4}
    again.delete_namespace(ns)
    assert again.last_positions(ns) == {}


def test_position_marks_of_a_batch_are_kept_and_never_lowered(backend: Backend) -> None:
    """A batch's ``positions`` (what an export or a sync carries: the highest position each session gave,
    forgotten events included) are stored as the store's own marks; a mark never lowers one, and a bad mark
    is refused with nothing of its batch written."""
    store, ns = backend.open(), backend.ns()
    assert isinstance(store, KeepsPositions)
    store.write(replace(conversation(ns), positions=(("s1", 5), ("gone", 3))))
    assert store.last_positions(ns) == {"s1": 5, "s2": 0, "gone": 3}
    store.write(Batch(ns, positions=(("s1", 1), ("s2", 6))))
    assert store.last_positions(ns) == {"s1": 5, "s2": 6, "gone": 3}
    for bad in ((("s1", -1),), (("", 2),), (("s1", "9"),), (("s1", True),)):
        with pytest.raises(StoreError, match="position mark"):
            store.write(Batch(ns, sessions=(Session(ns, "s9", 9),), positions=bad))  # type: ignore[arg-type]
        assert store.get_session(ns, "s9") is None
    store.close()
    again = backend.open()
    assert isinstance(again, KeepsPositions)
    assert again.last_positions(ns) == {"s1": 5, "s2": 6, "gone": 3}


def test_replacing_a_namespace_keeps_the_positions_given(backend: Backend) -> None:
    """A namespace replaced (``sync --replace``, a restore with ``--replace``) keeps the highest position each
    of its sessions gave, raised to the batch's: a live add after it never gives an id given before, even
    when the replacing copy is older than what the namespace held. Forgetting it whole clears them."""
    store, ns = backend.open(), backend.ns()
    assert isinstance(store, KeepsPositions)
    store.write(conversation(ns))
    store.write(Batch(ns, (Session(ns, "s3", 2),), (Event(ns, "e5", "s3", 6, "Melanie", "Later."),)))
    store.delete_event(ns, "e4")  # s2 goes; its position 0 stays given
    older = conversation(ns)
    kept = [m for m in older.mentions if m.event_id in ("e1", "e2")]
    store.replace_namespace(
        replace(older, events=older.events[:2], mentions=tuple(kept), facts=older.facts[:1], positions=(("s4", 2),))
    )
    assert [e.id for e in store.iter_events(ns)] == ["e1", "e2"]
    assert store.get_session(ns, "s3") is None
    assert store.last_positions(ns) == {"s1": 2, "s2": 0, "s3": 6, "s4": 2}
    store.close()
    again = backend.open()
    assert isinstance(again, KeepsPositions)
    assert again.last_positions(ns) == {"s1": 2, "s2": 0, "s3": 6, "s4": 2}
    again.delete_namespace(ns)
    assert again.last_positions(ns) == {}


def test_forgotten_live_places_are_kept_until_the_namespace_goes(backend: Backend) -> None:
    """Forgetting an event added live (no ``source_file``) records its place, which an ingested file must
    never give again; forgetting a file's event, or retracting a live one in a batch (a file taking it
    over), records none. A batch's ``forgotten_live`` (what a copy carries) adds places, and raises the
    positions given; a bad one is refused with nothing written. Replacing the namespace keeps them;
    forgetting it whole clears them."""
    store, ns = backend.open(), backend.ns()
    assert isinstance(store, KeepsPositions)
    store.write(conversation(ns))  # e1 is conv.json's, e2-e4 were added live
    assert store.forgotten_live(ns) == {}
    for eid in ("e1", "e3", "e4"):
        store.delete_event(ns, eid)
    store.write(Batch(ns, retract=("e2",)))
    assert store.forgotten_live(ns) == {"s1": frozenset({2}), "s2": frozenset({0})}
    store.write(Batch(ns, forgotten_live=(("s1", 2), ("s1", 7), ("gone", 3))))
    assert store.forgotten_live(ns) == {"s1": frozenset({2, 7}), "s2": frozenset({0}), "gone": frozenset({3})}
    assert store.last_positions(ns) == {"s1": 7, "s2": 0, "gone": 3}
    for bad in ((("s1", -1),), (("", 2),), (("s1", "9"),), (("s1", True),)):
        with pytest.raises(StoreError, match="forgotten live place"):
            store.write(Batch(ns, sessions=(Session(ns, "s9", 9),), forgotten_live=bad))  # type: ignore[arg-type]
        assert store.get_session(ns, "s9") is None
    store.replace_namespace(replace(conversation(ns), forgotten_live=(("s3", 1),)))
    want = {"s1": frozenset({2, 7}), "s2": frozenset({0}), "gone": frozenset({3}), "s3": frozenset({1})}
    assert store.forgotten_live(ns) == want
    store.close()
    again = backend.open()
    assert isinstance(again, KeepsPositions)
    assert again.forgotten_live(ns) == want
    again.delete_namespace(ns)
    assert again.forgotten_live(ns) == {}


def test_delete_namespace_counts(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    result = store.delete_namespace(ns)
    assert (result.events, result.entities, result.facts, result.sessions) == (4, 4, 2, 2)
    assert list(store.iter_events(ns)) == []
    assert list(store.iter_sessions(ns)) == []
    assert store.delete_namespace(ns).events == 0


def test_stats_cover_the_whole_store(backend: Backend) -> None:
    store = backend.open()
    a, b = backend.ns("a"), backend.ns("b")
    store.write(conversation(a))
    store.write(conversation(b))
    whole = store.stats()
    assert whole.by_namespace[a]["events"] == 4 and whole.by_namespace[b]["facts"] == 2
    assert whole.events >= 8
    assert store.stats(a).namespaces == 1


def test_stats_list_namespaces_in_sorted_order(backend: Backend) -> None:
    # by_namespace is what `stats --json` prints: the same order on every backend, as namespaces() gives
    store = backend.open()
    names = [backend.ns("b"), backend.ns("B"), backend.ns("a"), backend.ns("a.b"), backend.ns("A_b")]
    for name in names:
        store.write(conversation(name))
    listed = [ns for ns in store.stats().by_namespace if ns.startswith(backend.prefix)]
    assert listed == sorted(names) == [ns for ns in store.namespaces() if ns.startswith(backend.prefix)]


# -- retraction inside a batch ----------------------------------------------------------------------------


def test_batch_retract_replaces_atomically(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    # a new version of session 1: e1 and e2 are rewritten, e3 disappears; caroline is still used
    new_e1 = Event(ns, "e1", "s1", 0, "Caroline", "I went hiking yesterday.", day(0), "D1:1")
    hiking = Entity(ns, "hiking", "hiking", "Topic")
    store.write(
        Batch(
            ns,
            events=(new_e1,),
            entities=(hiking,),
            mentions=(Mention(ns, "e1", "caroline", "speaker"), Mention(ns, "e1", "hiking", "mention")),
            retract=("e1", "e2", "e3"),
        )
    )
    assert [e.id for e in store.iter_events(ns)] == ["e1", "e4"]
    assert store.get_event(ns, "e1") == new_e1
    assert sorted(m for m in store.iter_mentions(ns) if m[0] == "e1") == [
        ("e1", "caroline", "speaker"),
        ("e1", "hiking", "mention"),
    ]
    assert store.get_fact(ns, "f1") is None  # only the old e1 supported it
    assert store.get_fact(ns, "f2").evidence == ("e4",)  # e2 left its evidence
    assert store.get_entity(ns, "support-group") is None  # left unused
    assert store.get_entity(ns, "caroline") is not None  # the batch uses it
    assert [h.event_id for h in store.search_text(ns, "support group")] == []
    assert [h.event_id for h in store.search_text(ns, "hiking")] == ["e1"]
    assert store.neighbors(ns, "e1", edge_types=[EdgeType.NEXT], direction=Direction.OUT) == []


def test_batch_retract_is_rolled_back_with_a_failing_batch(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    before = counts(store, ns)
    with pytest.raises(StoreError):
        store.write(Batch(ns, mentions=(Mention(ns, "e4", "ghost", "mention"),), retract=("e1", "e2")))
    assert counts(store, ns) == before
    assert store.get_event(ns, "e1") == conversation(ns).events[0]
    assert store.get_fact(ns, "f1") is not None


def test_batch_cannot_refer_to_an_event_it_retracts(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    with pytest.raises(StoreError, match="e3"):
        store.write(Batch(ns, mentions=(Mention(ns, "e3", "camping", "mention"),), retract=("e3",)))
    assert store.get_event(ns, "e3") is not None


def test_batch_retract_drops_a_session_it_leaves_without_events(backend: Backend) -> None:
    """A session a re-ingested input no longer holds: its events are retracted and the session goes too
    (its node stayed), unless the batch writes it again; the sessions' order is re-derived without it."""
    from dataclasses import replace

    store, ns = backend.open(), backend.ns()
    batch = conversation(ns)
    s3 = Session(ns, "s3", 2, day(20))
    e5 = Event(ns, "e5", "s3", 0, "Melanie", "Hi.")
    store.write(replace(batch, sessions=(*batch.sessions, s3), events=(*batch.events, e5)))
    # s2 disappears (its only event retracted); s1 is rewritten in the same batch; s3 is left as it was
    new_e1 = Event(ns, "e1", "s1", 0, "Caroline", "I went hiking yesterday.", day(0), "D1:1")
    store.write(Batch(ns, (batch.sessions[0],), (new_e1,), retract=("e1", "e2", "e3", "e4")))
    assert [s.id for s in store.iter_sessions(ns)] == ["s1", "s3"]
    assert store.get_session(ns, "s2") is None
    assert counts(store, ns)["sessions"] == 2
    after = store.neighbors(ns, "s1", edge_types=[EdgeType.NEXT_SESSION], direction=Direction.OUT)
    assert [n.node_id for n in after] == ["s3"]
    # a batch writing into a session it empties keeps it (an event of its own, the session not repeated)
    store.write(Batch(ns, events=(Event(ns, "e6", "s3", 0, "Melanie", "Bye."),), retract=("e5",)))
    assert [s.id for s in store.iter_sessions(ns)] == ["s1", "s3"]
    # delete_event drops it too (test_delete_event_drops_the_session_it_leaves_without_events)
    store.delete_event(ns, "e6")
    assert [s.id for s in store.iter_sessions(ns)] == ["s1"]


def test_delete_event_drops_the_session_it_leaves_without_events(backend: Backend) -> None:
    """Forgetting every event of a session one by one (``Memory.forget``) leaves no empty Session node:
    the last delete drops it, says so in its result and re-derives the sessions' order without it. The
    namespace's only session stays (it keeps the namespace listed, so ``forget -n`` can clear it)."""
    from dataclasses import replace

    store, ns = backend.open(), backend.ns()
    batch = conversation(ns)
    s3 = Session(ns, "s3", 2, day(20))
    e5 = Event(ns, "e5", "s3", 0, "Melanie", "Hi.")
    store.write(replace(batch, sessions=(*batch.sessions, s3), events=(*batch.events, e5)))
    first = store.delete_event(ns, "e1")  # s1 keeps two events
    assert (first.events, first.sessions) == (1, 0)
    assert [s.id for s in store.iter_sessions(ns)] == ["s1", "s2", "s3"]
    last = store.delete_event(ns, "e4")  # s2's only event
    assert (last.events, last.sessions) == (1, 1)
    assert store.get_session(ns, "s2") is None
    assert [s.id for s in store.iter_sessions(ns)] == ["s1", "s3"]
    assert counts(store, ns)["sessions"] == 2
    after = store.neighbors(ns, "s1", edge_types=[EdgeType.NEXT_SESSION], direction=Direction.OUT)
    assert [n.node_id for n in after] == ["s3"]
    assert store.delete_event(ns, "e4") == store.delete_event(ns, "nope")  # nothing left to delete
    for eid in ("e2", "e3"):
        store.delete_event(ns, eid)
    assert [s.id for s in store.iter_sessions(ns)] == ["s3"]
    assert store.neighbors(ns, "s3", edge_types=[EdgeType.NEXT_SESSION], direction=Direction.IN) == []
    assert store.delete_event(ns, "e5").sessions == 0  # the only session left
    assert [s.id for s in store.iter_sessions(ns)] == ["s3"] and ns in store.namespaces()


def test_names_match_without_accents(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(Batch(ns, entities=(Entity(ns, "ines", "Inês", "Person", ("Tomás's sister",)), Entity(ns, "z", "Zoë"))))
    assert [e.id for e in store.find_entities(ns, "Ines")] == ["ines"]
    assert [e.id for e in store.find_entities(ns, "INÊS")] == ["ines"]
    assert [e.id for e in store.find_entities(ns, "tomas's sister")] == ["ines"]
    assert [e.id for e in store.find_entities(ns, "zoe")] == ["z"]


def test_names_match_with_letters_that_do_not_decompose(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(Batch(ns, entities=(Entity(ns, "s", "Søren Kierkegård", "Person"), Entity(ns, "o", "O'Brien"))))
    assert [e.id for e in store.find_entities(ns, "Soren Kierkegard")] == ["s"]
    assert [e.id for e in store.find_entities(ns, "SØREN KIERKEGÅRD")] == ["s"]
    assert [e.id for e in store.find_entities(ns, "obrien")] == ["o"]
    assert [e.id for e in store.find_entities(ns, "O'Brien")] == ["o"]


def test_replace_namespace_is_exact_and_atomic(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    other = backend.ns("other")
    store.write(conversation(other))
    fresh = Batch(ns, (Session(ns, "s9", 0),), (Event(ns, "x1", "s9", 0, "Zed", "Only this now."),))
    removed = store.replace_namespace(fresh)
    assert (removed.events, removed.facts, removed.sessions) == (4, 2, 2)
    assert [e.id for e in store.iter_events(ns)] == ["x1"]
    assert [s.id for s in store.iter_sessions(ns)] == ["s9"]
    assert list(store.iter_entities(ns)) == [] and list(store.iter_facts(ns)) == []
    assert counts(store, other)["events"] == 4  # other namespaces untouched
    bad = Batch(ns, events=(Event(ns, "y", "nope", 0, "Zed", "session missing"),))
    with pytest.raises(StoreError):
        store.replace_namespace(bad)
    assert [e.id for e in store.iter_events(ns)] == ["x1"]


def test_aware_times_are_stored_as_naive_utc(backend: Backend) -> None:
    from datetime import timezone

    store, ns = backend.open(), backend.ns()
    plus5 = timezone(timedelta(hours=5))
    store.write(
        Batch(
            ns,
            (Session(ns, "s", 0, datetime(2024, 1, 1, 10, tzinfo=plus5)),),
            (Event(ns, "e", "s", 0, "A", "hi", datetime(2024, 1, 1, 10, 30, tzinfo=plus5)),),
        )
    )
    assert store.get_session(ns, "s").started_at == datetime(2024, 1, 1, 5)
    assert store.get_event(ns, "e").occurred_at == datetime(2024, 1, 1, 5, 30)
    store.close()
    again = backend.open()
    assert again.get_session(ns, "s").started_at == datetime(2024, 1, 1, 5)


def test_retract_keeps_entities_the_batch_embeds(backend: Backend) -> None:
    store, ns = backend.open(), backend.ns()
    store.write(conversation(ns))
    # support-group is used only by e1; the batch retracts e1 but writes an embedding for the entity
    store.write(Batch(ns, embeddings=(("support-group", [1.0, 0.0]),), embedding_model="m", retract=("e1",)))
    assert store.get_entity(ns, "support-group") is not None
    assert {node for node, _v, _m in store.iter_embeddings(ns)} == {"support-group"}


# -- live memory: messages added one at a time, other handles, read-only facades ----------------------


def _refreshed(store: GraphStore) -> GraphStore:
    from graphmem.store.base import Refreshing

    if isinstance(store, Refreshing):  # a store with an in-memory copy catches up; a server is always current
        store.refresh()
    return store


def test_add_appends_through_the_shared_write_path(backend: Backend) -> None:
    from graphmem.live import add
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeExtractor

    ns = backend.ns()
    mem = Memory(backend.open())
    first = add(
        mem,
        {"speaker": "Dana", "text": "ok", "time": "2024-05-01T09:00:00"},
        namespace=ns,
        extractor=FakeExtractor(),
        embed=False,
    )
    more = add(
        mem,
        [
            {"speaker": "Sam", "text": "ok", "time": "2024-05-01T09:01:00"},
            {"speaker": "Dana", "text": "bye", "time": "2024-05-01T09:02:00"},
        ],
        namespace=ns,
        extractor=FakeExtractor(),
        embed=False,
    )
    assert first + more == ["ev:session_1:1", "ev:session_1:2", "ev:session_1:3"]
    other = _refreshed(backend.open())
    assert [(e.seq, e.text) for e in other.iter_events(ns)] == [(1, "ok"), (2, "ok"), (3, "bye")]
    nxt = other.neighbors(ns, "ev:session_1:2", edge_types=[EdgeType.NEXT], direction=Direction.OUT)
    assert [n.node_id for n in nxt] == ["ev:session_1:3"]
    assert [(s.id, s.index) for s in other.iter_sessions(ns)] == [("session_1", 0)]


def test_a_second_handle_sees_writes_and_deletes(backend: Backend) -> None:
    ns = backend.ns()
    writer, reader = backend.open(), backend.open()
    assert reader.namespaces() == [] or ns not in reader.namespaces()
    writer.write(Batch(ns, sessions=(Session(ns, "s", 0),), events=(Event(ns, "e1", "s", 1, "A", "hello"),)))
    assert [e.id for e in _refreshed(reader).iter_events(ns)] == ["e1"]
    writer.delete_namespace(ns)
    assert ns not in _refreshed(reader).namespaces()
    assert list(reader.iter_events(ns)) == []


def test_a_read_only_memory_refuses_writes(backend: Backend) -> None:
    from graphmem.errors import ReadOnlyStoreError
    from graphmem.memory import Memory

    ns = backend.ns()
    mem = Memory(backend.open(), read_only=True)
    with pytest.raises(ReadOnlyStoreError):
        mem.add({"speaker": "Dana", "text": "hi"}, namespace=ns)
    with pytest.raises(ReadOnlyStoreError):
        mem.forget(ns)
    assert ns not in mem.namespaces()  # nothing was written


def test_forget_embeds_the_reply_to_a_forgotten_turn_again(backend: Backend, tmp_path: Path) -> None:
    """A turn is embedded with the turn it replies to: once that turn is forgotten, the reply's vector is
    the one a memory given only the remaining messages stores (it replies to the turn before)."""
    from graphmem.live import add
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder, FakeExtractor

    ns, fresh, bare = backend.ns(), backend.ns("fresh"), backend.ns("bare")
    mem = Memory(backend.open(), embedder=FakeEmbedder(), index_dir=tmp_path / "vectors")

    def say(namespace: str, *turns: tuple[str, str], embed: bool = True) -> list[str]:
        messages = [{"speaker": who, "text": text} for who, text in turns]
        return add(mem, messages, namespace=namespace, extractor=FakeExtractor(), embed=embed)

    hi, secret = ("Dana", "Hi, quick update from me."), ("Dana", "I was diagnosed with HIV at the clinic yesterday.")
    reply, later = ("Bot", "Okay, I will remember that."), ("Dana", "Thanks.")
    ids = [*say(ns, hi), *say(ns, secret), *say(ns, reply)]  # one message at a time, as an agent adds them
    mem.forget(ns, ids[1])
    ids.append(*say(ns, later))  # after the gap its number leaves, it replies to the turn before
    kept = [*say(fresh, hi), *say(fresh, reply), *say(fresh, later)]
    vectors = {n: {i: v for i, v, _ in _refreshed(backend.open()).iter_embeddings(n)} for n in (ns, fresh)}
    for mine, theirs in zip([ids[0], *ids[2:]], kept, strict=True):
        assert vectors[ns][mine] == pytest.approx(vectors[fresh][theirs], abs=1e-6)

    last = say(ns, secret)  # the last turn of its session: nothing replies to it
    mem.forget(ns, last[0])
    assert {i: v for i, v, _ in mem.store.iter_embeddings(ns)}[ids[3]] == pytest.approx(vectors[ns][ids[3]])

    unembedded = [*say(bare, hi, embed=False), *say(bare, secret, embed=False), *say(bare, reply, embed=False)]
    mem.forget(bare, unembedded[1])  # a namespace stored without vectors gets none
    assert list(mem.store.iter_embeddings(bare)) == []


def test_forget_removes_the_names_only_the_forgotten_message_gave(backend: Backend, tmp_path: Path) -> None:
    """An entity still mentioned elsewhere keeps only the names a remaining mention says."""
    from graphmem.memory import Memory
    from tests.ingest.fakes import FakeEmbedder

    ns = backend.ns()
    store = backend.open()
    said = "My therapist is Dr. Helena Quokkaberg Marsh, I see her every Tuesday."
    events = (
        Event(ns, "ev:s:1", "s", 1, "Dana", said, day(0)),
        Event(ns, "ev:s:2", "s", 2, "Dana", "Dr. Marsh moved her office to Camden.", day(1)),
        Event(ns, "ev:s:3", "s", 3, "Dana", "Quokkaberg is a funny word.", day(2)),
    )
    dana, marsh = "ent:person:dana", "ent:person:helena-quokkaberg-marsh"
    fact = Fact(ns, "fact:1", marsh, "lives_in", "ent:place:camden", day(1), day(1), evidence=("ev:s:2",))
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s", 0, day(0)),),
            events=events,
            entities=(
                Entity(ns, dana, "Dana", "Person"),
                Entity(ns, marsh, "Dr. Helena Quokkaberg Marsh", "Person", ("Marsh", "Helena")),
                Entity(ns, "ent:place:camden", "Camden", "Place"),
            ),
            mentions=(
                *(Mention(ns, ev.id, dana, "speaker") for ev in events),
                *(Mention(ns, ev.id, dana, "subject") for ev in events),  # "I": Dana, as speaker and subject
                Mention(ns, "ev:s:1", marsh, "object"),
                Mention(ns, "ev:s:2", marsh, "subject"),
                Mention(ns, "ev:s:2", "ent:place:camden", "object"),
            ),
            facts=(fact,),
        )
    )
    mem = Memory(store, embedder=FakeEmbedder(), index_dir=tmp_path / "vectors")
    mem.forget(ns, "ev:s:1")
    other = _refreshed(backend.open())
    moved = "ent:person:marsh"  # its id was made of the forgotten name (tests/store/test_forget_ids.py)
    for s in (store, other):
        assert s.get_entity(ns, moved) == Entity(ns, moved, "Marsh", "Person")
        assert s.get_entity(ns, marsh) is None
        assert s.get_entity(ns, dana) == Entity(ns, dana, "Dana", "Person")  # still speaking
        assert [e.id for e in s.find_entities(ns, "Helena")] == []
        assert [e.id for e in s.find_entities(ns, "Marsh")] == [moved]
    assert [(f.subject, f.object) for f in mem.facts(namespace=ns)] == [("Marsh", "Camden")]
