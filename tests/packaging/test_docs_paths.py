"""Help texts name the DSL reference where it is on this machine (inside the package once installed)."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from graphmem import Memory
from graphmem.cli.app import cli
from graphmem.cli.common import dsl_doc_path
from graphmem.repl import Repl


def test_the_reference_path_is_a_real_file() -> None:
    path = Path(dsl_doc_path())
    assert path.is_absolute() and path.is_file() and path.name == "dsl.md"


def test_query_help_names_the_reference_by_its_path() -> None:
    result = CliRunner().invoke(cli, ["query", "--help"], terminal_width=1000)
    assert result.exit_code == 0, result.output
    assert dsl_doc_path() in " ".join(result.output.split())


def test_repl_help_names_the_reference_by_its_path(tmp_path: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=1000, color_system=None, highlight=False)
    with Memory.open(tmp_path / "db") as memory, create_pipe_input() as pipe:
        pipe.send_text(".help\n")
        pipe.close()
        Repl(memory, input=pipe, output=DummyOutput(), console=console).run()
    assert f"The full reference is {dsl_doc_path()}." in buffer.getvalue()
