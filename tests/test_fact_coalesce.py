"""A fact said again is one holding when read: temporal coalescing of value-equivalent facts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.cli import main
from graphmem.fact_time import coalesce
from graphmem.models import Batch, Entity, Event, Fact, Session
from graphmem.store.embedded import EmbeddedStore

NS = "ana"


def _fact(
    fid: str,
    start: datetime | None,
    end: datetime | None = None,
    *,
    said: datetime | None = None,
    expired: datetime | None = None,
    obj: str = "globex",
    evidence: tuple[str, ...] | None = None,
) -> Fact:
    return Fact(
        NS,
        fid,
        "ana",
        "works_at",
        obj,
        recorded_at=said or start or datetime(2024, 1, 1),
        valid_from=start,
        valid_to=end,
        expired_at=expired,
        evidence=evidence if evidence is not None else (f"e-{fid}",),
    )


MAR, JUN = datetime(2024, 3, 1), datetime(2024, 6, 20)


def test_a_restatement_is_one_holding_from_its_earliest_start() -> None:
    first = _fact("f1", MAR, said=datetime(2024, 3, 12))
    again = _fact("f2", JUN)
    [merged] = coalesce([again, first])
    assert merged.id == "f1"  # the one that starts first keeps its id
    assert (merged.valid_from, merged.valid_to) == (MAR, None)
    assert merged.recorded_at == JUN  # all of it is known once the restatement is
    assert merged.evidence == ("e-f1", "e-f2")


def test_a_holding_widened_by_a_later_statement_is_recorded_when_that_statement_was() -> None:
    # "I work at Globex since March" (said 12 March), said again on 20 June with a span of its own
    since = _fact("f1", MAR, said=datetime(2024, 3, 12))
    till = _fact("f2", JUN, datetime(2024, 12, 1), said=datetime(2024, 6, 20))
    [merged] = coalesce([since, till])
    assert (merged.valid_from, merged.valid_to) == (MAR, None)
    assert merged.recorded_at == datetime(2024, 6, 20)  # not the 12 March: the merged span was not known then
    closed = _fact("f3", datetime(2024, 1, 1), datetime(2024, 3, 1), said=datetime(2024, 8, 1))
    assert coalesce([closed, since])[0].recorded_at == datetime(2024, 8, 1)  # an earlier start told later


def test_a_gap_keeps_two_holdings_and_other_values_stay_apart() -> None:
    quit_ = _fact("f1", MAR, datetime(2024, 4, 1))  # "I quit Globex" in April
    back = _fact("f2", JUN)  # "I'm back at Globex" in June
    acme = _fact("f3", MAR, obj="acme")
    assert coalesce([quit_, back, acme]) == [quit_, back, acme]


def test_spans_that_meet_merge_and_a_statement_joins_holdings_it_bridges() -> None:
    a = _fact("a", datetime(2024, 1, 1), datetime(2024, 2, 1))
    c = _fact("c", datetime(2024, 3, 1), datetime(2024, 4, 1))
    b = _fact("b", datetime(2024, 2, 1), datetime(2024, 3, 1))  # meets both
    [merged] = coalesce([c, b, a])
    assert (merged.id, merged.valid_from, merged.valid_to) == ("a", datetime(2024, 1, 1), datetime(2024, 4, 1))
    assert set(merged.evidence) == {"e-a", "e-b", "e-c"}
    # an open start sorts first and keeps its id; an open end stays open
    always = _fact("z", None, said=datetime(2024, 5, 1))
    [merged] = coalesce([a, c, always])
    assert (merged.id, merged.valid_from, merged.valid_to) == ("z", None, None)
    assert merged.evidence[0] == "e-z"


def test_versions_of_one_fact_are_never_merged() -> None:
    # v1 held from January until the closing was said on 12 March; v2 (current) says it ended 29 Feb
    v1 = _fact("f1@2024-01-10T00:00:00", datetime(2024, 1, 10), expired=datetime(2024, 3, 12))
    v2 = _fact("f1", datetime(2024, 1, 10), datetime(2024, 2, 29), said=datetime(2024, 3, 12))
    assert coalesce([v1, v2], history=True) == [v1, v2]
    # a restatement memory held beside v1 (and retired with it) merges with v1 only
    again = _fact("f2@2024-02-01T00:00:00", datetime(2024, 2, 1), expired=datetime(2024, 3, 12))
    again_now = _fact("f2", datetime(2024, 2, 1), datetime(2024, 2, 29), said=datetime(2024, 3, 12))
    out = coalesce([v1, v2, again, again_now], history=True)
    assert len(out) == 2
    assert out[0].evidence == ("e-f1@2024-01-10T00:00:00", "e-f2@2024-02-01T00:00:00")
    assert out[0].expired_at == datetime(2024, 3, 12)
    assert (out[1].id, out[1].valid_to, out[1].expired_at) == ("f1", datetime(2024, 2, 29), None)


def test_versions_of_one_fact_retired_at_one_moment_are_both_shown() -> None:
    # a change filed back: the version filed in March and the June version kept as told both end when the
    # June statement was recorded (as stores written before the tick kept them); each is what memory held then
    june = datetime(2024, 6, 1, 10)
    march = _fact("f1@2024-03-12T10:00:00", datetime(2024, 1, 10), datetime(2024, 3, 1), expired=june)
    told = _fact("f1@2024-06-01T10:00:00", datetime(2024, 1, 10), datetime(2024, 5, 20), said=june, expired=june)
    assert coalesce([march, told], history=True) == [march, told]


def test_history_keeps_a_gap_even_through_versions() -> None:
    # the review's case: "since 2020" archived on 1 May (left in April), "at Globex 2020-2023", "back since 15 June"
    archived = _fact(
        "f0@2024-01-10T00:00:00", datetime(2020, 1, 1), said=datetime(2024, 1, 10), expired=datetime(2024, 5, 1)
    )
    left = _fact("f0", datetime(2020, 1, 1), datetime(2024, 4, 1), said=datetime(2024, 5, 1))
    stint = _fact("f1", datetime(2020, 1, 1), datetime(2023, 12, 31), said=datetime(2024, 2, 1))
    back = _fact("f2", datetime(2024, 6, 15), said=datetime(2024, 6, 20))
    out = coalesce([archived, left, stint, back], history=True)
    assert out[0] == archived  # the version memory retired stays as it was
    rows = {(f.valid_from, f.valid_to, f.expired_at) for f in out[1:]}
    assert rows == {(datetime(2020, 1, 1), datetime(2024, 4, 1), None), (datetime(2024, 6, 15), None, None)}


def test_two_open_facts_each_giving_its_own_start_are_both_shown() -> None:
    # "I'm moving to Lisbon next month" (1 December) and "... in January" both current: one row from 1
    # December hid the January date; a restatement with no start of its own still merges
    slip = replace(_fact("f1", datetime(2026, 12, 1), said=datetime(2026, 11, 17)), time_phrase="next month")
    told = replace(_fact("f2", datetime(2027, 1, 1), said=datetime(2026, 11, 20)), time_phrase="January")
    assert coalesce([slip, told]) == [slip, told]
    again = _fact("f3", datetime(2027, 2, 1), said=datetime(2027, 2, 1))
    assert [f.valid_from for f in coalesce([slip, again])] == [datetime(2026, 12, 1)]


def test_merging_keeps_every_statement_once() -> None:
    first = _fact("f1", MAR, evidence=("e1", "e2"))
    again = _fact("f2", JUN, evidence=("e2", "e3"))
    assert coalesce([first, again])[0].evidence == ("e1", "e2", "e3")


def _restated_store(path: Path) -> None:
    """Ana works at Globex from 1 March (said 12 March) and says so again on 20 June."""
    said = [datetime(2024, 3, 12, 19), datetime(2024, 6, 20, 20)]
    events = tuple(
        Event(NS, f"e{i}", "s", i + 1, "Ana", text, occurred_at=t)
        for i, (t, text) in enumerate(
            zip(said, ["I work at Globex, since 1 March.", "I still work at Globex."], strict=True)
        )
    )
    facts = (
        _fact("f0", MAR, said=said[0], evidence=("e0",)),
        _fact("f1", said[1], said=said[1], evidence=("e1",)),
    )
    store = EmbeddedStore.open(path)
    try:
        store.write(
            Batch(
                NS,
                sessions=(Session(NS, "s", said[0]),),
                events=events,
                entities=(Entity(NS, "ana", "Ana", "Person"), Entity(NS, "globex", "Globex", "Organization")),
                facts=facts,
            )
        )
    finally:
        store.close()


def test_memory_facts_lists_a_restated_fact_once(tmp_path: Path) -> None:
    _restated_store(tmp_path / "mem")
    with Memory.open(tmp_path / "mem", read_only=True) as mem:
        [one] = mem.facts("Ana", namespace=NS)
        assert (one.object, one.fact.valid_from, one.fact.evidence) == ("Globex", MAR, ("e0", "e1"))
        assert len(mem.facts(namespace=NS, all_time=True)) == 1
        assert [s.fact.id for s in mem.facts("Ana", namespace=NS, coalesce=False)] == ["f0", "f1"]
        # what held on 1 April: the first statement only (the second had not started)
        [april] = mem.facts("Ana", namespace=NS, valid_at=datetime(2024, 4, 1))
        assert april.fact.evidence == ("e0",)
        ctx = mem.context("Where does Ana work?", namespace=NS, budget_tokens=400)
        assert [f.fact.evidence for f in ctx.facts] == [("e0", "e1")]


@pytest.mark.parametrize(("flag", "rows"), [((), 1), (("--each-statement",), 2)])
def test_the_facts_command_coalesces_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: tuple[str, ...], rows: int
) -> None:
    _restated_store(tmp_path / "mem")
    assert main(["--db", str(tmp_path / "mem"), "facts", "-n", NS, "--json", *flag]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == rows
    assert out[0]["valid_from"].startswith("2024-03-01")
    if rows == 1:
        assert out[0]["evidence"] == ["e0", "e1"]


def test_replace_keeps_fact_frozen() -> None:  # the merged fact is a new value; the inputs are untouched
    first, again = _fact("f1", MAR), _fact("f2", JUN)
    before = (replace(first), replace(again))
    coalesce([first, again])
    assert (first, again) == before
