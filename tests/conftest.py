"""Shared test setup: offline models, no stray environment."""

from __future__ import annotations

import os

# Tests never reach a model hub; the models are installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# The Bolt server fixtures (`bolt_server`, `neo4j_store`): ArcadeDB started once per session, or an
# external Neo4j named by GRAPHMEM_TEST_BOLT_URI.
pytest_plugins = ["tests.support.bolt_server"]
