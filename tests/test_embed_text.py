"""The text a turn is embedded as: the turn, its speaker, and the turn it replies to."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from graphmem.embed_text import CONTEXT_WORDS, embed_events, embedding_text, embedding_texts
from graphmem.models import Event

NS = "ns"


def _ev(session: str, seq: int, speaker: str | None, text: str) -> Event:
    return Event(NS, f"ev:{session}:{seq}", session, seq, speaker, text)


def test_a_reply_carries_its_speaker_and_the_turn_it_answers() -> None:
    asked = _ev("s1", 1, "Caroline", "How was the trip?")
    reply = _ev("s1", 2, "Melanie", "We loved it!")
    assert embedding_text(reply, asked) == "Melanie: We loved it! (replying to Caroline: How was the trip?)"
    assert embedding_text(asked, None) == "Caroline: How was the trip?"
    assert embedding_text(_ev("s1", 3, None, "[system note]"), reply) == "[system note]"  # no speaker: as is


def test_the_turn_comes_first_and_long_context_is_clipped() -> None:
    long = _ev("s1", 1, "Ana", " ".join(f"w{i}" for i in range(CONTEXT_WORDS + 20)))
    text = embedding_text(_ev("s1", 2, "Ben", "Sure."), long)
    assert text.startswith("Ben: Sure. (replying to Ana: w0 w1")
    assert f"w{CONTEXT_WORDS - 1} …)" in text and f"w{CONTEXT_WORDS}" not in text


def test_previous_turn_is_in_the_same_session_from_the_batch_or_the_lookup() -> None:
    events = [_ev("s1", 1, "Ana", "Hi!"), _ev("s1", 2, "Ben", "Hello."), _ev("s2", 1, "Ben", "Back again.")]
    texts = embedding_texts(events)
    assert texts == ["Ana: Hi!", "Ben: Hello. (replying to Ana: Hi!)", "Ben: Back again."]  # no reply across sessions

    stored = {"ev:s2:4": _ev("s2", 4, "Ana", "Any news?"), "ev:s3:1": _ev("s3", 1, "Ana", "elsewhere")}
    asked: list[list[str]] = []

    def lookup(ids: list[str]) -> Sequence[Event]:
        asked.append(ids)
        return [stored[i] for i in ids if i in stored] + [stored["ev:s3:1"]]  # a stray answer is ignored

    appended = [_ev("s2", 5, "Ben", "Yes: I got the job."), _ev("s2", 6, "Ana", "Great!")]
    assert embedding_texts(appended, lookup) == [
        "Ben: Yes: I got the job. (replying to Ana: Any news?)",
        "Ana: Great! (replying to Ben: Yes: I got the job.)",
    ]
    assert asked == [["ev:s2:4"]]  # only what the batch lacks is fetched
    assert embedding_texts(appended)[0] == "Ben: Yes: I got the job."  # without a lookup: no context


def test_past_a_forgotten_turn_the_previous_turn_is_the_nearest_one_still_there() -> None:
    """A forgotten turn leaves a gap in its session's numbers: the turn after it replies to the one before."""
    events = [_ev("s1", 1, "Ana", "Hi!"), _ev("s1", 3, "Ben", "Okay.")]
    assert embedding_texts(events)[1] == "Ben: Okay. (replying to Ana: Hi!)"

    stored = {f"ev:s1:{n}": _ev("s1", n, "Ana", f"turn {n}") for n in (1, 2)}
    asked: list[list[str]] = []

    def lookup(ids: list[str]) -> Sequence[Event]:
        asked.append(ids)
        return [stored[i] for i in ids if i in stored]

    # 3..8 forgotten: asked one id, then windows that double, nearest first, until a turn is found
    assert embedding_texts([_ev("s1", 9, "Ben", "Sure.")], lookup) == ["Ben: Sure. (replying to Ana: turn 2)"]
    assert asked == [["ev:s1:8"], ["ev:s1:6", "ev:s1:7"], ["ev:s1:2", "ev:s1:3", "ev:s1:4", "ev:s1:5"]]
    asked.clear()  # the nearest turn of the batch bounds what the store is asked
    got = embedding_texts([_ev("s1", 4, "Ben", "A."), _ev("s1", 6, "Ben", "B.")], lookup)
    assert got == ["Ben: A. (replying to Ana: turn 2)", "Ben: B. (replying to Ben: A.)"]
    assert asked == [["ev:s1:3", "ev:s1:5"], ["ev:s1:1", "ev:s1:2"]]


class _Counting:
    """Unit vectors from a hash of each text; remembers what it was asked to embed."""

    name = "counting"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        rows = np.array([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_embed_events_is_the_mean_of_the_turn_and_the_turn_in_context() -> None:
    events = [_ev("s1", 1, "Ana", "How was the trip?"), _ev("s1", 2, "Ben", "We loved it!"), _ev("s1", 3, None, "x")]
    embedder = _Counting()
    vectors = embed_events(embedder, events)
    assert vectors.shape == (3, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    own = embedder.embed(["We loved it!"])[0]
    context = embedder.embed(["Ben: We loved it! (replying to Ana: How was the trip?)"])[0]
    mean = (own + context) / np.linalg.norm(own + context)
    assert vectors[1] == pytest.approx(mean, abs=1e-6)
    assert vectors[2] == pytest.approx(embedder.embed(["x"])[0], abs=1e-6)  # no speaker: its own text only
    assert embedder.texts[:5].count("x") == 1  # embedded once, in one call with the others
    assert embed_events(embedder, []).shape == (0, 0)


def test_a_span_embedder_embeds_each_turn_once_in_context() -> None:
    from graphmem.embed_text import OWN_WEIGHT
    from tests.ingest.fakes import FakeSpanEmbedder

    events = [_ev("s1", 1, "Ana", "How was the trip?"), _ev("s1", 2, "Ben", "We loved it!"), _ev("s1", 3, None, "x")]
    embedder = FakeSpanEmbedder()
    vectors = embed_events(embedder, events)
    assert embedder.calls == 1 and embedder.texts == 6  # one call: the three texts, and the three spans
    texts = embedding_texts(events)
    whole, part = embedder.embed_spans(texts, [(5, 22), (5, 17), (0, 1)])
    assert [t[a:b] for t, (a, b) in zip(texts, [(5, 22), (5, 17), (0, 1)], strict=True)] == [e.text for e in events]
    for i in (0, 1):  # the context vector plus the turn's own tokens
        want = whole[i] + OWN_WEIGHT * part[i]
        assert vectors[i] == pytest.approx(want / np.linalg.norm(want), abs=1e-6)
    assert vectors[2] == pytest.approx(whole[2], abs=1e-6)  # no speaker: its own text, embedded once
