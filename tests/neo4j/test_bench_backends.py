"""``graphmem bench backends`` on a slice of LoCoMo: both backends measured in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmem.bench.backends import DSL_TEMPLATES, _percentiles, recall_ratio, run_backends
from graphmem.errors import ConfigError
from graphmem.models import Batch, Event, Session
from graphmem.store.cypher import CypherStore
from tests.support.bolt_server import BoltTarget, wipe_database

LOCOMO = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "locomo_dev.json"


def test_percentiles() -> None:
    assert _percentiles([]) == {"p50": 0.0, "p95": 0.0, "n": 0}
    values = [float(v) for v in range(1, 101)]
    assert _percentiles(values) == {"p50": 51.0, "p95": 96.0, "n": 100}


def test_recall_ratio() -> None:
    assert recall_ratio({"p50": 20.0, "p95": 40.0}, {"p50": 50.0, "p95": 60.0}) == {"p50": 2.5, "p95": 1.5}
    assert recall_ratio({"p50": 0.0, "p95": 10.0}, {"p50": 5.0, "p95": 5.0}) == {"p50": 0.0, "p95": 0.5}


@pytest.mark.neo4j
def test_bench_backends_refuses_a_database_that_holds_memory(neo4j_store: CypherStore, bolt_server: BoltTarget) -> None:
    # It deletes every namespace of its target: pointed at a Neo4j database in use, it wiped it silently.
    neo4j_store.write(Batch("kept", (Session("kept", "s1", 0),), (Event("kept", "e1", "s1", 0, "Ann", "hello"),)))
    with pytest.raises(ConfigError, match=r"holds 1 namespace \(kept\).*--wipe"):
        run_backends("no-such-file.json", bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    assert neo4j_store.namespaces() == ["kept"]


@pytest.mark.neo4j
def test_bench_backends_refuses_a_database_holding_an_application_s_nodes(bolt_server: BoltTarget) -> None:
    # Not graphmem's: no namespace to see, but the run would write graphmem's schema and data among them.
    from neo4j import GraphDatabase

    wipe_database(bolt_server)
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        driver.execute_query("CREATE (:Customer {name: $name})", name="Ann", database_=bolt_server.database)
        url = f"{bolt_server.uri}/{bolt_server.database}"
        with pytest.raises(ConfigError, match="not empty") as refused:
            run_backends("no-such-file.json", url, auth=bolt_server.auth)
        message = str(refused.value)
        assert url in message and "1 node graphmem did not write" in message and "--wipe" in message
        assert bolt_server.password not in message
        records, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS labels", database_=bolt_server.database)
        assert [r["labels"] for r in records] == [["Customer"]]  # nothing written: no schema node either
    wipe_database(bolt_server)


@pytest.mark.neo4j
def test_what_a_run_with_wipe_deletes_is_graphmem_s_namespaces_only(bolt_server: BoltTarget) -> None:
    from neo4j import GraphDatabase

    from graphmem.bench.backends import _forget_graphmem_namespaces
    from graphmem.memory import Memory

    wipe_database(bolt_server)
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        with Memory.open(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database) as mem:
            mem.write(Batch("kept", (Session("kept", "s1", 0),), (Event("kept", "e1", "s1", 0, "Ann", "hello"),)))
            app = "CREATE (:Customer {name: 'Ann'}), (:Event {id: 'e1'}), (:Event {id: 'e2', namespace: 'other'})"
            driver.execute_query(app, database_=bolt_server.database)
            _forget_graphmem_namespaces(mem, {"kept"})  # what run_backends deletes before its ingest
        records, _, _ = driver.execute_query(
            "MATCH (n) WHERE NOT n:GraphmemSchema AND NOT n:GraphmemNamespace RETURN labels(n) AS labels",
            database_=bolt_server.database,
        )
        # the application's, one in a namespace graphmem did not write
        assert sorted(r["labels"] for r in records) == [["Customer"], ["Event"], ["Event"]]
    wipe_database(bolt_server)


def _one_turn_locomo(path: Path, sample_id: str) -> Path:
    turn = {"speaker": "Ann", "dia_id": "D1:1", "text": "hi"}
    conversation = {"speaker_a": "Ann", "speaker_b": "Bob", "session_1_date_time": "1:56 pm on 8 May, 2023"}
    sample = {"sample_id": sample_id, "conversation": {**conversation, "session_1": [turn]}, "qa": []}
    path.write_text(json.dumps([sample]))
    return path


@pytest.mark.neo4j
def test_bench_backends_with_wipe_refuses_a_namespace_of_its_data_holding_an_application_s_nodes(
    tmp_path: Path, bolt_server: BoltTarget
) -> None:
    # The run wrote its data into 'conv' (making graphmem's change counter there), then deleted the
    # namespace as graphmem's: the application's :Event in it went too.
    from neo4j import GraphDatabase

    data = _one_turn_locomo(tmp_path / "conv.json", "conv")
    wipe_database(bolt_server)
    app = "CREATE (:Event {id: 'app-1', namespace: 'conv', text: 'application data'}), (:Customer {namespace: 'conv'})"
    listing = "MATCH (n) RETURN labels(n) AS labels, n.id AS id ORDER BY id"
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        driver.execute_query(app, database_=bolt_server.database)
        before, _, _ = driver.execute_query(listing, database_=bolt_server.database)
        url = f"{bolt_server.uri}/{bolt_server.database}"
        with pytest.raises(ConfigError, match="namespace conv") as refused:
            run_backends(str(data), url, auth=bolt_server.auth, questions_per_namespace=1, repeats=1, wipe=True)
        message = str(refused.value)
        assert url in message and "2 nodes graphmem did not write" in message
        assert bolt_server.password not in message
        after, _, _ = driver.execute_query(listing, database_=bolt_server.database)
        assert [r.data() for r in after] == [r.data() for r in before]  # nothing written, nothing deleted
    wipe_database(bolt_server)


@pytest.mark.neo4j
@pytest.mark.slow
def test_bench_backends_on_a_locomo_slice(tmp_path: Path, bolt_server: BoltTarget) -> None:
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo dev file not found at {LOCOMO}")
    conv = json.loads(LOCOMO.read_text())[0]
    keep = {k: v for k, v in conv["conversation"].items() if k.startswith(("speaker_", "session_1"))}
    keep = {k: v for k, v in keep.items() if not k.startswith("session_1") or k in ("session_1", "session_1_date_time")}
    keep["session_1"] = keep["session_1"][:8]
    qa = [q for q in conv["qa"] if all(str(e).startswith("D1:") for e in q.get("evidence", []))][:3]
    data = tmp_path / "slice.json"
    data.write_text(json.dumps([{**conv, "conversation": keep, "qa": qa}]))
    wipe_database(bolt_server)
    result = run_backends(
        str(data),
        bolt_server.uri,
        auth=bolt_server.auth,
        database=bolt_server.database,
        questions_per_namespace=2,
        repeats=1,
    )
    for name in ("embedded", "bolt"):
        r = result[name]
        assert r["ingest"]["turns"] == 8 and r["ingest"]["turns_per_s"] > 0
        assert r["recall_ms"]["n"] == 2 and r["recall_ms"]["p50"] > 0
        assert r["dsl_ms"]["n"] == 2 * len(DSL_TEMPLATES) and r["stats"]["events"] == 8
    assert result["bolt"]["dsl_runs"]["pushed down"] > 0
    assert result["bolt"]["write_only"]["events"] == 8
    assert result["recall_ratio"]["p50"] > 0
