"""A turn that only asks holds no answer: ranking keeps a share of its score."""

from __future__ import annotations

import pytest

from graphmem.memory import Memory
from graphmem.recall import RecallConfig, RecallRequest, recall
from graphmem.recall.acts import asks_only

from .conftest import NS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cool! What type of music do you play?", True),  # the exclamation is too short to count
        ("Congratulations! What breed is she?", True),
        ("I play clarinet! What about you?", False),  # it asserts something too
        ("I started learning the cello last month.", False),
        ("Wow!", False),  # no sentence long enough to say what the turn does
        ("What a view! [shares a photo: a lake at sunrise. Isn't it nice?]", False),  # a caption is not said
        ("Did you go? How was the concert last night?", True),
    ],
)
def test_asks_only(text: str, expected: bool) -> None:
    assert asks_only(text) is expected


def test_question_turn_ranks_below_its_answer(memory: Memory) -> None:
    question = "What breed is the puppy?"

    def ask(config: RecallConfig) -> dict[str, tuple[int, float, dict[str, float], str]]:
        request = RecallRequest.of(question, namespace=NS, k=14)
        hits = recall(request, store=memory.store, vectors=memory.vectors, embed=memory.embedder.embed, config=config)
        return {h.event.id: (i, h.score, dict(h.why.parts), h.why.describe()) for i, h in enumerate(hits)}

    lowered = ask(RecallConfig())
    plain = ask(RecallConfig(asking_factor=1.0))
    rank, score, parts, why = lowered["s2:2"]  # "Congratulations! What breed is she?"
    assert parts["asks"] == RecallConfig().asking_factor and "lowered: it only asks" in why
    assert "asks" not in plain["s2:2"][2]
    assert score == pytest.approx(plain["s2:2"][1] * RecallConfig().asking_factor)
    assert rank > lowered["s2:3"][0]  # "A beagle. ..." (the answer) is above the question now
    assert "asks" not in lowered["s2:3"][2]
