"""timeline --since/--until bound the time --time-axis names, with recall's default (either)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.models import Batch, Entity, Event, Mention, Session, TimeRef
from graphmem.store.embedded import EmbeddedStore

NS = "t"
#: said in March about a race in February, and said in February about nothing earlier
RACE = TimeRef("last month", datetime(2024, 2, 1), datetime(2024, 3, 1), "month")


@pytest.fixture
def db(tmp_path: Path) -> str:
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    events = (
        Event(NS, "e1", "s", 1, "Ana", "Lisbon is cold in February.", datetime(2024, 2, 10, 9, 0)),
        Event(
            NS, "e2", "s", 2, "Ana", "I ran a race in Lisbon last month.", datetime(2024, 3, 10, 9, 0), times=(RACE,)
        ),
    )
    ent = Entity(NS, "ent:lisbon", "Lisbon", "Place")
    mentions = (Mention(NS, "e1", "ent:lisbon"), Mention(NS, "e2", "ent:lisbon"))
    store.write(Batch(NS, (Session(NS, "s", 0),), events, entities=(ent,), mentions=mentions))
    store.close()
    return str(d)


@pytest.mark.parametrize(
    ("axis", "texts"),
    [
        ([], ["Lisbon is cold in February.", "I ran a race in Lisbon last month."]),  # the default: either
        (["--time-axis", "either"], ["Lisbon is cold in February.", "I ran a race in Lisbon last month."]),
        (["--time-axis", "said"], ["Lisbon is cold in February."]),
        (["--time-axis", "happened"], ["Lisbon is cold in February.", "I ran a race in Lisbon last month."]),
    ],
)
def test_timeline_bounds_the_time_axis_asked(
    db: str, capsys: pytest.CaptureFixture[str], axis: list[str], texts: list[str]
) -> None:
    args = ["--db", db, "timeline", "Lisbon", "-n", NS, "--since", "2024-02", "--until", "2024-02", "--json", *axis]
    assert main(args) == 0
    assert [e["text"] for e in json.loads(capsys.readouterr().out)["events"]] == texts


def test_happened_leaves_out_what_was_said_then_of_another_time(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", db, "timeline", "Lisbon", "-n", NS, "--since", "2024-03", "--json", "--time-axis", "happened"]
    assert main(args) == 0
    assert [e["text"] for e in json.loads(capsys.readouterr().out)["events"]] == []


def test_timeline_help_says_which_time_it_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--time-axis [said|happened|either]" in out and "[default: either]" in out
