"""Unspaced text on Neo4j: the bigrams of a query are asked of the CJK full-text index, the other words of
the English one, as before. No Neo4j runs here: the statements are checked against a scripted session (their
text by ``test_cypher_lint``); ArcadeDB, which has no full-text index, is run for real by the contract tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphmem.store.cypher.dialect import NEO4J
from graphmem.store.cypher.schema import CJK_FULLTEXT_INDEX, FULLTEXT_INDEX, VECTOR_INDEX
from graphmem.store.cypher.session import Row
from graphmem.store.cypher.store import CypherStore
from tests.store.test_cypher_vectors import ScriptedSession

#: What each index answers, by index: (event id, score)
_ANSWERS = {FULLTEXT_INDEX: [("e8", 2.0), ("e0", 0.5)], CJK_FULLTEXT_INDEX: [("e0", 3.0), ("e2", 1.0)]}


def _answer(cypher: str, params: Mapping[str, Any]) -> list[Row]:
    if cypher != NEO4J.fulltext_search:
        return []
    rows = _ANSWERS[params["index"]][: params["limit"]]
    return [
        {"id": i, "score": s, "p": {"namespace": "ns", "id": i, "session": "s1", "seq": 0, "text": i}} for i, s in rows
    ]


def _store(indexes: list[str], *, read_only: bool = False) -> tuple[CypherStore, ScriptedSession]:
    session = ScriptedSession(indexes, _answer)
    store = CypherStore.open(session, NEO4J, server="scripted", read_only=read_only)
    return store, session


def _asked(session: ScriptedSession) -> list[tuple[str, str]]:
    return [(p["index"], p["query"]) for c, p in session.sent if c == NEO4J.fulltext_search]


def test_a_database_without_the_cjk_index_gets_it_when_opened_for_writing() -> None:
    store, session = _store([FULLTEXT_INDEX, VECTOR_INDEX])
    assert [c for c, _ in session.sent if c.startswith("CREATE FULLTEXT")] == [
        c for name, c in ((s.name, s.cypher) for s in NEO4J.schema_statements()) if name == CJK_FULLTEXT_INDEX
    ]
    assert store.cjk_fulltext
    store, session = _store([FULLTEXT_INDEX, VECTOR_INDEX], read_only=True)
    assert not [c for c, _ in session.sent if c.startswith("CREATE")] and not store.cjk_fulltext


def test_bigrams_ask_the_cjk_index_and_other_words_the_english_one() -> None:
    store, session = _store([FULLTEXT_INDEX, CJK_FULLTEXT_INDEX, VECTOR_INDEX])
    session.sent.clear()
    hits = store.search_text("ns", "北京烤鸭")
    assert _asked(session) == [(CJK_FULLTEXT_INDEX, '"北京" OR "京烤" OR "烤鸭"')]
    assert [(h.event_id, h.score) for h in hits] == [("e0", 3.0), ("e2", 1.0)]
    session.sent.clear()
    hits = store.search_text("ns", "Camping 北京 猫", limit=5)  # a lone character: the English index has it alone
    assert _asked(session) == [(CJK_FULLTEXT_INDEX, '"北京"'), (FULLTEXT_INDEX, '"camping" OR "猫"')]
    assert [(h.event_id, h.score) for h in hits] == [("e0", 3.5), ("e8", 2.0), ("e2", 1.0)]  # scores added


def test_latin_queries_are_asked_as_before() -> None:
    for indexes in ([FULLTEXT_INDEX, CJK_FULLTEXT_INDEX], [FULLTEXT_INDEX]):
        store, session = _store(indexes, read_only=True)
        session.sent.clear()
        hits = store.search_text("ns", "camping with kids")
        assert _asked(session) == [(FULLTEXT_INDEX, '"camping" OR "with" OR "kids"')]
        assert [(h.event_id, h.score) for h in hits] == [("e8", 2.0), ("e0", 0.5)]  # the index's order


def test_what_the_indexes_cannot_answer_is_ranked_on_the_client() -> None:
    """Thai (neither analyzer segments it), and bigrams where the database lacks the CJK index (its English
    analyzer keeps Katakana and Hangul runs whole), are ranked as without a full-text index (ArcadeDB)."""
    cases = (
        ([FULLTEXT_INDEX], "서울"),
        ([FULLTEXT_INDEX], "猫"),
        ([FULLTEXT_INDEX, CJK_FULLTEXT_INDEX], "ง่าย camping"),
    )
    for indexes, query in cases:
        store, session = _store(indexes, read_only=True)
        session.sent.clear()
        assert store.search_text("ns", query) == []  # the scripted server holds no event
        assert session.sent and not _asked(session), query


def test_a_lone_hangul_or_katakana_letter_is_not_asked_of_the_english_index() -> None:
    # review: Lucene's StandardTokenizer keeps runs of Hangul or Katakana whole, so the English index finds
    # a lone letter of them only where it stands alone; Han and Hiragana it splits into single characters
    store, session = _store([FULLTEXT_INDEX, CJK_FULLTEXT_INDEX, VECTOR_INDEX])
    for lone in ("집", "ア"):
        session.sent.clear()
        store.search_text("ns", f"camping {lone}")
        assert _asked(session) == [], lone
    session.sent.clear()
    store.search_text("ns", "camping 猫 の")
    assert _asked(session) == [(FULLTEXT_INDEX, '"camping" OR "猫" OR "の"')]
