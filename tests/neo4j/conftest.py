"""Fixtures of the Neo4j backend tests: the Bolt server of ``tests/support/bolt_server.py``, and the spaCy
extractor the tests that ingest through it share."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.bolt_server import bolt_server, neo4j_store

__all__ = ["bolt_server", "extractor", "neo4j_store"]


@pytest.fixture(scope="session")
def extractor() -> Any:
    """The spaCy extractor (one pipeline for the session)."""
    from graphmem.extract import get_extractor
    from graphmem.extract.nlp import load_nlp

    return get_extractor("spacy", nlp=load_nlp())
