"""An export or sync reads a namespace as it stood at one moment, whatever another process writes meanwhile.

Found by an operator exporting while an agent added messages: the messages were read first, their mentions
and vectors later, so the file held mentions of messages it lacked and could not be restored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import StoreError
from graphmem.export import READ_ATTEMPTS, dump_namespace
from graphmem.models import Batch, Entity, Event, Mention, Session
from graphmem.store.embedded import EmbeddedStore
from graphmem.sync_check import check_dump

NS = "a"
T0 = datetime(2024, 3, 1, 9, 0)


def _batch(first: int, count: int, *, with_session: bool) -> Batch:
    events = tuple(
        Event(NS, f"e{i}", "s0", i, "Ann", f"turn {i} about Acme", T0 + timedelta(minutes=i))
        for i in range(first, first + count)
    )
    return Batch(
        NS,
        sessions=(Session(NS, "s0", 0, T0),) if with_session else (),
        events=events,
        entities=(Entity(NS, "acme", "Acme", "Organization"),),
        mentions=tuple(Mention(NS, e.id, "acme") for e in events),
        embeddings=tuple((e.id, [1.0, float(i), 0.5]) for i, e in enumerate(events, first)),
        embedding_model="m",
    )


def _writes_after_events(store: Any, writer: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make ``store`` read its events, then let ``writer`` (another connection, as another process) add a
    message with its mention and vector before the rest is read."""
    read_events = type(store).iter_events
    written = [0]

    def iter_events(self: Any, namespace: str, **kw: Any) -> Iterator[Event]:
        found = list(read_events(self, namespace, **kw))
        n = 10 + written[0]
        writer.write(_batch(n, 1, with_session=False))
        written[0] += 1
        return iter(found)

    monkeypatch.setattr(type(store), "iter_events", iter_events)
    return written


def test_a_dump_of_the_embedded_store_is_one_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s"
    setup = EmbeddedStore.open(path)
    setup.write(_batch(0, 10, with_session=True))
    setup.close()
    reader, writer = EmbeddedStore.open(path, read_only=True), EmbeddedStore.open(path)
    try:
        assert len(list(reader.iter_events(NS))) == 10  # loaded into memory before the other writes
        written = _writes_after_events(reader, writer, monkeypatch)
        dump = dump_namespace(reader, NS, embeddings=True)
        assert written[0] == 1
        check_dump(dump)  # raises when a mention or vector names a message the dump lacks
        assert len(dump.events) == len(dump.embeddings) == len(dump.mentions)
        monkeypatch.undo()
        again = dump_namespace(reader, NS, embeddings=True)
        assert len(again.events) == 11 and len(again.mentions) == 11  # the next dump sees the new message
    finally:
        reader.close()
        writer.close()


class _NoSnapshots:
    """A store without snapshots (as a server is read): every call goes to the embedded store given."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store
        self.uri = store.uri

    def iter_events(self, namespace: str, **kw: Any) -> Iterator[Event]:
        return self._store.iter_events(namespace, **kw)

    def __getattr__(self, name: str) -> Any:
        if name == "snapshot":
            raise AttributeError(name)
        return getattr(self._store, name)


def test_a_store_without_snapshots_is_read_again_until_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s"
    setup = EmbeddedStore.open(path)
    setup.write(_batch(0, 10, with_session=True))
    setup.close()
    store, writer = EmbeddedStore.open(path), EmbeddedStore.open(path)
    plain = _NoSnapshots(store)
    try:
        calls = [0]
        read = _NoSnapshots.iter_events

        def once(self: Any, namespace: str, **kw: Any) -> Iterator[Event]:
            found = list(read(self, namespace, **kw))
            if calls[0] == 0:  # a writer adds a message between the first read's events and its mentions
                writer.write(_batch(10, 1, with_session=False))
                store.refresh()
            calls[0] += 1
            return iter(found)

        monkeypatch.setattr(_NoSnapshots, "iter_events", once)
        dump = dump_namespace(plain, NS, embeddings=True)  # type: ignore[arg-type]
        assert calls[0] == 2
        check_dump(dump)
        assert len(dump.events) == 11

        def always(self: Any, namespace: str, **kw: Any) -> Iterator[Event]:
            found = list(read(self, namespace, **kw))
            calls[0] += 1
            writer.write(_batch(10 + calls[0], 1, with_session=False))
            return iter(found)

        monkeypatch.setattr(_NoSnapshots, "iter_events", always)
        calls[0] = 0
        with pytest.raises(StoreError, match=r"namespace 'a' of .* kept changing while it was read \(3 times"):
            dump_namespace(plain, NS, embeddings=True)  # type: ignore[arg-type]
        assert calls[0] == READ_ATTEMPTS
    finally:
        store.close()
        writer.close()
