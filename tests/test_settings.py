"""Settings: the environment read in one place, and nothing else reading or writing it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphmem.config import DEFAULT_DB, resolve_db
from graphmem.settings import Settings, neo4j_login
from graphmem.vector_index import default_cache_dir

PACKAGE = Path(__file__).resolve().parent.parent / "graphmem"


def test_from_env_reads_each_variable() -> None:
    env = {
        "GRAPHMEM_DB": "/data/mem",
        "NEO4J_URI": "bolt://h:7687",
        "NEO4J_USERNAME": "ann",
        "NEO4J_PASSWORD": "pw",
        "NEO4J_DATABASE": "graph",
        "GRAPHMEM_EMBEDDER": "onnx",
        "GRAPHMEM_CACHE": "/c/claude",
        "GRAPHMEM_CACHE_DIR": "/c/vectors",
        "XDG_CACHE_HOME": "/xdg",
        "GRAPHMEM_HISTORY": "/h/history",
        "ANTHROPIC_API_KEY": "sk-secret",
    }
    s = Settings.from_env(env)
    assert s.store_location == "/data/mem"
    assert s.bolt_login(None, None) == (("ann", "pw"), "graph")
    assert s.bolt_login(("bob", "x"), "other") == (("bob", "x"), "other")  # given values win
    assert s.embedder == "onnx"
    assert s.extraction_cache_root == Path("/c/claude")
    assert s.vector_cache_root == Path("/c/vectors")
    assert s.cache_home == Path("/xdg")
    assert s.history_path == Path("/h/history")
    assert s.anthropic_api_key == "sk-secret"
    assert "sk-secret" not in repr(s) and "pw" not in repr(s)


def test_defaults_when_unset_or_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    s = Settings.from_env({"GRAPHMEM_DB": "", "XDG_CACHE_HOME": ""})
    assert s.store_location is None
    assert s.cache_home == tmp_path / ".cache"
    assert s.vector_cache_root == tmp_path / ".cache" / "graphmem"
    assert s.extraction_cache_root == tmp_path / ".cache" / "graphmem"
    assert s.history_path == tmp_path / ".graphmem_history"
    assert s.bolt_login(None, None) == (None, None)
    assert Settings.from_env({"NEO4J_PASSWORD": "pw"}).bolt_login(None, None) == (("neo4j", "pw"), None)
    assert Settings.from_env({"NEO4J_URI": "neo4j://h"}).store_location == "neo4j://h"


def test_values_reach_their_users(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(db="/x/db", cache_dir="/x/vectors")
    assert resolve_db(None, s) == "/x/db"
    assert resolve_db(None, Settings()) == str(Path(DEFAULT_DB))
    assert default_cache_dir("bolt://h:1", s).parent == Path("/x/vectors/vectors")
    monkeypatch.setenv("NEO4J_USERNAME", "env-user")
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    assert neo4j_login(None, None) == (("env-user", ""), None)  # read when called, not at import


def test_only_settings_touches_the_environment() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "settings.py" and path.parent == PACKAGE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bos\.(environ|getenv|putenv|unsetenv)\b", line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert offenders == []
