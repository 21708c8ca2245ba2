"""One fact's version chain as a write sees it (graphmem/store/fact_chain.py), from what a store read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from graphmem.models import Fact
from graphmem.store.fact_chain import chain_events, chain_reader, fact_versions

JAN, MARCH, JUNE = datetime(2024, 1, 10), datetime(2024, 3, 12), datetime(2024, 6, 1)


def _v(fid: str, recorded: datetime, **kw: object) -> Fact:
    return Fact("ana", fid, "ana", "works_at", "initech", recorded_at=recorded, **kw)  # type: ignore[arg-type]


def _job() -> list[Fact]:
    """Told in January (E0), ended by a June message (EJ)."""
    return [
        _v("job@2024-01-10T00:00:00", JAN, expired_at=JUNE, evidence=("E0",)),
        _v("job", JUNE, valid_to=datetime(2024, 5, 25), evidence=("E0",), revised_by=("EJ",)),
    ]


def test_only_the_facts_own_versions_oldest_first() -> None:
    jan, current = _job()
    city = _v("city", JUNE, evidence=("E0",))  # stated by the same event, another fact
    assert fact_versions(current, [current, city, jan]) == [jan, current]


def test_the_events_a_write_retracts_are_unwound() -> None:
    jan, current = _job()
    # retracting the June message leaves the January version, current again under the fact's id
    assert fact_versions(replace(jan, id="job", expired_at=None), [jan, current], gone={"EJ"}) == [
        replace(jan, id="job", expired_at=None)
    ]

    # retracting a change between two kept versions re-links them: January is expired when June was recorded
    ended = _v("job@2024-03-12T00:00:00", MARCH, expired_at=JUNE, valid_to=MARCH, evidence=("E0",), revised_by=("E2",))
    jan = replace(jan, expired_at=MARCH)
    assert fact_versions(current, [current, ended, jan], gone={"E2"}) == [replace(jan, expired_at=JUNE), current]


def test_versions_the_write_made_replace_the_stored_ones() -> None:
    jan, current = _job()
    filed = _v("job@2024-03-12T00:00:00", MARCH, expired_at=JUNE, evidence=("E0", "E2"), revised_by=("E2",))
    ended = replace(jan, expired_at=MARCH)
    written = {ended.id: ended, filed.id: filed, "other": _v("other", MARCH)}
    assert fact_versions(current, [jan, current], written=written) == [ended, filed, current]


def test_the_reader_asks_the_store_for_the_current_versions_events() -> None:
    jan, current = _job()
    asked: list[Sequence[str]] = []

    def read(ids: Sequence[str]) -> list[Fact]:
        asked.append(ids)
        return [jan, current]

    chain = chain_reader(read)
    assert chain_events(current) == ["E0", "EJ"]
    assert chain(current) == [jan, current]
    assert asked == [["E0", "EJ"]]
    # a version naming no event has no stored chain to read
    assert chain_reader(read)(_v("new", JUNE)) == [_v("new", JUNE)]
    assert len(asked) == 1
