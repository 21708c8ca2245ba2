"""A Bolt database of schema 3 (what a graphmem before 5 Dec 2026 wrote) and this graphmem (schema 4).

Read-only it is refused, naming both schemas; opened for writing it is upgraded, with the note the
embedded store gives (StoreUpgradedWarning), and then holds what a database built fresh holds: each
session's position mark, NEXT chains by time, NEXT_SESSION links in the natural order of session ids. The
upgrade is idempotent and finishes on the next writable open when stopped half-way. A newer schema is
refused, and a graphmem of schema 3 would refuse a schema 4 database the same way.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graphmem.errors import (
    IngestWarning,
    MalformedNodeError,
    SchemaUpgradeError,
    SchemaVersionError,
    StoreError,
    StoreUpgradedWarning,
)
from graphmem.export_cypher import iter_cypher_statements
from graphmem.models import Batch, Event, Session
from graphmem.store.cypher import CypherStore, upgrade
from graphmem.store.cypher.schema import SCHEMA_VERSION
from graphmem.store.cypher.session import CypherTx, Row
from graphmem.store.neo4j import connect
from tests.support.bolt_memory import open_bolt_memory
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

T0 = datetime(2024, 3, 3, 9, 0, tzinfo=UTC)


def _run(target: BoltTarget, cypher: str, **params: object) -> list[dict[str, object]]:
    with GraphDatabase.driver(target.uri, auth=target.auth) as driver:
        records, _, _ = driver.execute_query(cypher, params, database_=target.database)
    return [r.data() for r in records]


def _open(target: BoltTarget, **options: object) -> CypherStore:
    return connect(target.uri, auth=target.auth, database=target.database, **options)  # type: ignore[arg-type]


def _batch(ns: str) -> Batch:
    """Two sessions of one index (natural order: session_2 first), one with a late message (position 2
    said before position 1), a third session later."""
    sessions = (Session(ns, "session_10", 0, T0), Session(ns, "session_2", 0, T0), Session(ns, "session_3", 1, T0))
    events = (
        Event(ns, "a0", "session_2", 0, "Kai", "I moved to Porto.", T0),
        Event(ns, "a1", "session_2", 1, "Noor", "Porto is sunny.", T0 + timedelta(minutes=5)),
        Event(ns, "a2", "session_2", 2, "Kai", "Late: I said hello first.", T0 + timedelta(minutes=1)),
        Event(ns, "b0", "session_10", 0, "Kai", "Lisbon next week.", T0 + timedelta(hours=1)),
        Event(ns, "b1", "session_10", 1, "Noor", "Bring a coat.", T0 + timedelta(hours=1, minutes=1)),
        Event(ns, "c0", "session_3", 0, "Kai", "Back home.", T0 + timedelta(days=1)),
    )
    return Batch(ns, sessions=sessions, events=events)


def _shape(target: BoltTarget) -> dict[str, object]:
    """What the upgrade fills in, as a graphmem of this version writes it."""
    return {
        "positions": sorted(
            (r["ns"], r["s"], r["h"])
            for r in _run(target, "MATCH (p:GraphmemPosition) RETURN p.namespace AS ns, p.session AS s, p.high AS h")
        ),
        "next": sorted(
            (r["a"], r["b"]) for r in _run(target, "MATCH (a:Event)-[:NEXT]->(b:Event) RETURN a.id AS a, b.id AS b")
        ),
        "next_session": sorted(
            (r["ns"], r["a"], r["b"])
            for r in _run(
                target,
                "MATCH (a:Session)-[r:NEXT_SESSION]->(b:Session) RETURN r.namespace AS ns, a.id AS a, b.id AS b",
            )
        ),
    }


def _as_schema_3(target: BoltTarget) -> None:
    """Make the database what a graphmem of schema 3 (before 4 Dec) left: no position marks, NEXT chains by
    position, NEXT_SESSION links by index then id as text (session_10 before session_2)."""
    _run(target, "MATCH (p:GraphmemPosition) DETACH DELETE p")
    _run(target, "MATCH ()-[r:NEXT]->() DELETE r")
    _run(target, "MATCH ()-[r:NEXT_SESSION]->() DELETE r")
    _run(
        target,
        "MATCH (a:Event), (b:Event) WHERE a.namespace = b.namespace AND a.session = b.session AND b.seq = a.seq + 1 "
        "CREATE (a)-[:NEXT {namespace: a.namespace}]->(b)",
    )
    for ns in {r["ns"] for r in _run(target, "MATCH (s:Session) RETURN DISTINCT s.namespace AS ns")}:
        ids = [r["id"] for r in _run(target, "MATCH (s:Session {namespace: $ns}) RETURN s.id AS id", ns=ns)]
        order = sorted(ids, key=lambda i: (0 if i != "session_3" else 1, i))
        for a, b in itertools.pairwise(order):
            _run(
                target,
                "MATCH (a:Session {namespace: $ns, id: $a}), (b:Session {namespace: $ns, id: $b}) "
                "CREATE (a)-[:NEXT_SESSION {namespace: $ns}]->(b)",
                ns=ns,
                a=a,
                b=b,
            )
    _run(target, "MATCH (m:GraphmemSchema) SET m.version = 3")


@pytest.fixture
def old_database(neo4j_store: CypherStore, bolt_server: BoltTarget) -> Iterator[dict[str, object]]:
    """A database of schema 3 holding two namespaces; what the same data built fresh holds."""
    for ns in ("up1", "up2"):
        neo4j_store.write(_batch(ns))
    fresh = _shape(bolt_server)
    _as_schema_3(bolt_server)
    assert _shape(bolt_server) != fresh
    try:
        yield fresh
    finally:
        _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=SCHEMA_VERSION)


def test_fresh_build_is_what_the_upgrade_aims_at(old_database: dict[str, object]) -> None:
    assert ("up1", "session_2", 2) in old_database["positions"]  # type: ignore[operator]
    assert ("a0", "a2") in old_database["next"] and ("a2", "a1") in old_database["next"]  # type: ignore[operator]
    assert ("up1", "session_2", "session_10") in old_database["next_session"]  # type: ignore[operator]


def test_schema_3_is_refused_read_only_naming_both_schemas(
    old_database: dict[str, object], bolt_server: BoltTarget
) -> None:
    with pytest.raises(SchemaUpgradeError, match=r"graphmem schema 3 \(this version writes 4\).*open it once"):
        _open(bolt_server, read_only=True)
    assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": 3}]  # nothing written


def test_schema_3_is_upgraded_by_a_writable_open_to_what_a_fresh_build_holds(
    old_database: dict[str, object], bolt_server: BoltTarget
) -> None:
    with pytest.warns(StoreUpgradedWarning, match="from schema 3 to 4; older graphmem versions can no longer open it"):
        store = _open(bolt_server)
    try:
        assert _shape(bolt_server) == old_database
        assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": SCHEMA_VERSION}]
        assert store.last_positions("up1") == {"session_2": 2, "session_10": 1, "session_3": 0}
        # the next open upgrades nothing and says nothing
        with warnings.catch_warnings():
            warnings.simplefilter("error", StoreUpgradedWarning)
            _open(bolt_server).close()
        assert upgrade.upgrade_to_4(store._session) == 2  # run again by hand: changes nothing
        assert _shape(bolt_server) == old_database
    finally:
        store.close()


def test_an_upgrade_stopped_half_way_is_done_by_the_next_writable_open(
    old_database: dict[str, object], bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = upgrade.relink_session_order

    def fail_in_up2(tx: object, ns: str) -> None:
        if ns == "up2":
            raise StoreError("connection lost (test)")
        real(tx, ns)  # type: ignore[arg-type]

    monkeypatch.setattr(upgrade, "relink_session_order", fail_in_up2)
    with pytest.raises(StoreError, match="connection lost"):
        _open(bolt_server)
    assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": 3}]
    with pytest.raises(SchemaUpgradeError):  # still refused read-only: the upgrade is not done
        _open(bolt_server, read_only=True)
    monkeypatch.setattr(upgrade, "relink_session_order", real)
    with pytest.warns(StoreUpgradedWarning):
        _open(bolt_server).close()
    assert _shape(bolt_server) == old_database


def test_a_forgotten_last_turn_of_an_upgraded_session_keeps_its_id(
    old_database: dict[str, object], bolt_server: BoltTarget
) -> None:
    store = _open(bolt_server)
    try:
        store.delete_event("up1", "a2")  # the last position of session_2 (written with no position mark)
        assert store.last_positions("up1")["session_2"] == 2  # so a live add never gives position 2 again
    finally:
        store.close()


def test_the_upgrade_raises_marks_over_forgotten_live_places_too(
    neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    """A session whose last live message was forgotten before the upgrade (its place kept as a
    :GraphmemForgottenLive node, the mark not raised by a schema 3 graphmem), and one whose every
    message was: the next live add must not reuse their places."""
    neo4j_store.write(_batch("fl"))
    neo4j_store.delete_event("fl", "a2")  # session_2's last position, added live
    neo4j_store.delete_event("fl", "c0")  # session_3's only event
    _as_schema_3(bolt_server)
    try:
        with pytest.warns(StoreUpgradedWarning):
            store = _open(bolt_server)
        try:
            assert store.forgotten_live("fl") == {"session_2": frozenset({2}), "session_3": frozenset({0})}
            assert store.last_positions("fl") == {"session_2": 2, "session_10": 1, "session_3": 0}
        finally:
            store.close()
    finally:
        _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=SCHEMA_VERSION)


def test_a_session_without_index_is_a_named_error_in_the_upgrade_and_the_writer(
    old_database: dict[str, object], bolt_server: BoltTarget
) -> None:
    _run(bolt_server, "MATCH (s:Session {namespace: 'up2', id: 'session_3'}) REMOVE s.index")
    with pytest.raises(MalformedNodeError, match=r"namespace 'up2'.*index of the :Session node 'session_3'") as err:
        _open(bolt_server)
    assert (err.value.namespace, err.value.label, err.value.node_id, err.value.prop) == (
        "up2",
        "Session",
        "session_3",
        "index",
    )
    assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": 3}]  # not marked done
    _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=SCHEMA_VERSION)
    store = _open(bolt_server)
    try:
        with pytest.raises(MalformedNodeError, match="session_3"):
            store.write(Batch("up2", sessions=(Session("up2", "session_4", 2, T0),)))
    finally:
        store.close()


def test_the_upgrade_bounds_every_transaction_by_sessions(
    old_database: dict[str, object], bolt_server: BoltTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one session per transaction, no transaction raises marks or re-derives chains of more than
    one session; the order of sessions is re-derived on its own; the result is a fresh build's."""
    monkeypatch.setattr(upgrade, "SESSIONS_PER_TRANSACTION", 1)
    transactions: list[list[tuple[str, dict[str, Any]]]] = []
    real_part = upgrade._upgrade_part

    def spy(*args: Any, **kw: Any) -> Callable[[CypherTx], None]:
        work = real_part(*args, **kw)

        def recorded(tx: CypherTx) -> None:
            ran: list[tuple[str, dict[str, Any]]] = []
            transactions.append(ran)

            class Recording:
                def run(self, cypher: str, /, **params: Any) -> list[Row]:
                    ran.append((cypher, params))
                    return tx.run(cypher, **params)

            work(Recording())

        return recorded

    monkeypatch.setattr(upgrade, "_upgrade_part", spy)
    with pytest.warns(StoreUpgradedWarning):
        _open(bolt_server).close()
    assert _shape(bolt_server) == old_database
    marks = [p for ran in transactions for c, p in ran if "GraphmemPosition" in c]
    assert marks and all(len(p.get("sids", "unbounded")) <= 1 for p in marks), marks
    for ran in transactions:  # the order of sessions is re-derived in a transaction of its own
        assert not any("NEXT_SESSION" in c for c, _ in ran) or not any("sids" in p for _, p in ran), ran


def test_the_cypher_script_never_lowers_nor_raises_a_recorded_version(bolt_server: BoltTarget) -> None:
    """A script loaded into a database of another schema leaves its number (an older one is upgraded by
    graphmem's next writable open); into an empty database it records this version."""
    script = [s for s in iter_cypher_statements([]) if "FULLTEXT" not in s and "VECTOR INDEX" not in s]
    version = "MATCH (m:GraphmemSchema) RETURN m.version AS v"
    try:
        for before in (3, SCHEMA_VERSION + 1, None):
            wipe_database(bolt_server)
            if before is not None:
                _run(bolt_server, "CREATE (:GraphmemSchema {name: 'graphmem', version: $v})", v=before)
            for statement in script:
                _run(bolt_server, statement)
            assert _run(bolt_server, version) == [{"v": before if before is not None else SCHEMA_VERSION}]
    finally:
        _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=SCHEMA_VERSION)


@pytest.mark.parametrize("newer", [SCHEMA_VERSION + 1, SCHEMA_VERSION + 2])
def test_a_newer_schema_is_refused_whatever_the_open(
    neo4j_store: CypherStore, bolt_server: BoltTarget, newer: int
) -> None:
    _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=newer)
    try:
        for read_only in (False, True):
            with pytest.raises(
                SchemaVersionError, match=f"newer graphmem \\(schema {newer}; this version reads up to 4"
            ):
                _open(bolt_server, read_only=read_only)
        assert _run(bolt_server, "MATCH (m:GraphmemSchema) RETURN m.version AS v") == [{"v": newer}]
    finally:
        _run(bolt_server, "MATCH (m:GraphmemSchema) SET m.version = $v", v=SCHEMA_VERSION)


TRANSCRIPT = """## Session 1 — 3 March 2024
Kai: I moved to Porto last year.
Noor: Porto is lovely. I work at Initech now.

## Session 2 — 10 March 2024
Kai: I adopted a dog called Biscuit.
Noor: Biscuit is a great name.
"""


@pytest.mark.parametrize("printed", [True, False], ids=["with-turn-prints", "before-turn-prints"])
def test_an_upgraded_database_answers_as_before_and_a_second_ingest_writes_nothing(
    bolt_server: BoltTarget, tmp_path: Path, printed: bool
) -> None:
    """``printed`` false: a database written before 5 Dec, which holds no turn prints (``#turns@`` sources)."""
    wipe_database(bolt_server)
    transcript = tmp_path / "talk.txt"
    transcript.write_text(TRANSCRIPT, encoding="utf-8")
    with open_bolt_memory(bolt_server, tmp_path / "one") as mem:
        mem.ingest(transcript, namespace="talk")
        hits = [(h.event.id, round(h.score, 6)) for h in mem.recall("where does Kai live?", namespace="talk")]
        facts = sorted(str(f) for f in mem.facts("Noor", namespace="talk"))
        before = mem.stats("talk")
    fresh = _shape(bolt_server)
    _as_schema_3(bolt_server)
    if not printed:
        assert _run(bolt_server, "MATCH (s:Source) WHERE s.key CONTAINS '#turns@' DELETE s RETURN count(*) AS n")
    with pytest.warns(StoreUpgradedWarning), open_bolt_memory(bolt_server, tmp_path / "two") as mem:
        assert [(h.event.id, round(h.score, 6)) for h in mem.recall("where does Kai live?", namespace="talk")] == hits
        assert sorted(str(f) for f in mem.facts("Noor", namespace="talk")) == facts
        summary = mem.ingest(transcript, namespace="talk")
        assert (summary.events, summary.files_skipped) == (0, 1), summary
        assert mem.stats("talk") == before
        assert _shape(bolt_server) == fresh
        transcript.write_text(TRANSCRIPT + "Kai: Biscuit loves the beach.\n", encoding="utf-8")
        if printed:  # a grown file: only its new turn is written, nothing of the upgraded sessions again
            summary = mem.ingest(transcript, namespace="talk")
            assert (summary.turns, summary.events_retracted) == (1, 0), summary
        else:
            # as the embedded store does for a store without prints (graphmem/ingest_unprinted.py): nothing
            # tells which sessions are unchanged, so the file is redone whole; the new turn, after the last
            # stored one, may be one forgotten then, so the warning names it
            with pytest.warns(IngestWarning, match=r"kept no turn prints, holds no event of ev:talk/session_2:3"):
                summary = mem.ingest(transcript, namespace="talk")
            assert (summary.turns, summary.events, summary.events_retracted) == (5, 5, 4), summary
        assert mem.stats("talk").events == before.events + 1
