"""Every Cypher text graphmem emits passes Neo4j's own front end (parser and semantic analysis), no server needed.

The linter is ``@neo4j-cypher/language-support`` under Node (``tools/cypher-lint``; install it with
``npm ci --prefix tools/cypher-lint``). The texts are collected from the code that emits them
(:mod:`tests.support.cypher_texts`): the dialects' DDL for Neo4j and ArcadeDB, every statement the Cypher
store sends under a workload that calls each of its methods (recorded on the Bolt test server), the
push-down of every golden query, and the Browser guide. Each text is linted with the parameters graphmem
passes to it declared; any diagnostic fails the test, an undeclared parameter included.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import GraphmemError
from graphmem.query import parse, plan_query
from tests.query.differential import generate
from tests.query.test_golden import all_cases
from tests.store.test_contract import conversation
from tests.support.cypher_texts import (
    CypherText,
    RecordingSession,
    dialect_texts,
    guide_texts,
    pushdown_texts,
    recorded_texts,
    store_workload,
)

LINTER = Path(__file__).resolve().parents[2] / "tools" / "cypher-lint"
INSTALL = "npm ci --prefix tools/cypher-lint"


#: Texts per linter process. The linter reads about one text a second, so one process per chunk lets the
#: timeout catch a hung linter without failing a long list on a busy machine; two chunks run at once.
_CHUNK = 25
_TIMEOUT = 300


def lint(texts: list[CypherText]) -> list[tuple[CypherText, list[dict[str, Any]]]]:
    """Each text with the diagnostics of Neo4j's linter."""
    node = shutil.which("node")
    assert node is not None, f"Node.js is needed for the Cypher linter (Debian: apt-get install nodejs npm; {INSTALL})"
    package = LINTER / "node_modules" / "@neo4j-cypher" / "language-support"
    assert package.is_dir(), f"the Cypher linter is not installed; run: {INSTALL}"
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [r for part in pool.map(lambda chunk: _lint_chunk(node, chunk), chunks) for r in part]
    assert [r["name"] for r in results] == [t.name for t in texts]
    return [(t, r["diagnostics"]) for t, r in zip(texts, results, strict=True)]


def _lint_chunk(node: str, texts: list[CypherText]) -> list[dict[str, Any]]:
    payload = [{"name": t.name, "query": t.query, "parameters": sorted(t.parameters)} for t in texts]
    proc = subprocess.run(
        [node, str(LINTER / "lint.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=_TIMEOUT,
        check=False,
        cwd=LINTER,
    )
    assert proc.returncode == 0, proc.stderr
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


def report(problems: list[tuple[CypherText, list[dict[str, Any]]]]) -> str:
    lines = []
    for text, diagnostics in problems:
        lines.append(f"== {text.name} (parameters: {', '.join(sorted(text.parameters)) or 'none'})")
        lines.append(text.query)
        lines.extend(f"   at {d['offset']}: {d['message']}" for d in diagnostics)
    return "\n".join(lines)


def check(texts: list[CypherText]) -> None:
    problems = [(t, d) for t, d in lint(texts) if d]
    assert not problems, f"{len(problems)} of {len(texts)} Cypher texts fail Neo4j's linter:\n{report(problems)}"


def test_the_linter_can_fail() -> None:
    bad = [
        CypherText("typo", "MATCH (n) RETRN n", frozenset()),
        CypherText("undeclared parameter", "MATCH (n {id: $id}) RETURN n", frozenset()),
        CypherText("unknown function", "RETURN toLowr('x') AS y", frozenset()),
        CypherText("good", "MATCH (n {id: $id}) RETURN n", frozenset({"id"})),
    ]
    results = lint(bad)
    assert [bool(d) for _, d in results] == [True, True, True, False], results


def test_dialect_ddl_and_guide() -> None:
    texts = [*dialect_texts(), *guide_texts()]
    assert any(t.name.startswith("Neo4j DDL") for t in texts) and any(t.name.startswith("ArcadeDB DDL") for t in texts)
    check(texts)


def test_pushdown_of_every_golden_query() -> None:
    cases = [(f"{c.file.name}#{c.index}", c.query, c.params) for c in all_cases()]
    texts, local = pushdown_texts(cases)
    assert len(texts) >= len(cases) // 2, f"only {len(texts)} of {len(cases)} golden queries compile: {local}"
    check(texts)


def generated_texts(seed: int, count: int) -> list[CypherText]:
    """The push-down of ``count`` queries of the differential tests' generator (tests/query/differential.py)."""
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        gen = generate(rng)
        try:
            plan_query(parse(gen.text), gen.params)
        except GraphmemError:
            continue  # e.g. a label the schema of an empty store does not know
        cases.append((f"generated #{i} of seed {seed}", gen.text, gen.params))
    texts, _ = pushdown_texts(cases)
    assert len(texts) >= count * 2 // 3, len(texts)
    return texts


def test_pushdown_of_generated_queries() -> None:
    # shapes no golden query has; the linter takes about half a second a text, so few run by default
    check(generated_texts(11, 20))


def test_pushdown_of_cycles_and_time_lists() -> None:
    # a hop range's path key and its cycles back to the start; a time in a list as one parameter of ranges
    cases = [
        ("a cycle", "FIND (a)-[f:FACT*1..3]-(a) ALL TIME RETURN a.id, f", {}),
        ("a range from a bound node", 'FIND (e {id: "e1"})-[r:MENTIONS|SPOKEN_BY*0..2]-(x) RETURN x.id, r.type', {}),
        ("a time in a list", "FIND (e:Event) WHERE e.time IN $d RETURN e.id", {"d": ["2024-03", None]}),
        ("a time in no list", "FIND (e:Event) WHERE NOT date(e.time) IN [2024-03-03, NULL] RETURN e.id", {}),
        # a long chain is sent as a balanced tree of short parenthesised runs (ArcadeDB refuses a run of 200)
        ("a chain of 500 ORs", "FIND (e:Event) WHERE " + " OR ".join(f"e.seq = {i}" for i in range(500)), {}),
    ]
    texts, local = pushdown_texts(cases)
    assert not local and any("any(r IN $" in t.query for t in texts)
    assert max(len(t.query) for t in texts) > 5000  # the chain is in it
    check(texts)


@pytest.mark.slow
def test_pushdown_of_many_generated_queries() -> None:
    check(generated_texts(12, 300))


@pytest.mark.neo4j
def test_every_store_statement(bolt_server: Any) -> None:
    from graphmem.store.cypher.store import CypherStore
    from graphmem.store.neo4j import connect

    opened = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    recorder = RecordingSession(opened._session)
    store = CypherStore(recorder, opened.dialect, server=opened.server)
    try:
        store_workload(store, conversation, "lint-workload")
    finally:
        store.close()
    texts = list(recorded_texts(recorder))
    assert len(texts) >= 30, f"the workload sent only {len(texts)} distinct statements"
    check(texts)
