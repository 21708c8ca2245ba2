"""The Bolt store's client-side full-text search (``store/cypher/text_search.py``) tokenises as the embedded
store's FTS5 index does, and asks the server for candidates by keys every form of a word holds. No server."""

from __future__ import annotations

import sqlite3
import threading
import unicodedata

import pytest

from graphmem.errors import StoreError
from graphmem.store import sqlite_terms
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
    assert query_terms(["runs", "running", "foo_bar", "___"]) == (["run", "foo", "bar"], ["run", "foo", "bar"])


def _finds(query: str, text: str) -> bool:
    """What the server and the copy find: the lower-cased text holds a key, and its tokens a query token."""
    terms, keys = query_terms([query.casefold()])
    return any(k in text.lower() for k in keys) and any(t in text_tokens([text])[text] for t in terms)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("über", "Über alles, she said."),
        ("Über", "über alles"),
        ("élan", "He showed élan."),
        ("ångström", "One ångström wide."),
        ("résumé", "My résumé is ready."),
        ("résumés", "My résumé is ready."),
        ("résumé", unicodedata.normalize("NFD", "My résumé is ready.")),  # decomposed accents
        (unicodedata.normalize("NFD", "résumé"), "My résumé is ready."),
        ("naïve", "A naive plan."),  # the text without the accent: the ASCII key
        ("café", "We met at the café."),
        ("\u0374å", "a \u0374å b"),  # NFC and NFD both change U+0374: the spelling as given is a key too
    ],
)
def test_a_word_spelled_outside_ascii_finds_its_spelling(query: str, text: str) -> None:
    assert _finds(query, text)


def test_keys_of_a_word_outside_ascii_are_no_shorter_than_its_ascii_twin() -> None:
    _, keys = query_terms(["résumé"])
    assert min(len(k) for k in keys) == len(query_terms(["resume"])[1][0]) >= 4  # not "r"


@pytest.mark.parametrize("word", ["toy", "key", "joy", "boy", "day", "his", "dies", "happy", "city"])
def test_a_token_ending_in_i_is_never_cut(word: str) -> None:
    """``toy`` (``toi``) asks for ``toi`` and ``toy``, not ``to``: a cut key is in most texts."""
    (token,), keys = query_terms([word])
    assert all(len(k) >= len(token) for k in keys), keys
    assert any(k in word for k in keys)
    assert not any(k in "i went to the store, as the boss had said." for k in keys), keys


def test_a_lone_surrogate_separates_tokens() -> None:
    text = "caf\ud800running late"
    assert text_tokens([text]) == {text: ("caf", "run", "late")}


def test_no_fts5_is_a_store_error_naming_what_was_done(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(conn: sqlite3.Connection, words: object) -> None:
        raise sqlite3.OperationalError("no such module: fts5")

    monkeypatch.setattr(sqlite_terms, "tokens_of", broken)
    with pytest.raises(StoreError, match=r"loading the copy of namespace 'x'.*no such module: fts5"):
        text_tokens(["some text"], place="loading the copy of namespace 'x'")


def test_threads_tokenise_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long tokenisation in one thread does not hold up another thread's query."""
    real = sqlite_terms.tokens_of
    started, release = threading.Event(), threading.Event()

    def slow(conn: sqlite3.Connection, words: list[str]) -> dict[str, tuple[str, ...]]:
        if words == ["a long text"]:
            started.set()
            release.wait(10)
        return real(conn, words)

    monkeypatch.setattr(sqlite_terms, "tokens_of", slow)
    busy = threading.Thread(target=text_tokens, args=(["a long text"],))
    busy.start()
    try:
        assert started.wait(10)
        done: list[object] = []
        other = threading.Thread(target=lambda: done.append(query_terms(["running"])))
        other.start()
        other.join(2)
        assert done == [(["run"], ["run"])], "the query waited for the other thread's tokenising"
    finally:
        release.set()
        busy.join()


def test_a_token_porter_cut_inside_a_letter_does_not_fail_the_search() -> None:
    # Porter works on bytes: in "a倀ing" it cut U+5000's last byte, and reading the token back raised
    # "Could not decode to UTF-8", so one such event failed every search of its namespace over Bolt. (倀 is
    # now a token of its own, store/segment.py; the Yi syllable U+A000 ends in the same two bytes.)
    text = "I was a\ua000ing there"
    tokens = text_tokens([text])[text]
    assert tokens[:2] == ("i", "wa") and len(tokens) == 4
    assert query_terms(["a\ua000ing"])[0] == [tokens[2]]  # the query's token reads back the same way
    assert text_tokens(["a倀ing"])["a倀ing"] == ("a", "倀", "ing")


def test_a_final_sigma_is_asked_as_the_text_spells_it() -> None:
    # casefold() makes the final ς of λόγος a σ, which the text (and the server's toLower) keeps as ς.
    for word in ("λόγος", "ΟΔΟΣ"):
        _terms, keys = query_terms([word.casefold()])
        assert any(key in word.lower() for key in keys), keys
