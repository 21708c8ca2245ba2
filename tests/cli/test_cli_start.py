"""What a one-shot CLI call imports: the start time of ``graphmem recall`` is mostly imports.

The time itself is measured by ``graphmem bench cli``; these tests pin the imports a call must not
make, so a module-level import added somewhere cannot slow every shell call again unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graphmem.models import Batch, Event, Session
from graphmem.store.embedded import EmbeddedStore

# Heavy modules a recall from the shell has no use for (networkx it needs: the namespace's graph is one).
# dateparser: the question's "last week" is resolved by graphmem's own rules (graphmem.extract.times).
NOT_FOR_RECALL = (
    "asyncio",
    "spacy",
    "torch",
    "sentence_transformers",
    "transformers",
    "anthropic",
    "neo4j",
    "prompt_toolkit",
    "lark",
    "dateparser",
)
# `recall --json` prints no table, so it does not load rich either.
NOT_FOR_RECALL_JSON = (*NOT_FOR_RECALL, "rich")
# What `graphmem --help` must not load either (the store, vectors, the embedder, rich).
NOT_FOR_HELP = (
    *NOT_FOR_RECALL_JSON,
    "networkx",
    "numpy",
    "onnxruntime",
    "tokenizers",
    "hnswlib",
    "graphmem.memory",
)


def _loaded(args: list[str], names: tuple[str, ...]) -> list[str]:
    code = (
        "import sys, json, io, contextlib\n"
        "from graphmem.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = main({args!r})\n"
        f"print(json.dumps([rc, [m for m in {names!r} if m in sys.modules]]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    rc, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert rc == 0, proc.stderr
    return list(loaded)


def test_help_loads_no_store_or_model() -> None:
    assert _loaded(["--help"], NOT_FOR_HELP) == []


def test_recall_loads_only_what_it_uses(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    events = tuple(Event("n", f"e{i}", "s", i, "Ann", f"Ann went hiking in the hills, day {i}") for i in range(3))
    store.write(Batch("n", (Session("n", "s", 0),), events))
    store.close()
    args = ["--db", str(tmp_path / "mem"), "recall", "where did Ann go hiking last week?", "-n", "n", "-k", "2"]
    assert _loaded(args, NOT_FOR_RECALL) == []
    assert _loaded([*args, "--json"], NOT_FOR_RECALL_JSON) == []


def test_the_checks_see_what_is_loaded(tmp_path: Path) -> None:
    # The probe notices what is imported: the table output does load rich (and the store numpy).
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(Batch("n", (Session("n", "s", 0),), (Event("n", "e0", "s", 0, "Ann", "Ann went hiking"),)))
    store.close()
    args = ["--db", str(tmp_path / "mem"), "recall", "where did Ann go hiking?", "-n", "n", "-k", "1"]
    assert _loaded(args, ("rich", "numpy")) == ["rich", "numpy"]


def test_recall_with_vectors_uses_onnx_only(tmp_path: Path) -> None:
    # A store written through the real pipeline (spaCy, the default ONNX embedder): the recall embeds
    # the question with ONNX Runtime and loads neither torch nor sentence-transformers nor spaCy.
    from graphmem.cli import main

    db = str(tmp_path / "mem")
    add = ["--db", db, "add", "-n", "n", "--speaker", "Ann", "--time", "2023-05-10T10:00:00"]
    assert main([*add, "I went hiking in the hills with my sister."]) == 0
    args = ["--db", db, "recall", "what did Ann do last week?", "-n", "n", "-k", "1", "--json"]
    assert _loaded(args, (*NOT_FOR_RECALL_JSON, "onnxruntime")) == ["onnxruntime"]
