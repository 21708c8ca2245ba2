"""Every name of UTC's clock (``Etc/GMT``, ``GMT0``, ``Etc/UTC``, ``Zulu``) dates an input as UTC does, so
it hashes as UTC does: an unchanged input is skipped whichever of them the memory runs on. ``Etc/GMT``
named its clock in the hashes before (6 Dec 2026, task time29), so a file a memory on it ingested was read
again once on UTC's clock and the other way round; a store written so keeps skipping its unchanged inputs.
"""

from __future__ import annotations

from datetime import UTC, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graphmem import Memory
from graphmem.dates import zone_label
from graphmem.extract import get_extractor
from graphmem.ingest_hashes import Hashes, clock_name

from .fakes import FakeEmbedder, FakeExtractor

#: Dated by a header and clock times without an offset: the memory's clock dates it, so it is in its hash
TEXT = "## 5 March 2024\n\n[10:00] Kai: I moved to Oslo yesterday.\nAna: Welcome!\n"
UTC_NAMES = [None, "UTC", "Etc/UTC", "Etc/GMT", "GMT0", "Etc/Zulu", "Universal"]


def _open(db: Path, zone: str | None) -> Memory:
    return Memory.open(db, embedder=FakeEmbedder(), zone=zone)


def _ingest(mem: Memory, what: Any) -> tuple[int, int]:
    summary = mem.ingest(what, namespace="kai", embed=False, extractor=FakeExtractor())
    assert summary.ok
    return summary.files_skipped, summary.events


def _clock_name_before(zone: tzinfo | None) -> str | None:
    """:func:`clock_name` as it was until 6 Dec 2026 (only ``UTC`` and a zero offset were no clock)."""
    if zone is None:
        return None
    name = zone_label(zone)
    return None if name in ("UTC", "+00:00") else name


@pytest.mark.parametrize("zone", [ZoneInfo(name) for name in ("Etc/GMT", "GMT0", "Etc/UTC", "Zulu")])
def test_every_name_of_utcs_clock_hashes_as_utc(zone: tzinfo) -> None:
    assert clock_name(zone) is None
    assert clock_name(UTC) is clock_name(timezone(timedelta(0), "GMT")) is clock_name(None) is None
    assert clock_name(ZoneInfo("Europe/London")) == "Europe/London"  # GMT in winter only: another clock
    extractor = get_extractor("spacy")
    plain = Hashes(extractor, False).dating(True, True).run("d", "text")
    assert Hashes(extractor, False, (), clock_name(zone)).dating(True, True).run("d", "text") == plain


def test_an_unchanged_file_is_skipped_on_every_name_of_utcs_clock(tmp_path: Path) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(TEXT, encoding="utf-8")
    with _open(tmp_path / "db", None) as mem:
        assert _ingest(mem, path) == (0, 2)
    for zone in UTC_NAMES:
        with _open(tmp_path / "db", zone) as mem:
            assert _ingest(mem, path) == (1, 0), zone


def test_a_store_that_named_utcs_clock_otherwise_keeps_skipping_its_unchanged_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(TEXT, encoding="utf-8")
    with monkeypatch.context() as before:  # a store a memory on Etc/GMT wrote before 6 Dec 2026
        before.setattr("graphmem.ingest_read.clock_name", _clock_name_before)
        with _open(tmp_path / "db", "Etc/GMT") as mem:
            assert _ingest(mem, path) == (0, 2)
    for zone in UTC_NAMES:
        with _open(tmp_path / "db", zone) as mem:
            assert _ingest(mem, path) == (1, 0), zone
    path.write_text(TEXT + "Kai: Thanks!\n", encoding="utf-8")  # edited: read again
    with _open(tmp_path / "db", "Etc/GMT") as mem:
        skipped, events = _ingest(mem, path)
        assert skipped == 0 and events >= 1


def test_a_zoned_memory_still_reads_a_file_anew_on_its_own_clock(tmp_path: Path) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(TEXT, encoding="utf-8")
    with _open(tmp_path / "db", "Etc/GMT") as mem:
        assert _ingest(mem, path) == (0, 2)
    with _open(tmp_path / "db", "Europe/Berlin") as mem:
        skipped, _events = _ingest(mem, path)
        assert skipped == 0
        assert _ingest(mem, path) == (1, 0)


def _legacy_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: Path) -> Path:
    """A store a memory on Etc/GMT wrote before 6 Dec 2026 (its hashes named that clock), holding ``path``."""
    db = tmp_path / "db"
    with monkeypatch.context() as before:
        before.setattr("graphmem.ingest_read.clock_name", _clock_name_before)
        with _open(db, "Etc/GMT") as mem:
            assert _ingest(mem, path) == (0, 2)
    return db


def _events(db: Path) -> list[Any]:
    with _open(db, None) as mem:
        return [e for e in mem._store.iter_events("kai") if e.source_file is not None]


@pytest.mark.parametrize("zone", ["Etc/GMT", None])
def test_a_file_renamed_since_a_store_named_utcs_clock_otherwise_is_not_ingested_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str | None
) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(TEXT, encoding="utf-8")
    db = _legacy_store(tmp_path, monkeypatch, path)
    renamed = path.rename(tmp_path / "kai-renamed.txt")
    with _open(db, zone) as mem:
        assert _ingest(mem, renamed) == (1, 0)
    assert len(_events(db)) == 2


def test_a_copy_of_a_file_a_store_named_utcs_clock_otherwise_read_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(TEXT, encoding="utf-8")
    db = _legacy_store(tmp_path, monkeypatch, path)
    copy = tmp_path / "copy" / "kai.txt"
    copy.parent.mkdir()
    copy.write_text(TEXT, encoding="utf-8")
    with _open(db, "Etc/GMT") as mem:
        assert _ingest(mem, copy) == (1, 0)
    assert len(_events(db)) == 2


def test_a_file_renamed_and_edited_since_a_store_named_utcs_clock_otherwise_is_taken_as_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kai.txt"
    path.write_text(TEXT, encoding="utf-8")
    db = _legacy_store(tmp_path, monkeypatch, path)
    path.unlink()
    moved = tmp_path / "elsewhere" / "kai.txt"
    moved.parent.mkdir()
    moved.write_text(TEXT + "Kai: Thanks!\n", encoding="utf-8")
    with _open(db, "Etc/GMT") as mem:
        _ingest(mem, moved)
    events = _events(db)
    assert len(events) == 3 and {e.source_file for e in events} == {str(moved.resolve())}
