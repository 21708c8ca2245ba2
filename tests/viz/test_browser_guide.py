"""``graphmem browser-guide``: the printed values come from the store and select data in it."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from graphmem.browser_guide import EXAMPLE_VALUES, STARTER_QUERIES, GuideValues, cypher_string, guide_text, guide_values
from graphmem.cli.app import main
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, Mention, Session
from graphmem.store.base import Direction, GraphStore
from graphmem.store.embedded import EmbeddedStore
from tests.store.test_contract import conversation, day
from tests.viz.guide_text import blocks, cypher_literal

ODD = 'O\'Brien "Bo" \\ Smith\n'


def odd_conversation(ns: str) -> Batch:
    """The contract conversation with Caroline renamed to a name full of quotes and backslashes."""
    batch = conversation(ns)
    entities = tuple(dataclasses.replace(e, name=ODD) if e.id == "caroline" else e for e in batch.entities)
    return dataclasses.replace(batch, entities=entities)


def selects_data(store: GraphStore, values: GuideValues) -> dict[str, bool]:
    """Whether each value names data of the store, as the query using it needs."""
    ns = values.ns

    def speaker(name: str) -> bool:
        found = [e for e in store.iter_entities(ns) if e.name.lower() == name.lower()]
        return any(store.neighbors(ns, e.id, edge_types=[EdgeType.SPOKEN_BY], direction=Direction.IN) for e in found)

    facts = list(store.iter_facts(ns))
    held = [f for f in facts if f.expired_at is None]  # queries 6 and 8 leave out retired versions
    since, until = datetime.fromisoformat(values.since), datetime.fromisoformat(values.until)
    date, at = datetime.fromisoformat(values.date), datetime.fromisoformat(values.at)
    return {
        "ns": ns in store.namespaces(),
        "person": speaker(values.person),
        "other": speaker(values.other),
        "session": any(True for _ in store.iter_events(ns, session=values.session)),
        "date": any(
            (f.valid_from is None or f.valid_from <= date) and (f.valid_to is None or date < f.valid_to) for f in held
        ),
        "at": any(f.recorded_at <= at and (f.expired_at is None or at < f.expired_at) for f in facts),
        "predicate": any(f.predicate == values.predicate and f.evidence for f in held),
        "since": any(e.occurred_at is not None and since <= e.occurred_at < until for e in store.iter_events(ns)),
        "seed": any(nb.node_id == values.hit for nb in store.neighbors(ns, values.seed)),
        "words": any(w.lower() in e.text.lower() for w in values.words.split() for e in store.iter_events(ns)),
    }


def test_values_come_from_the_store(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(conversation("small"))
    store.write(odd_conversation("odd"))
    store.write(Batch("odd", events=(dataclasses.replace(conversation("odd").events[0], id="e9", seq=9),)))
    values = guide_values(store)
    assert values.ns == "odd"  # the namespace with the most events
    assert values.person == ODD and values.seed == "caroline" and values.hit == "e1"
    assert values.other == "Melanie"
    assert values.session == "s1" and values.predicate == "attend"  # "go" is a retired version
    assert all(selects_data(store, values).values()), selects_data(store, values)
    assert guide_values(store, "small").ns == "small"
    with pytest.raises(ConfigError, match="namespace 'smal' holds no data"):
        guide_values(store, "smal")
    empty = EmbeddedStore.open(tmp_path / "empty")
    with pytest.raises(ConfigError, match="empty"):
        guide_values(empty)


def test_printed_values_are_escaped_literals(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(odd_conversation("odd"))
    values = guide_values(store)
    printed = blocks(guide_text(values, source="here"))
    assert len(printed) == len(STARTER_QUERIES)
    for (_title, params, cypher), query in zip(printed, STARTER_QUERIES, strict=True):
        assert cypher == query.cypher
        assert {name: cypher_literal(lit) for name, lit in params.items()} == {
            name: values.as_dict()[name] for name in query.params
        }
    for tricky in ('a"b', "a\\b", 'a\\"b', "\\", '"', "x\ny\tz\r", "\x00\x1f\x7f", "’é€😀"):
        assert cypher_literal(cypher_string(tricky)) == tricky
    assert cypher_string('say "hi"') == '"say \\"hi\\""'


def test_values_select_data_of_a_real_conversation(locomo: Memory) -> None:
    values = guide_values(locomo.store)
    assert values.ns == "conv-26"
    checks = selects_data(locomo.store, values)
    assert all(checks.values()), checks
    assert values.seed.startswith("ent:") and values.hit.startswith("ev:")  # real ids, not example ones
    assert values.predicate != EXAMPLE_VALUES.predicate or any(
        f.predicate == values.predicate for f in locomo.store.iter_facts("conv-26")
    )


def test_the_example_values_do_not_pass_for_an_unrelated_store(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(conversation("conv-26"))  # the examples' namespace, but not its data
    checks = selects_data(store, EXAMPLE_VALUES)
    assert not all(checks.values())  # the check above can fail


def test_cli_prints_values_from_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(odd_conversation("odd"))
    store.close()
    assert main(["browser-guide", "--db", str(tmp_path / "mem")]) == 0
    out = capsys.readouterr().out
    reopened = EmbeddedStore.open(tmp_path / "mem")
    expected = guide_text(guide_values(reopened), source=f"{tmp_path / 'mem'}, namespace odd")
    reopened.close()
    assert out.strip() == expected.strip()
    assert f":param person => {cypher_string(ODD)}" in out
    assert main(["browser-guide", "--db", str(tmp_path / "mem"), "-n", "nope"]) == 1
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRAPHMEM_DB", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    capsys.readouterr()
    assert main(["browser-guide"]) == 0  # no store here: example values, said so
    out = capsys.readouterr().out
    assert "example values" in out and ':param person => "Caroline"' in out
    assert main(["browser-guide", "--db", str(tmp_path / "missing")]) == 1  # a named store must exist


def three_people(ns: str, *, shared: bool = True, words: bool = True) -> Batch:
    """Ana talks most but says no word of five letters; Bo and Cy (or nobody, without ``shared``) both
    mention chess; only Cy's turns have words to search for (none at all without ``words``)."""
    said = [
        ("e1", "ana", "Ana", "Good tea.", "tea"),
        ("e2", "bo", "Bo", "Chess? Yes.", "chess"),
        ("e3", "ana", "Ana", "Me too.", None),
        ("e4", "cy", "Cy", "I love playing chess tonight." if words else "Chess, me too.", "chess" if shared else "go"),
        ("e5", "ana", "Ana", "Ok.", None),
        ("e6", "bo", "Bo", "Fun!", None),
    ]
    events = tuple(
        Event(ns, i, "s1", n, who, text, day(0) + timedelta(minutes=n)) for n, (i, _, who, text, _) in enumerate(said)
    )
    entities = (
        *(Entity(ns, p, p.title(), "Person") for p in ("ana", "bo", "cy")),
        *(Entity(ns, t, t, "Topic") for t in ("tea", "chess", "go")),
    )
    mentions = tuple(Mention(ns, i, p, "speaker") for i, p, *_ in said) + tuple(
        Mention(ns, i, t, "mention") for i, _, _, _, t in said if t is not None
    )
    return Batch(ns, (Session(ns, "s1", 0, day(0)),), events, entities, mentions)


def shares_topic(store: GraphStore, values: GuideValues) -> bool:
    """Whether query 5 finds something: an entity ``person`` and ``other`` both mention in their turns."""
    speakers: dict[str, str] = {}
    things: dict[str, set[str]] = {}
    names = {e.id: e.name.lower() for e in store.iter_entities(values.ns)}
    for event_id, entity_id, role in store.iter_mentions(values.ns):
        if role == "speaker":
            speakers[event_id] = names[entity_id]
        else:
            things.setdefault(event_id, set()).add(entity_id)
    by: dict[str, set[str]] = {}
    for event_id, name in speakers.items():
        by.setdefault(name, set()).update(things.get(event_id, ()))
    return bool(by.get(values.person.lower(), set()) & by.get(values.other.lower(), set()))


def test_values_fit_queries_five_and_thirteen_when_the_busiest_speaker_does_not(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(three_people("three"))
    values = guide_values(store)
    # Ana talks most, but shares no topic with anyone: the pair that shares chess is chosen
    assert (values.person, values.other) == ("Bo", "Cy") and shares_topic(store, values)
    # Bo's turns have no word to search for: Cy's do
    assert values.words == "playing tonight"
    assert dict(values.missing).keys() == {"date", "at", "predicate"}  # it holds no facts
    checks = selects_data(store, values)
    assert all(ok for name, ok in checks.items() if name not in ("date", "at", "predicate")), checks
    assert "mention a same thing" not in guide_text(values) and "to search for" not in guide_text(values)


def test_the_guide_says_which_queries_find_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(three_people("three", shared=False, words=False))
    values = guide_values(store)
    assert (values.person, values.other) == ("Ana", "Bo") and not shares_topic(store, values)
    assert dict(values.missing).keys() == {"other", "words", "date", "at", "predicate"}
    printed = guide_text(values)
    chunks = {chunk.splitlines()[0]: chunk for chunk in printed.split("\n\n") if chunk.startswith("// ")}
    five = next(c for t, c in chunks.items() if t.startswith("// 5. "))
    assert "// Finds nothing in this store: no two speakers of 'three' mention a same thing." in five
    thirteen = next(c for t, c in chunks.items() if t.startswith("// 13. "))
    assert "no turn of 'three' has a word of five letters or more" in thirteen
    three = next(c for t, c in chunks.items() if t.startswith("// 3. "))
    assert "Finds nothing" not in three


def test_fact_moments_keep_their_fraction_of_a_second(tmp_path: Path) -> None:
    """Facts a live add wrote (now, with microseconds): the printed date and moment are not cut to the whole
    second before them, where queries 6 and 7 would find nothing."""
    batch = conversation("live")
    frac = timedelta(microseconds=771292)

    def later(f: Fact) -> Fact:
        keys = ("recorded_at", "valid_from", "valid_to", "expired_at")
        return dataclasses.replace(f, **{k: getattr(f, k) + frac for k in keys if getattr(f, k) is not None})

    store = EmbeddedStore.open(tmp_path / "mem")
    store.write(dataclasses.replace(batch, facts=tuple(later(f) for f in batch.facts)))
    values = guide_values(store, "live")
    assert values.at.endswith(".771292") and values.date.endswith(".771292"), (values.at, values.date)
    found = selects_data(store, values)
    assert found["date"] and found["at"], found
