"""A full name another speaker talks about is its own person, not the speaker who shares its first name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from graphmem.extract.pipeline import SpacyExtractor
from graphmem.extract.resolve import resolve_batch
from graphmem.memory import Memory
from graphmem.models import Batch, Entity, Event, Mention
from tests.support.talk import held, say

from .conftest import make_transcript

NAMESAKE = (
    "Ana: I live in Lisbon. I work at Globex.\n"
    "Bo: Nice. My new colleague is also called Ana, Ana Lopez.\n"
    "Bo: Ana Lopez moved to Madrid last week.\n"
    "Ana: Good for her!\n"
    "Bo: Ana Lopez works at Acme.\n"
)


def _people(mem: Memory) -> dict[str, tuple[str, ...]]:
    return {e.name: e.aliases for e in mem.store.iter_entities("t") if e.type == "Person"}


def _facts(mem: Memory) -> set[tuple[str, str, str]]:
    names = {e.id: e.name for e in mem.store.iter_entities("t")}
    at = datetime(2024, 6, 1)
    from graphmem.store.base import TimeFilter

    found = mem.store.iter_facts("t", time=TimeFilter(valid_at=at))
    return {(names[f.subject_id], f.predicate, names[f.object_id]) for f in found}


def test_a_namesake_another_speaker_talks_of_is_not_the_speaker(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path
) -> None:
    say(memory, extractor, tmp_path / "a.txt", NAMESAKE, namespace="t", date="1 May 2024")
    people = _people(memory)
    assert people["Ana"] == ()  # no alias "Ana Lopez"
    assert "Ana Lopez" in people
    facts = _facts(memory)
    assert {("Ana", "lives_in", "Lisbon"), ("Ana", "works_at", "Globex")} <= facts
    assert {("Ana Lopez", "lives_in", "Madrid"), ("Ana Lopez", "works_at", "Acme")} <= facts
    assert not {("Ana", "lives_in", "Madrid"), ("Ana", "works_at", "Acme")} & facts


def test_a_namesake_told_of_in_a_later_message_is_not_the_stored_speaker(
    memory: Memory, extractor: SpacyExtractor, tmp_path: Path
) -> None:
    say(memory, extractor, tmp_path / "a.txt", NAMESAKE.split("Bo: Nice")[0], namespace="t", date="1 May 2024")
    say(memory, extractor, tmp_path / "b.txt", "Bo: Ana Lopez works at Acme.\n", namespace="t", date="8 May 2024")
    assert _people(memory)["Ana"] == ()
    assert held(memory, "works_at", namespace="t") == {"Globex", "Acme"}
    assert ("Ana Lopez", "works_at", "Acme") in _facts(memory)


def test_a_first_name_inside_another_full_name_is_no_mention_of_the_speaker(extractor: SpacyExtractor) -> None:
    batch = extractor.extract(
        make_transcript([(datetime(2024, 5, 1), [("Ana", "Hi!"), ("Bo", "Ana Lopez moved to Madrid last week.")])])
    )
    names = {e.id: e.name for e in batch.entities}
    said = {names[m.entity_id] for m in batch.mentions if m.role != "speaker" and m.event_id == "ev:session_1:2"}
    assert "Ana" not in said
    assert "Ana Lopez" in said


def _batch(names: dict[str, str], turns: list[tuple[str, list[str]]]) -> Batch:
    """A batch of ``turns`` (speaker, ids mentioned) over the people ``names`` (id -> name)."""
    events, mentions = [], []
    for n, (speaker, ids) in enumerate(turns):
        eid = f"ev:{n}"
        events.append(Event("t", eid, "s", n, speaker, "...", datetime(2024, 5, 1)))
        mentions.append(Mention("t", eid, f"ent:person:{speaker.lower()}", "speaker"))
        mentions.extend(Mention("t", eid, i, "subject") for i in ids)
    entities = tuple(Entity("t", i, name, "Person") for i, name in names.items())
    return Batch("t", events=tuple(events), entities=entities, mentions=tuple(mentions))


def test_a_speaker_does_not_join_a_namesake_mentioned_more_often() -> None:
    names = {"ent:person:ana": "Ana", "ent:person:bo": "Bo", "ent:person:ana-lopez": "Ana Lopez"}
    lopez = "ent:person:ana-lopez"
    batch = _batch(names, [("Ana", []), ("Bo", [lopez]), ("Bo", [lopez]), ("Bo", [lopez])])
    resolved = resolve_batch(batch, (), salience=False)
    assert {e.name: e.aliases for e in resolved.entities} == {"Ana": (), "Bo": (), "Ana Lopez": ()}


def test_a_full_name_the_speaker_gives_of_herself_still_joins_her() -> None:
    names = {"ent:person:ana": "Ana", "ent:person:bo": "Bo", "ent:person:ana-lopez": "Ana Lopez"}
    batch = _batch(names, [("Ana", ["ent:person:ana-lopez"]), ("Bo", [])])
    resolved = resolve_batch(batch, (), salience=False)
    assert {frozenset((e.name, *e.aliases)) for e in resolved.entities} == {
        frozenset({"Ana", "Ana Lopez"}),
        frozenset({"Bo"}),
    }


def test_a_full_name_nobody_speaks_next_to_joins_its_first_name() -> None:
    names = {"ent:person:caroline": "Caroline", "ent:person:caroline-smith": "Caroline Smith", "ent:person:bo": "Bo"}
    batch = _batch(names, [("Bo", ["ent:person:caroline", "ent:person:caroline-smith"])])
    resolved = resolve_batch(batch, (), salience=False)
    assert {(e.name, *e.aliases) for e in resolved.entities if e.name != "Bo"} == {("Caroline Smith", "Caroline")}
