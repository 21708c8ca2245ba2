"""``Memory.forget(ns, session=...)`` and ``forget(ns, about=...)``: every event of a session, or everything
about a person, each forgotten as one message is (``graphmem.forget_many``), leaving nothing of the name."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import graphmem.forget
from graphmem import Memory
from graphmem.errors import ConfigError, NotFoundError
from graphmem.forget_many import plan_forget
from graphmem.models import Event
from tests.ingest.fakes import FakeEmbedder
from tests.live.forget_many_talk import HERS, check_nothing_of, kept_state, tell, texts

MISSED = "I lent my tent to Dana yesterday."  # says her name, but no mention of her was extracted


def missed(ns: str) -> Event:
    """A turn of session s3 whose text says Dana, stored without a mention of her (extraction missed it)."""
    return Event(ns, "ev:s3:9", "s3", 9, "Bob", MISSED, datetime(2024, 5, 5, 10, 5))


def _bytes(where: Path) -> bytes:
    return b"".join(p.read_bytes() for p in where.rglob("*") if p.is_file()).lower()


def test_forget_about_a_person_leaves_nothing_of_her_name(tmp_path: Path, nlp: Any) -> None:
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        tell(mem, "a")
        mem.add_events([missed("a")], namespace="a")
        assert all(word.encode() in _bytes(where) for word in HERS)  # the test can see them
        assert mem.timeline("Dana", namespace="a")
        plan = plan_forget(mem.store, "a", about="Dana")
        assert plan.events[-1].id in {ev.id for ev in mem.timeline("Dana", namespace="a")}  # one naming her last
        assert "ev:s3:9" in {ev.id for ev in plan.events}

        result = mem.forget("a", about="Dana")

        assert result.events == 4  # she said one, two name her, one says her name with no mention of her
        assert texts(mem, "a") == [
            "Cute! I moved to Porto last week.",
            "I started learning the cello.",
            "The cello sounds lovely.",
            "My teacher lives in Lisbon.",
            "I love hiking in the Alps.",
            "Nice, I work at Globex in Lisbon.",
            "Hiking keeps me sane.",
        ]
        check_nothing_of(mem, "a", HERS)
        assert mem.facts("Ann", namespace="a")  # what others said stays
    for word in HERS:  # nor in any page of the store's files, vector files included
        assert word.encode() not in _bytes(where), word
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        check_nothing_of(mem, "a", HERS)


def test_forget_a_session_goes_last_turn_first_and_embeds_nothing_again(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = FakeEmbedder()
    with Memory.open(tmp_path / "db", embedder=embedder, nlp=nlp) as mem:
        ids = tell(mem, "a")
        order: list[str] = []
        forget_message = graphmem.forget.forget_message

        def recorded(target: Any, ns: str, event: Event) -> Any:
            order.append(event.id)
            return forget_message(target, ns, event)

        monkeypatch.setattr(graphmem.forget, "forget_message", recorded)
        embedded = embedder.texts
        result = mem.forget("a", session="session_1")
        assert order == ids["session_1"][::-1]
        assert embedder.texts == embedded  # no turn about to go was embedded again as a reply
        assert (result.events, result.sessions) == (5, 1)
        assert [s.id for s in mem.store.iter_sessions("a")] == ["s2", "s3"]
        assert texts(mem, "a")[0] == "Hi, I adopted a cat called Mochi."
        check_nothing_of(mem, "a", ("quillfeather", "zanzibar", "alps", "globex"), name="Globex")


def test_forget_one_session_keeps_the_reply_of_a_kept_session(tmp_path: Path, nlp: Any) -> None:
    """A session forgotten whole changes no other session's vectors; the next session's first turn stays."""
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        ids = tell(mem, "a")
        before = {node: vec for node, vec, _ in mem.store.iter_embeddings("a") if node in ids["s3"]}
        mem.forget("a", session="s2")
        after = {node: vec for node, vec, _ in mem.store.iter_embeddings("a") if node in ids["s3"]}
        assert after == before
        assert "mochi" not in " ".join(texts(mem, "a")).lower()


def test_unknown_or_ambiguous_names_and_sessions_delete_nothing(tmp_path: Path, nlp: Any) -> None:
    with Memory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as mem:
        tell(mem, "a")
        mem.add([{"speaker": "Danny", "text": "Hello there.", "time": "2024-05-06T10:00"}], namespace="a")
        before = kept_state(mem, "a")
        with pytest.raises(NotFoundError, match=r"no session 'session_9'.*'session_1'"):
            mem.forget("a", session="session_9")
        with pytest.raises(NotFoundError, match=r"no session '2'.*'s2'"):
            mem.forget("a", session="2")
        with pytest.raises(NotFoundError, match="Dana"):  # "Dan" is part of two names: both are named
            mem.forget("a", about="Dan")
        with pytest.raises(NotFoundError, match="Zelda"):
            mem.forget("a", about="Zelda")
        with pytest.raises(ConfigError, match="not session and about"):
            mem.forget("a", session="s2", about="Dana")
        with pytest.raises(ConfigError, match="not event_id and about"):
            mem.forget("a", "ev:s2:1", about="Dana")
        assert kept_state(mem, "a") == before


def test_an_interrupted_forget_keeps_what_went_and_finishes_when_run_again(
    tmp_path: Path, nlp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Memory.open(tmp_path / "whole", embedder=FakeEmbedder(), nlp=nlp) as mem:
        tell(mem, "a")
        mem.add_events([missed("a")], namespace="a")
        mem.forget("a", about="Dana")
        whole = kept_state(mem, "a")
    with Memory.open(tmp_path / "cut", embedder=FakeEmbedder(), nlp=nlp) as mem:
        tell(mem, "a")
        mem.add_events([missed("a")], namespace="a")
        forget_message, calls = graphmem.forget.forget_message, []

        def interrupted(target: Any, ns: str, event: Event) -> Any:
            calls.append(event.id)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return forget_message(target, ns, event)

        monkeypatch.setattr(graphmem.forget, "forget_message", interrupted)
        with pytest.raises(KeyboardInterrupt):
            mem.forget("a", about="Dana")
        assert [mem.store.get_event("a", i) for i in calls[:2]] == [None, None]  # forgotten stays forgotten
        assert mem.store.get_event("a", calls[2]) is not None
        monkeypatch.setattr(graphmem.forget, "forget_message", forget_message)
        assert mem.forget("a", about="Dana").events == 2  # the same call finishes the work
        assert kept_state(mem, "a") == whole
        check_nothing_of(mem, "a", HERS)


def test_a_word_of_the_name_deletes_nothing_and_names_the_whole_name(tmp_path: Path, nlp: Any) -> None:
    # A deletion never guesses: "Quillfeather" (or "Dana Q") is part of Dana Quillfeather's name, which a lookup
    # such as timeline takes, but a forget asks for the name itself.
    where = tmp_path / "db"
    with Memory.open(where, embedder=FakeEmbedder(), nlp=nlp) as mem:
        tell(mem, "a")
        before = kept_state(mem, "a")
        for part in ("Quillfeather", "Dana Q"):
            with pytest.raises(NotFoundError, match=r"only part of 'Dana Quillfeather'.*nothing was deleted"):
                mem.forget("a", about=part)
        assert kept_state(mem, "a") == before
        assert plan_forget(mem.store, "a", about="dana quillfeather").names == ("Dana Quillfeather", "dana")
        mem.forget("a", about="dana quillfeather")
        check_nothing_of(mem, "a", HERS)
    for word in HERS:
        assert word.encode() not in _bytes(where), word


@pytest.mark.anyio
async def test_async_memory_forgets_about_a_name(tmp_path: Path, nlp: Any) -> None:
    from graphmem import AsyncMemory

    async with AsyncMemory.open(tmp_path / "db", embedder=FakeEmbedder(), nlp=nlp) as amem:
        await amem.add(SESSION_OF_TWO, namespace="a")
        result = await amem.forget("a", about="Dana Quillfeather")
        assert result.events == 1
        assert (await amem.stats("a")).events == 1


SESSION_OF_TWO = [
    {"speaker": "Ann", "text": "Dana Quillfeather adopted a cat.", "time": "2024-05-01T10:00"},
    {"speaker": "Ann", "text": "I like tea.", "time": "2024-05-01T10:01"},
]
