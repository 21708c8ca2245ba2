"""The embedded store counts a loaded namespace from its mirror: those counters must stay what SQLite holds.

Each step below changes the namespace another way (a re-ingested edited file retracting turns, a write by
another handle caught up by ``refresh``, an entity renamed, a bulk forget), then compares ``stats`` (the
mirror's counters) with a fresh count of the rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.store import sqlite_reads
from graphmem.store.embedded import DB_FILENAME, EmbeddedStore
from tests.ingest.fakes import FakeEmbedder

_FIGURES = ("sessions", "events", "entities", "mentions", "spoken_by", "facts", "embeddings")


def _same_as_sqlite(memory: Memory, db: Path, ns: str) -> dict[str, int]:
    store = memory.store
    assert isinstance(store, EmbeddedStore)
    first = next(iter(store.iter_events(ns))).id
    store.neighbors(ns, first)  # loads the namespace: stats now come from the mirror
    assert ns in store.loaded
    mirror = {k: v for k, v in store.stats(ns).as_dict().items() if k != "namespaces"}
    conn = sqlite3.connect(db / DB_FILENAME)
    try:
        fresh = sqlite_reads.count_rows(conn, ns)[ns]
    finally:
        conn.close()
    assert mirror == {k: fresh[k] for k in _FIGURES}
    return mirror


def test_mirror_counters_stay_equal_to_a_fresh_sqlite_count(tmp_path: Path) -> None:
    db, ns = tmp_path / "db", "chat"
    talk = tmp_path / "talk.txt"
    with Memory.open(db, embedder=FakeEmbedder()) as memory:
        talk.write_text("Maya: I met Jon in Rome.\nJon: Maya loves Rome and Paris.\nMaya: three\n", encoding="utf-8")
        ingest(memory, talk, namespace=ns)
        before = _same_as_sqlite(memory, db, ns)
        assert before["spoken_by"] == 3 and before["mentions"] > 0

        talk.write_text("Jon: four, Maya.\nMaya: five, I saw Jon in Oslo.\n", encoding="utf-8")
        ingest(memory, talk, namespace=ns)  # an edited file: its old turns are retracted
        assert _same_as_sqlite(memory, db, ns)["spoken_by"] == 2

        other = EmbeddedStore.open(db)  # another writer of the same store
        said = Event(ns, "x1", "other", 0, "Priya", "Maya, Jon and I met Omar.")
        links = (
            Mention(ns, "x1", "ent:person:maya", "addressee"),
            Mention(ns, "x1", "ent:person:jon", "mention"),
            Mention(ns, "x1", "ent:person:priya", "speaker"),
            Mention(ns, "x1", "ent:person:priya", "subject"),
        )
        priya = Entity(ns, "ent:person:priya", "Priya", "Person")
        other.write(Batch(ns, (Session(ns, "other", 0),), (said,), (priya,), links))
        other.close()
        memory.store.refresh()
        counts = _same_as_sqlite(memory, db, ns)
        assert counts["spoken_by"] == 3

        store = memory.store
        assert isinstance(store, EmbeddedStore)
        assert store.rename_entity(ns, "ent:person:jon", "ent:person:jonathan")
        assert _same_as_sqlite(memory, db, ns) == counts  # moved, not added or lost

        memory.forget(ns, about="Priya")  # a bulk forget
        after = _same_as_sqlite(memory, db, ns)
        assert after["spoken_by"] == 2 and after["events"] == 2
