"""Fixtures of the Neo4j backend tests: the Bolt server of ``tests/support/bolt_server.py``."""

from __future__ import annotations

from tests.support.bolt_server import bolt_server, neo4j_store

__all__ = ["bolt_server", "neo4j_store"]
