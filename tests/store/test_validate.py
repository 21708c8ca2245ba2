"""The references a store checks in a batch (graphmem/store/validate.py), a sync in a whole namespace
(graphmem/sync_check.py) and an export of a server's namespace (graphmem/export.py) are one walk, reported
three ways: the store's message names the record, the sync's the JSON path in the namespace, the export's
the record again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from graphmem.errors import StoreError
from graphmem.export import NamespaceDump, _first_dangling
from graphmem.export_vectors import BadRecord
from graphmem.models import Batch
from graphmem.store.validate import validate_batch
from graphmem.sync_check import check_dump
from tests.store.test_contract import conversation

NS = "t"
BATCH = conversation(NS)
FACT = BATCH.facts[0].id


def _event(b: Batch) -> Batch:
    return replace(b, events=(b.events[0], replace(b.events[1], session="s9"), *b.events[2:]))


def _mention(**change: str) -> Callable[[Batch], Batch]:
    return lambda b: replace(b, mentions=(replace(b.mentions[0], **change), *b.mentions[1:]))


def _fact(**change: object) -> Callable[[Batch], Batch]:
    return lambda b: replace(b, facts=(replace(b.facts[0], **change), *b.facts[1:]))


DANGLING = [
    (_event, "event 'e2'", "names session 's9'", "events[1].session"),
    (_mention(event_id="e9"), "mention", "names event 'e9'", "mentions[0].event"),
    (_mention(entity_id="ghost"), "mention", "names entity 'ghost'", "mentions[0].entity"),
    (_fact(subject_id="nobody"), f"fact {FACT!r}", "names entity 'nobody'", "facts[0].subject"),
    (_fact(object_id="nobody"), f"fact {FACT!r}", "names entity 'nobody'", "facts[0].object"),
    (_fact(evidence=("e1", "e9")), f"fact {FACT!r}", "cites event 'e9'", "facts[0].evidence[1]"),
]


def _dump(batch: Batch) -> NamespaceDump:
    records = (batch.sessions, batch.events, batch.entities, batch.mentions, batch.facts)
    return NamespaceDump(batch.namespace, *(list(r) for r in records))


@pytest.mark.parametrize(("edit", "owner", "clause", "path"), DANGLING, ids=[p for *_, p in DANGLING])
def test_a_dangling_reference_is_named_by_the_store_and_by_the_sync(
    edit: Callable[[Batch], Batch], owner: str, clause: str, path: str
) -> None:
    bad = edit(BATCH)
    with pytest.raises(StoreError) as store_said:
        validate_batch(bad, lambda _id: None)
    assert str(store_said.value) == f"{owner} {clause}, which does not exist"
    with pytest.raises(BadRecord) as sync_said:
        check_dump(_dump(bad))
    assert (sync_said.value.path, sync_said.value.reason) == (path, f"{clause}, which is not in the namespace")
    assert _first_dangling(_dump(bad)) == f"{owner} {clause}"


def test_an_embedding_of_a_node_not_there_is_named_by_the_sync_and_the_export() -> None:
    dump = replace(_dump(BATCH), embeddings=[("e1", [1.0], "m"), ("ghost", [1.0], "m")])
    with pytest.raises(BadRecord) as sync_said:
        check_dump(dump)
    assert (sync_said.value.path, sync_said.value.reason) == (
        "embeddings[1].node",
        "names node 'ghost', which is not in the namespace",
    )
    assert _first_dangling(dump) == "an embedding names node 'ghost'"


def test_a_whole_batch_passes_both() -> None:
    assert set(validate_batch(BATCH, lambda _id: None).values()) == {"session", "event", "entity"}
    check_dump(_dump(BATCH))
    assert _first_dangling(_dump(BATCH)) is None
