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


def _facts(nlp: Any, text: str, predicate: str) -> set[tuple[str, str, str]]:
    return {(s, p, o) for s, p, o, _, _ in facts_of(nlp, text, full=True) if p == predicate}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I was in Chicago last week, it was awesome!", {("Caroline", "went_to", "Chicago")}),
        ("I have been to Paris twice.", {("Caroline", "went_to", "Paris")}),
        ("I was in a rush.", set()),  # not a named place
        ("Have you been to Paris?", set()),
    ],
)
def test_being_at_a_named_place_in_the_past_is_a_visit(
    nlp: Any, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert _facts(nlp, text, "went_to") == expected


def test_watching_a_film_or_a_title() -> None:
    from graphmem.extract.vocabulary import by_name

    watched = by_name("watched")
    assert watched is not None
    assert watched.fits("Topic", "movie") and not watched.fits("Topic", "sunset")
    assert watched.fits("Work", "inception", "Inception")


def test_watched_facts(nlp: Any) -> None:
    assert _facts(nlp, 'I watched "Inception" last night.', "watched") == {("Caroline", "watched", "Inception")}
    assert _facts(nlp, "I watched the game with my dad.", "watched") == {("Caroline", "watched", "game")}
    assert _facts(nlp, "I watched the sunset.", "watched") == set()
