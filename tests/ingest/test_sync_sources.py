"""The ingest bookkeeping (source records, turn fingerprints) travels with an export and a sync: ingesting
the same folder into the restored store skips what is unchanged and keeps forgotten turns forgotten."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.export import NamespaceDump, dump_namespace, export_graph
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Fact, Mention, Session, SourceRecord
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync import read_export, restore_export, sync_stores

from .fakes import FakeEmbedder
from .test_reingest import run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "life_change.txt"
NS = "ana"


def _forgotten_source(tmp_path: Path) -> Path:
    """A folder ingested into ``tmp_path/a`` with the turn naming Miso forgotten; returns the folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "life_change.txt")
    with Memory.open(tmp_path / "a", embedder=FakeEmbedder()) as memory:
        run(memory, folder, namespace=NS)
        [miso] = [e for e in memory.store.iter_events(NS) if "Miso" in e.text]
        memory.forget(NS, miso.id)
        again = run(memory, folder, namespace=NS)
        assert again.files_skipped == 1
    return folder


def _reingest_skips(folder: Path, where: Path) -> None:
    with Memory.open(where, embedder=FakeEmbedder()) as memory:
        events = sorted(e.id for e in memory.store.iter_events(NS))
        summary = run(memory, folder, namespace=NS)
        assert (summary.files_skipped, summary.events_retracted) == (1, 0)
        assert sorted(e.id for e in memory.store.iter_events(NS)) == events
        assert not [e for e in memory.store.iter_events(NS) if "Miso" in e.text]


@pytest.mark.parametrize("how", ["export", "stores"])
def test_restored_store_skips_the_unchanged_folder_and_keeps_forgotten_turns(tmp_path: Path, how: str) -> None:
    folder = _forgotten_source(tmp_path)
    source = EmbeddedStore.open(tmp_path / "a")
    target = EmbeddedStore.open(tmp_path / "b")
    try:
        if how == "export":
            out = io.StringIO()
            export_graph(source, out, "json", embeddings=True)
            (tmp_path / "b.json").write_text(out.getvalue(), encoding="utf-8")
            restore_export(read_export(tmp_path / "b.json"), target, source="b.json")
        else:
            sync_stores(source, target)
        assert target.source_records(NS, "") == source.source_records(NS, "")
    finally:
        source.close()
        target.close()
    _reingest_skips(folder, tmp_path / "b")


def test_an_export_of_version_1_without_sources_still_restores(tmp_path: Path) -> None:
    _forgotten_source(tmp_path)
    source = EmbeddedStore.open(tmp_path / "a")
    out = io.StringIO()
    export_graph(source, out, "json", embeddings=True)
    source.close()
    data = json.loads(out.getvalue())
    assert data["version"] == 3 and data["namespaces"][0]["sources"]
    data["version"] = 1
    del data["namespaces"][0]["sources"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    [dump] = read_export(tmp_path / "old.json")
    assert dump.events and dump.sources == []


_V1 = (
    "## Session 1 — 10 January 2024\n[18:00] Ana: I work at Acme as an engineer.\n[18:01] Ben: Cool.\n"
    "[18:02] Ana: I live in Rome with my dog Rex.\n[18:03] Ben: Nice.\n"
)
_V2 = _V1.replace("[18:02] Ana: I live in Rome with my dog Rex.\n", "")


def test_a_merge_of_another_version_of_an_input_leaves_the_next_ingest_to_rewrite_it(tmp_path: Path) -> None:
    # review: the source's newer records replaced the target's, so re-ingesting skipped and kept stale turns
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "chat.txt").write_text(_V1, encoding="utf-8")
    with Memory.open(tmp_path / "tgt", embedder=FakeEmbedder()) as memory:
        run(memory, folder, namespace=NS)
    (folder / "chat.txt").write_text(_V2, encoding="utf-8")
    with Memory.open(tmp_path / "src", embedder=FakeEmbedder()) as memory:
        run(memory, folder, namespace=NS)
    source, target = EmbeddedStore.open(tmp_path / "src"), EmbeddedStore.open(tmp_path / "tgt")
    try:
        kept = list(target.iter_events(NS))
        sync_stores(source, target)
        assert list(target.iter_events(NS)) == kept  # the target's version of the file, for its next ingest
    finally:
        source.close()
        target.close()
    with Memory.open(tmp_path / "tgt", embedder=FakeEmbedder()) as memory:
        summary = run(memory, folder, namespace=NS)
        assert summary.files_skipped == 0
        assert [e.text for e in sorted(memory.store.iter_events(NS), key=lambda e: e.seq)] == [
            "I work at Acme as an engineer.",
            "Cool.",
            "Nice.",
        ]


_LEEDS = "## Session 1 — 10 January 2024\n[18:00] Ana: I live in Leeds.\n[18:01] Ben: Nice.\n[18:02] Ana: Bye!\n"
_SHEFFIELD = _LEEDS.replace("Leeds", "Sheffield")


def _backup(db: Path, tmp_path: Path, how: str) -> Path:
    """A copy of the store at ``db``: a JSON export, or another store."""
    copy = tmp_path / ("backup.json" if how == "export" else "backup")
    with closing(EmbeddedStore.open(db)) as store:
        if how == "export":
            with copy.open("w", encoding="utf-8") as out:
                export_graph(store, out, "json", embeddings=True)
        else:
            with closing(EmbeddedStore.open(copy)) as other:
                sync_stores(store, other)
    return copy


def _merge(copy: Path, db: Path) -> None:
    with closing(EmbeddedStore.open(db)) as target:
        if copy.suffix == ".json":
            restore_export(read_export(copy), target, source=str(copy))
        else:
            with closing(EmbeddedStore.open(copy)) as source:
                sync_stores(source, target)


def _state(db: Path) -> NamespaceDump:
    with closing(EmbeddedStore.open(db)) as store:
        return dump_namespace(store, NS)


@pytest.mark.parametrize("how", ["export", "stores"])
def test_an_older_backup_merged_leaves_the_turns_of_a_file_ingested_since(
    tmp_path: Path, how: str, spacy_extractor: Any
) -> None:
    # tester (repro2): the backup's "I live in Leeds" came back over the re-ingested "Sheffield", and the
    # next ingest skipped the file as unchanged, so it stayed
    folder, db = tmp_path / "in", tmp_path / "db"
    folder.mkdir()
    (folder / "a.txt").write_text(_LEEDS, encoding="utf-8")
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        run(memory, folder, extractor=spacy_extractor, namespace=NS)
    copy = _backup(db, tmp_path, how)
    (folder / "a.txt").write_text(_SHEFFIELD, encoding="utf-8")
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        run(memory, folder, extractor=spacy_extractor, namespace=NS)
        places = {f.object_id for f in memory.store.iter_facts(NS) if f.predicate == "lives_in"}
        assert len(places) == 1 and "sheffield" in places.pop()
    want = _state(db)
    _merge(copy, db)
    assert _state(db) == want  # the store knew all the backup knows of the file: nothing changed
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        assert run(memory, folder, extractor=spacy_extractor, namespace=NS).files_skipped == 1
        assert "I live in Sheffield." in [e.text for e in memory.store.iter_events(NS)]
    assert _state(db) == want


@pytest.mark.parametrize("how", ["export", "stores"])
def test_a_backup_merged_keeps_a_turn_forgotten_since_forgotten(tmp_path: Path, how: str) -> None:
    folder, db = tmp_path / "in", tmp_path / "db"
    folder.mkdir()
    (folder / "a.txt").write_text(_LEEDS, encoding="utf-8")
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        run(memory, folder, namespace=NS)
    copy = _backup(db, tmp_path, how)
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        [bye] = [e for e in memory.store.iter_events(NS) if e.text == "Bye!"]
        memory.forget(NS, bye.id)
    want = _state(db)
    _merge(copy, db)
    assert _state(db) == want


def test_a_store_that_ingested_the_file_at_another_path_keeps_its_version(tmp_path: Path) -> None:
    # the same conversation ingested from another folder: the same session and event ids, other records
    for name, text in (("old", _LEEDS), ("new", _SHEFFIELD)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_text(text, encoding="utf-8")
        with Memory.open(tmp_path / f"db-{name}", embedder=FakeEmbedder()) as memory:
            run(memory, tmp_path / name, namespace=NS)
    want = _state(tmp_path / "db-new")
    _merge(tmp_path / "db-old", tmp_path / "db-new")
    assert _state(tmp_path / "db-new") == want  # neither the old turns nor the old path's records came


def test_the_cli_says_how_many_events_a_merge_left_as_the_target_holds_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from graphmem.cli.app import main

    folder, db = tmp_path / "in", tmp_path / "db"
    folder.mkdir()
    (folder / "a.txt").write_text(_LEEDS, encoding="utf-8")
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        run(memory, folder, namespace=NS)
    copy = _backup(db, tmp_path, "export")
    capsys.readouterr()
    assert main(["sync", "--from", str(copy), "--to", str(db)]) == 0
    err = capsys.readouterr().err
    assert f"note: 3 events of files {db} has ingested were not copied: it keeps its own version" in err


def test_what_only_a_turn_left_out_named_is_left_out_with_its_vector(tmp_path: Path) -> None:
    at = datetime(2024, 1, 10, 18, 0)

    def said(text: str, place: str) -> Batch:
        ana, where = Entity(NS, "ana", "Ana", "Person"), Entity(NS, place, place.title(), "Place")
        return Batch(
            NS,
            sessions=(Session(NS, "session_1", 0, at),),
            events=(Event(NS, "ev1", "session_1", 1, "Ana", text, at, source_file="a.txt", source_line=2),),
            entities=(ana, where),
            mentions=(Mention(NS, "ev1", "ana", "speaker"), Mention(NS, "ev1", place)),
            facts=(Fact(NS, f"f-{place}", "ana", "lives_in", place, at, at, evidence=("ev1",)),),
            embeddings=(("ev1", [1.0, 0.0]), (place, [0.0, 1.0])),  # an entity's vector too
            embedding_model="m",
            sources=(SourceRecord(NS, "a.txt", f"sha256:{place}", at),),
        )

    with closing(EmbeddedStore.open(tmp_path / "old")) as old, closing(EmbeddedStore.open(tmp_path / "new")) as new:
        old.write(said("I live in Leeds.", "leeds"))
        new.write(said("I live in Sheffield.", "sheffield"))
        want = dump_namespace(new, NS)
        [copied] = sync_stores(old, new).namespaces
        assert dump_namespace(new, NS) == want
        assert (copied.events, copied.entities, copied.facts, copied.embeddings, copied.events_kept) == (0, 0, 0, 0, 1)
