"""Merging a backup into a store that holds the namespace keeps, per fact id, what memory learned later."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from graphmem.cli.app import main
from graphmem.export import export_graph
from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.base import TimeFilter
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync import read_export, restore_export, sync_stores
from tests.store.test_contract import day, employers, job_history

NS = "dana"
NOW = TimeFilter(valid_at=day(40))


def _history(store: EmbeddedStore) -> list[tuple[object, ...]]:
    return [(f.id, f.valid_to, f.recorded_at, f.expired_at) for f in store.iter_facts(NS, history=True)]


def _backup(store: EmbeddedStore, path: Path) -> Path:
    out = io.StringIO()
    export_graph(store, out, "json", embeddings=True)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _stores(tmp_path: Path) -> tuple[EmbeddedStore, EmbeddedStore]:
    """An older store (Dana works at Acme) and a newer one (then she left it for Globex)."""
    first, second = job_history(NS)
    older, newer = EmbeddedStore.open(tmp_path / "older"), EmbeddedStore.open(tmp_path / "newer")
    older.write(first)
    newer.write(first)
    newer.write(second)
    return older, newer


def test_an_older_backup_changes_nothing_a_newer_store_learned(tmp_path: Path) -> None:
    older, newer = _stores(tmp_path)
    backup = _backup(older, tmp_path / "older.json")
    want = _history(newer)
    assert employers(newer, NS, NOW) == ["globex"]
    restore_export(read_export(backup), newer, source=str(backup))
    assert employers(newer, NS, NOW) == ["globex"]  # Acme was not made current again
    assert _history(newer) == want
    acme = newer.get_fact(NS, "fa")
    assert acme is not None and (acme.valid_to, acme.recorded_at) == (day(20), day(30))
    # the same from a store, and through the CLI
    sync_stores(older, newer)
    assert _history(newer) == want
    older.close()
    newer.close()
    assert main(["sync", "--from", str(backup), "--to", str(tmp_path / "newer")]) == 0
    store = EmbeddedStore.open(tmp_path / "newer")
    assert _history(store) == want
    store.close()


def test_a_newer_backup_brings_an_older_store_up_to_date(tmp_path: Path) -> None:
    older, newer = _stores(tmp_path)
    backup = _backup(newer, tmp_path / "newer.json")
    restore_export(read_export(backup), older, source=str(backup))
    assert employers(older, NS, NOW) == ["globex"]
    assert _history(older) == _history(newer)
    # running it again (a sync that stopped half-way is completed so) changes nothing
    restore_export(read_export(backup), older, source=str(backup))
    assert _history(older) == _history(newer)


def test_a_merge_derives_the_ends_of_the_union_again(tmp_path: Path) -> None:
    # the target learned of Initech (day 60) where the backup learned of Globex (day 20): merged, Globex
    # ends when Initech begins, as writing both stores' statements into one memory gives
    older, newer = _stores(tmp_path)
    initech = Fact(NS, "fi", "dana", "works_at", "initech", recorded_at=day(61), valid_from=day(60), evidence=("e3",))
    older.write(
        Batch(
            NS,
            sessions=(Session(NS, "s3", 2, day(61)),),
            events=(Event(NS, "e3", "s3", 0, "Dana", "I work at Initech now.", day(61)),),
            entities=(Entity(NS, "initech", "Initech", "Organization"),),
            facts=(initech,),
        )
    )
    sync_stores(newer, older)
    assert employers(older, NS, NOW) == ["globex"]
    assert employers(older, NS, TimeFilter(valid_at=day(70))) == ["initech"]
    globex = older.get_fact(NS, "fg")
    assert globex is not None and (globex.valid_to, globex.recorded_at, globex.revised_by) == (
        day(60),
        day(61),
        ("e3",),
    )
    # as of a moment before Initech was said, Globex held on
    assert employers(older, NS, TimeFilter(valid_at=day(70), as_of=day(40))) == ["globex"]


def _slip_corrected(store: EmbeddedStore) -> None:
    """Dana works at Acme (day 1); Globex 'now' on day 30 ends Acme; on day 31 she corrects the slip: she
    works at Acme (a new statement, starting when the slip did) and Globex never held. Acme's current
    version ends on day 30, when another fact of the same value begins, recorded later."""
    first, _ = job_history(NS)
    store.write(first)
    acme = first.facts[0]
    globex = Fact(NS, "fg", "dana", "works_at", "globex", recorded_at=day(30), valid_from=day(30), evidence=("e2",))
    store.write(
        Batch(
            NS,
            sessions=(Session(NS, "s2", 1, day(30)),),
            events=(Event(NS, "e2", "s2", 0, "Dana", "I work at Globex now.", day(30)),),
            facts=(replace(acme, valid_to=day(30)), globex),
        )
    )
    again = Fact(NS, "fa2", "dana", "works_at", "acme", recorded_at=day(31), valid_from=day(30), evidence=("e3",))
    store.write(
        Batch(
            NS,
            events=(Event(NS, "e3", "s2", 1, "Dana", "Sorry, I meant Acme. I work at Acme.", day(31)),),
            facts=(replace(globex, valid_to=day(30), revised_by=("e3",)), again),
        )
    )


def test_a_restore_into_an_empty_store_gives_back_every_version(tmp_path: Path) -> None:
    # Without --replace the facts were written batch by batch and versioned again: Acme's current version
    # (ended on day 30 by Globex) looked new, and the later Acme statement starting then made it two
    # versions, one invented (open until day 31), so AS OF day 30 read Acme and Globex both open.
    source = EmbeddedStore.open(tmp_path / "source")
    _slip_corrected(source)
    want = _history(source)
    assert employers(source, NS, TimeFilter(valid_at=day(30), as_of=day(30))) == ["globex"]
    backup = _backup(source, tmp_path / "backup.json")
    for batch_events in (1, 500):  # the chain split over batches, or in one
        target = EmbeddedStore.open(tmp_path / f"target{batch_events}")
        restore_export(read_export(backup), target, source=str(backup), batch_events=batch_events)
        assert _history(target) == want
        assert employers(target, NS, TimeFilter(valid_at=day(30), as_of=day(30))) == ["globex"]
        target.close()
    target = EmbeddedStore.open(tmp_path / "from_store")
    sync_stores(source, target)
    assert _history(target) == want
    target.close()
    source.close()
    assert main(["sync", "--from", str(backup), "--to", str(tmp_path / "cli")]) == 0
    restored = EmbeddedStore.open(tmp_path / "cli")
    assert _history(restored) == want
    restored.close()
