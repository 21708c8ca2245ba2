"""Activity facts read off gerunds and lesson nouns: "we went camping", "I took a pottery class"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.extract.test_facts import facts_of


def activities(nlp: Any, text: str) -> set[tuple[str, str, str]]:
    return {(s, p, o) for s, p, o, _, _ in facts_of(nlp, text, full=True) if p in ("practises", "plans")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We went camping last weekend.", {("Caroline", "practises", "camping")}),
        ("I go swimming every morning.", {("Caroline", "practises", "swimming")}),
        ("I started painting again.", {("Caroline", "practises", "painting")}),
        ("I tried surfing for the first time.", {("Caroline", "practises", "surfing")}),
        ("I started pottery last month.", {("Caroline", "practises", "pottery")}),
        ("I took a pottery class last week.", {("Caroline", "practises", "pottery class")}),
        ("I've been reading a lot lately.", {("Caroline", "practises", "reading")}),
        (
            "We went hiking in the mountains and then went fishing.",
            {("Caroline", "practises", "hiking"), ("Caroline", "practises", "fishing")},
        ),
        ("I'm going camping next month.", {("Caroline", "plans", "camping")}),
        ("I want to try surfing.", {("Caroline", "plans", "surfing")}),
    ],
)
def test_activities_are_read_off_the_construction(nlp: Any, text: str, expected: set[tuple[str, str, str]]) -> None:
    assert activities(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I started feeling better.",  # the gerund has a complement: a state, not an activity
        "I'm gonna keep going no matter what.",  # "keep V-ing" perseveres
        "I started working on the new project.",
        "Did you go camping?",
        "I didn't go swimming.",
        "I took a class.",  # no modifier says which activity
        "I'm reading this book.",  # a read fact, not a hobby
    ],
)
def test_no_activity_where_none_is_said(nlp: Any, text: str) -> None:
    assert activities(nlp, text) == set()
