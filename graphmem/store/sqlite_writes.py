"""The SQL side of writing to the embedded store: rows of a batch, and of a retraction, in the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from graphmem.errors import StoreError
from graphmem.models import Batch, Fact
from graphmem.store import sqlite_heads, sqlite_text
from graphmem.store.changelog import forget_keys, trim
from graphmem.store.retraction import Retraction
from graphmem.store.segment import index_text
from graphmem.store.sqlite_rows import dt_in, fts_ddl, fts_table, json_list, times_in, vector_in
from graphmem.store.sqlite_terms import forget_unused, note_rows
from graphmem.store.versions import rekeyed_ids

__all__ = [
    "EVENT_ROWS",
    "NS_TABLES",
    "clear_namespace",
    "delete_rows",
    "mark_forgotten_live",
    "one_transaction",
    "purge_forgotten",
    "put_fact_row",
    "rename_entity_rows",
    "write_rows",
]

#: Every table with a namespace column (what deleting a namespace clears).
NS_TABLES = (
    "events",
    "sessions",
    "entities",
    "mentions",
    "facts",
    "fact_evidence",
    "embeddings",
    "sources",
    "positions",
    "forgotten_live",
)
EVENT_ROWS = (("events", "id"), ("mentions", "event_id"), ("embeddings", "node_id"), ("fact_evidence", "event_id"))


@contextmanager
def one_transaction(c: sqlite3.Connection, failure: str) -> Iterator[None]:
    """A write transaction (``BEGIN IMMEDIATE``), committed at the end and rolled back on any error.

    Before it commits, the change log is trimmed (:func:`graphmem.store.changelog.trim`).

    Raises:
        StoreError: an SQLite error, as ``"{failure}: {error}"``; nothing of the transaction is stored.
    """
    try:
        c.execute("BEGIN IMMEDIATE")
        yield
        trim(c)
        c.execute("COMMIT")
    except sqlite3.Error as exc:
        _roll_back(c)
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
        raise StoreError(f"{failure}: {exc}" + ("; free space on its disk and run it again" if full else "")) from exc
    except BaseException:
        _roll_back(c)
        raise


def _roll_back(c: sqlite3.Connection) -> None:
    # BEGIN itself may have failed ("database is locked"), or SQLite may have rolled back already (a full
    # disk): ROLLBACK would then raise over the error that matters.
    if c.in_transaction:
        c.execute("ROLLBACK")


def clear_namespace(c: sqlite3.Connection, namespace: str, *, keep_positions: bool = False) -> None:
    """Delete every row of ``namespace`` and its full-text table, inside the caller's transaction;
    ``keep_positions`` keeps the highest position each session has given and the places of its forgotten
    live messages (a namespace replaced, not forgotten: its event ids stay given)."""
    c.execute(f"DROP TABLE IF EXISTS {fts_table(namespace)}")
    sqlite_text.drop_vocabulary(c, fts_table(namespace))
    c.execute("DELETE FROM fts_term_bounds WHERE fts = ?", (fts_table(namespace),))
    sqlite_heads.forget_all(c, fts_table(namespace))
    for table in NS_TABLES:
        if not (keep_positions and table in ("positions", "forgotten_live")):
            c.execute(f"DELETE FROM {table} WHERE ns = ?", (namespace,))


def write_rows(c: sqlite3.Connection, batch: Batch) -> None:
    """Insert or replace the rows of a batch, inside the caller's transaction."""
    ns = batch.namespace
    c.executemany(
        "INSERT INTO sessions VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET "
        "idx = excluded.idx, started_at = excluded.started_at, date_text = excluded.date_text",
        [(ns, s.id, s.index, dt_in(s.started_at), s.date_text) for s in batch.sessions],
    )
    fts = fts_table(ns)
    if batch.events:
        c.execute(fts_ddl(ns))
    written: dict[int, str] = {}  # rowid → its last text (an event id may come twice in a batch)
    for e in batch.events:
        rowid = c.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET "
            "session = excluded.session, seq = excluded.seq, speaker = excluded.speaker, "
            "text = excluded.text, occurred_at = excluded.occurred_at, source_id = excluded.source_id, "
            "source_file = excluded.source_file, source_line = excluded.source_line, "
            "kind = excluded.kind, times = excluded.times RETURNING rowid",
            (
                ns,
                e.id,
                e.session,
                e.seq,
                e.speaker,
                e.text,
                dt_in(e.occurred_at),
                e.source_id,
                e.source_file,
                e.source_line,
                e.kind,
                times_in(e.times),
            ),
        ).fetchone()[0]
        c.execute(f"DELETE FROM {fts} WHERE rowid = ?", (rowid,))
        indexed = index_text(e.text)
        c.execute(f"INSERT INTO {fts} (rowid, text) VALUES (?, ?)", (rowid, indexed))
        written[rowid] = indexed
    # the highest position each session has given (its events', and the marks a copy carries): kept when
    # its events are forgotten, so no id is reused
    highs = batch.marks()
    c.executemany(
        "INSERT INTO positions VALUES (?, ?, ?) ON CONFLICT (ns, session) DO UPDATE SET "
        "high = max(high, excluded.high)",
        [(ns, sid, high) for sid, high in highs.items()],
    )
    c.executemany(
        "INSERT OR IGNORE INTO forgotten_live VALUES (?, ?, ?)", [(ns, sid, seq) for sid, seq in batch.forgotten_live]
    )
    # summaries of its tokens (the old text of a replaced row stays summarised: still a safe bound), and
    # heads (a replaced row's old text leaves them)
    note_rows(c, fts, written.items())
    c.executemany(
        "INSERT INTO entities VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, id) DO UPDATE SET "
        "name = excluded.name, type = excluded.type, aliases = excluded.aliases",
        [(ns, e.id, e.name, e.type, json_list(e.aliases)) for e in batch.entities],
    )
    c.executemany(
        "INSERT OR IGNORE INTO mentions VALUES (?, ?, ?, ?)",
        [(ns, m.event_id, m.entity_id, m.role) for m in batch.mentions],
    )
    for f in batch.facts:
        put_fact_row(c, ns, f)
    model, scheme = batch.embedding_model or "", batch.embedding_scheme or ""
    c.executemany(
        "INSERT OR REPLACE INTO embeddings (ns, node_id, model, dim, vec, scheme) VALUES (?, ?, ?, ?, ?, ?)",
        [(ns, node_id, model, *reversed(vector_in(vec)), scheme) for node_id, vec in batch.embeddings],
    )
    c.executemany(
        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)",
        [(ns, s.key, s.content_hash, dt_in(s.ingested_at)) for s in batch.sources],
    )


def put_fact_row(c: sqlite3.Connection, ns: str, f: Fact) -> None:
    """Write one fact version (row and evidence) in full, inside the caller's transaction."""
    c.execute(
        "INSERT OR REPLACE INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ns,
            f.id,
            f.subject_id,
            f.predicate,
            f.object_id,
            dt_in(f.recorded_at),
            dt_in(f.valid_from),
            dt_in(f.valid_to),
            dt_in(f.expired_at),
            f.time_phrase,
            float(f.confidence),
            json_list(f.revised_by),
        ),
    )
    c.execute("DELETE FROM fact_evidence WHERE ns = ? AND fact_id = ?", (ns, f.id))
    c.executemany(
        "INSERT INTO fact_evidence VALUES (?, ?, ?, ?)",
        [(ns, f.id, pos, eid) for pos, eid in enumerate(f.evidence)],
    )


def mark_forgotten_live(c: sqlite3.Connection, namespace: str, event_ids: Iterable[str]) -> None:
    """Record the places of those of these events that were added live (no ``source_file``), before they
    are forgotten, inside the caller's transaction: an ingested file never gives their ids again."""
    c.executemany(
        "INSERT OR IGNORE INTO forgotten_live SELECT ns, session, seq FROM events "
        "WHERE ns = ? AND id = ? AND source_file IS NULL",
        [(namespace, eid) for eid in event_ids],
    )


def delete_rows(c: sqlite3.Connection, namespace: str, plan: Retraction) -> list[str]:
    """The SQL side of a retraction, inside the caller's transaction; returns the texts of the events deleted.

    The tokens of the deleted texts that no remaining event holds leave the full-text summaries
    (:func:`graphmem.store.sqlite_terms.forget_unused`).
    """
    fts = fts_table(namespace)
    texts = []
    for eid in plan.events:
        row = c.execute("SELECT rowid, text FROM events WHERE ns = ? AND id = ?", (namespace, eid)).fetchone()
        if row is not None:
            c.execute(f"DELETE FROM {fts} WHERE rowid = ?", (row[0],))
            sqlite_heads.forget_rows(c, fts, [row[0]])
            texts.append(row[1])
        for table, column in EVENT_ROWS:
            c.execute(f"DELETE FROM {table} WHERE ns = ? AND {column} = ?", (namespace, eid))
    for f in plan.dropped_facts:
        c.execute("DELETE FROM facts WHERE ns = ? AND id = ?", (namespace, f.id))
        c.execute("DELETE FROM fact_evidence WHERE ns = ? AND fact_id = ?", (namespace, f.id))
    for f in plan.shrunk_facts:
        put_fact_row(c, namespace, f)
    for ent in plan.orphans:
        c.execute("DELETE FROM entities WHERE ns = ? AND id = ?", (namespace, ent))
        c.execute("DELETE FROM embeddings WHERE ns = ? AND node_id = ?", (namespace, ent))
    for sid in plan.sessions:
        c.execute("DELETE FROM sessions WHERE ns = ? AND id = ?", (namespace, sid))
        c.execute("DELETE FROM embeddings WHERE ns = ? AND node_id = ?", (namespace, sid))
    if texts:
        forget_unused(c, fts, [index_text(t) for t in texts])
    return texts


def empty_the_log(c: sqlite3.Connection) -> bool:
    """After a forget has committed, copy the write-ahead log into the database file and empty it, so the
    forgotten text's older page images in the log go too (``secure_delete`` zeroed the pages it freed).

    It does not wait for other connections: while one of them reads an older snapshot the log cannot be
    emptied, and the text stays in it until a later checkpoint (at the latest when the last connection
    closes). Returns whether the log was emptied.
    """
    before = int(c.execute("PRAGMA busy_timeout").fetchone()[0])
    c.execute("PRAGMA busy_timeout = 0")
    try:
        busy = int(c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
    except sqlite3.OperationalError:  # locked by another connection: as busy
        busy = 1
    finally:
        c.execute(f"PRAGMA busy_timeout = {before}")
    return busy == 0


def purge_forgotten(c: sqlite3.Connection, namespace: str, entities: Iterable[str] = (), *, merge: bool = True) -> None:
    """After events were forgotten (:func:`delete_rows`), leave nothing of them in the file, inside the
    caller's transaction.

    FTS5 deletes by writing delete markers: the forgotten tokens stay in the index's older segments until
    they are merged, so the namespace's index is built again from the rows that stay (:func:`merge_text_index`;
    the connection's ``secure_delete`` zeroes the pages freed). The change log loses the ids of the entities deleted (an
    entity's id is made of its name): other processes find those gone from the events and facts deleted
    (:func:`graphmem.store.catch_up.apply_changes`).
    """
    if merge:
        merge_text_index(c, namespace)
    forget_keys(c, namespace, "entities", entities)


def merge_text_index(c: sqlite3.Connection, namespace: str) -> None:
    """Build the namespace's full-text index again from the rows that stay ('rebuild'), inside the caller's
    transaction: the forgotten tokens its older segments held go (see :func:`purge_forgotten`).

    Not 'optimize', which merges the segments as they are and does the same for privacy: on SQLite 3.40
    (Python 3.11's), about a thousand deletes each followed by an 'optimize' left the index's structure
    record unreadable ("database disk image is malformed"; a store of 1,200 turns forgetting 1,080 one by
    one), where 'rebuild' reads only the content table (``tests/store/test_text_index_rebuild.py``)."""
    fts = fts_table(namespace)
    if c.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (fts,)).fetchone() is not None:
        c.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def rewrite_file(c: sqlite3.Connection) -> None:
    """Rewrite the database file page by page (``VACUUM``) and empty the log: no unused space of a page keeps
    bytes of a row deleted. ``secure_delete`` zeroes a deleted row's cell and the pages freed, but not the
    copies a row leaves in the unused space of a page it moved from when SQLite rebalanced the tree (a
    forgotten turn's text was found so in a full-text content page after a forget). Outside a transaction."""
    c.execute("VACUUM")
    empty_the_log(c)


def file_holds(path: Path, texts: Iterable[str]) -> bool:
    """Whether the file at ``path`` holds the UTF-8 bytes of one of ``texts`` (or of their first or last
    48 bytes, what a partial copy left in a page's unused space keeps), read a MiB at a time."""
    needles = set()
    for text in texts:
        raw = text.encode("utf-8")
        needles.update({raw} if len(raw) <= 48 else {raw[:48], raw[-48:]})
    needles.discard(b"")
    if not needles:
        return False
    overlap = max(len(n) for n in needles)
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:]
    return False


def rename_entity_rows(c: sqlite3.Connection, namespace: str, old_id: str, new_id: str) -> tuple[set[str], set[str]]:
    """Move the entity ``old_id`` to ``new_id`` (its row, mentions, the facts it is an end of, its vector),
    inside the caller's transaction, and take ``old_id`` out of the change log (an id is made of a name:
    other processes learn of the move from the events and facts it changed, see
    :func:`graphmem.store.catch_up.apply_changes`). Returns the ids of the events whose mentions moved and of
    the facts whose ends did (under their ids before and after: a fact id made of its ends is made again of
    the moved ones, :func:`~graphmem.store.versions.rekeyed_ids`)."""
    ns = namespace
    events = {r[0] for r in c.execute("SELECT event_id FROM mentions WHERE ns = ? AND entity_id = ?", (ns, old_id))}
    sql = "SELECT id, subject_id, predicate, object_id FROM facts WHERE ns = ? AND (subject_id = ? OR object_id = ?)"
    rows = c.execute(sql, (ns, old_id, old_id)).fetchall()
    evidence: dict[str, list[str]] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT fact_id, event_id FROM fact_evidence WHERE ns = ? AND fact_id IN ({marks}) ORDER BY fact_id, pos"
        for fid, event in c.execute(sql, (ns, *chunk)):
            evidence.setdefault(fid, []).append(event)
    rekeyed = rekeyed_ids(((f, s, p, o, evidence.get(f, ())) for f, s, p, o in rows), old_id, new_id)
    facts = set(ids) | set(rekeyed.values())
    c.execute("UPDATE entities SET id = ? WHERE ns = ? AND id = ?", (new_id, ns, old_id))
    c.execute("UPDATE mentions SET entity_id = ? WHERE ns = ? AND entity_id = ?", (new_id, ns, old_id))
    c.execute("UPDATE facts SET subject_id = ? WHERE ns = ? AND subject_id = ?", (new_id, ns, old_id))
    c.execute("UPDATE facts SET object_id = ? WHERE ns = ? AND object_id = ?", (new_id, ns, old_id))
    # a fact id made of its ends is made again of the moved ones (a later statement finds the fact by it)
    c.executemany("UPDATE facts SET id = ? WHERE ns = ? AND id = ?", ((n, ns, o) for o, n in rekeyed.items()))
    c.executemany(
        "UPDATE fact_evidence SET fact_id = ? WHERE ns = ? AND fact_id = ?", ((n, ns, o) for o, n in rekeyed.items())
    )
    c.execute("UPDATE embeddings SET node_id = ? WHERE ns = ? AND node_id = ?", (new_id, ns, old_id))
    forget_keys(c, ns, "entities", [old_id])
    forget_keys(c, ns, "embeddings", [old_id])
    return events, facts
