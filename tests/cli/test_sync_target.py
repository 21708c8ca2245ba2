"""A ``graphmem sync`` that fails on what its source holds creates no target store."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.cli.app import main
from tests.test_sync_checks import _bad_fact, _export, _source


def test_a_failed_sync_creates_no_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # tester: `sync -n nonexistent_ns` failed but left an empty store directory behind
    source = _source(tmp_path)
    broken = _export(source, tmp_path / "broken.json", beta=_bad_fact)
    source.close()
    for args in (
        ["--from", str(tmp_path / "source"), "-n", "nonexistent_ns"],
        ["--from", str(broken), "-n", "nonexistent_ns"],
        ["--from", str(broken)],
    ):
        assert main(["sync", *args, "--to", str(tmp_path / "new")]) == 1
        assert not (tmp_path / "new").exists(), args
    err = capsys.readouterr().err
    assert "namespace 'nonexistent_ns' holds no data" in err and "names entity 'nobody'" in err
