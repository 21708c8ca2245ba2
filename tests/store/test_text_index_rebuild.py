"""Forgetting turns one by one never damages the embedded store's full-text index.

SQLite 3.40's FTS5 left its structure record unreadable after about a thousand deletes each followed by an
'optimize' (what forgetting a turn ran to purge its tokens), so the store was reported damaged
(``CorruptStoreError``) part way through a long run of forgets. The index is now built again from the rows
that stay (:func:`graphmem.store.sqlite_writes.merge_text_index`)."""

from __future__ import annotations

from pathlib import Path

from graphmem import Memory
from tests.ingest.fakes import FakeEmbedder
from tests.live.test_forget_many_bytes import NS, _tell


def test_a_thousand_forgets_one_by_one_leave_the_text_index_whole(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        events = _tell(mem, 1200)
        gone = [ev for ev in events if ev.text.startswith("Zed")]
        for ev in gone:
            mem.forget(NS, ev.id)
        kept = [ev for ev in events if not ev.text.startswith("Zed")]
        assert mem.stats(NS).events == len(kept)
        # the index answers: a kept turn's own word finds it, a forgotten turn's finds nothing
        hits = mem.store.search_text(NS, "end0010", limit=5)
        assert [h.event_id for h in hits][:1] == [kept[1].id]
        assert mem.store.search_text(NS, "end0011", limit=5) == []
