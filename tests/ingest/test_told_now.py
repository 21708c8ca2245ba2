"""A state said to hold now ("I've been living in Munich since Monday") is not ended before it was said by a
statement made earlier ("I live in Hamburg", said before it): it is the current value, and the earlier-told
one ends when the later one was told (never where it begins: only a correction makes a value one that
never held)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from tests.support.talk import NoEmbedder

TALK = """## Session 1 — 20 June 2024
Lena: I live in Hamburg.
## Session 2 — 24 June 2024
Lena: {line}
"""


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("I've been living in Munich since Monday.", datetime(2024, 6, 17)),
        ("I've been living in Munich since 2019.", datetime(2019, 1, 1)),
        ("I've been living in Munich since May.", datetime(2024, 5, 1)),
        ("I've been living in Munich for two weeks.", datetime(2024, 6, 10)),
    ],
)
def test_a_state_told_to_hold_now_is_current(tmp_path: Path, nlp: Any, line: str, start: datetime) -> None:
    path = tmp_path / "since.txt"
    path.write_text(TALK.format(line=line), encoding="utf-8")
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace="since", embed=False).ok
        homes = {f.object: f.fact for f in mem.facts(namespace="since", predicate="lives_in", all_time=True)}
        munich, hamburg = homes["Munich"], homes["Hamburg"]
        assert (munich.valid_from, munich.valid_to) == (start, None)
        # Hamburg held as told until Munich was: ended then, not erased (before 5 Dec 2026 it held for no time)
        assert hamburg.valid_to == datetime(2024, 6, 24) and not hamburg.never_held
        for when in (datetime(2024, 6, 24), datetime(2024, 6, 25), datetime(2025, 1, 1)):
            now = mem.facts(namespace="since", predicate="lives_in", valid_at=when)
            assert [f.object for f in now] == ["Munich"], when


def test_a_home_told_after_a_dated_one_still_ends_it(tmp_path: Path, nlp: Any) -> None:
    # the documented rule stands otherwise: a later start wins
    path = tmp_path / "later.txt"
    path.write_text(
        "## Session 1 — 20 June 2024\nLena: I've been living in Munich since May.\n"
        "## Session 2 — 24 June 2024\nLena: I live in Hamburg now.\n",
        encoding="utf-8",
    )
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace="later", embed=False).ok
        now = mem.facts(namespace="later", predicate="lives_in", valid_at=datetime(2024, 6, 25))
        assert [f.object for f in now] == ["Hamburg"]
        old = mem.facts(namespace="later", predicate="lives_in", valid_at=datetime(2024, 6, 21))
        assert [f.object for f in old] == ["Munich"]


NEWS = (
    "My sister Ruth works at the BBC.",
    "She moved to Edinburgh last month and works at the Scotsman now.",
)
SAID = datetime(2024, 1, 12, 19, 0)
NEWS_TOLD = SAID + timedelta(minutes=1)


def _jobs(mem: Memory, **time: Any) -> set[str]:
    return {f.object for f in mem.facts(namespace="news", predicate="works_at", **time)}


def _check_news(mem: Memory) -> None:
    jobs = {f.object: f.fact for f in mem.facts(namespace="news", predicate="works_at", all_time=True)}
    bbc = jobs["BBC"]
    # before, the BBC job was recorded as never held (valid_to = valid_from), the shape of a corrected slip
    assert not bbc.never_held
    assert (bbc.valid_from, bbc.valid_to) == (SAID, NEWS_TOLD)
    assert _jobs(mem, valid_at=SAID + timedelta(seconds=30)) >= {"BBC"}
    assert _jobs(mem, valid_at=NEWS_TOLD) == {"Scotsman"}
    assert _jobs(mem, as_of=SAID + timedelta(seconds=30)) == {"BBC"}  # memory then knew of no change


def test_a_new_job_told_as_news_ends_the_one_told_before_when_told(tmp_path: Path, nlp: Any) -> None:
    path = tmp_path / "news.txt"
    path.write_text(f"## Session 1 — 12 January 2024\n[19:00] Nora: {NEWS[0]}\n[19:01] Nora: {NEWS[1]}\n", "utf-8")
    with Memory.open(tmp_path / "db", embedder=NoEmbedder(), nlp=nlp) as mem:
        assert mem.ingest(path, namespace="news", embed=False).ok
        _check_news(mem)


def test_a_new_job_told_as_news_message_by_message_ends_the_one_told_before_when_told(tmp_path: Path, nlp: Any) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:  # type: ignore[arg-type]
        for k, text in enumerate(NEWS):
            mem.add({"speaker": "Nora", "text": text, "time": SAID + timedelta(minutes=k)}, namespace="news")
        _check_news(mem)


def test_forgetting_the_news_gives_the_job_told_before_back_open(tmp_path: Path, nlp: Any) -> None:
    from tests.ingest.fakes import FakeEmbedder

    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:  # type: ignore[arg-type]
        ids = [
            mem.add({"speaker": "Nora", "text": text, "time": SAID + timedelta(minutes=k)}, namespace="news")[0]
            for k, text in enumerate(NEWS)
        ]
        _check_news(mem)
        mem.forget("news", ids[1])
        jobs = {f.object: f.fact for f in mem.facts(namespace="news", predicate="works_at", all_time=True)}
        assert "Scotsman" not in jobs
        assert (jobs["BBC"].valid_from, jobs["BBC"].valid_to) == (SAID, None)
        assert _jobs(mem, valid_at=NEWS_TOLD + timedelta(days=30)) == {"BBC"}
        assert _jobs(mem, as_of=SAID + timedelta(seconds=30)) == {"BBC"}
