"""The Neo4j Browser guide: the docs show every starter query, and every query runs on the server."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graphmem.browser_guide import EXAMPLE_VALUES, GRASS, STARTER_QUERIES, cypher_string, guide_text, guide_values
from graphmem.cli.app import main
from graphmem.lookup import entity_facts
from graphmem.models import Batch, Fact, Mention
from graphmem.store.cypher import CypherStore
from tests.store.test_contract import conversation, day
from tests.support.bolt_server import BoltTarget
from tests.viz.guide_text import blocks, cypher_literal
from tests.viz.test_browser_guide import ODD, odd_conversation, three_people

DOCS = Path(__file__).resolve().parents[2] / "docs"
NS = "guide"


def test_docs_show_every_query_and_the_style_sheet() -> None:
    doc = (DOCS / "neo4j-browser.md").read_text()
    assert len(STARTER_QUERIES) >= 12
    for q in STARTER_QUERIES:
        assert q.cypher in doc, f"docs/neo4j-browser.md lacks {q.title!r}"
        shown = "\n".join(f":param {k} => {cypher_string(EXAMPLE_VALUES.as_dict()[k])}" for k in q.params)
        assert f"{shown}\n{q.cypher}" in doc, f"docs/neo4j-browser.md shows other values for {q.title!r}"
        assert q.title in doc
    assert (DOCS / "graphmem.grass").read_text() == GRASS
    for label in ("node.Event", "node.Entity", "node.Session", "relationship.FACT"):
        assert label in GRASS


def test_cli_prints_the_grass(tmp_path: Path) -> None:
    assert main(["browser-guide", "--grass", "-o", str(tmp_path / "g.grass")]) == 0
    assert (tmp_path / "g.grass").read_text() == GRASS


@pytest.mark.neo4j
def test_every_printed_query_finds_something(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    """The guide printed for a Bolt store (values taken from it, a speaker named with quotes and a
    backslash): each ``:param`` literal reads back as the value, and each query returns rows."""
    neo4j_store.write(odd_conversation(NS))
    # Melanie also talks about the support group, so the two people share a topic
    neo4j_store.write(Batch(NS, mentions=(Mention(NS, "e2", "support-group"),)))
    values = guide_values(neo4j_store)
    assert values.ns == NS and values.person == ODD
    printed = blocks(guide_text(values))
    assert len(printed) == len(STARTER_QUERIES)
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        for (title, literals, cypher), query in zip(printed, STARTER_QUERIES, strict=True):
            if query.fulltext and not neo4j_store.fulltext:
                continue  # ArcadeDB's Bolt plugin has no full-text index (CREATE FULLTEXT INDEX is rejected)
            params = {}
            for name, literal in literals.items():
                # what Browser does with `:param name => literal` (the literal is the guide's own text)
                read, _, _ = driver.execute_query(f"RETURN {literal} AS v", database_=bolt_server.database)
                params[name] = read[0]["v"]
                assert params[name] == values.as_dict()[name] == cypher_literal(literal)
            records, _, _ = driver.execute_query(cypher, params, database_=bolt_server.database)
            assert records, f"{title!r} found nothing"


@pytest.mark.neo4j
def test_cli_guide_names_the_database_its_values_come_from(
    neo4j_store: CypherStore,
    bolt_server: BoltTarget,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the server alone does not say which of its databases the values were read from
    neo4j_store.write(odd_conversation(NS))
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    assert main(["browser-guide", "--db", bolt_server.uri]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert f"values from {bolt_server.uri}/{bolt_server.database}, namespace {NS}." in first, first


@pytest.mark.neo4j
def test_fact_queries_leave_out_versions_memory_retired(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    """A job changed: the open-ended old version was retired when the new one was recorded. The queries
    about facts as they are (true on a date, their evidence, the neighbourhood) show the new version only,
    as ``FIND ... VALID AT`` and ``graphmem facts --valid-at`` do; the record-time query still shows the
    old one at a moment memory held it."""
    ns = "job"
    batch = conversation(ns)
    old = Fact(
        ns,
        "acme",
        "caroline",
        "works_at",
        "camping",
        day(-30),
        valid_from=day(-30),
        expired_at=day(5),
        evidence=("e3",),
    )
    closed = Fact(  # the old job as memory holds it now, ended when the new one began (its own id here)
        ns,
        "acme-ended",
        "caroline",
        "works_at",
        "camping",
        day(5),
        valid_from=day(-30),
        valid_to=day(3),
        evidence=("e3",),
    )
    new = Fact(ns, "globex", "caroline", "works_at", "support-group", day(5), valid_from=day(3), evidence=("e1",))
    neo4j_store.write(Batch(ns, batch.sessions, batch.events, batch.entities, batch.mentions, (old, closed, new)))
    values = guide_values(neo4j_store, ns)
    assert values.predicate == "works_at"
    run = {q.title: q for q in STARTER_QUERIES}
    params = values.as_dict() | {"date": day(6).isoformat(), "at": day(-1).isoformat(), "person": "Caroline"}
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:

        def rows(title: str) -> list[Any]:
            records, _, _ = driver.execute_query(run[title].cypher, params, database_=bolt_server.database)
            return list(records)

        true_then = rows("Facts true in the world on a date")
        assert [(r["predicate"], r["object"]) for r in true_then] == [("works_at", "LGBTQ support group")]
        believed = rows("What memory believed at a moment (record time)")
        assert [(r["predicate"], r["object"]) for r in believed] == [("works_at", "camping")]
        # after the change was learned: the new job only, not the closed version of the old one beside it,
        # as graphmem facts --as-of answers
        params["at"] = day(6).isoformat()
        believed = rows("What memory believed at a moment (record time)")
        assert [(r["predicate"], r["object"]) for r in believed] == [("works_at", "LGBTQ support group")]
        as_of = entity_facts(neo4j_store, ns, None, as_of=day(6))
        assert [(f.fact.predicate, f.object) for f in as_of] == [("works_at", "LGBTQ support group")]
        support = rows("The events that support a fact")
        # the old job as memory holds it now (ended) keeps its evidence; the retired open-ended version has none
        assert {(r["object"], r["turn"]) for r in support} == {("LGBTQ support group", "D1:1"), ("camping", "D1:3")}
        near = rows("An entity's neighbourhood, two hops out (graph view)")
        facts = {rel.get("id") for r in near for rel in r["p"].relationships if rel.type == "FACT"}
        assert facts == {"globex", "acme-ended"}


@pytest.mark.neo4j
def test_every_session_has_a_caption(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    """The style sheet captions sessions with ``caption``: a header's date, else when the session started
    (a live or JSONL session has no header), else its id."""
    from graphmem.models import Session

    ns = "captions"
    started = datetime(2025, 6, 15, 20, 0)
    sessions = (
        Session(ns, "s1", 0, started, "15 June 2025"),
        Session(ns, "s2", 1, started),
        Session(ns, "s3", 2, None),
    )
    neo4j_store.write(Batch(ns, sessions=sessions))
    assert 'caption: "{caption}"' in GRASS.split("node.Session", 1)[1].split("node.", 1)[0]
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (s:Session {namespace: $ns}) RETURN s.id AS id, s.caption AS caption ORDER BY id",
            {"ns": ns},
            database_=bolt_server.database,
        )
    assert [(r["id"], r["caption"]) for r in records] == [
        ("s1", "15 June 2025"),
        ("s2", "2025-06-15 20:00"),
        ("s3", "s3"),
    ]


@pytest.mark.neo4j
@pytest.mark.parametrize("shared", [True, False])
def test_queries_find_rows_unless_the_guide_says_they_cannot(
    neo4j_store: CypherStore, bolt_server: BoltTarget, shared: bool
) -> None:
    """Ana talks most but shares no topic and says no word to search for: query 5 takes the two who
    share one, query 13 another speaker's words; with no shared topic the guide says query 5 finds
    nothing, and it does not."""
    neo4j_store.write(three_people(NS, shared=shared))
    guide = guide_text(guide_values(neo4j_store))
    printed = blocks(guide)
    notes = {c.splitlines()[0]: "Finds nothing in this store" in c for c in guide.split("\n\n") if c.startswith("// ")}
    found = {}
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        for (title, literals, cypher), query in zip(printed, STARTER_QUERIES, strict=True):
            if query.fulltext and not neo4j_store.fulltext:
                continue  # ArcadeDB's Bolt plugin has no full-text index
            params = {name: cypher_literal(literal) for name, literal in literals.items()}
            records, _, _ = driver.execute_query(cypher, params, database_=bolt_server.database)
            found[title] = bool(records)
            assert found[title] != notes[title], f"{title!r}: rows {found[title]}, note {notes[title]}"
    five = next(t for t in found if t.startswith("// 5. "))
    assert found[five] is shared


@pytest.mark.neo4j
def test_sessions_stored_without_a_caption_get_one_when_the_store_is_opened_for_writing(
    neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    """Sessions an older graphmem wrote (no ``caption``) are captioned as new ones are, on the next open
    for writing, a few per statement; a caption already there is kept, and a read-only open writes none."""
    from graphmem.models import Session
    from graphmem.store.neo4j import connect

    started = datetime(2025, 6, 15, 20, 0)
    sessions = (
        Session("old", "s1", 0, started, "15 June 2025"),
        Session("old", "s2", 1, started),
        Session("old", "s3", 2, None),
        Session("other", "s1", 0, None),
    )
    for ns in ("old", "other"):
        neo4j_store.write(Batch(ns, sessions=tuple(s for s in sessions if s.namespace == ns)))
    expected = [
        ("old", "s1", "15 June 2025"),
        ("old", "s2", "2025-06-15 20:00"),
        ("old", "s3", "s3"),
        ("other", "s1", "s1"),
    ]

    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:

        def captions() -> list[tuple[str, str, str | None]]:
            records, _, _ = driver.execute_query(
                "MATCH (s:Session) RETURN s.namespace AS ns, s.id AS id, s.caption AS caption ORDER BY ns, id",
                database_=bolt_server.database,
            )
            return [(r["ns"], r["id"], r["caption"]) for r in records]

        def forget_captions(keep: str = "") -> None:  # as a graphmem before session captions left them
            driver.execute_query(
                "MATCH (s:Session) WHERE s.id <> $keep REMOVE s.caption", {"keep": keep}, database_=bolt_server.database
            )

        assert captions() == expected
        forget_captions()
        read_only = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database, read_only=True)
        read_only.close()
        assert [c for *_, c in captions()] == [None] * 4  # a read-only open writes nothing
        writable = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
        writable.close()
        assert captions() == expected
        # a caption already there is kept; the rest come two per statement
        from graphmem.store.cypher.setup import caption_sessions

        driver.execute_query("MATCH (s:Session {id: 's2'}) SET s.caption = 'mine'", database_=bolt_server.database)
        forget_captions(keep="s2")
        assert caption_sessions(neo4j_store._session, batch=2) == 3
        assert captions() == [
            ("old", "s1", "15 June 2025"),
            ("old", "s2", "mine"),
            ("old", "s3", "s3"),
            ("other", "s1", "s1"),
        ]
        assert caption_sessions(neo4j_store._session, batch=2) == 0  # idempotent
