"""Commands on a store whose database file was damaged: one line naming the store, exit status 1, no write."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.store.embedded import DB_FILENAME
from tests.store.test_damage import _damage, _fill

_COMMANDS = [
    ["stats", "-n", "n"],
    ["timeline", "Dana", "-n", "n"],
    ["facts", "-n", "n"],
    ["context", "Where did Dana walk?", "-n", "n"],
    ["recall", "dog", "-n", "n"],
    ["export", "-n", "n"],
    ["query", "FIND (e:Event) RETURN e.text", "-n", "n"],
    ["add", "-n", "n", "--speaker", "Dana", "One more walk."],
    ["forget", "-n", "n", "--yes"],
]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("damaged") / "mem"
    _fill(path)
    return path, _damage(path)


@pytest.mark.parametrize("args", _COMMANDS, ids=lambda a: a[0])
def test_a_damaged_store_is_one_line_naming_it(
    damaged: tuple[Path, bytes], args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Each printed a traceback ending in sqlite3.DatabaseError: database disk image is malformed.
    path, data = damaged
    assert main(["--db", str(path), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: the store at {path} is damaged"), err[-500:]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert (path / DB_FILENAME).read_bytes() == data
