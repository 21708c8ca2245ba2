"""``graphmem browser-guide``: the printed values come from the store and select data in it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from graphmem.browser_guide import EXAMPLE_VALUES, STARTER_QUERIES, GuideValues, cypher_string, guide_text, guide_values
from graphmem.cli.app import main
from graphmem.errors import ConfigError
from graphmem.memory import Memory
from graphmem.models import Batch, EdgeType
from graphmem.store.base import Direction, GraphStore
from graphmem.store.embedded import EmbeddedStore
from tests.store.test_contract import conversation
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
