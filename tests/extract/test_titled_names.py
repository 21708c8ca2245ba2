"""Names of the shape "X of Y" that NER cut: a title said without a determiner is one name ("Game of Thrones",
"Lord of the Rings", where NER named only "Thrones" and "Rings", or nothing), a hyphenated "upon" or "on"
joins a place ("Stratford-upon-Avon", NER's person "Stratford"), and the title of an office ("the Minister of
the Interior") stays apart and is no workplace."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem.extract.entities import EntityRegistry, annotate
from graphmem.extract.pipeline import SpacyExtractor

from .conftest import named_facts, one_session_batch


def _typed(nlp: Any, text: str) -> dict[str, str]:
    registry = EntityRegistry("t")
    annotate(nlp(text), registry, speaker_id=None, addressee_id=None)
    return {e.name: e.type for e in registry.entities() if e.type != "Topic"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # before: "Game" (a thing) and "Thrones" (NER: an organisation)
        ("I watched Game of Thrones last night.", "Game of Thrones"),
        ("Harry Potter and Game of Thrones are amazing!", "Game of Thrones"),  # NER names no part of it
        ("Game of Thrones is great.", "Game of Thrones"),
        ("We watched Lord of the Rings last night.", "Lord of the Rings"),
        ("I'm a huge fan of Lord of the Rings!", "Lord of the Rings"),
        ("We read The Lord of the Rings in school.", "The Lord of the Rings"),  # the title's own "The"
        ("I play Call of Duty every night.", "Call of Duty"),
        ("We watched Pirates of the Caribbean last night.", "Pirates of the Caribbean"),
    ],
)
def test_an_unquoted_title_is_one_work(nlp: Any, text: str, name: str) -> None:
    names = _typed(nlp, text)
    assert names.get(name) == "Work"
    parts = set(name.split()) - {"of", "the", "The"}
    assert not parts & set(names)  # no "Game", no "Thrones"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("I met the Mayor of Leeds.", {"Mayor", "Leeds"}),
        ("The Mayor of the Bronx called me.", {"Mayor", "Bronx"}),
        ("I work for the Minister of the Interior.", {"Minister", "Interior"}),
        ("I'm the CEO of Acme Labs.", {"CEO", "Acme Labs"}),
        ("I had lunch with Tim of the Guardian.", {"Tim", "Guardian"}),
        ("Sam of Acme Labs emailed me.", {"Sam", "Acme Labs"}),
    ],
)
def test_the_title_of_an_office_and_a_person_of_a_firm_stay_apart(nlp: Any, text: str, names: set[str]) -> None:
    assert set(_typed(nlp, text)) == names


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("I met the new Mayor of Leeds.", "Leeds"),  # before: "Mayor of Leeds", a work (a determiner before "new")
        ("The former President of France spoke.", "France"),
        ("I met the current King of Spain.", "Spain"),
        ("I met King of Spain.", "Spain"),  # no determiner, but "King" names an office
        ("Jon of Leeds called me.", None),  # a person's or place's name as Y
        ("I met Mayor of London Sadiq Khan.", "London"),
        ("I read Portrait of Jane Austen.", None),
        ("Prince of Wales visited the school.", None),
        ("Director of Marketing called me today.", None),
        ("Chief of Staff Jane Doe resigned.", None),
    ],
)
def test_an_office_or_a_name_of_a_person_or_place_is_no_title(nlp: Any, text: str, place: str | None) -> None:
    names = _typed(nlp, text)
    assert "Work" not in names.values()
    if place is not None:
        assert names.get(place) == "Place"


def test_a_hyphenated_upon_names_a_place(nlp: Any) -> None:
    """Before, NER's person "Stratford" made the joined name a person."""
    assert _typed(nlp, "I visited Stratford-upon-Avon last summer.") == {"Stratford-upon-Avon": "Place"}


@pytest.mark.parametrize(
    "text",
    [
        "I work for the Minister of the Interior.",  # before: Ana works_at "Minister"
        "I work for the Governor of the Bahamas.",
        "I work for the Mayor of Leeds.",
        "I work for the new Minister of the Interior.",  # before: a work "Minister of the Interior"
    ],
)
def test_working_for_an_office_holder_is_no_job_at_a_firm(extractor: SpacyExtractor, text: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Nice.")])
    assert not any(p == "works_at" for _, p, _ in named_facts(batch))
    assert not [e for e in batch.entities if e.name in ("Minister", "Governor", "Mayor") and e.type == "Organization"]


@pytest.mark.parametrize(
    ("text", "employer"),
    [
        ("I work at the Bank of England.", "Bank of England"),
        ("I work for the Museum of Modern Art.", "Museum of Modern Art"),
        ("I work for the University of Leeds.", "University of Leeds"),
    ],
)
def test_an_institution_so_named_is_the_employer(extractor: SpacyExtractor, text: str, employer: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Nice.")])
    assert ("Ana", "works_at", employer) in named_facts(batch)


@pytest.mark.parametrize(
    ("text", "predicate"),
    [
        ("I work for the Port of Seattle.", "works_at"),  # before: read as an office's title, no fact
        ("I work at the Diocese of Leeds.", "works_at"),
        ("I study at the Conservatory of Vienna.", "studies_at"),
    ],
)
def test_an_employer_ner_cut_short_is_still_one(extractor: SpacyExtractor, text: str, predicate: str) -> None:
    batch = one_session_batch(extractor, [("Ana", text), ("Ben", "Nice.")])
    assert any(s == "Ana" and p == predicate for s, p, _ in named_facts(batch))
