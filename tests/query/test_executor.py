"""Query results on the small hand-written graph of ``conftest.py``, checked against worked-out answers."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import QueryLimitError, QuerySemanticError
from graphmem.query import QueryLimits, execute, parse, plan_query
from graphmem.query.limits import DEFAULT_LIMITS, PlanLimitError
from graphmem.query.result import Edge, Result
from graphmem.recall import RecallRequest


def run(
    mem: Memory,
    text: str,
    *,
    about: Any = None,
    recall: Any = None,
    limits: QueryLimits = DEFAULT_LIMITS,
    **params: Any,
) -> Result:
    params.setdefault("namespace", "t1")
    plan = plan_query(parse(text), params, limits=limits)
    return execute(plan, mem.store, about=about, recall=recall, limits=limits)


def col(result: Result, index: int = 0) -> list[Any]:
    return [row[index] for row in result.rows]


# -- matching ---------------------------------------------------------------------------------------


def test_count_events(small_memory: Memory) -> None:
    assert run(small_memory, "FIND (e:Event) RETURN count(*)").rows == ((8,),)


def test_said_is_spoken_by_reversed(small_memory: Memory) -> None:
    said = run(small_memory, 'FIND (p:Person {name: "Caroline"})-[:SAID]->(e:Event) RETURN e.id ORDER BY e.time')
    spoken = run(small_memory, 'FIND (e:Event)-[:SPOKEN_BY]->(p:Person {name: "caroline"}) RETURN e.id ORDER BY e.id')
    assert col(said) == ["e1", "e3", "e6"]
    assert col(spoken) == ["e1", "e3", "e6"]


def test_fuzzy_names_and_aliases(small_memory: Memory) -> None:
    carolin = run(small_memory, 'FIND (p ~"Carolin") RETURN p.name')
    assert col(carolin) == ["Caroline"]
    mel = run(small_memory, 'FIND (p:Person ~"Mel") RETURN p.name, p.why')
    assert col(mel) == ["Melanie"]
    assert "'Mel'" in mel.rows[0][1]
    assert run(small_memory, 'FIND (p:Person ~"Zzyzx") RETURN p').rows == ()


def test_mentions_predicate(small_memory: Memory) -> None:
    assert col(run(small_memory, 'FIND (e:Event) WHERE e MENTIONS "camping" RETURN e.id')) == ["e2", "e4"]
    assert col(run(small_memory, 'FIND (e:Event) WHERE e MENTIONS ~"adoptoin" RETURN e.id')) == ["e3", "e6"]
    by_var = run(small_memory, 'FIND (e:Event), (c:Person {name: "Caroline"}) WHERE e MENTIONS c RETURN e.id')
    assert col(by_var) == ["e7"]


def test_relationship_uniqueness_in_co_mentions(small_memory: Memory) -> None:
    # e2 mentions camping and kids; x cannot reuse the edge to camping. e4 mentions only camping.
    result = run(
        small_memory, 'FIND (e:Event)-[:MENTIONS]->(x), (e)-[:MENTIONS]->(c {name: "camping"}) RETURN e.id, x.name'
    )
    assert result.rows == (("e2", "kids"),)


def test_hop_ranges(small_memory: Memory) -> None:
    base = 'FIND (a:Event {id: "e1"})-[:NEXT HOPS]->(b) RETURN b.id'
    assert col(run(small_memory, base.replace(" HOPS", "*1..2"))) == ["e2", "e3"]
    assert col(run(small_memory, base.replace(" HOPS", "*2"))) == ["e3"]
    assert col(run(small_memory, base.replace(" HOPS", "*0..1"))) == ["e1", "e2"]
    assert col(run(small_memory, base.replace(" HOPS", "*..6"))) == ["e2", "e3", "e4"]
    path = run(small_memory, 'FIND (a:Event {id: "e1"})-[r:NEXT*3]->(b) RETURN r, r.hops, b.id')
    edges, hops, last = path.rows[0]
    assert hops == 3 and last == "e4"
    assert [(e.start, e.end) for e in edges] == [("e1", "e2"), ("e2", "e3"), ("e3", "e4")]


def test_reverse_aliases_and_directions(small_memory: Memory) -> None:
    assert col(run(small_memory, 'FIND (a:Event {id: "e3"})-[:PREV]->(b) RETURN b.id')) == ["e2"]
    assert col(run(small_memory, 'FIND (a:Event {id: "e3"})<-[:NEXT]-(b) RETURN b.id')) == ["e2"]
    both = run(small_memory, 'FIND (a:Event {id: "e3"})-[:NEXT]-(b) RETURN b.id ORDER BY b.id')
    assert col(both) == ["e2", "e4"]


def test_into_closes_a_cycle(small_memory: Memory) -> None:
    # NEXT pairs whose two events share a session: 3 in s1, 2 in s2, none in s3.
    text = "FIND (a:Event)-[:NEXT]->(b:Event), (a)-[:IN_SESSION]->(s)<-[:IN_SESSION]-(b) RETURN count(*)"
    assert run(small_memory, text).rows == ((5,),)


def test_labels_narrow_entity_types(small_memory: Memory) -> None:
    assert sorted(col(run(small_memory, "FIND (x:Person|Place) RETURN x.name"))) == [
        "Berlin",
        "Caroline",
        "Jon",
        "Melanie",
    ]
    assert col(run(small_memory, "FIND (s:Session) RETURN s.id")) == ["s1", "s2", "s3"]


def test_lookup_by_source_id(small_memory: Memory) -> None:
    assert col(run(small_memory, 'FIND (e:Event {source: "D2:2"}) RETURN e.text')) == [
        "Adoption is going well, I met an agency"
    ]


# -- WHERE ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("e.time BEFORE 2023-06", ["e1", "e2", "e3", "e4"]),
        ("e.time AFTER 2023-05-08", ["e5", "e6", "e7"]),
        ("e ON 2023-06-10", ["e5", "e6", "e7"]),
        ("e.time BETWEEN 2023-05-08 AND 2023-05-08", ["e1", "e2", "e3", "e4"]),
        ("e.time WITHIN 1 day OF 2023-06-11", ["e5", "e6", "e7"]),
        ("e AFTER 2023-05-08T13:57", ["e3", "e4", "e5", "e6", "e7"]),
        ("e.time AFTER 2023-05-31 + 1 week", ["e5", "e6", "e7"]),
        ("e.time BEFORE 2023-07-10 - 1 month", ["e1", "e2", "e3", "e4"]),
        ('e.time ON "10 June 2023"', ["e5", "e6", "e7"]),
        ("e AFTER 2023", []),
        ("e.time IS NULL", ["e8"]),
        ("NOT e.time AFTER 2023-06-01", ["e1", "e2", "e3", "e4"]),
        ('e.text CONTAINS "camping"', ["e2", "e4"]),
        ('e.text STARTS WITH "i "', ["e1", "e3", "e5"]),
        ('e.text ENDS WITH "BERLIN"', ["e8"]),
        ('e.speaker ~ "Melani" AND e.seq >= 2', ["e4", "e7"]),
        ('e.speaker IN ["Jon", "Caroline"] AND NOT e.session = "s1"', ["e6", "e8"]),
        ('e.speaker = "Jon" OR e.seq > 2 OR e.source = "D2:1"', ["e4", "e5", "e8"]),
        ('(e.seq = 0 OR e.seq = 1) AND e.session <> "s1"', ["e5", "e6", "e8"]),
    ],
)
def test_where(small_memory: Memory, where: str, expected: list[str]) -> None:
    assert col(run(small_memory, f"FIND (e:Event) WHERE {where} RETURN e.id")) == expected


def test_time_relative_to_another_event(small_memory: Memory) -> None:
    def ids(where: str) -> list[Any]:
        return col(run(small_memory, f'FIND (s:Event {{id: "e2"}}), (e:Event) WHERE {where} RETURN e.id'))

    assert ids("e AFTER s AND e.time WITHIN 1 hour OF s.time") == ["e3", "e4"]
    assert ids("e ON s") == ["e1", "e2", "e3", "e4"]
    assert ids("e BEFORE s - 1 minute") == []
    assert ids("e.time BETWEEN s AND s + 2 minutes") == ["e2", "e3", "e4"]


def test_parameters_are_values_never_text(small_memory: Memory) -> None:
    who = run(small_memory, "FIND (e:Event) WHERE e.speaker = $who RETURN e.id", who="Jon")
    assert col(who) == ["e8"]
    inject = run(small_memory, "FIND (e:Event) WHERE e.speaker = $who RETURN e.id", who='Jon" OR e.seq > 0 OR "')
    assert inject.rows == ()
    listed = run(small_memory, "FIND (e:Event) WHERE e.id IN $ids RETURN e.id", ids=["e7", "e1"])
    assert col(listed) == ["e1", "e7"]
    when = run(small_memory, "FIND (e:Event) WHERE e ON $day RETURN e.id", day=date(2023, 6, 10))
    assert col(when) == ["e5", "e6", "e7"]
    moment = run(small_memory, "FIND (e:Event) WHERE e AFTER $t RETURN e.id", t=datetime(2023, 6, 10, 9, 1))
    assert col(moment) == ["e7"]


# -- facts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("", ["f1", "f2", "f4"]),  # current: f3 ended on 1 June (and its record expired on 15 June)
        ("ALL TIME", ["f1", "f2", "f3", "f4"]),
        ("AS OF 2023-06-01", ["f1"]),  # believed then, about then: f3 had just ended
        ("AS OF 2023-06-01 VALID AT 2023-05-15", ["f1", "f3"]),
        ("AS OF 2023-06-20", ["f1", "f2"]),
        ("VALID AT 2023-06-05", ["f1", "f2", "f4"]),
        ("AS OF 2023-07-02 VALID AT 2023-05-15", ["f1"]),
    ],
)
def test_fact_axes(small_memory: Memory, clause: str, expected: list[str]) -> None:
    result = run(small_memory, f"FIND (a)-[f:FACT]->(b) {clause} RETURN f.id ORDER BY f.id")
    assert col(result) == expected


def test_fact_properties(small_memory: Memory) -> None:
    result = run(
        small_memory,
        'FIND (j:Person {name: "Jon"})-[f:FACT]->(x) ALL TIME WHERE f.valid_to IS NOT NULL RETURN f.predicate, x.name',
    )
    assert result.rows == (("work_at", "Crumb Bakery"),)
    edge = run(small_memory, 'FIND (a)-[f:FACT {predicate: "run"}]->(b) RETURN f').rows[0][0]
    assert isinstance(edge, Edge) and edge.fact is not None and edge.fact.id == "f2"


# -- projection, grouping, order ------------------------------------------------------------------


def test_group_and_order(small_memory: Memory) -> None:
    implicit = run(small_memory, "FIND (e:Event) RETURN e.speaker, count(*) AS n ORDER BY n DESC, e.speaker")
    assert implicit.rows == (("Melanie", 4), ("Caroline", 3), ("Jon", 1))
    explicit = run(small_memory, "FIND (e:Event) RETURN e.session, count(*) GROUP BY e.session ORDER BY e.session")
    assert explicit.rows == (("s1", 4), ("s2", 3), ("s3", 1))


def test_aggregates(small_memory: Memory) -> None:
    result = run(
        small_memory,
        'FIND (e:Event) WHERE e.session = "s2" RETURN count(DISTINCT e.speaker), min(e.time), max(e.seq), '
        "collect(e.id), sum(e.seq), avg(e.seq)",
    )
    assert result.rows == ((2, datetime(2023, 6, 10, 9, 0), 2, ("e5", "e6", "e7"), 3, 1.0),)
    empty = run(small_memory, 'FIND (e:Event) WHERE e.speaker = "Nobody" RETURN count(*)')
    assert empty.rows == ((0,),)


def test_distinct_and_functions(small_memory: Memory) -> None:
    # the default order after DISTINCT: by the returned values
    assert col(run(small_memory, "FIND (e:Event) RETURN DISTINCT e.speaker")) == ["Caroline", "Jon", "Melanie"]
    days = run(small_memory, "FIND (e:Event) RETURN DISTINCT date(e.time) AS day, month(e.time) ORDER BY day")
    assert days.rows == ((datetime(2023, 5, 8), 5), (datetime(2023, 6, 10), 6), (None, None))
    text = run(small_memory, 'FIND (e:Event {id: "e8"}) RETURN lower(e.text), upper(e.speaker), size(e.text)')
    assert text.rows == (("back from berlin", "JON", 16),)


def test_first_and_last(small_memory: Memory) -> None:
    assert col(run(small_memory, 'FIND FIRST (e:Event) WHERE e.speaker = "Melanie" RETURN e.id')) == ["e2"]
    assert col(run(small_memory, 'FIND LAST 2 (e:Event) WHERE e.speaker = "Melanie" RETURN e.id')) == ["e7", "e5"]
    # e8 has no time: it sorts last either way, so LAST picks the latest timed event.
    assert col(run(small_memory, "FIND LAST (e:Event) RETURN e.id")) == ["e7"]


def test_default_return_is_the_named_variables(small_memory: Memory) -> None:
    result = run(small_memory, 'FIND (p:Person {name: "Jon"})-[:SAID]->(e) RETURN *'.replace(" RETURN *", ""))
    assert result.columns == ("p", "e")
    assert result.rows[0][1].id == "e8"


# -- TIMELINE ---------------------------------------------------------------------------------------


def test_timeline_of_an_entity(small_memory: Memory) -> None:
    # Caroline spoke e1, e3, e6 and is mentioned in e7.
    result = run(small_memory, 'TIMELINE (p:Person {name: "Caroline"})')
    assert result.columns == ("time", "session", "speaker", "text", "source")
    assert col(result, 4) == ["D1:1", "D1:3", "D2:2", "D2:3"]
    filtered = run(small_memory, 'TIMELINE (t:Topic ~"camping") WHERE event.speaker = "Melanie" LIMIT 1')
    assert col(filtered, 3) == ["That's great! I'm going camping with the kids"]
    session = run(small_memory, 'TIMELINE (s:Session {id: "s2"})')
    assert col(session, 4) == ["D2:1", "D2:2", "D2:3"]
    # A node without a label is followed by its id, an entity's or a session's alike.
    assert col(run(small_memory, 'TIMELINE (x {id: "p:caroline"})'), 4) == ["D1:1", "D1:3", "D2:2", "D2:3"]
    assert col(run(small_memory, 'TIMELINE ({id: "s2"})'), 4) == ["D2:1", "D2:2", "D2:3"]


def test_timeline_of_events(small_memory: Memory, about_small: Any) -> None:
    result = run(small_memory, 'TIMELINE (:Event ABOUT "camping kids" TOP 2)', about=about_small)
    assert col(result, 4) == ["D1:2", "D1:4"]


# -- ABOUT and RECALL -------------------------------------------------------------------------------


def test_about_seeds(small_memory: Memory, about_small: Any) -> None:
    # Jaccard with {camping, with, the, kids}: e2 4/10, e4 1/9, e1 1/11.
    result = run(
        small_memory,
        'FIND (e:Event ABOUT "camping with the kids" TOP 2) RETURN e.id, e.score ORDER BY relevance DESC',
        about=about_small,
    )
    assert result.rows == (("e2", 0.4), ("e4", 0.1111))
    nxt = run(small_memory, 'FIND (e:Event ABOUT "camping")-[:NEXT]->(n) RETURN n.id', about=about_small)
    assert col(nxt) == ["e3"]
    matched = run(
        small_memory,
        'FIND (p:Person {name: "Melanie"})-[:SAID]->(e:Event ABOUT "camping") RETURN e.id ORDER BY e.score DESC',
        about=about_small,
    )
    assert col(matched) == ["e4", "e2"]


def test_about_needs_a_source(small_memory: Memory) -> None:
    with pytest.raises(QuerySemanticError, match="vector index"):
        run(small_memory, 'FIND (e:Event ABOUT "camping") RETURN e')


def test_recall_passes_the_window(small_memory: Memory) -> None:
    calls: list[RecallRequest] = []
    event = small_memory.store.get_event("t1", "e3")

    def recall(request: RecallRequest) -> list[Any]:
        calls.append(request)
        return [SimpleNamespace(event=event, score=0.75, why=SimpleNamespace(describe=lambda: "dense #1"))]

    result = run(
        small_memory,
        'RECALL "adoption" BY "Caroline" BETWEEN 2023-05-01 AND 2023-05-31 AS OF 2023-06-01 HOPS 1 LIMIT 3',
        recall=recall,
    )
    assert calls == [
        RecallRequest(
            text="adoption",
            namespace="t1",
            k=3,
            hops=1,
            since=datetime(2023, 5, 1),
            until=datetime(2023, 5, 31, 23, 59, 59, 999999),
            speakers=("Caroline",),
            as_of=datetime(2023, 6, 1, 23, 59, 59, 999999),  # a date: memory at the end of that day, as UNTIL
        )
    ]
    assert result.rows == ((0.75, datetime(2023, 5, 8, 13, 58), "Caroline", event.text, "D1:3", "dense #1"),)


# -- namespaces and limits --------------------------------------------------------------------------


def test_namespace_must_be_named_when_there_are_several(small_memory: Memory) -> None:
    plan = plan_query(parse("FIND (e:Event) RETURN count(*)"))
    with pytest.raises(QuerySemanticError, match="2 namespaces"):
        execute(plan, small_memory.store)
    in_t2 = plan_query(parse('FIND (e:Event) IN "t2" RETURN e.text'))
    assert execute(in_t2, small_memory.store).rows == (("Another namespace entirely",),)
    with pytest.raises(QuerySemanticError) as info:
        execute(plan_query(parse('FIND (e) IN "T1" RETURN e')), small_memory.store)
    assert info.value.suggestion == "t1"


def test_row_limit(small_memory: Memory) -> None:
    limits = QueryLimits(max_rows=3)
    with pytest.raises(QueryLimitError, match="more than 3 rows"):
        run(small_memory, "FIND (e:Event) RETURN e.id", limits=limits)
    assert len(run(small_memory, "FIND (e:Event) RETURN e.id LIMIT 3", limits=limits)) == 3
    with pytest.raises(PlanLimitError):
        run(small_memory, "FIND (e:Event) RETURN e.id LIMIT 4", limits=limits)


def test_work_and_time_limits(small_memory: Memory) -> None:
    text = "FIND (a:Event), (b:Event), (c:Event), (d:Event) RETURN count(*)"
    assert run(small_memory, text).rows == ((8**4,),)
    with pytest.raises(QueryLimitError, match="intermediate rows"):
        run(small_memory, text, limits=QueryLimits(max_work=1000))
    with pytest.raises(QueryLimitError, match="ran longer"):
        run(small_memory, text, limits=QueryLimits(timeout=0.0))


def test_memory_query_and_explain(small_memory: Memory) -> None:
    result = small_memory.query("FIND (e:Event) WHERE e.speaker = $who RETURN e.id", who="Jon", namespace="t1")
    assert result.to_dicts() == [{"e.id": "e8"}]
    assert result.namespace == "t1"
    plan = small_memory.explain("FIND (e:Event) RETURN e", namespace="t1")
    assert "ScanNodes e:Event" in str(plan)
    explained = small_memory.query("EXPLAIN FIND (e:Event) RETURN e", namespace="t1")
    assert explained.columns == ("plan",) and "ScanNodes" in explained.rows[1][0]
    assert result.to_json() == [{"e.id": "e8"}]


LIST_EQUALITY = [  # Cypher: equal when pairwise equal, false when sizes or a pair differ, else unknown
    ("[1, NULL] = [1, NULL]", {}, None),
    ("[1, NULL] <> [1, NULL]", {}, None),
    ("[1, 2] = [1, NULL]", {}, None),
    ("[1, NULL] = [2, NULL]", {}, False),
    ("[1, NULL] <> [2, NULL]", {}, True),
    ("[NULL] = [1, 2]", {}, False),
    ("[1, 2] = [1, 2]", {}, True),
    ("[1, 2] = [1]", {}, False),
    ('["a", NULL] = [1, NULL]', {}, False),
    ("[1, 2.0] = [1.0, 2]", {}, True),
    ("[1] = [TRUE]", {}, False),
    ("$a = $b", {"a": [1, None], "b": [1, None]}, None),
    ("$a = [1, NULL]", {"a": (2, None)}, False),
    ("$a = [1, 2]", {"a": (1, 2)}, True),  # a tuple and a list are both lists
]


@pytest.mark.parametrize(("cond", "params", "truth"), LIST_EQUALITY)
def test_list_equality_is_three_valued_as_in_cypher(
    small_memory: Memory, cond: str, params: dict[str, Any], truth: bool | None
) -> None:
    def passes(where: str) -> bool:
        return bool(run(small_memory, f'FIND (e:Event {{id: "e1"}}) WHERE {where} RETURN e.id', **params).rows)

    got = True if passes(cond) else False if passes(f"NOT ({cond})") else None
    assert got is truth
