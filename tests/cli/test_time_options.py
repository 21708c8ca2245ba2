"""Every time option of the CLI reads a time alike and says what is wrong alike (a usage error, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore

FEBRUARY = "February 2024 has days 01 to 29"


@pytest.fixture
def db(tmp_path: Path) -> str:
    d = tmp_path / "mem"
    store = EmbeddedStore.open(d)
    store.write(Batch("chat", (Session("chat", "s", 0),), (Event("chat", "e", "s", 0, "Ana", "hi there"),)))
    store.close()
    return str(d)


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (
            ["add", "-n", "chat", "--speaker", "Ana", "--time", "2024-02-30T10:00", "hello"],
            "--time",
            "2024-02-30T10:00",
        ),
        (["add", "-n", "chat", "--speaker", "Ana", "--time", "2024-02-30", "hello"], "--time", "2024-02-30"),
        (["recall", "hi", "-n", "chat", "--since", "2024-02-30"], "--since", "2024-02-30"),
        (["timeline", "Ana", "-n", "chat", "--until", "2024-02-30"], "--until", "2024-02-30"),
        (["facts", "-n", "chat", "--valid-at", "2024-02-30"], "--valid-at", "2024-02-30"),
        (["viz", "-n", "chat", "--since", "2024-02-30"], "--since", "2024-02-30"),
    ],
)
def test_a_day_its_month_lacks_is_one_usage_error_for_every_time_option(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], option: str, value: str
) -> None:
    assert main(["--db", db, *args]) == 2
    err = capsys.readouterr().err
    assert f"Invalid value for '{option}': '{value}' is not a date: {FEBRUARY}" in err


def test_add_time_takes_what_since_takes_and_epoch_seconds(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from graphmem.cli.common import MessageTime

    t = MessageTime()
    assert str(t.convert("2024-05-01T14:30+02:00", None, None)) == "2024-05-01 12:30:00"
    assert str(t.convert("1 May 2024", None, None)) == "2024-05-01 00:00:00"
    assert str(t.convert("1714573800", None, None)) == "2024-05-01 14:30:00"


def test_an_epoch_time_out_of_range_is_a_usage_error_naming_the_option(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # review finding: the epoch parse raised an IngestError naming "<input>", not --time
    assert main(["--db", db, "add", "-n", "chat", "--speaker", "Ana", "--time", "99999999999999999999", "hi"]) == 2
    assert "Invalid value for '--time'" in capsys.readouterr().err
