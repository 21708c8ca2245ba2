"""Forgetting many turns of a large store leaves no byte of their texts in the store's files: not in the
unused space of a page a row moved from when SQLite rebalanced a tree, which ``secure_delete`` leaves
(``graphmem.store.sqlite_writes.rewrite_file``); nor does forgetting one turn."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from graphmem import Memory
from graphmem.models import Batch, Entity, Event, Mention
from tests.ingest.fakes import FakeEmbedder

NS = "big"
_START = datetime(2024, 1, 1, 9, 0)


def _text(i: int) -> str:
    about = f"Zed told me story {i:04d}" if i % 10 else f"Someone told me story {i:04d}"
    return f"{about}: " + " ".join(f"word{(i * 7 + k) % 97}" for k in range(30)) + f" end{i:04d}."


def _tell(mem: Memory, turns: int) -> list[Event]:
    events = [
        Event(
            NS, f"ev:s{i // 50}:{i % 50 + 1}", f"s{i // 50}", i % 50 + 1, "Ann", _text(i), _START + timedelta(minutes=i)
        )
        for i in range(turns)
    ]
    for start in range(0, turns, 200):
        mem.add_events(events[start : start + 200], namespace=NS)
    zed = Entity(NS, "ent:person:zed", "Zed", "Person")
    mentions = tuple(Mention(NS, ev.id, zed.id, "subject") for ev in events if ev.text.startswith("Zed"))
    mem.write(Batch(NS, entities=(zed,), mentions=mentions))
    return events


def _left_in_files(where: Path, texts: list[str]) -> list[str]:
    raw = b"".join(p.read_bytes() for p in where.rglob("*") if p.is_file())
    return [t for t in texts if t.encode() in raw]


def test_forget_about_a_name_in_a_large_store_leaves_no_text_in_any_page(tmp_path: Path) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder()) as mem:
        events = _tell(mem, 1200)
        gone = [ev.text for ev in events if ev.text.startswith("Zed")]
        assert len(_left_in_files(where, gone)) == len(gone)  # the test can see them
        result = mem.forget(NS, about="Zed")
        assert result.events == len(gone)
        assert _left_in_files(where, gone) == []
    assert _left_in_files(where, gone) == []


def test_forget_one_turn_in_a_large_store_leaves_no_text_in_any_page(tmp_path: Path) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder()) as mem:
        events = _tell(mem, 1200)
        for ev in events[300:900:10]:
            mem.forget(NS, ev.id)
        gone = [ev.text for ev in events[300:900:10]]
        assert _left_in_files(where, gone) == []
