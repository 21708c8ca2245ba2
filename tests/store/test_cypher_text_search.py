"""The Bolt store's client-side full-text search (``store/cypher/text_search.py``) tokenises as the embedded
store's FTS5 index does, and asks the server for candidates by keys every form of a word holds. No server."""

from __future__ import annotations

import pytest

from graphmem.store.cypher.text_search import query_terms, text_tokens

#: Words Porter stems alike, where the stem is not in both (``happi``, ``bake``, ``berri``, ``capabl``, ``dai``).
ALIKE = [
    ("happy", "happiness"),
    ("bake", "baking"),
    ("berry", "berries"),
    ("capable", "capabilities"),
    ("day", "days"),
    ("run", "running"),
    ("relate", "relational"),
]


def test_tokens_are_the_embedded_index_tokens() -> None:
    text = "I love running; we picked Berries. Café?"
    assert text_tokens([text, ""]) == {text: ("i", "love", "run", "we", "pick", "berri", "cafe"), "": ()}


@pytest.mark.parametrize(("word", "other"), ALIKE)
def test_a_word_finds_every_form_stemmed_alike(word: str, other: str) -> None:
    for asked, held in ((word, other), (other, word)):
        terms, keys = query_terms([asked])
        assert terms == list(text_tokens([held])[held])  # scored as the same token
        assert any(key in held for key in keys)  # and among the candidates CONTAINS finds


def test_query_terms_once_each_and_words_of_several_tokens() -> None:
    terms, keys = query_terms(["runs", "running", "foo_bar", "___"])
    assert terms == ["run", "foo", "bar"]
    assert len(keys) == len(set(keys)) and all(keys)
