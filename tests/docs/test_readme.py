"""The README's Python session prints what the README says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from graphmem import Memory

ROOT = Path(__file__).resolve().parents[2]
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
    assert printed.getvalue() == expected
