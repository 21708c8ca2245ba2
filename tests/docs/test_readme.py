"""The README's Python session prints what the README says it prints.

Dense cosines are compared within :data:`COSINE_TOLERANCE`, everything else exactly: the default int8
embedder's integer matrix multiplies round differently on CPUs with and without AVX-512 VNNI (ONNX
Runtime's AVX2 path saturates pair sums), so the same text gets a vector at cosine about 0.99 to its
vector on the other kind of CPU (docs/scale.md), and a printed cosine moves in its second decimal.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from graphmem import Memory

ROOT = Path(__file__).resolve().parents[2]
#: How far a printed dense cosine may move between CPUs (measured: 0.612 on AVX2, 0.627 with VNNI).
COSINE_TOLERANCE = 0.03
DENSE = re.compile(r"(dense #\d+ )\((\d\.\d+)\)")
SECTION = re.compile(r"## A Python session\n\n```python\n(?P<code>.*?)```\n```\n(?P<out>.*?)```", re.S)


def _session() -> tuple[str, str]:
    found = SECTION.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no '## A Python session' code block followed by its output"
    return found["code"], found["out"]


def test_the_readme_python_session_prints_its_documented_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, expected = _session()
    with Memory.open(tmp_path / "mem") as mem:
        mem.ingest(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})  # the README's own example
    got = printed.getvalue()
    assert DENSE.sub(r"\1(…)", got) == DENSE.sub(r"\1(…)", expected)
    got_cosines = [float(m[2]) for m in DENSE.finditer(got)]
    documented = [float(m[2]) for m in DENSE.finditer(expected)]
    assert documented, "the README's session shows no dense cosine: the pattern above no longer matches"
    assert got_cosines == pytest.approx(documented, abs=COSINE_TOLERANCE)


def test_the_cosine_tolerance_is_not_blind() -> None:
    """A cosine off by more than the tolerance, or a changed rank, still fails the comparison."""
    line = "   why: dense #1 (0.612) + text #1 (5.89)"
    assert DENSE.sub(r"\1(…)", line) == DENSE.sub(r"\1(…)", line.replace("0.612", "0.627"))
    assert DENSE.sub(r"\1(…)", line) != DENSE.sub(r"\1(…)", line.replace("#1 (0.612)", "#2 (0.612)"))
    assert float(DENSE.search(line.replace("0.612", "0.700"))[2]) != pytest.approx(0.612, abs=COSINE_TOLERANCE)


def test_the_readme_names_the_extensions_a_folder_walk_takes() -> None:
    # Markdown transcripts read when named, but a folder walk skips .md (a README beside the inputs)
    from graphmem.ingest_paths import FOLDER_SUFFIXES

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    walked = re.search(r"folders are walked for ((?:`\.\w+`,? (?:and )?)+)only", text)
    assert walked is not None, "the README says which files a folder walk reads"
    assert set(re.findall(r"`(\.\w+)`", walked.group(1))) == FOLDER_SUFFIXES
