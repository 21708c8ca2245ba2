"""Entity resolution never merges names whose numbers differ ("Episode 4" / "Episode 5")."""

from __future__ import annotations

import pytest

from graphmem.extract.name_numbers import name_numbers
from graphmem.extract.resolve import resolve_batch, same_entity
from graphmem.models import Batch, Entity, Mention


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("Star Wars Episode 4", "Star Wars Episode 5", "Work"),
        ("Harry Potter Book 1", "Harry Potter Book 2", "Work"),
        ("Harry Potter Book One", "Harry Potter Book Two", "Work"),
        ("Rocky II", "Rocky III", "Work"),
        ("Star Wars Episode IV", "Star Wars Episode V", "Work"),
        ("PS4", "PS5", "Product"),
        ("Olympics 2020", "Olympics 2024", "Occasion"),
        ("Fourth Street Cafe", "Fifth Street Cafe", "Place"),
    ],
)
def test_names_whose_numbers_differ_never_merge(a: str, b: str, kind: str) -> None:
    assert same_entity(a, kind, b, kind) == (False, "numbers")
    assert same_entity(b, "Thing", a, kind) == (False, "numbers")
    stored = Entity("ns", "old", a, kind)
    batch = Batch("ns", entities=(Entity("ns", "new", b, kind),), mentions=(Mention("ns", "ev:1", "new", "mention"),))
    assert resolve_batch(batch, [stored], salience=False).mentions[0].entity_id == "new"


@pytest.mark.parametrize(
    ("a", "b"),
    [("Star Wars Episode IV", "Star Wars: Episode IV"), ("Formula One", "Formula 1"), ("Catch-22", "Catch Twenty Two")],
)
def test_the_same_number_spelt_otherwise_is_the_same_number(a: str, b: str) -> None:
    from graphmem.extract.names import normalize_name

    assert name_numbers(normalize_name(a)) == name_numbers(normalize_name(b)) != ()


def test_words_that_only_look_like_numerals_are_not_numbers() -> None:
    assert name_numbers("v for vendetta") == name_numbers("mix") == name_numbers("i") == ()


def test_an_entity_is_compared_with_the_names_sharing_a_key_not_with_every_name() -> None:
    from graphmem.extract.resolve import DEFAULT_CONFIG, _Resolver

    words = ["amber", "birch", "cobalt", "delta", "ember", "fjord", "garnet", "hazel", "indigo", "jasper"]
    stored = [Entity("ns", f"s{i}{j}", f"{a.title()} {b.title()} Labs", "Organization") for i, a in enumerate(words)
              for j, b in enumerate(words)]  # fmt: skip
    stored += [Entity("ns", f"p{i}", f"Ana {w.title()}", "Person") for i, w in enumerate(words)]
    resolver = _Resolver(stored, None, DEFAULT_CONFIG)
    names = {e.id: e.name for e in stored}

    def near(name: str, kind: str) -> set[str]:
        return {names[resolver.clusters[c].id] for c in resolver.candidates(Entity("ns", "n", name, kind))}

    # not all 100 labs (a common word), nor all of Ana's namesakes: only names some rule could join
    assert near("Zircon Quartz Labs", "Organization") == set()
    assert near("Amber", "Organization") >= {"Amber Birch Labs", "Amber Cobalt Labs"}  # short forms
    assert near("Ana Zircon", "Person") == set()
    assert near("Ana", "Person") == {f"Ana {w.title()}" for w in words}  # a first name: each may be her
    assert near("Hazel", "Thing") >= {"Ana Hazel", "Hazel Amber Labs"}  # a surname, a short form
    assert near("Amber Birch Labs Inc", "Organization") >= {"Amber Birch Labs"}
