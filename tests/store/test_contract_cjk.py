"""Full-text search finds a word inside unspaced text (Chinese, Japanese, Korean, Thai) on every backend.

FTS5's ``unicode61`` makes a whole run of these scripts one token; the stores index and ask such runs as
character bigrams (:mod:`graphmem.store.segment`), so the word is a text seed as a Latin word is.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from graphmem.models import Batch, Event, Session
from graphmem.store.base import GraphStore
from tests.store.conftest import Backend
from tests.store.test_contract import day

TEXTS = (
    "我昨天在北京吃了烤鸭",  # c0: I ate roast duck in Beijing yesterday
    "她下个月要去上海出差",  # c1: she goes to Shanghai on business next month
    "北京的冬天很冷",  # c2: winter in Beijing is cold
    "我的猫很可爱",  # c3: my cat is cute
    "私は昨日東京で寿司を食べました",  # c4: I ate sushi in Tokyo yesterday
    "毎朝コーヒーを飲みます",  # c5: I drink coffee every morning
    "서울에서 친구를 만났어요",  # c6: I met a friend in Seoul
    "ภาษาไทยง่ายมาก",  # c7: Thai is very easy
    "We went camping near the lake.",  # c8
)

#: (query, the events found in order; a set where their order is not asked)
CHINESE = [
    ("烤鸭", ["c0"]),
    ("北京", {"c0", "c2"}),
    ("上海", ["c1"]),
    ("猫", ["c3"]),  # a word of one character inside a run
    ("南京", []),  # no bigram of it is in any text (京 alone is not asked)
]
#: (an unspaced question, the event it is best answered by: the text holding most of its words)
QUESTIONS = [("我想知道北京烤鸭好吃吗", "c0"), ("去上海吗？", "c1"), ("東京で何を食べましたか", "c4")]
JAPANESE_KOREAN_THAI = [
    ("寿司", ["c4"]),
    ("東京", ["c4"]),
    ("コーヒー", ["c5"]),
    ("ｺｰﾋｰ", ["c5"]),  # half-width katakana reads as full-width
    ("서울", ["c6"]),  # a noun with its particle attached (서울에서)
    ("친구", ["c6"]),
    ("ง่าย", ["c7"]),
]
LATIN = [("camping lakes", ["c8"]), ("camp 烤鸭", {"c0", "c8"})]


def write_texts(store: GraphStore, ns: str) -> None:
    events = tuple(
        Event(ns, f"c{i}", "s1", i, "Mei", text, day(0) + timedelta(minutes=i), f"D1:{i + 1}")
        for i, text in enumerate(TEXTS)
    )
    store.write(Batch(ns, (Session(ns, "s1", 0, day(0), ""),), events))


def check(store: GraphStore, ns: str, cases: list[tuple[str, list[str] | set[str]]]) -> None:
    for query, expected in cases:
        hits = store.search_text(ns, query)
        assert all(h.score > 0 for h in hits), query
        found = [h.event_id for h in hits]
        assert (set(found) if isinstance(expected, set) else found) == expected, query


def check_questions(store: GraphStore, ns: str) -> None:
    for question, best in QUESTIONS:
        hits = store.search_text(ns, question)
        assert hits and hits[0].event_id == best, question


@pytest.fixture
def texts(backend: Backend) -> tuple[GraphStore, str]:
    store, ns = backend.open(), backend.ns()
    write_texts(store, ns)
    return store, ns


def test_a_chinese_word_inside_unspaced_text_is_a_text_seed(texts: tuple[GraphStore, str]) -> None:
    check(*texts, CHINESE)


def test_an_unspaced_question_finds_the_text_holding_its_words(texts: tuple[GraphStore, str]) -> None:
    check_questions(*texts)


def test_a_japanese_korean_or_thai_word_inside_unspaced_text_is_a_text_seed(texts: tuple[GraphStore, str]) -> None:
    check(*texts, JAPANESE_KOREAN_THAI)


def test_latin_words_beside_unspaced_text_are_found_as_before(texts: tuple[GraphStore, str]) -> None:
    check(*texts, LATIN)
