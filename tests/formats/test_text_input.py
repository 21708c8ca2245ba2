"""Plain-text transcripts: separators, speaker names and the lines errors name."""

from __future__ import annotations

import pytest

from graphmem.formats import read_transcripts


def _sessions(path) -> list[tuple[str | None, list[tuple[str, str]]]]:
    (t,) = read_transcripts(path)
    return [(s.date_text, [(turn.speaker, turn.text) for turn in s.turns]) for s in t.sessions]


@pytest.mark.parametrize("rule", ["---", "***", "___", "- - -", "* * *", "-----"])
def test_a_bare_rule_under_a_header_keeps_the_headers_date(write, rule: str) -> None:
    path = write(
        "rules.txt",
        f"## Session 1 — 14 March 2024\n{rule}\nAna: hi\n\n{rule}\n\n## Session 2 — 15 March 2024\n{rule}\nBo: yo\n",
    )
    assert _sessions(path) == [("14 March 2024", [("Ana", "hi")]), ("15 March 2024", [("Bo", "yo")])]


@pytest.mark.parametrize("rule", ["---", "___", "* * *"])
def test_a_bare_rule_between_turns_separates_sessions_and_is_no_turn(write, rule: str) -> None:
    path = write("bare.txt", f"{rule}\nAna: hi\n{rule}\nBo: hello\n{rule}\n")
    assert _sessions(path) == [(None, [("Ana", "hi")]), (None, [("Bo", "hello")])]
