"""A file ingested into a namespace of a Bolt database while another client adds to it: neither loses a version.

Ingestion resolves each unit against the namespace's stored facts and writes the fact versions it reckoned
(:mod:`graphmem.fact_replay`); on a server, another client may write a version of the same fact in between.
Each unit's commit runs inside the store's guard (:class:`~graphmem.store.base.GuardsWrites`), so that write
is refused and the unit is resolved again from what the namespace now holds, as :func:`graphmem.live.add`
does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import ingest
from graphmem.memory import Memory
from graphmem.models import Batch, Entity
from graphmem.settings import Settings
from graphmem.store.base import TimeFilter
from graphmem.writer import Resolver, default_resolver
from tests.ingest.fakes import FakeEmbedder
from tests.support.bolt_server import BoltTarget, wipe_database

pytestmark = pytest.mark.neo4j

NS = "ana"
# a move that ends where Ana lived, then a second statement: a unit told at several moments (fact_replay)
FILE = """## Session 1 — 29 February 2024
[09:00] Ana: I moved to Valencia two weeks ago.
[09:05] Ana: I work at Globex.
"""
MADRID = {"speaker": "Ana", "text": "I live in Madrid.", "time": "2023-06-14T10:00:00", "session": "live"}
# told by the other client while the file's unit is being written: ends Madrid before the file's move does
SEVILLA = {"speaker": "Ana", "text": "I moved to Sevilla.", "time": "2024-01-10T10:00:00", "session": "live"}


def _open(bolt: BoltTarget, cache: Path, nlp: Any) -> Memory:
    settings = Settings.from_env(environ={"GRAPHMEM_CACHE_DIR": str(cache)})
    options: dict[str, Any] = {"auth": bolt.auth, "database": bolt.database}
    return Memory.open(bolt.uri, embedder=FakeEmbedder(), settings=settings, nlp=nlp, **options)


@pytest.fixture(scope="module")
def nlp() -> Any:
    from graphmem.extract.nlp import load_nlp

    return load_nlp()


@pytest.fixture
def memories(bolt_server: BoltTarget, tmp_path: Path, nlp: Any) -> Iterator[tuple[Memory, Memory]]:
    """Two memories on one emptied database, each with its own driver (as two processes have); Ana lives in
    Madrid."""
    wipe_database(bolt_server)
    one, two = _open(bolt_server, tmp_path / "one", nlp), _open(bolt_server, tmp_path / "two", nlp)
    try:
        one.add(MADRID, namespace=NS)
        yield one, two
    finally:
        one.close()
        two.close()


def _interrupted(mem: Memory, other: Memory, messages: list[dict[str, Any]]) -> tuple[Resolver, list[Batch]]:
    """The default resolver of ``mem``, after which (its first ``len(messages)`` calls) ``other`` adds the next
    message: a version written after the unit read the facts, before it writes. Also the batches resolved."""
    real = default_resolver(mem, True)
    seen: list[Batch] = []

    def resolve(batch: Batch, existing: list[Entity]) -> Batch:
        seen.append(batch)
        resolved = real(batch, existing)
        if len(seen) <= len(messages):
            other.add(messages[len(seen) - 1], namespace=NS)
        return resolved

    return resolve, seen


def _lives(mem: Memory, valid_at: datetime, as_of: datetime | None = None) -> list[str]:
    facts = mem.store.iter_facts(NS, time=TimeFilter(valid_at=valid_at, as_of=as_of))
    return sorted(f.object_id.rsplit(":", 1)[-1] for f in facts if f.predicate == "lives_in")


def test_a_fact_version_another_client_writes_during_an_ingest_is_kept(
    memories: tuple[Memory, Memory], tmp_path: Path, nlp: Any
) -> None:
    mem, other = memories
    path = tmp_path / "c.txt"
    path.write_text(FILE, encoding="utf-8")
    resolver, seen = _interrupted(mem, other, [SEVILLA])
    summary = ingest(mem, path, namespace=NS, resolver=resolver, nlp=nlp)
    assert summary.ok, summary.errors
    versions = list(mem.store.iter_facts(NS, history=True))
    madrid = [f for f in versions if f.object_id.endswith("madrid")]
    # Sevilla's end of Madrid (2024-01-10), written by the other client, is a version of its own: the
    # file's write no longer replaces it unarchived
    assert datetime(2024, 1, 10, 10) in {f.valid_to for f in madrid}, madrid
    # and memory as it stood on 20 January, after the other client's message, holds Sevilla alone
    assert _lives(mem, datetime(2024, 1, 20), as_of=datetime(2024, 1, 20)) == ["sevilla"]
    assert _lives(mem, datetime(2024, 1, 20)) == ["sevilla"]
    assert _lives(mem, datetime(2024, 3, 1)) == ["valencia"]
    assert [e.text for e in mem.store.iter_events(NS, session="live")] == [MADRID["text"], SEVILLA["text"]]
    assert len(seen) == 2  # the unit was refused once and resolved again from what the namespace held then
    assert seen[0] == seen[1]  # from the batch as extracted, not as the first attempt resolved it


def test_a_conflict_that_does_not_resolve_names_the_unit_and_writes_nothing_of_it(
    memories: tuple[Memory, Memory], tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphmem.write_retry

    monkeypatch.setattr(graphmem.write_retry, "ATTEMPTS", 2)
    mem, other = memories
    path = tmp_path / "c.txt"
    path.write_text(FILE, encoding="utf-8")
    later = {**SEVILLA, "text": "I moved to Bilbao.", "time": "2024-01-12T10:00:00"}
    resolver, seen = _interrupted(mem, other, [SEVILLA, later])
    summary = ingest(mem, path, namespace=NS, resolver=resolver, nlp=nlp)
    assert len(seen) == 2 and not summary.ok
    [(where, message)] = summary.errors
    assert where == str(path)
    assert "other writers changed namespace 'ana' during each of 2 attempts to write this unit" in message
    assert "nothing of this unit was written" in message and f"{path}:2" in message
    assert "ingesting the same content again resumes there" in message
    assert {e.session for e in mem.store.iter_events(NS)} == {"live"}  # nothing of the file
    assert ingest(mem, path, namespace=NS, nlp=nlp).ok  # again: it resumes, and now writes
    assert _lives(mem, datetime(2024, 3, 1)) == ["valencia"]


def test_a_message_another_client_adds_where_a_new_file_writes_is_never_written_over(
    memories: tuple[Memory, Memory], tmp_path: Path, nlp: Any
) -> None:
    # The file's ids were chosen when it was read: session_1 of namespace "chat", free then. An agent's add
    # takes session_1 before the unit is written; resolving again cannot help, so the input fails.
    mem, other = memories
    path = tmp_path / "chat.txt"
    path.write_text(FILE, encoding="utf-8")
    real = default_resolver(mem, True)
    given: list[str] = []

    def resolve(batch: Batch, existing: list[Entity]) -> Batch:
        if not given:
            given.extend(
                other.add({"speaker": "Zed", "text": "A live note.", "time": "2024-03-01T10:00"}, namespace="chat")
            )
        return real(batch, existing)

    summary = ingest(mem, path, resolver=resolve, nlp=nlp)
    assert given == ["ev:session_1:1"]
    assert {e.id: e.text for e in mem.store.iter_events("chat")} == {"ev:session_1:1": "A live note."}
    [(_, message)] = summary.errors
    assert "another writer wrote ev:session_1:1 in namespace 'chat' after this input was read" in message
    assert "nothing of this unit was written" in message and "ingesting the same content again resumes" in message
    assert ingest(mem, path, nlp=nlp).ok  # read again, it takes other ids
    events = {e.id: e.text for e in mem.store.iter_events("chat")}
    assert events["ev:session_1:1"] == "A live note." and len(events) == 3
