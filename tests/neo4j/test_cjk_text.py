"""Unspaced text over Bolt when the server finds the candidates (no client copy of the namespace): the
``CONTAINS`` keys of a Chinese, Japanese, Korean or Thai query word reach the events holding it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.test_contract_cjk import CHINESE, JAPANESE_KOREAN_THAI, LATIN, check, check_questions, write_texts

pytestmark = pytest.mark.neo4j


def test_unspaced_words_are_found_by_the_server_as_by_the_copy(neo4j_store: Any) -> None:
    write_texts(neo4j_store, "cjk")
    neo4j_store.copy_max_events = 0  # every search asks the server for its candidates
    check(neo4j_store, "cjk", CHINESE + JAPANESE_KOREAN_THAI + LATIN)
    check_questions(neo4j_store, "cjk")
