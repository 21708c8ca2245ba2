"""A correction naming both values said in a later session ("I live in Bristol." … the next morning "Sorry, I
meant Leeds, not Bristol."): the speaker has no earlier turn in the correcting session, so the slip is the
value it denies, wherever they stated it (docs/extraction.md §6). Each case is read alike in one file of two
sessions and added message by message (the pause starting a new session)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem.memory import Memory
from tests.support.talk import held, write_talk

NS = "c"
SAID = datetime(2024, 1, 10, 18, 0)
NEXT_DAY = datetime(2024, 1, 11, 9, 0)
FIRST = [("Dana", "I live in Bristol."), ("Aide", "Bristol is lovely.")]


def _both_ways(extractor: Any, tmp_path: Path, later: list[tuple[str, str]]) -> Iterator[Memory]:
    """A memory holding the first session and ``later`` (the next morning's turns) ingested as one file, then
    one holding them added one by one."""
    from tests.ingest.fakes import FakeEmbedder

    def lines(turns: list[tuple[str, str]], at: datetime) -> str:
        return "".join(f"[{at + timedelta(minutes=k):%H:%M}] {who}: {text}\n" for k, (who, text) in enumerate(turns))

    with Memory.open(tmp_path / "file", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        path = write_talk(
            tmp_path / "c.txt", ("10 January 2024", lines(FIRST, SAID)), ("11 January 2024", lines(later, NEXT_DAY))
        )
        summary = mem.ingest(path, namespace=NS, extractor=extractor, embed=False)
        assert summary.ok, summary.errors
        yield mem
    with Memory.open(tmp_path / "live", embedder=FakeEmbedder()) as mem:  # type: ignore[arg-type]
        for at, turns in ((SAID, FIRST), (NEXT_DAY, later)):
            for k, (who, text) in enumerate(turns):
                ids = mem.add({"speaker": who, "text": text, "time": at + timedelta(minutes=k)}, namespace=NS)
        assert ids[0].startswith("ev:session_2:")  # the pause started a new session
        yield mem


def _homes(extractor: Any, tmp_path: Path, later: list[tuple[str, str]]) -> list[tuple[set[str], set[str]]]:
    """Where Dana lives now and what held the evening before, as memory knows now, read both ways."""
    return [
        (held(mem, "lives_in", namespace=NS), held(mem, "lives_in", namespace=NS, valid_at=SAID + timedelta(hours=1)))
        for mem in _both_ways(extractor, tmp_path, later)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Sorry, I meant Leeds, not Bristol.",
        "I meant Leeds, not Bristol.",
        "I mean Leeds not Bristol.",
        "Sorry, Leeds, not Bristol.",
        "Sorry, Leeds not Bristol.",  # the tagger's verb "Leeds" (as if "leads"): a name set against one
        "Oops, I meant Leeds instead of Bristol.",
    ],
)
def test_a_correction_naming_both_values_reaches_an_earlier_session(extractor: Any, tmp_path: Path, text: str) -> None:
    """Before, nothing was corrected and no Leeds fact made: the slip was looked for only in the speaker's
    last run of turns in the correcting session, and there was none. Leeds now held from when Bristol was
    said to, and Bristol for no time."""
    assert _homes(extractor, tmp_path, [("Dana", text)]) == [({"Leeds"}, {"Leeds"})] * 2


def test_a_correction_after_another_speakers_greeting_in_the_later_session(extractor: Any, tmp_path: Path) -> None:
    """The speaker's first turn of the session follows the other's: still no run of their own to look in."""
    later = [("Aide", "Good morning!"), ("Dana", "Sorry, I meant Leeds, not Bristol.")]
    assert _homes(extractor, tmp_path, later) == [({"Leeds"}, {"Leeds"})] * 2


@pytest.mark.parametrize(
    "later",
    [
        [("Dana", "I meant to go to Leeds.")],  # no correction
        [("Dana", "Sorry, I meant Leeds.")],  # which statement it corrects is not said
        [("Dana", "Leeds, not Bristol.")],  # no cue: an answer to something unsaid, as likely
        [("Aide", "Shall we meet in Bristol?"), ("Dana", "Sorry, Leeds, not Bristol.")],  # an answer
        # a reply to the turn before it, which named the denied value (review of the widened rule)
        [("Aide", "I booked the hotel in Bristol for you."), ("Dana", "Sorry, Leeds, not Bristol.")],
        [("Aide", "Here is your train ticket to Bristol."), ("Dana", "Oops, Leeds, not Bristol.")],
        [("Aide", "I booked the hotel in Bristol for you."), ("Dana", "Sorry, Leeds not Bristol.")],
        [("Aide", "Is the talk in Leeds?"), ("Dana", "Sorry, Leeds not Bristol.")],
        [("Dana", "Leeds not Bristol.")],
        [("Dana", "Leeds not Bristol is the answer.")],
    ],
)
def test_a_later_session_corrects_nothing_without_a_slip_and_a_denied_value(
    extractor: Any, tmp_path: Path, later: list[tuple[str, str]]
) -> None:
    assert _homes(extractor, tmp_path, later) == [({"Bristol"}, {"Bristol"})] * 2


def test_news_in_a_later_session_ends_the_old_value_and_corrects_nothing(extractor: Any, tmp_path: Path) -> None:
    """ "I live in Leeds now." tells a move: Bristol held the evening before."""
    assert _homes(extractor, tmp_path, [("Dana", "I live in Leeds now.")]) == [({"Leeds"}, {"Bristol"})] * 2
