"""A REPL left open beside a live agent answers what the agent added since its last query."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from graphmem import Memory
from graphmem.repl import Repl
from tests.ingest.fakes import FakeEmbedder


def test_a_query_sees_what_another_process_added_since_the_last_one(tmp_path: Path, nlp: Any) -> None:
    # The REPL ran queries on the store without catching up first: a REPL left open beside a live agent went
    # on answering what the store held at its first query.
    where = tmp_path / "db"
    count = "FIND (e:Event) RETURN count(e) AS n;\n"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as agent:
        agent.add([{"speaker": "Ana", "text": "I moved to Porto."}], namespace="chat")
        with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp, read_only=True) as reader:
            buffer = io.StringIO()
            console = Console(file=buffer, width=200, color_system=None, highlight=False)
            with create_pipe_input() as pipe:
                repl = Repl(reader, input=pipe, output=DummyOutput(), console=console, namespace="chat")
                repl.handle(count)
                agent.add(
                    [{"speaker": "Ana", "text": "I like tea."}, {"speaker": "Bo", "text": "Me too."}], namespace="chat"
                )
                repl.handle(count)
    first, second = buffer.getvalue().split("1 row")[:2]
    assert "│ 1 " in first
    assert "│ 3 " in second
