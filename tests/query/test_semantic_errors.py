"""Semantic errors: each names the span of the fault and, where one exists, the closest valid word."""

from __future__ import annotations

import re
from typing import Any

import pytest

from graphmem.errors import QueryLimitError, QuerySemanticError
from graphmem.query import QueryLimits, parse, plan_query
from graphmem.query.limits import PlanLimitError


def plan_error(text: str, params: dict[str, Any] | None = None, **limits: Any) -> QuerySemanticError:
    with pytest.raises(QuerySemanticError) as info:
        plan_query(parse(text), params or {}, limits=QueryLimits(**limits))
    return info.value


def where(err: QuerySemanticError, text: str) -> str:
    """The source text under the caret."""
    assert err.line is not None and err.column is not None
    line = text.splitlines()[err.line - 1]
    caret = err.context.splitlines()[1]
    width = caret.count("^")
    return line[err.column - 1 : err.column - 1 + width]


@pytest.mark.parametrize(
    ("text", "message", "suggestion", "under"),
    [
        ("FIND (e:Evnt) RETURN e", "unknown label Evnt", "Event", "Evnt"),
        ("FIND (p:persn) RETURN p", "unknown label persn", "Person", "persn"),
        ("FIND (e)-[:MENTION]->(x) RETURN x", "unknown edge type MENTION", "MENTIONS", "MENTION"),
        ("FIND (e:Event) WHERE e.tiem AFTER 2023 RETURN e", "has no property 'tiem'", "time", "e.tiem"),
        ("FIND (e:Event) RETURN e.speeker", "has no property 'speeker'", "speaker", "e.speeker"),
        ("FIND (x:Entity) RETURN x.nam", "has no property 'nam'", "name", "x.nam"),
        ("FIND (ev:Event) RETURN evt.text", "unknown variable evt", "ev", "evt.text"),
        # a word meant as a date: the error says how a time is written (tester finding)
        ('RECALL "work" ON yesterday', "a word such as yesterday is no date here", None, "yesterday"),
        ("FIND (e:Event), (s:Event) WHERE e AFTER ss RETURN e", 'a date (2024-05-01, "1 May 2024"', "s", "ss"),
        ("FIND (e:Event) RETURN cuont(*)", "unknown function cuont()", "count", "cuont(*)"),
        (
            "FIND (e:Event) WHERE e.time AFTER 2023-13-01 RETURN e",
            "the month must be 01 to 12",
            "2023-12",
            "2023-13-01",
        ),
        ("FIND (e:Event) WHERE e.time ON 2023-02-30 RETURN e", "has days 01 to 28", "2023-02-28", "2023-02-30"),
        ("FIND (e:Event) WHERE e.time ON 2023-04-00 RETURN e", "has days 01 to 30", None, "2023-04-00"),
        ("FIND (e:Event) WHERE e.time ON 2023-04-01T25:00 RETURN e", "is not a time", None, "2023-04-01T25:00"),
        ('FIND (e:Event) WHERE e ON "next tuesday" RETURN e', "is not a date", None, '"next tuesday"'),
        ("FIND (e:Event) WHERE e.speaker = $whom RETURN e", "parameter $whom is not bound", "$who", "$whom"),
        ("FIND (e:Event) WHERE e.text AFTER 2023 RETURN e", "e.text is not a time", None, "e.text"),
        ("FIND (x:Person) WHERE x BEFORE 2023 RETURN x", "entities have no time", None, "x"),
        ("FIND (a)-[f:FACT]->(b) WHERE f AFTER 2023 RETURN f", "f is an edge", None, "f"),
        ('FIND (e:Event) WHERE e.id IN "e1" RETURN e', "IN needs a list", None, '"e1"'),
        ('FIND (x:Person) WHERE x MENTIONS "Jon" RETURN x', "is not an event", None, 'x MENTIONS "Jon"'),
        ("FIND (e:Event) WHERE count(*) > 1 RETURN e", "is an aggregate", None, "count(*)"),
        ("FIND (e:Event) RETURN min(*)", "only count takes *", None, "min(*)"),
        ('FIND (e:Event ~"camping") RETURN e', "~ matches entity names", None, '(e:Event ~"camping")'),
        ('FIND (p:Person ABOUT "camping") RETURN p', "ABOUT finds events", None, '(p:Person ABOUT "camping")'),
        ("FIND (e:Event)-[:MENTIONS]->(x:Event) RETURN x", "no Event node can be at this end", None, "(x:Event)"),
        # the node whose label cannot be at its end is blamed, whichever way the edge is written
        ("FIND (x:Session)<-[:SPOKEN_BY]-(e) RETURN x", "no Session node can be at this end", None, "(x:Session)"),
        ("FIND (e)-[:SPOKEN_BY]->(x:Session) RETURN x", "no Session node can be at this end", None, "(x:Session)"),
        ("FIND (x:Entity)<-[:SAID]-(e) RETURN x", "no Entity node can be at this end of SAID", None, "(x:Entity)"),
        ("FIND (a)-[f:FACT]->(b) RETURN f AS x, b AS x", "two columns are called x", None, "b AS x"),
        ("FIND (:Event)-->() ", "nothing to return", None, "FIND (:Event)-->()"),
        ("FIND (a)-[r]->(b)-[r]->(c) RETURN a", "r is already an edge variable", None, "-[r]->"),
        ("FIND (a)-[a]->(b) RETURN b", "a is already a node variable", None, "-[a]->"),
        ("FIND (e:Event) AS OF 2023 RETURN e", "apply to FACT edges", None, "2023"),
        ("FIND (a)-[f:FACT]->(b) ALL TIME AS OF 2023 RETURN f", "ALL TIME reads every fact version", None, "2023"),
        ("FIND (e:Event) RETURN e.speaker, e.seq, count(*) GROUP BY e.speaker", "e.seq is neither", None, "e.seq"),
        ("FIND (e:Event) RETURN DISTINCT e.speaker ORDER BY e.seq", "only returned columns", None, "e.seq"),
        ("FIND FIRST (x:Person) RETURN x", "FIRST needs an Event", None, "FIRST"),
        ("FIND LAST (e:Event) RETURN e ORDER BY e.seq", "orders and limits by itself", None, "LAST"),
        ("FIND FIRST (e:Event) RETURN count(*)", "cannot be combined with aggregates", None, "FIRST"),
        ('FIND (e:Event) IN "bad ns!" RETURN e', "illegal namespace", None, '"bad ns!"'),
        ("TIMELINE (x)", "TIMELINE needs a node to follow", None, "(x)"),
        ('TIMELINE (e:Event ABOUT "x")', "the events are called event", "event", '(e:Event ABOUT "x")'),
        ('TIMELINE (event:Person ~"x")', "call this node something else", None, '(event:Person ~"x")'),
        ("FIND (p:Person)-[:SAID|MENTIONS]->(e) RETURN e", "SAID and PREV run against", None, "-[:SAID|MENTIONS]->"),
        ('RECALL "" LIMIT 3', "must not be empty", None, '""'),
        ("RECALL $q", "parameter $q is not bound", None, "$q"),
        ("FIND (e:Event) RETURN e LIMIT -1", None, None, None),
        ("FIND (e) RETURN e LIMIT $n", "LIMIT must be a whole number", None, "$n"),
    ],
)
def test_semantic_errors(text: str, message: str | None, suggestion: str | None, under: str | None) -> None:
    params = {"who": "x", "n": "five"} if "$" in text else {}
    if message is None:
        # A negative LIMIT does not even parse.
        from graphmem.errors import QuerySyntaxError

        with pytest.raises(QuerySyntaxError):
            parse(text)
        return
    err = plan_error(text, params)
    assert message in str(err), str(err)
    assert err.suggestion == suggestion
    if under is not None:
        assert where(err, text) == under, str(err)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("FIND (a)-[*]->(b) RETURN b", "*1..6"),
        ("FIND (a)-[:NEXT*2..]->(b) RETURN b", "*2..6"),
        ("FIND (a)-[:NEXT*1..9]->(b) RETURN b", "*1..6"),
        ("FIND (a)-[:NEXT*7]->(b) RETURN b", "*6..6"),
    ],
)
def test_hop_ranges_over_the_limit(text: str, suggestion: str) -> None:
    err = plan_error(text)
    assert isinstance(err, PlanLimitError) and isinstance(err, QueryLimitError)
    assert err.suggestion == suggestion
    assert "hop range" in str(err)


def test_empty_hop_range_is_a_plain_semantic_error() -> None:
    err = plan_error("FIND (a)-[:NEXT*3..1]->(b) RETURN b")
    assert not isinstance(err, PlanLimitError)
    assert "empty" in str(err) and err.suggestion == "*1..3"


def test_result_and_seed_limits() -> None:
    assert isinstance(plan_error("FIND (e:Event) RETURN e LIMIT 11", max_rows=10), PlanLimitError)
    assert isinstance(plan_error('FIND (e:Event ABOUT "x" TOP 51) RETURN e', max_about_k=50), PlanLimitError)
    assert isinstance(plan_error("FIND (a)-[:NEXT*1..3]->(b) RETURN b", max_hops=2), PlanLimitError)


def test_parameter_types() -> None:
    err = plan_error("FIND (e:Event) WHERE e.speaker = $who RETURN e", {"who": object()})
    assert "parameter $who is a object" in str(err)
    err = plan_error("FIND (e:Event) WHERE e ON $day RETURN e", {"day": 5})
    assert "must be a date" in str(err)
    err = plan_error("FIND (e:Event) WHERE e ON $day RETURN e", {"day": "yesterday-ish"})
    assert "is not a date" in str(err)


def test_unknown_label_lists_the_labels_and_store_types_can_extend_them() -> None:
    from graphmem.query import Schema

    err = plan_error("FIND (x:Animal) RETURN x")
    assert "Person" in str(err) and "Topic" in str(err)
    plan = plan_query(parse("FIND (x:Animal) RETURN x"), schema=Schema().with_types(["Animal"]))
    assert "ScanNodes x:Animal" in str(plan)


def test_timeline_error_suggests_only_forms_it_takes() -> None:
    # Each example the error gives is a TIMELINE that plans (one suggested "(e:Event ABOUT …)", refused).
    message = str(plan_error("TIMELINE (x)")).split("e.g. ", 1)[1].splitlines()[0]
    examples = re.split(r", (?:or )?| or ", message)
    assert len(examples) == 4, message
    for example in examples:
        plan_query(parse(f"TIMELINE {example}"), {})
