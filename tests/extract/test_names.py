"""Name normalisation and ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from graphmem.extract.names import entity_id, event_id, fact_id, naive_utc, normalize_name, slug


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Caroline", "caroline"),
        ("  CAROLINE  ", "caroline"),
        ("Mel's", "mel"),
        ("Dr. Smith", "smith"),
        ("Mrs Jane Doe", "jane doe"),
        ("The L.G.B.T.Q. Center", "lgbtq center"),
        ("Tomás", "tomas"),
        ("Rock-'n'-Roll", "rock n roll"),
        ("the", "the"),
        ("Dr", "dr"),
    ],
)
def test_normalize_name(raw: str, key: str) -> None:
    assert normalize_name(raw) == key


def test_ids_are_prefixed_readable_and_stable() -> None:
    assert event_id("session_1", 3) == "ev:session_1:3"
    assert entity_id("Person", "Caroline") == "ent:person:caroline"
    assert entity_id("Person", "caroline ") == entity_id("Person", "CAROLINE")
    assert entity_id("Topic", "support group") == "ent:topic:support-group"
    assert entity_id("Place", "Tomás") == entity_id("Place", "Tomas")  # accents fold to one key
    assert fact_id("e", "s", "p", "o") == fact_id("e", "s", "p", "o") != fact_id("e", "s", "p", "x")
    assert fact_id("e", "s", "p", "o").startswith("fact:")


def test_slug_keeps_unusual_names_apart() -> None:
    assert slug("北京") != slug("上海")
    assert slug("x" * 200) != slug("x" * 199)
    assert len(slug("x" * 200)) < 70


def test_naive_utc() -> None:
    assert naive_utc(None) is None
    naive = datetime(2024, 1, 1, 12)
    assert naive_utc(naive) is naive
    aware = datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    assert naive_utc(aware) == datetime(2024, 1, 1, 10)
    assert naive_utc(datetime(2024, 1, 1, tzinfo=UTC)).tzinfo is None
