"""Date options take ISO times with a zone offset, as ``add --time`` and the MCP tools do, read as UTC."""

from __future__ import annotations

import json
from datetime import datetime

import click
import pytest
from click.testing import CliRunner

from graphmem.cli.app import cli
from graphmem.cli.common import DateTime, UntilDateTime


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Ana says she lives in Lisbon at 18:00 at +02:00 (16:00 UTC)."""
    db = str(tmp_path_factory.mktemp("offsets") / "db")
    said = [
        "--db",
        db,
        "add",
        "-n",
        "c",
        "--speaker",
        "Ana",
        "--time",
        "2024-01-10T18:00:00+02:00",
        "I live in Lisbon.",
    ]
    result = CliRunner().invoke(cli, said)
    assert result.exit_code == 0, result.output
    return db


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("since", "seen"),
    [
        ("2024-01-10T17:30:00+02:00", True),  # 15:30 UTC (read without its zone, 17:30 would miss the turn)
        ("2024-01-10T15:30:00Z", True),
        ("2024-01-10T16:30:00Z", False),
        ("2024-01-10T18:30:00+02:00", False),
    ],
)
def test_timeline_since_with_an_offset(store: str, since: str, seen: bool) -> None:
    out = json.loads(_run("--db", store, "timeline", "Ana", "-n", "c", "--since", since, "--json"))
    assert bool(out["events"]) is seen, out


@pytest.mark.parametrize(
    ("valid_at", "held"), [("2024-01-10T17:30:00+02:00", False), ("2024-01-10T18:30:00+02:00", True)]
)
def test_facts_valid_at_with_an_offset(store: str, valid_at: str, held: bool) -> None:
    out = json.loads(_run("--db", store, "facts", "-n", "c", "--valid-at", valid_at, "--json"))
    assert any("Lisbon" in json.dumps(f) for f in out) is held, out


def test_recall_since_with_an_offset(store: str) -> None:
    out = json.loads(
        _run(
            "--db", store, "recall", "Where does Ana live?", "-n", "c", "--since", "2024-01-10T00:00:00+02:00", "--json"
        )
    )
    assert out["namespace"] == "c"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (DateTime, "2024-01-10T18:00:00+02:00", datetime(2024, 1, 10, 16)),
        (DateTime, "2024-01-10T18:00Z", datetime(2024, 1, 10, 18)),
        (UntilDateTime, "2024-01-10T01:00:00+02:00", datetime(2024, 1, 9, 23)),
        (UntilDateTime, "2024-01-10", datetime(2024, 1, 10, 23, 59, 59, 999999)),
    ],
)
def test_the_option_types_read_offsets_as_utc(kind: type[DateTime], text: str, expected: datetime) -> None:
    assert kind().convert(text, None, None) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("0001-01-01T00:00:00+05:00", "has no UTC time within the calendar"), ("yesterday", "is not a date")],
)
def test_a_date_outside_the_calendar_or_not_iso_is_refused(text: str, message: str) -> None:
    with pytest.raises(click.BadParameter, match=message):
        DateTime().convert(text, None, None)
