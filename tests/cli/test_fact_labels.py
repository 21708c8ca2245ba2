"""The ingest summary and ``stats`` say what their fact counts count: ingest the fact versions its
batches wrote, stats every stored version (those a later statement replaced included), so a fresh
ingest of data/ writes 36 and stats counts 37 without the two labels seeming to disagree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphmem.cli import main
from graphmem.memory import Memory

DATA = Path(__file__).resolve().parents[2] / "data"


def _row(out: str, label: str) -> list[str]:
    for line in out.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r} in\n{out}")


def test_ingest_and_stats_name_what_they_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db")
    assert main(["--db", db, "ingest", "--no-embed", str(DATA / "locomo_style.json")]) == 0
    written = int(_row(capsys.readouterr().out, "facts written")[1])
    assert main(["--db", db, "stats", "-n", "priya-tomas"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "namespace" in line)
    assert "fact versions" in header and not re.search(r"[│┃]\s*facts\s*[│┃]", header)
    with Memory.open(tmp_path / "db", read_only=True) as memory:
        versions = list(memory.store.iter_facts("priya-tomas", history=True))
    column = [c.strip() for c in re.split(r"[│┃]", header)[1:-1]].index("fact versions")
    assert int(_row(out, "priya-tomas")[column]) == len(versions) == 17
    # the job Priya left is kept as the version her new one replaced, beside the 16 the batches wrote
    assert written == 16 == sum(1 for f in versions if f.expired_at is None)


def test_sync_names_its_fact_count_as_stats_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``sync`` headed the count of fact versions it copied "facts", where ``stats`` says "fact versions"."""
    src, dst = str(tmp_path / "src"), str(tmp_path / "dst")
    assert main(["--db", src, "ingest", "--no-embed", str(DATA / "locomo_style.json")]) == 0
    capsys.readouterr()
    assert main(["sync", "--from", src, "--to", dst, "-n", "priya-tomas"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "namespace" in line)
    assert "fact versions" in header and not re.search(r"[│┃]\s*facts\s*[│┃]", header)
    assert int(_row(out, "priya-tomas")[5]) == 17  # every version, as stats counts them
