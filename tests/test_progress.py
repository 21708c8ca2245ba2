"""The shared progress bar: shown on stderr when enabled, silent otherwise."""

from __future__ import annotations

import pytest

from graphmem.progress import ProgressBar


def test_an_enabled_bar_counts_its_steps_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressBar("reembed", 3, "events  {task.fields[rate]:,.0f} events/s", enabled=True, rate=0.0) as bar:
        for _ in range(3):
            bar.advance(1, rate=12.0)
    out, err = capsys.readouterr()
    assert out == ""
    assert "reembed" in err and "3/3" in err and "12 events/s" in err


@pytest.mark.parametrize(("total", "enabled"), [(3, False), (0, True)])
def test_a_disabled_or_empty_bar_prints_nothing(total: int, enabled: bool, capsys: pytest.CaptureFixture[str]) -> None:
    with ProgressBar("ingest", total, "files", enabled=enabled) as bar:
        bar.advance(1)
    assert capsys.readouterr() == ("", "")
