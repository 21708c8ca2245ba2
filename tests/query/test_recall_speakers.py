"""RECALL ... BY a speaker no one speaks under: a query error at that speaker, not an empty answer."""

from __future__ import annotations

import pytest

from graphmem.errors import ConfigError, QuerySemanticError, UnknownSpeakerError
from graphmem.memory import Memory


def test_unknown_speaker_is_an_error_at_its_literal(small_memory: Memory) -> None:
    with pytest.raises(QuerySemanticError) as info:
        small_memory.query('RECALL "charity race" IN "t1"\n  BY "Caroline", "Melany"')
    err = info.value
    assert (err.line, err.column) == (2, 18)
    assert err.reason.startswith("no speaker 'Melany' in namespace 't1' (speakers: ")
    assert err.suggestion == "Melanie"
    assert err.context.splitlines() == ['    BY "Caroline", "Melany"', " " * 19 + "^" * 8]  # indented by 2
    # also the error recall raises for the same fault, as an unknown namespace in a query is
    assert isinstance(err, UnknownSpeakerError) and isinstance(err, ConfigError)
    assert (err.speaker, err.namespace) == ("Melany", "t1")


def test_unknown_speaker_given_as_a_parameter_points_at_it(small_memory: Memory) -> None:
    with pytest.raises(QuerySemanticError, match=r"line 1, column 34: no speaker 'Nobody'"):
        small_memory.query('RECALL "charity race" IN "t1" BY $who', who="Nobody")


def test_known_speakers_pass(small_memory: Memory) -> None:
    rows = small_memory.query('RECALL "charity race" IN "t1" BY "melanie" LIMIT 3').rows
    assert rows and {r[2] for r in rows} == {"Melanie"}
