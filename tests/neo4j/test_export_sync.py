"""Export (JSON, GraphML, Cypher) and sync between the embedded store and a Bolt server."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from graphmem.cli.app import main
from graphmem.errors import ConfigError, ReadOnlyStoreError, StoreError
from graphmem.export import batches_from_json, cypher_literal, dump_namespace, dumps_from_json, export_graph
from graphmem.models import Batch, Entity, Event, Mention, Session, SourceRecord
from graphmem.store.base import GraphStore
from graphmem.store.cypher import CypherStore
from graphmem.store.cypher import write as cypher_write
from graphmem.store.cypher.session import CypherTx, Row
from graphmem.store.embedded import EmbeddedStore
from graphmem.store.neo4j import Neo4jSession
from graphmem.sync import read_export, restore_export, sync_stores
from tests.store.test_contract import conversation
from tests.support.bolt_server import BoltTarget
from tests.support.counting_session import CountingSession

T = TypeVar("T")

NASTY = 'it\'s a "test" \\ with\nnewlines\ttabs ; DETACH DELETE n // $rows $ns `tick` é 🙂 \x00\x1f'


def _source(tmp_path: Path, *namespaces: str) -> EmbeddedStore:
    store = EmbeddedStore.open(tmp_path / "src")
    for ns in namespaces:
        batch = conversation(ns)
        odd = Event(ns, "e5", "s2", 1, "Mel'anie", NASTY, None, "D2:2")
        store.write(
            replace(
                batch,
                events=(*batch.events, odd),
                embeddings=(("e1", [0.5, -0.25, 1.0]), ("camping", [1.0, 0.0, 0.0])),
                embedding_model="test-model",
            )
        )
        store.write(
            Batch(ns, embeddings=(("e2", [0.0, 1.0, 0.5]),), embedding_model="test-model", embedding_scheme="s/1")
        )
        at = datetime(2024, 5, 1, 9, 30)
        store.write(
            Batch(ns, sources=(SourceRecord(ns, "talk.txt", "h1", at), SourceRecord(ns, "talk.txt#turns@s1", "p", at)))
        )
    return store


def _same(a: GraphStore, b: GraphStore, ns: str) -> None:
    assert list(a.iter_sessions(ns)) == list(b.iter_sessions(ns))
    assert list(a.iter_events(ns)) == list(b.iter_events(ns))
    assert list(a.iter_entities(ns)) == list(b.iter_entities(ns))
    assert list(a.iter_facts(ns)) == list(b.iter_facts(ns))
    assert sorted(a.iter_mentions(ns)) == sorted(b.iter_mentions(ns))
    assert sorted(a.iter_embeddings(ns)) == sorted(b.iter_embeddings(ns))
    assert a.embedding_origins(ns) == b.embedding_origins(ns) == {("test-model", ""): 1, ("test-model", "s/1"): 1}
    assert a.stats(ns).as_dict() == b.stats(ns).as_dict()
    assert a.source_records(ns, "") == b.source_records(ns, "") != []  # the ingest bookkeeping


# -- export, any backend ----------------------------------------------------------------------------------


def test_json_export_is_lossless(tmp_path: Path) -> None:
    src = _source(tmp_path, "a", "b")
    out = io.StringIO()
    summary = export_graph(src, out, "json", embeddings=True)
    assert summary.namespaces == 2 and summary.nodes == 2 * (2 + 5 + 4)
    copy = EmbeddedStore.open(tmp_path / "copy")
    for batch in batches_from_json(json.loads(out.getvalue())):
        copy.write(batch)
    for ns in ("a", "b"):
        _same(src, copy, ns)


def test_a_json_export_is_restored_by_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The export said "lossless" but nothing read it back: `graphmem sync --from FILE.json` does.
    from graphmem.cli.app import main

    src = _source(tmp_path, "a", "b")
    export = tmp_path / "backup.json"
    with export.open("w", encoding="utf-8") as out:
        export_graph(src, out, "json", embeddings=True)
    target = tmp_path / "restored"
    assert main(["sync", "--from", str(export), "--to", str(target), "-n", "b"]) == 0
    restored = EmbeddedStore.open(target)
    assert restored.namespaces() == ["b"]
    _same(src, restored, "b")
    restored.close()
    assert main(["sync", "--from", str(export), "--to", str(target), "--replace"]) == 0  # all, again
    restored = EmbeddedStore.open(target)
    for ns in ("a", "b"):
        _same(src, restored, ns)
    restored.close()
    capsys.readouterr()
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "graphmem-export",\n "namespaces": [}', encoding="utf-8")
    assert main(["sync", "--from", str(broken), "--to", str(target)]) == 1
    assert f"{broken}:2:" in capsys.readouterr().err  # invalid JSON is named by file, line and column
    data = json.loads(export.read_text(encoding="utf-8"))
    del data["namespaces"][1]["events"][0]["text"]
    broken.write_text(json.dumps(data), encoding="utf-8")
    assert main(["sync", "--from", str(broken), "--to", str(tmp_path / "new")]) == 1
    assert "namespaces[1] ('b'): missing field 'text'" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()  # a bad export creates no store
    for damage, said in (
        (lambda d: d["namespaces"][0].pop("namespace"), "no namespace name"),
        (lambda d: d["namespaces"][0].update(namespace="bad name!"), "illegal namespace"),
        (lambda d: d["namespaces"][0]["embeddings"][0].update(vector="abc"), "embeddings[0].vector (namespace"),
        (lambda d: d.pop("namespaces"), '"namespaces" is not a list'),
    ):
        data = json.loads(export.read_text(encoding="utf-8"))
        damage(data)
        broken.write_text(json.dumps(data), encoding="utf-8")
        assert main(["sync", "--from", str(broken), "--to", str(tmp_path / "new")]) == 1
        assert said in capsys.readouterr().err
        assert not (tmp_path / "new").exists()
    assert main(["sync", "--from", str(tmp_path / "missing.json"), "--to", str(tmp_path / "new")]) == 1
    assert "cannot read" in capsys.readouterr().err
    src.close()


def test_an_export_of_another_format_version_is_refused_before_the_target_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _source(tmp_path, "a")
    export = tmp_path / "backup.json"
    with export.open("w", encoding="utf-8") as out:
        export_graph(src, out, "json", embeddings=True)
    src.close()
    data = json.loads(export.read_text(encoding="utf-8"))
    assert data["version"] == 3  # the version this graphmem writes restores (see the test above)
    future = tmp_path / "future.json"
    for version, said in (
        (4, "export format version 4 is newer than this graphmem reads (3)"),
        ("1", "unknown export format version '1'"),
        (0, "unknown export format version 0"),
        (None, "unknown export format version None"),
        (True, "unknown export format version True"),  # True == 1 in Python
        (1.0, "unknown export format version 1.0"),
    ):
        data["version"] = version
        future.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(ConfigError, match=f"^{re.escape(str(future))}: .*{re.escape(said)}"):
            read_export(future)
        assert main(["sync", "--from", str(future), "--to", str(tmp_path / "new")]) == 1
        assert f"error: {future}: " in capsys.readouterr().err
        assert not (tmp_path / "new").exists()  # refused before the target store opens
    del data["version"]
    future.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown export format version None"):
        read_export(future)


def _forget_a_later_turn(store: GraphStore, ns: str) -> dict[str, int]:
    """A turn of ``s2`` at position 7 written and forgotten, and the session ``gone`` emptied: the positions
    they gave stay given (:class:`~graphmem.store.base.KeepsPositions`), beyond what any event tells."""
    store.write(Batch(ns, (Session(ns, "gone", 5),), (Event(ns, "e6", "s2", 7, "Melanie", "Soon forgotten."),)))
    store.write(Batch(ns, events=(Event(ns, "e7", "gone", 3, "Melanie", "Gone too."),)))
    store.delete_event(ns, "e6")
    store.delete_event(ns, "e7")
    assert store.get_session(ns, "gone") is None
    positions = store.last_positions(ns)  # type: ignore[attr-defined]
    assert positions == {"s1": 2, "s2": 7, "gone": 3}
    assert store.forgotten_live(ns) == FORGOTTEN  # type: ignore[attr-defined]  # both were added live
    return positions


#: The places of the live messages :func:`_forget_a_later_turn` forgets: no file gives their ids again.
FORGOTTEN = {"s2": frozenset({7}), "gone": frozenset({3})}


def test_export_restore_and_sync_carry_the_positions_given(tmp_path: Path) -> None:
    # review: a restored or synced store numbered a live message after its events only, so it gave the id
    # of a forgotten turn (ev:…:7) again, to another message
    src = _source(tmp_path, "a")
    given = _forget_a_later_turn(src, "a")
    out = io.StringIO()
    export_graph(src, out, "json")
    data = json.loads(out.getvalue())
    assert data["namespaces"][0]["positions"] == [
        {"session": "gone", "position": 3},
        {"session": "s1", "position": 2},
        {"session": "s2", "position": 7},
    ]
    copy = EmbeddedStore.open(tmp_path / "copy")
    for batch in batches_from_json(data):
        copy.write(batch)
    assert copy.last_positions("a") == given
    assert copy.forgotten_live("a") == FORGOTTEN
    (tmp_path / "backup.json").write_text(out.getvalue(), encoding="utf-8")
    for replace_it in (False, True):
        restored = EmbeddedStore.open(tmp_path / f"restored-{replace_it}")
        restore_export(read_export(tmp_path / "backup.json"), restored, source="backup.json", replace=replace_it)
        assert restored.last_positions("a") == given
        assert restored.forgotten_live("a") == FORGOTTEN
        synced = EmbeddedStore.open(tmp_path / f"synced-{replace_it}")
        sync_stores(src, synced, replace=replace_it, batch_events=2)
        assert synced.last_positions("a") == given
        assert synced.forgotten_live("a") == FORGOTTEN
    # an export of an older graphmem has no positions: its events' are taken; nor forgotten live places: none
    assert dumps_from_json(data)[0].forgotten_live == (("gone", 3), ("s2", 7))
    del data["namespaces"][0]["positions"]
    del data["namespaces"][0]["forgotten_live"]
    [dump] = dumps_from_json(data)
    assert dump.positions == {"s1": 2, "s2": 1}
    assert dump.forgotten_live == ()
    older = EmbeddedStore.open(tmp_path / "older")
    for batch in batches_from_json(data):
        older.write(batch)
    assert older.last_positions("a") == {"s1": 2, "s2": 1}
    for bad in ([{"session": "s1", "position": -1}], [{"session": 3, "position": 1}], [{"session": "s1"}], "s1"):
        data["namespaces"][0]["positions"] = bad
        with pytest.raises(ConfigError, match=r"namespaces\[0\] \('a'\)"):
            dumps_from_json(data)
    data["namespaces"][0]["positions"] = []
    for bad in ([{"session": "s1", "position": -1}], [{"session": "", "position": 1}], [{"position": 1}], "s1"):
        data["namespaces"][0]["forgotten_live"] = bad
        with pytest.raises(ConfigError, match=r"namespaces\[0\] \('a'\)"):
            dumps_from_json(data)


def test_graphml_export_has_every_node_and_edge(tmp_path: Path) -> None:
    src = _source(tmp_path, "a")
    out = io.StringIO()
    summary = export_graph(src, out, "graphml", namespace="a")
    root = ET.fromstring(out.getvalue())
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert len(root.findall(".//g:node", ns)) == summary.nodes == 11
    assert len(root.findall(".//g:edge", ns)) == summary.edges
    import networkx as nx

    graph = nx.read_graphml(io.StringIO(out.getvalue()))
    assert graph.nodes["a/e5"]["text"] == NASTY.replace("\x00", "\ufffd").replace("\x1f", "\ufffd")
    types = {d["type"] for _, _, d in graph.edges(data=True)}
    assert types == {"IN_SESSION", "NEXT", "NEXT_SESSION", "SPOKEN_BY", "MENTIONS", "FACT"}


def test_unknown_format_and_namespace_are_named(tmp_path: Path) -> None:
    src = _source(tmp_path, "a")
    with pytest.raises(ConfigError, match="unknown export format 'csv'"):
        export_graph(src, io.StringIO(), "csv")
    with pytest.raises(ConfigError, match="namespace 'zz' holds no data"):
        export_graph(src, io.StringIO(), "json", namespace="zz")


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "null"),
        (True, "true"),
        (3, "3"),
        (0.5, "0.5"),
        ("a'b\\c\nd", "'a\\'b\\\\c\\nd'"),
        (["x", 1], "['x', 1]"),
        ({"k": 1, "odd key`": "v"}, "{k: 1, `odd key```: 'v'}"),
    ],
)
def test_cypher_literals_escape(value: object, literal: str) -> None:
    assert cypher_literal(value) == literal


def test_cypher_literal_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError):
        cypher_literal(float("nan"))
    with pytest.raises(ValueError):
        cypher_literal(object())


# -- against the Bolt server ---------------------------------------------------------------------------------


@pytest.mark.neo4j
def test_cypher_script_rebuilds_the_graph_in_neo4j(
    tmp_path: Path, neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    from neo4j import GraphDatabase

    src = _source(tmp_path, "a")
    given = _forget_a_later_turn(src, "a")
    out = io.StringIO()
    export_graph(src, out, "cypher", embeddings=True)
    script = out.getvalue()
    statements = [s for s in script.split(";\n") if s.strip()]
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:
        for statement in statements:
            if ("FULLTEXT" in statement or "VECTOR INDEX" in statement) and bolt_server.arcadedb:
                continue  # ArcadeDB rejects full-text and vector index DDL (see test_schema)
            driver.execute_query(statement, database_=bolt_server.database)
    _same(src, neo4j_store, "a")
    nxt = [n.node_id for n in neo4j_store.neighbors("a", "e4", edge_types=["NEXT"], direction="out")]  # type: ignore[list-item]
    assert nxt == ["e5"]
    assert neo4j_store.last_positions("a") == given
    assert neo4j_store.forgotten_live("a") == FORGOTTEN


@pytest.mark.neo4j
def test_sync_embedded_to_neo4j_and_back(tmp_path: Path, neo4j_store: CypherStore) -> None:
    src = _source(tmp_path, "a", "b")
    summary = sync_stores(src, neo4j_store, namespaces=["a"], batch_events=2)
    assert [n.namespace for n in summary.namespaces] == ["a"] and summary.events == 5
    assert neo4j_store.namespaces() == ["a"]
    _same(src, neo4j_store, "a")
    sync_stores(src, neo4j_store)  # all namespaces; running again is harmless
    _same(src, neo4j_store, "a")
    _same(src, neo4j_store, "b")
    back = EmbeddedStore.open(tmp_path / "back")
    sync_stores(neo4j_store, back)
    for ns in ("a", "b"):
        _same(src, back, ns)
    # the positions given, forgotten turns included, travel both ways
    given = _forget_a_later_turn(src, "b")
    sync_stores(src, neo4j_store, namespaces=["b"], replace=True)
    assert neo4j_store.last_positions("b") == given
    assert neo4j_store.forgotten_live("b") == FORGOTTEN
    sync_stores(neo4j_store, back, namespaces=["b"], batch_events=2)
    assert back.last_positions("b") == given
    assert back.forgotten_live("b") == FORGOTTEN
    assert [h.event_id for h in back.search_text("a", "camping kids")][:1] == ["e4"]


@pytest.mark.neo4j
def test_sync_replace_drops_what_the_source_no_longer_has(tmp_path: Path, neo4j_store: CypherStore) -> None:
    src = _source(tmp_path, "a")
    neo4j_store.write(Batch("a", (Session("a", "stale", 9),)))
    sync_stores(src, neo4j_store)
    assert neo4j_store.get_session("a", "stale") is not None
    sync_stores(src, neo4j_store, replace=True)
    assert neo4j_store.get_session("a", "stale") is None
    _same(src, neo4j_store, "a")


@pytest.mark.neo4j
@pytest.mark.parametrize("spelling", ["default database named", "localhost"])
def test_sync_refuses_a_bolt_database_onto_itself_by_another_uri(
    neo4j_store: CypherStore, bolt_server: BoltTarget, spelling: str
) -> None:
    from graphmem.store.neo4j import connect

    if spelling == "default database named":
        if not bolt_server.arcadedb and bolt_server.database != "neo4j":
            pytest.skip("the test database is not the server's default")
        # ArcadeDB serves its one database when none is named; Neo4j its default, 'neo4j'
        a = connect(bolt_server.uri, auth=bolt_server.auth)
        b = connect(f"{bolt_server.uri}/{bolt_server.database}", auth=bolt_server.auth)
    else:
        if "127.0.0.1" not in bolt_server.uri:
            pytest.skip("the server is not on 127.0.0.1")
        a = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
        b = connect(
            bolt_server.uri.replace("127.0.0.1", "localhost"), auth=bolt_server.auth, database=bolt_server.database
        )
    try:
        assert a.uri != b.uri
        with pytest.raises(ConfigError, match="same store"):
            sync_stores(a, b)
        with pytest.raises(ConfigError, match="same store"):
            sync_stores(b, a)
    finally:
        a.close()
        b.close()


@pytest.mark.neo4j
def test_a_bolt_database_gets_a_store_id_on_a_writable_open_only(
    neo4j_store: CypherStore, bolt_server: BoltTarget, tmp_path: Path
) -> None:
    from neo4j import GraphDatabase

    from graphmem.store.neo4j import connect

    first = neo4j_store.identity().store_id
    assert first is not None
    again = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    assert again.identity().store_id == first and again.identity().same_as(neo4j_store.identity())
    again.close()
    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:  # as an older graphmem left it
        driver.execute_query("MATCH (m:GraphmemSchema) REMOVE m.store_id", database_=bolt_server.database)
    reader = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database, read_only=True)
    assert reader.identity().store_id is None  # a read-only open writes nothing
    writer = connect(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    assert writer.identity().store_id not in (None, first)
    assert reader.identity().store_id == writer.identity().store_id  # read when asked: now there
    reader.close()
    writer.close()
    local = _source(tmp_path, "a")
    assert not local.identity().same_as(neo4j_store.identity())
    local.close()


class _ReaderSession(CountingSession):
    """The session of an account with a reader role: the server refuses its writes (Neo4j's Forbidden, as
    the session maps it)."""

    _WRITES = ("SET ", "MERGE", "CREATE", "DELETE", "REMOVE")

    def __init__(self, inner: Neo4jSession) -> None:
        super().__init__(inner)
        self._session = inner

    def _refused(self, action: str) -> Exception:
        from neo4j.exceptions import Forbidden

        message = "Write operations are not allowed for user 'reader' with roles [reader]."
        return self._session.wrap(
            Forbidden._hydrate_neo4j(code="Neo.ClientError.Security.Forbidden", message=message), action
        )

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[Row]:
        if any(word in cypher.upper() for word in self._WRITES):
            raise self._refused(action)
        return super().run(cypher, params, action=action)

    def write(self, work: Callable[[CypherTx], T], *, action: str) -> T:
        raise self._refused(action)


@pytest.mark.neo4j
def test_a_reader_account_opens_a_store_without_a_store_id_for_writing(
    neo4j_store: CypherStore, bolt_server: BoltTarget
) -> None:
    # Memory.open(uri) and graphmem mcp open for writing: a reader's account failed at open once a store of
    # a graphmem before store ids was to get one.
    from neo4j import GraphDatabase

    from graphmem.store.cypher.dialect import dialect_for_agent
    from graphmem.store.neo4j import open_session

    with GraphDatabase.driver(bolt_server.uri, auth=bolt_server.auth) as driver:  # as an older graphmem left it
        driver.execute_query("MATCH (m:GraphmemSchema) REMOVE m.store_id", database_=bolt_server.database)
    inner = open_session(bolt_server.uri, auth=bolt_server.auth, database=bolt_server.database)
    store = CypherStore.open(_ReaderSession(inner), dialect_for_agent(inner.agent), place=f"bolt:{inner.address}")
    try:
        assert store.identity().store_id is None  # unknown, as after a read-only open
        with pytest.raises(ReadOnlyStoreError, match="not allowed for user 'reader'"):  # writes: refused, named
            store.write(Batch("a", (Session("a", "s", 0),)))
    finally:
        store.close()


def test_cli_export_and_sync_never_create_a_source_at_a_mistyped_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _source(tmp_path, "a").close()
    typo, target = tmp_path / "scr", tmp_path / "copy"
    assert main(["export", "--db", str(typo), "-o", str(tmp_path / "x.json")]) == 1
    assert "no graphmem store" in capsys.readouterr().err and not typo.exists()
    assert main(["sync", "--from", str(typo), "--to", str(target)]) == 1
    assert "no graphmem store" in capsys.readouterr().err
    assert not typo.exists() and not target.exists()
    assert main(["sync", "--from", str(tmp_path / "src"), "--to", str(target)]) == 0  # the target is created
    assert EmbeddedStore.open(target, create=False).stats("a").events == 5


class _FailsOnFacts:
    """A target whose writes fail once a batch carries facts (a server dying mid-sync)."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.uri = store.uri + "#failing"

    def write(self, batch: Batch) -> None:
        if batch.facts:
            raise StoreError("the target went away")
        self.store.write(batch)

    def replace_namespace(self, batch: Batch) -> object:
        if batch.facts:
            raise StoreError("the target went away")
        return self.store.replace_namespace(batch)

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


def _older_version(store: GraphStore, ns: str) -> None:
    """What the target held before: the conversation with a stale event, session and mention."""
    store.write(conversation(ns))
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "stale-session", 7),),
            events=(Event(ns, "stale", "s2", 9, "Ann", "this turn was deleted at the source"),),
            entities=(Entity(ns, "ann", "Ann", "Person"),),
            mentions=(Mention(ns, "stale", "ann", "speaker"), Mention(ns, "e1", "ann", "mention")),
        )
    )


def test_sync_replace_failing_midway_leaves_an_embedded_target_as_it_was(tmp_path: Path) -> None:
    src = _source(tmp_path, "a")
    target = EmbeddedStore.open(tmp_path / "dst")
    _older_version(target, "a")
    before = dump_namespace(target, "a")
    with pytest.raises(StoreError, match="went away"):
        sync_stores(src, _FailsOnFacts(target), replace=True)  # type: ignore[arg-type]
    assert dump_namespace(target, "a") == before


def test_sync_replace_into_an_embedded_store_is_exact(tmp_path: Path) -> None:
    src = _source(tmp_path, "a")
    target = EmbeddedStore.open(tmp_path / "dst")
    _older_version(target, "a")
    sync_stores(src, target, replace=True)
    assert target.get_event("a", "stale") is None
    assert target.get_session("a", "stale-session") is None
    assert target.get_entity("a", "ann") is None
    assert list(target.iter_events("a")) == list(src.iter_events("a"))
    assert sorted(target.iter_mentions("a")) == sorted(src.iter_mentions("a"))
    assert list(target.iter_facts("a")) == list(src.iter_facts("a"))


@pytest.mark.neo4j
def test_sync_replace_failing_midway_leaves_neo4j_as_it_was(
    tmp_path: Path, neo4j_store: CypherStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(tmp_path, "a")
    _older_version(neo4j_store, "a")
    before = dump_namespace(neo4j_store, "a")
    monkeypatch.setattr(cypher_write, "PUT_FACTS", "THIS IS NOT CYPHER")  # fails after the other writes
    with pytest.raises(StoreError, match="nothing was written"):
        sync_stores(src, neo4j_store, replace=True)
    assert dump_namespace(neo4j_store, "a") == before
    monkeypatch.undo()
    sync_stores(src, neo4j_store, replace=True)
    _same(src, neo4j_store, "a")


@pytest.mark.neo4j
def test_cli_sync_uses_env_credentials(
    tmp_path: Path,
    neo4j_store: CypherStore,
    bolt_server: BoltTarget,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _source(tmp_path, "a").close()
    monkeypatch.setenv("NEO4J_USERNAME", bolt_server.user)
    monkeypatch.setenv("NEO4J_PASSWORD", bolt_server.password)
    monkeypatch.setenv("NEO4J_DATABASE", bolt_server.database)
    assert main(["sync", "--from", str(tmp_path / "src"), "--to", bolt_server.uri, "-n", "a", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["namespaces"][0][:3] == ["a", 2, 5]
    assert neo4j_store.stats("a").events == 5
    assert main(["export", "--db", bolt_server.uri, "--format", "json", "-o", str(tmp_path / "x.json")]) == 0
    assert json.loads((tmp_path / "x.json").read_text())["namespaces"][0]["namespace"] == "a"
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong")
    assert main(["sync", "--from", str(tmp_path / "src"), "--to", bolt_server.uri]) == 1
    assert "refused the credentials" in capsys.readouterr().err
