"""Corrections worded as a tester's agent saw them: a denied short name, a denial after a question that
asks what someone does, each read alike in one file and message by message."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.talk import held, say

NS = "c"


def t(hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"2024-01-10 {hh_mm}")


def _held_both_ways(extractor: Any, tmp_path: Path, body: str, predicate: str) -> tuple[set[str], set[str]]:
    """What holds at 18:01 after ``body`` ingested as one file, and after its lines added one by one."""
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        say(mem, extractor, tmp_path / "c.txt", body, namespace=NS)
        in_file = held(mem, predicate, namespace=NS, valid_at=t("18:01"))
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for line in body.splitlines():
            stamp, rest = line[1:6], line[8:]
            speaker, text = rest.split(": ", 1)
            mem.add({"speaker": speaker, "text": text, "time": t(stamp)}, namespace=NS)
        live = held(mem, predicate, namespace=NS, valid_at=t("18:01"))
    return in_file, live


@pytest.mark.parametrize(
    ("body", "predicate", "meant"),
    [
        # the denied value is a short form of the name stated (NER typed the two apart)
        (
            "[18:00] Ana: I work at Globex Corporation.\n[18:02] Ana: Sorry, I meant Initech, not Globex.\n",
            "works_at",
            "Initech",
        ),
        (
            "[18:00] Ana: I work at Globex Corporation.\n[18:01] Ben: Nice!\n"
            "[18:02] Ana: Sorry, I meant Initech, not Globex.\n",
            "works_at",
            "Initech",
        ),
        # in the slip's own turn
        ("[18:00] Ana: I work at Globex Corporation. Sorry, I meant Initech, not Globex.\n", "works_at", "Initech"),
        # "what do you do there?" asks for an activity, not a name
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: Great, what do you do there?\n"
            "[18:02] Ana: Oops, I meant Globex, not Acme.\n",
            "works_at",
            "Globex",
        ),
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: What do you do there?\n[18:02] Ana: Sorry, I meant Globex.\n",
            "works_at",
            "Globex",
        ),
        # a question asking for a name, but the turn owns its slip and denies the value stated
        (
            "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Which city should we visit next?\n"
            "[18:02] Ana: Sorry, I meant Porto, not Lisbon.\n",
            "lives_in",
            "Porto",
        ),
    ],
)
def test_a_correction_binds_in_one_file_and_message_by_message(
    extractor: Any, tmp_path: Path, body: str, predicate: str, meant: str
) -> None:
    assert _held_both_ways(extractor, tmp_path, body, predicate) == ({meant}, {meant})


@pytest.mark.parametrize(
    ("body", "predicate", "kept"),
    [
        # a bare name answering a question that asks for one is no correction, denial or not
        (
            "[18:00] Ana: I live in Lisbon.\n[18:01] Ben: Which city should we visit next?\n"
            "[18:02] Ana: Porto, not Lisbon.\n",
            "lives_in",
            "Lisbon",
        ),
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: What company is your sister at?\n[18:02] Ana: Globex.\n",
            "works_at",
            "Acme",
        ),
        (
            "[18:00] Ana: I work at Acme.\n[18:01] Ben: Who do you mean?\n[18:02] Ana: I meant Maria.\n",
            "works_at",
            "Acme",
        ),
        # a denied name that is no short form of the state stated
        (
            "[18:00] Ana: I work at Globex Corporation.\n[18:01] Ben: Nice!\n"
            "[18:02] Ana: Sorry, I meant Initech, not Corporation.\n",
            "works_at",
            "Globex Corporation",
        ),
    ],
)
def test_an_answer_or_another_denial_leaves_the_state(
    extractor: Any, tmp_path: Path, body: str, predicate: str, kept: str
) -> None:
    assert _held_both_ways(extractor, tmp_path, body, predicate) == ({kept}, {kept})
