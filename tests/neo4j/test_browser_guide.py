"""The Neo4j Browser guide: the docs show every starter query, and every query runs on the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import GraphDatabase

from graphmem.browser_guide import GRASS, STARTER_QUERIES, StarterQuery, guide_text
from graphmem.cli.app import main
from graphmem.models import Batch, Mention
from graphmem.store.cypher import CypherStore
from tests.store.test_contract import conversation
from tests.support.bolt_server import BoltTarget

DOCS = Path(__file__).resolve().parents[2] / "docs"
NS = "guide"
# Parameters that select data of tests.store.test_contract.conversation().
PARAMS = {
    "ns": NS,
    "person": "Caroline",
    "other": "Melanie",
    "session": "s1",
    "date": "2023-05-07T20:00:00",
    "at": "2023-05-20T00:00:00",
    "predicate": "go",
    "since": "2023-05-01T00:00:00",
    "until": "2023-06-01T00:00:00",
    "seed": "melanie",
    "hit": "e4",
    "words": "camping kids",
}


def test_docs_show_every_query_and_the_style_sheet() -> None:
    doc = (DOCS / "neo4j-browser.md").read_text()
    assert len(STARTER_QUERIES) >= 12
    for q in STARTER_QUERIES:
        assert q.cypher in doc, f"docs/neo4j-browser.md lacks {q.title!r}"
        assert q.title in doc
    assert (DOCS / "graphmem.grass").read_text() == GRASS
    for label in ("node.Event", "node.Entity", "node.Session", "relationship.FACT"):
        assert label in GRASS


def test_cli_prints_the_guide_and_the_grass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["browser-guide"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == guide_text().strip()
    assert ':param person => "Caroline"' in out
    assert main(["browser-guide", "--grass", "-o", str(tmp_path / "g.grass")]) == 0
    assert (tmp_path / "g.grass").read_text() == GRASS


@pytest.mark.neo4j
@pytest.mark.parametrize("query", STARTER_QUERIES, ids=[q.title[:40] for q in STARTER_QUERIES])
def test_starter_query_runs_and_finds_something(
    query: StarterQuery, neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    if query.fulltext and not neo4j_store.fulltext:
        pytest.skip("ArcadeDB's Bolt plugin has no full-text index (CREATE FULLTEXT INDEX is rejected)")
    batch = conversation(NS)
    neo4j_store.write(batch)
    # Melanie also talks about the support group, so the two people share a topic
    neo4j_store.write(Batch(NS, mentions=(Mention(NS, "e2", "support-group"),)))
    params = {name: PARAMS[name] for name, _ in query.params}
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        records, _, _ = driver.execute_query(query.cypher, params, database_=bolt_server.database)
    assert records, f"{query.title!r} found nothing"
