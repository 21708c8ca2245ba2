"""The ingest bookkeeping (source records, turn fingerprints) travels with an export and a sync: ingesting
the same folder into the restored store skips what is unchanged and keeps forgotten turns forgotten."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from graphmem.export import export_graph
from graphmem.memory import Memory
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
        sync_stores(source, target)
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
