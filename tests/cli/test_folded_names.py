"""Names given to the CLI ignore the letters NFKD does not decompose and apostrophes: ``timeline Soren``
finds Søren Kierkegård, ``facts --entity Lukasz`` Łukasz, ``timeline obrien`` O'Brien."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from graphmem import Entity, Event, Memory, Mention
from graphmem.cli import main
from graphmem.models import Fact

NS = "n"
WHEN = datetime(2024, 2, 3, 10)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mem"
    speakers = [("soren", "Søren Kierkegård"), ("lukasz", "Łukasz"), ("obrien", "O'Brien")]
    events = [Event(NS, f"e{i}", "s", i, name, f"hello {i}", WHEN) for i, (_, name) in enumerate(speakers)]
    entities = [Entity(NS, eid, name, "Person") for eid, name in speakers] + [Entity(NS, "allegro", "Allegro")]
    mentions = [Mention(NS, f"e{i}", eid, "speaker") for i, (eid, _) in enumerate(speakers)]
    mentions.append(Mention(NS, "e1", "allegro", "object"))
    facts = [Fact(NS, "f1", "lukasz", "works_at", "allegro", WHEN, valid_from=WHEN, evidence=("e1",))]
    with Memory.open(d) as mem:
        mem.add_events(events, namespace=NS, entities=entities, mentions=mentions, facts=facts)
    return d


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["timeline", "Soren"], "Søren Kierkegård"),
        (["timeline", "Soren Kierkegard"], "Søren Kierkegård"),
        (["timeline", "obrien"], "O'Brien"),
        (["facts", "--entity", "Lukasz"], "Allegro"),
    ],
)
def test_a_name_typed_without_its_letters_is_found(
    store_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], shown: str
) -> None:
    code = main(["--db", str(store_dir), *args, "-n", NS])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert shown in out
