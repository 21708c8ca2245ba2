"""Shared test setup: offline models, no stray environment."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Tests never reach a model hub; the models are installed packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Property tests are not timed: speed belongs in benchmarks, and a busy machine (CI beside other work)
# must not fail an example for taking over Hypothesis's default 200 ms.
settings.register_profile("graphmem", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("graphmem")

# The Bolt server fixtures (`bolt_server`, `neo4j_store`): ArcadeDB started once per session, or an
# external Neo4j named by GRAPHMEM_TEST_BOLT_URI.
pytest_plugins = ["tests.support.bolt_server"]
