"""A JSON export restored into an empty store gives back every record, field by field: what a store keeps
and the export leaves out is lost with the next restore (``revised_by`` was, and with it fact history)."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import ConfigError
from graphmem.export import EXPORT_VERSION, NamespaceDump, dump_namespace, export_graph
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session, SourceRecord, TimeRef
from graphmem.store.base import GraphStore, TimeFilter
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync import read_export, restore_export, sync_stores
from tests.store.test_contract import conversation, day, employers, job_history

JOBS = "dana"
#: Tables of an embedded store that are not memory but its write counters (per connection and store).
_COUNTERS = {"changelog", "generations"}


def _rich(path: Path) -> EmbeddedStore:
    """A store whose records, taken together, give every field a value other than its default."""
    store = EmbeddedStore.open(path)
    store.write(conversation("alpha"))
    first, second = job_history(JOBS)
    store.write(first)
    store.write(second)
    ns = "alpha"
    store.write(
        Batch(
            ns,
            sessions=(Session(ns, "s3", 2, day(12), "noon on 20 May, 2023"),),
            events=(
                Event(
                    ns,
                    "e5",
                    "s3",
                    0,
                    None,
                    "[photo of a tent]",
                    day(12),
                    "D3:1",
                    "conv.json",
                    9,
                    "image",
                    (TimeRef("last week", day(5), day(12), "week"),),
                ),
            ),
            entities=(Entity(ns, "tent", "tent", "Thing", ("the tent", "our tent")),),
            mentions=(Mention(ns, "e5", "tent", "mention"),),
            facts=(Fact(ns, "f3", "melanie", "has", "tent", day(12), day(5), None, None, ("e5",), "last week", 0.5),),
            embeddings=(("e1", [0.5, -0.25, 1.0]), ("e5", [0.125, 0.0, -1.5])),
            embedding_model="test-model",
            embedding_scheme="turn-context/1/two-text/words-40",
            sources=(SourceRecord(ns, "conv.json", "sha256:abc", day(13)),),
            positions=(("s3", 4),),
            forgotten_live=(("s3", 2),),
        )
    )
    return store


def _fields_used(dumps: list[NamespaceDump]) -> dict[str, set[str]]:
    """Per record kind, the fields that some record of ``dumps`` does not leave at its default."""
    kinds: dict[str, list[Any]] = {"sessions": [], "events": [], "entities": [], "mentions": [], "facts": []}
    for d in dumps:
        for kind, records in kinds.items():
            records.extend(getattr(d, kind))
    out: dict[str, set[str]] = {}
    for kind, records in kinds.items():
        used = set()
        for f in dataclasses.fields(records[0]):
            default = f.default if f.default is not dataclasses.MISSING else None
            if any(getattr(r, f.name) not in (default, (), None) for r in records):
                used.add(f.name)
        out[kind] = used
    return out


def _dumps(store: GraphStore) -> list[NamespaceDump]:
    return [dump_namespace(store, ns) for ns in sorted(store.namespaces())]


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of an embedded store that holds a namespace's records, sorted."""
    conn = sqlite3.connect(f"file:{path / 'graphmem.sqlite3'}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {}
        for table in tables:
            columns = [r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))]
            if "ns" in columns and table not in _COUNTERS:
                out[table] = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        return out
    finally:
        conn.close()


def _export(store: GraphStore, path: Path) -> Path:
    out = io.StringIO()
    export_graph(store, out, "json", embeddings=True)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["export", "stores"])
def test_a_store_copied_into_an_empty_one_is_the_same_record_by_record(tmp_path: Path, how: str) -> None:
    source = _rich(tmp_path / "source")
    want = _dumps(source)
    every = {kind: {f.name for f in dataclasses.fields(cls)} for kind, cls in _KINDS.items()}
    assert _fields_used(want) == every  # the fixture leaves no field at its default: each one is compared
    target = EmbeddedStore.open(tmp_path / "target")
    if how == "export":
        backup = _export(source, tmp_path / "backup.json")
        restore_export(read_export(backup), target, source=str(backup))
    else:
        sync_stores(source, target)
    _same_dumps(want, _dumps(target))
    source.close()
    target.close()
    # and in the store itself, column by column: a field the models lack would show here
    assert _rows(tmp_path / "target") == _rows(tmp_path / "source")


_KINDS = {"sessions": Session, "events": Event, "entities": Entity, "mentions": Mention, "facts": Fact}


def _same_dumps(want: list[NamespaceDump], got: list[NamespaceDump]) -> None:
    assert [d.namespace for d in got] == [d.namespace for d in want]
    for a, b in zip(want, got, strict=True):
        for name in ("sessions", "events", "entities", "mentions", "facts", "embeddings", "schemes", "sources"):
            assert getattr(b, name) == getattr(a, name), (a.namespace, name)
        assert (b.positions, b.forgotten_live) == (a.positions, a.forgotten_live)


@pytest.mark.neo4j
def test_a_store_copied_through_a_bolt_database_is_the_same_record_by_record(
    tmp_path: Path, neo4j_store: GraphStore
) -> None:
    # embedded -> JSON -> Bolt, Bolt -> JSON -> embedded, and Bolt -> embedded by a store-to-store sync
    source = _rich(tmp_path / "source")
    want = _dumps(source)
    backup = _export(source, tmp_path / "backup.json")
    source.close()
    restore_export(read_export(backup), neo4j_store, source=str(backup))
    _same_dumps(want, _dumps(neo4j_store))
    again = _export(neo4j_store, tmp_path / "again.json")
    for name, copy in (("from_json", None), ("from_bolt", neo4j_store)):
        target = EmbeddedStore.open(tmp_path / name)
        if copy is None:
            restore_export(read_export(again), target, source=str(again))
        else:
            sync_stores(copy, target)
        _same_dumps(want, _dumps(target))
        target.close()
        assert _rows(tmp_path / name) == _rows(tmp_path / "source")


def test_forgetting_a_closing_in_a_restored_store_opens_the_fact_again_as_at_the_source(tmp_path: Path) -> None:
    # tester: a store restored from JSON lost revised_by, so forgetting the statement that closed (or
    # corrected) a fact no longer restored it there
    source = EmbeddedStore.open(tmp_path / "source")
    first, second = job_history(JOBS)
    source.write(first)
    source.write(second)
    backup = _export(source, tmp_path / "backup.json")
    target = EmbeddedStore.open(tmp_path / "target")
    restore_export(read_export(backup), target, source=str(backup))
    for store in (source, target):
        store.delete_event(JOBS, "e2")
        assert employers(store, JOBS, TimeFilter(valid_at=day(40))) == ["acme"]
    assert [dataclasses.astuple(f) for f in target.iter_facts(JOBS, history=True)] == [
        dataclasses.astuple(f) for f in source.iter_facts(JOBS, history=True)
    ]
    source.close()
    target.close()


def test_an_export_of_version_2_restores_its_facts_without_revisers(tmp_path: Path) -> None:
    source = EmbeddedStore.open(tmp_path / "source")
    first, second = job_history(JOBS)
    source.write(first)
    source.write(second)
    data = json.loads(_export(source, tmp_path / "new.json").read_text(encoding="utf-8"))
    source.close()
    assert data["version"] == EXPORT_VERSION == 3
    assert any(f["revised_by"] for f in data["namespaces"][0]["facts"])
    data["version"] = 2
    for f in data["namespaces"][0]["facts"]:
        del f["revised_by"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    [dump] = read_export(tmp_path / "old.json")
    assert dump.facts and all(f.revised_by == () for f in dump.facts)


@pytest.mark.parametrize(
    ("kind", "key", "value", "message"),
    [
        ("facts", "revised_by", "e2", "facts[0].revised_by (namespace 'dana'): is not a list: 'e2'"),
        ("facts", "revised_by", [7], "facts[0].revised_by[0] (namespace 'dana'): is not a string: 7"),
        # a text where a list belongs was read as the list of its characters
        ("facts", "evidence", "e1", "facts[0].evidence (namespace 'dana'): is not a list: 'e1'"),
        ("entities", "aliases", "Dee", "entities[0].aliases (namespace 'dana'): is not a list: 'Dee'"),
        ("events", "times", {}, "events[0].times (namespace 'dana'): is not a list: {}"),
    ],
)
def test_a_malformed_list_is_refused_by_its_path(
    tmp_path: Path, kind: str, key: str, value: object, message: str
) -> None:
    source = EmbeddedStore.open(tmp_path / "source")
    first, _ = job_history(JOBS)
    source.write(first)
    data = json.loads(_export(source, tmp_path / "x.json").read_text(encoding="utf-8"))
    source.close()
    data["namespaces"][0][kind][0][key] = value
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json: namespaces\[0\]\.") as caught:
        read_export(tmp_path / "bad.json")
    assert message in str(caught.value)


def test_a_version_3_export_without_revisers_is_refused(tmp_path: Path) -> None:
    source = EmbeddedStore.open(tmp_path / "source")
    first, _ = job_history(JOBS)
    source.write(first)
    data = json.loads(_export(source, tmp_path / "x.json").read_text(encoding="utf-8"))
    source.close()
    del data["namespaces"][0]["facts"][0]["revised_by"]
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="missing field 'revised_by'"):
        read_export(tmp_path / "bad.json")
