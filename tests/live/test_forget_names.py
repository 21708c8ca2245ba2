"""``graphmem.forget_names``: a name is looked for as a name when forgetting everything about it."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.forget_names import says_name
from tests.ingest.fakes import FakeEmbedder
from tests.live.forget_names_talk import check_names_as_names


@pytest.mark.parametrize(
    ("text", "name", "said"),
    [
        ("Did you mark the essays yet?", "Mark", False),
        ("Mark, did you grade them?", "Mark", True),
        ("MARK!", "Mark", True),
        ("Saying grace before dinner", "Grace", False),
        ("Sam Park says hi.", "Sam", False),  # part of a longer name
        ("I met Uncle Sam there.", "Sam", False),
        ("Hi Sam, how are you?", "Sam", True),  # the capitalised word starts the sentence
        ("I saw Sam Monday.", "Sam", True),
        ("Sam Lee says hi.", "Sam Lee", True),
        ("I met sam lee yesterday.", "Sam Lee", True),  # a full name, in any case
        ("I left the office early.", "The Office", False),
        ("We watched the Office again.", "The Office", True),
        ("Marsh moved her office.", "Dr. Marsh", True),
        ("Jon's bike is new.", "Jon", True),
        ("José came by.", "Jose", True),
    ],
)
def test_a_name_is_said_as_a_name(text: str, name: str, said: bool) -> None:
    assert says_name(text, name) is said


def test_a_name_inside_another_entitys_name_is_not_said() -> None:
    assert not says_name("I saw Sam Park", "Sam", ["Sam Park"])
    assert says_name("I saw Sam and Sam Park", "Sam", ["Sam Park"])


def test_forget_about_finds_names_as_names(tmp_path: Path) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder()) as mem:
        check_names_as_names(mem)
