"""Queries over the data/ samples (ingested with the real extractor and embedder).

Expected answers are computed from the sample files themselves, not from graphmem, or (for facts) from
the stored records with the model's own time-axis methods.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from graphmem import Memory

from .conftest import DATA


@pytest.fixture(scope="module")
def locomo() -> dict[str, Any]:
    sample: dict[str, Any] = json.loads((DATA / "locomo_style.json").read_text(encoding="utf-8"))[0]
    return sample


def _turns(sample: dict[str, Any]) -> list[dict[str, Any]]:
    conv = sample["conversation"]
    out = []
    n = 1
    while f"session_{n}" in conv:
        out.extend(conv[f"session_{n}"])
        n += 1
    return out


def q(mem: Memory, text: str, **params: Any) -> list[tuple[Any, ...]]:
    return list(mem.query(text, **params).rows)


def test_turns_per_speaker(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    expected = Counter(t["speaker"] for t in _turns(locomo))
    rows = q(samples_memory, 'FIND (e:Event) IN "priya-tomas" RETURN e.speaker, count(*)')
    assert dict(rows) == dict(expected)
    spoken = q(samples_memory, 'FIND (p:Person)<-[:SPOKEN_BY]-(e:Event) IN "priya-tomas" RETURN p.name, count(*)')
    assert dict(spoken) == dict(expected)


def test_sessions_in_date_order(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    conv = locomo["conversation"]
    dates = [datetime.strptime(conv[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y") for n in (1, 2, 3)]
    rows = q(samples_memory, "FIND (s:Session) RETURN s.time ORDER BY s.time", namespace="priya-tomas")
    assert [r[0] for r in rows] == dates
    day = dates[1].date().isoformat()
    count = q(samples_memory, f"FIND (e:Event) WHERE e ON {day} RETURN count(*)", namespace="priya-tomas")
    assert count == [(len(conv["session_2"]),)]


def test_lookup_by_dia_id_and_next_chain(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    by_id = {t["dia_id"]: t for t in _turns(locomo)}
    rows = q(samples_memory, 'FIND (e:Event {source: "D2:1"}) RETURN e.text', namespace="priya-tomas")
    assert rows[0][0].startswith(by_id["D2:1"]["text"])
    chain = q(
        samples_memory,
        'FIND (a:Event {source: "D1:1"})-[:NEXT*3]->(b) RETURN b.source, b.speaker',
        namespace="priya-tomas",
    )
    assert chain == [("D1:4", by_id["D1:4"]["speaker"])]


def test_text_search_matches_the_file(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    expected = sorted(
        t["dia_id"] for t in _turns(locomo) if "bolt" in (t["text"] + " " + t.get("blip_caption", "")).lower()
    )
    rows = q(samples_memory, 'FIND (e:Event) WHERE e.text CONTAINS "Bolt" RETURN e.source', namespace="priya-tomas")
    assert sorted(r[0] for r in rows) == expected and expected


def test_first_and_last_words(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    turns = _turns(locomo)
    tomas = [t for t in turns if t["speaker"] == "Tomás"]
    first = q(samples_memory, 'FIND FIRST (e:Event) WHERE e.speaker = "Tomás" RETURN e.source', namespace="priya-tomas")
    last = q(samples_memory, 'FIND LAST (e:Event) WHERE e.speaker = "Tomás" RETURN e.source', namespace="priya-tomas")
    assert first == [(tomas[0]["dia_id"],)] and last == [(tomas[-1]["dia_id"],)]


def test_fuzzy_speaker_and_timeline(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    assert q(samples_memory, 'FIND (p:Person ~"Tomas") RETURN p.name', namespace="priya-tomas") == [("Tomás",)]
    rows = q(samples_memory, 'TIMELINE (p:Person {name: "Priya"}) LIMIT 3', namespace="priya-tomas")
    priya = [t["dia_id"] for t in _turns(locomo) if t["speaker"] == "Priya"]
    assert [r[4] for r in rows][:1] == priya[:1]
    times = [r[0] for r in q(samples_memory, 'TIMELINE (p:Person {name: "Priya"})', namespace="priya-tomas")]
    assert times == sorted(times)


def test_mentions_are_in_the_text(samples_memory: Memory) -> None:
    rows = q(
        samples_memory,
        'FIND (e:Event) WHERE e MENTIONS ~"Lumen Robotics" RETURN e.source, e.text',
        namespace="priya-tomas",
    )
    assert len(rows) >= 2
    assert all("lumen" in text.lower() for _, text in rows)


def test_about_finds_the_vet_visit(samples_memory: Memory, locomo: dict[str, Any]) -> None:
    vet = next(t["dia_id"] for t in _turns(locomo) if "vet clinic" in t["text"])
    rows = q(
        samples_memory,
        'FIND (e:Event ABOUT "the dog was ill and went to the vet" TOP 3) RETURN e.source ORDER BY relevance DESC',
        namespace="priya-tomas",
    )
    assert vet in [r[0] for r in rows]


def test_fact_axes_agree_with_the_model(samples_memory: Memory) -> None:
    store = samples_memory.store
    versions = list(store.iter_facts("priya-tomas", history=True))
    current = [f for f in versions if f.expired_at is None]
    assert current and len(versions) > len(current)  # a closed job keeps its earlier version
    for when in (datetime(2024, 3, 10), datetime(2024, 4, 1), datetime(2024, 5, 1)):
        day = when.date().isoformat()
        # AS OF alone: the versions memory held then, true then; VALID AT alone: the current versions
        known = sum(f.known_at(when) and f.valid_at(when) for f in versions)
        valid = sum(f.valid_at(when) for f in current)
        assert q(samples_memory, f"FIND (a)-[f:FACT]->(b) AS OF {day} RETURN count(*)", namespace="priya-tomas") == [
            (known,)
        ]
        assert q(samples_memory, f"FIND (a)-[f:FACT]->(b) VALID AT {day} RETURN count(*)", namespace="priya-tomas") == [
            (valid,)
        ]


def test_jsonl_timestamps(samples_memory: Memory) -> None:
    lines = [json.loads(line) for line in (DATA / "chat.jsonl").read_text(encoding="utf-8").splitlines() if line]
    # AFTER a day means from the end of that day on; stored times are UTC.
    start = datetime(2024, 10, 2)
    expected = sorted(
        m["id"] for m in lines if datetime.fromisoformat(m["timestamp"]).astimezone(UTC).replace(tzinfo=None) >= start
    )
    rows = q(samples_memory, "FIND (e:Event) WHERE e.time AFTER 2024-10-01 RETURN e.source", namespace="chat")
    assert sorted(r[0] for r in rows) == expected and expected
