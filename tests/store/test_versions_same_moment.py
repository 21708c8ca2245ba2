"""A change filed back to the very moment an existing version was recorded is a version of its own
(graphmem/store/versions._filed_back), so forgetting either statement leaves the other's."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from graphmem.models import Fact
from graphmem.store.versions import _filed_back, unwind_chain

MARCH, JUNE = datetime(2024, 3, 12, 10), datetime(2024, 6, 1)


def _v(fid: str, recorded: datetime, **kw: object) -> Fact:
    return Fact("ana", fid, "ana", "works_at", "initech", recorded_at=recorded, **kw)  # type: ignore[arg-type]


def _chain() -> list[Fact]:
    jan = _v(
        "f@2024-01-10T09:00:00",
        datetime(2024, 1, 10, 9),
        expired_at=MARCH,
        valid_from=datetime(2024, 1, 10),
        evidence=("E0",),
    )
    # E1, recorded in March, dated the job since 2019
    mid = _v(
        "f@2024-03-12T10:00:00",
        MARCH,
        expired_at=JUNE,
        valid_from=datetime(2019, 1, 1),
        evidence=("E0", "E1"),
        revised_by=("E1",),
    )
    cur = _v(
        "f",
        JUNE,
        valid_from=datetime(2019, 1, 1),
        valid_to=datetime(2024, 5, 20),
        evidence=("E0", "E1", "EJ"),
        revised_by=("EJ",),
    )
    return [jan, mid, cur]


def _after(chain: list[Fact], gone: set[str]) -> list[tuple[object, ...]]:
    drop, puts = unwind_chain(chain, gone)
    left = {v.id: v for v in chain if v.id not in drop} | {v.id: v for v in puts}
    return sorted((v.id, v.recorded_at, v.expired_at, v.valid_from, v.valid_to) for v in left.values())


def test_a_change_told_at_the_moment_of_a_version_is_a_version_of_its_own() -> None:
    jan, mid, cur = _chain()
    change = replace(cur, valid_to=datetime(2024, 3, 1), evidence=(*cur.evidence, "E2"), revised_by=("E2",))
    filed = _filed_back(change, cur, MARCH, [jan, mid, cur], ["E2"])
    assert filed is not None
    written = {v.id: v for v in [jan, mid, cur]} | {v.id: v for v in filed}
    ids = [v.id for v in written.values()]
    assert len(ids) == len(set(ids)) == 5  # jan, mid, the change a tick after mid, June as told, current
    assert written[mid.id].revised_by == ("E1",)  # E1's version is left as E1 made it
    # forgetting E2 gives the chain as it was; forgetting E1 leaves E2's change
    assert _after(list(written.values()), {"E2"}) == _after([jan, mid, cur], set())
    kept = {row[0]: row for row in _after(list(written.values()), {"E1"})}
    assert mid.id not in kept
    assert kept["f"][2:] == (None, datetime(2019, 1, 1), datetime(2024, 3, 1))  # E2's end stands
    assert kept["f@2024-03-12T10:00:01"][4] == datetime(2024, 3, 1)  # and was held from when it was told
