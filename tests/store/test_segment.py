"""The analyzer of unspaced scripts (store/segment.py): bigrams at index and query time, Latin untouched."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from graphmem.store import sqlite_terms
from graphmem.store.segment import has_segments, index_text, is_thai, query_words


def _tokens(text: str) -> tuple[str, ...]:
    """FTS5's ``porter unicode61`` tokens of ``text`` (the full-text tables' tokenizer)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        return sqlite_terms.tokens_of(conn, [text])[text]
    finally:
        conn.close()


def test_a_run_is_indexed_as_its_characters_and_bigrams() -> None:
    assert index_text("北京烤鸭") == " 北 京 烤 鸭 北京 京烤 烤鸭 "
    assert _tokens(index_text("我在北京。")) == ("我", "在", "北", "京", "我在", "在北", "北京")
    assert index_text("猫") == " 猫 "


def test_a_query_run_is_asked_as_its_bigrams_and_a_lone_character_as_itself() -> None:
    assert query_words("北京烤鸭") == ["北京", "京烤", "烤鸭"]
    assert query_words("猫 and Dogs, 猫!") == ["猫", "and", "dogs"]
    assert query_words("iPhone手机") == ["iphone", "手机"]  # split where the script changes


def test_scripts_mix_in_one_run_and_are_normalised() -> None:
    assert query_words("東京で") == ["東京", "京で"]
    assert query_words("ｺｰﾋｰ") == query_words("コーヒー") == ["コー", "ーヒ", "ヒー"]
    assert query_words("ｶﾞｷﾞ") == ["ガギ"]  # a half-width voiced mark joins its kana
    assert query_words("서울에서") == ["서울", "울에", "에서"]
    assert query_words("ア・イ") == ["ア", "イ"]  # the katakana middle dot separates words


def test_thai_marks_are_dropped_as_the_tokenizer_breaks_at_them() -> None:
    assert _tokens("ง่าย") == ("ง", "าย")  # unicode61 alone: the tone mark splits the word
    assert query_words("ง่าย") == ["งา", "าย"]
    assert all(is_thai(w) for w in query_words("ภาษาไทยง่ายมาก"))
    assert not is_thai("北京") and not is_thai("run")


def test_latin_text_is_returned_as_it_is() -> None:
    text = "Café au lait, naïve Straße — über 3 ½ résumés! _x_ Ω"
    assert not has_segments(text)
    assert index_text(text) is text
    assert query_words(text) == list(dict.fromkeys(re.findall(r"\w+", text.casefold())))


_CJK = st.text(
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FF)
    | st.sampled_from("北京烤鸭我昨天在吃了서울에서ภาษาไทยง่ายมาก"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)  # a property test, not a timed one: a busy machine must not fail it
@given(_CJK, st.data())
def test_every_query_token_of_a_piece_of_a_text_is_among_the_texts_tokens(text: str, data: st.DataObject) -> None:
    """A word inside a text (any substring of it) shares every query token with the text's index form, so
    it is found; each query word is one token of the tokenizer."""
    text = unicodedata.normalize("NFKC", text)  # a kana and its voiced mark are one letter, not cut apart
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    held = set(_tokens(index_text(text)))
    for word in query_words(text[start:end]):
        assert _tokens(word) == (word,) or not _tokens(word)  # one token (or none: a lone mark)
        assert not _tokens(word) or word in held
