"""``FORCE_COLOR`` forces colour, not a terminal: rich took a pipe for a terminal under it, so the CLI drew
progress bars and the narrow-terminal layout into the pipe. What asks whether the output is a terminal
(``console.is_terminal``: progress bars, :mod:`graphmem.cli.narrow`) sees the real stream (task time29)."""

from __future__ import annotations

import os

import pytest

from graphmem.cli.common import stderr_console, stdout_console
from graphmem.cli.narrow import fits_table

LONG_ID = [("1", "0.500", "ev:" + "x" * 200, "2024-03-15", "Ben")]


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_forced_colour_in_a_pipe_is_colour_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str
) -> None:
    monkeypatch.setenv(variable, "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("graphmem.cli.common._consoles", {})  # consoles on the captured streams (pipes)
    out, err = stdout_console(), stderr_console()
    assert not out.is_terminal and not err.is_terminal
    assert not out.is_interactive and not err.is_interactive  # rich's progress bars stay still
    assert out.color_system is not None and err.color_system is not None
    out.print("[bold]hello[/bold]")
    assert "\x1b[1m" in capsys.readouterr().out  # the colour it forces
    assert out.width == 160  # a pipe's width, not a terminal's
    assert fits_table(out, ("#", "score", "id", "when", "speaker"), LONG_ID, 2)  # a pipe keeps its table


def test_without_forced_colour_a_pipe_has_no_colour(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("graphmem.cli.common._consoles", {})
    out = stdout_console()
    assert not out.is_terminal and out.color_system is None
    out.print("[bold]hello[/bold]")
    assert capsys.readouterr().out == "hello\n"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_tty_compatible_0_on_a_terminal_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    leader, follower = os.openpty()
    with os.fdopen(leader, "rb", buffering=0), open(follower, "w", encoding="utf-8") as terminal:
        for variable in ("FORCE_COLOR", "NO_COLOR", "TTY_INTERACTIVE"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setattr("sys.stdout", terminal)
        monkeypatch.setattr("sys.stderr", terminal)
        monkeypatch.setenv("TTY_COMPATIBLE", "0")
        monkeypatch.setattr("graphmem.cli.common._consoles", {})
        out, err = stdout_console(), stderr_console()
        assert not out.is_terminal and not err.is_terminal  # as rich reads TTY_COMPATIBLE=0
        monkeypatch.delenv("TTY_COMPATIBLE")
        monkeypatch.setattr("graphmem.cli.common._consoles", {})
        assert stdout_console().is_terminal and stderr_console().is_terminal  # a terminal without it
