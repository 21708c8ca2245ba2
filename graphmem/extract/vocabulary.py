"""The fact vocabulary: the predicates facts are stated in, and the words that state or end them.

Extraction reads a verb and its object off the parse as a *surface* predicate: the verb lemma with its
particle and preposition (``work_at``, ``move_out_of``, ``break_up_with``). This module maps surface
predicates onto a small declared vocabulary, so that every question about a job has one predicate to
ask for and a newer value or an ending statement can close the older one. Each :class:`Predicate`
declares

- its subject and object types (entity types of :mod:`graphmem.extract.entities`), and for common-noun
  objects the head nouns that fit (``has_pet``: an animal; ``plays``: an instrument or a game);
- whether it is **single-valued** (one object at a time: a job, a home, a partner), so a newer value
  closes the older one;
- the surface predicates that **state** it and those that **end** it ("quit", "left", "broke up",
  "sold", "moved out of", "passed away"), and the generic nouns that stand for "the current one" in an
  ending ("I quit my job", "I broke up with my boyfriend");
- for a single-valued predicate, the verbs that **begin** it with no object of their own or with a
  pro-form ("I started there on 1 March", "we moved here in June"): their date is the state's start
  (:mod:`graphmem.extract.inceptions`).

A surface predicate that states nothing in the vocabulary becomes the generic ``said_about`` link when
both ends are specific enough (see :func:`graphmem.extract.facts.build_facts`). The word lists are
general English, not phrases of any one corpus.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphmem.extract.lexicon import (
    ACTIVITY_VERBS,
    ANIMALS,
    ASPECT_ENDINGS,
    ASPECT_PLANS,
    ASPECT_STARTS,
    ATTEMPTS,
    CHILDREN,
    DURATIVE,
    EVENTS,
    GAMES,
    GROUPS,
    HOBBIES,
    HOMES,
    HYPOTHETICAL,
    INCEPTIONS,
    INSTRUMENTS,
    JOBS,
    LESSON_VERBS,
    LESSONS,
    LIGHT_VERBS,
    OWNABLES,
    PARTNERS,
    PLAN_PREPOSITIONS,
    PLAN_VERBS,
    SCHOOLS,
    SCREENINGS,
    SPOUSES,
    VAGUE,
    VANISHING,
    WORKPLACES,
)
from graphmem.extract.names import words

__all__ = [
    "ACTIVITY_VERBS",
    "ANIMALS",
    "ASPECT_ENDINGS",
    "ASPECT_PLANS",
    "ASPECT_STARTS",
    "ATTEMPTS",
    "CHILDREN",
    "DURATIVE",
    "EVENTS",
    "GAMES",
    "GENERIC",
    "GROUPS",
    "HOBBIES",
    "HOMES",
    "HYPOTHETICAL",
    "INCEPTIONS",
    "INSTRUMENTS",
    "JOBS",
    "LESSONS",
    "LESSON_VERBS",
    "LIGHT_VERBS",
    "MUTUAL",
    "ONGOING",
    "OWNABLES",
    "PARTNERS",
    "PLAN_PREPOSITIONS",
    "PLAN_VERBS",
    "PREDICATES",
    "ROLE_NOUNS",
    "SCHOOLS",
    "SCREENINGS",
    "SPOUSES",
    "VAGUE",
    "VANISHING",
    "WORKPLACES",
    "Predicate",
    "by_name",
    "canonical",
    "endings_for",
    "is_single_valued",
    "past_state",
    "role_predicate",
    "statements_for",
    "states_ongoing",
]

#: States of two people that hold both ways: "Mia left me" ends my marriage to Mia.
MUTUAL = frozenset({"married_to", "dating"})

_PERSON = frozenset({"Person"})
_NAMED_PERSON = frozenset({"Person", "Thing"})  # NER calls a person a thing now and then
_PLACE = frozenset({"Place", "Organization", "Thing"})
_ORG = frozenset({"Organization", "Place", "Thing"})
_ANY = frozenset(
    {"Person", "Place", "Organization", "Group", "Occasion", "Work", "Product", "Language", "Thing", "Topic"}
)
_NOT_PERSON = _ANY - _PERSON
_NAMED = _ANY - {"Topic", "Occasion", "Language", "Work", "Product"}  # a partner: NER types names loosely
_AGENT = frozenset({"Person", "Thing", "Group", "Organization"})


@dataclass(frozen=True, slots=True)
class Predicate:
    """One predicate of the vocabulary (see the module docs).

    Attributes:
        name: the predicate as stored (``works_at``).
        description: what it means, one line.
        subject_types: entity types the subject may have.
        object_types: entity types a named object may have.
        single_valued: a subject holds one object at a time, so a newer value closes the older.
        states: surface predicates that state it.
        endings: surface predicates that end it.
        nouns: head nouns a common-noun (``Topic``) object must have; empty: any topic fits when
            ``Topic`` is among ``object_types``.
        generic: nouns that, as the object of an ending, stand for whichever value held.
        noun_types: object types whose head noun must be among ``nouns`` (common nouns).
        name_words: a named object must have one of these words in its name ("... University").
        exclude: a named object with one of these words in its name does not fit.
        beginnings: verbs (lemma with particle, ``be_`` for a passive) whose subject begins holding the
            predicate, said with no object or with a pro-form for it ("I started there", "we moved here").
        ongoing: verbs that state the predicate only as an ongoing relation, in the present progressive
            with a person as object ("I'm seeing Tom", "we've been seeing each other since May"); said
            otherwise ("I saw Tom yesterday", "I'm seeing Tom tomorrow") they tell of an event. Their
            surface predicate is the verb with :data:`ONGOING` after it (``see_ongoing``).
    """

    name: str
    description: str
    subject_types: frozenset[str]
    object_types: frozenset[str]
    single_valued: bool = False
    states: frozenset[str] = frozenset()
    endings: frozenset[str] = frozenset()
    nouns: frozenset[str] = frozenset()
    generic: frozenset[str] = frozenset()
    noun_types: frozenset[str] = frozenset({"Topic"})
    name_words: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    beginnings: frozenset[str] = frozenset()
    ongoing: frozenset[str] = frozenset()

    def fits(self, object_type: str | None, head: str, name: str = "", *, excluding: bool = True) -> bool:
        """Whether an object of this entity type, head noun lemma and name fits the predicate
        (``excluding=False``: a name with a word of :attr:`exclude` fits too)."""
        if object_type is None or object_type not in self.object_types:
            return False
        if object_type in self.noun_types:
            return not self.nouns or head in self.nouns
        tokens = frozenset(name.lower().split())
        if self.name_words and not tokens & self.name_words:
            return False
        return not excluding or not tokens & self.exclude


PREDICATES: tuple[Predicate, ...] = (
    Predicate(
        "works_at",
        "has a job at an employer",
        _NAMED_PERSON,
        _ORG | {"Topic", "Product"},
        single_valued=True,
        states=words(
            "work_at work_for start_at begin_at intern_at teach_at join be_hire_by be_employ_by be_hire_at be_employ_at"
        ),
        endings=words(
            """
            quit quit_at leave leave_at resign resign_from retire retire_from be_fire_from be_lay_off_from
            lose lose_at stop_work_at
            """
        ),
        generic=JOBS,
        nouns=WORKPLACES,
        exclude=GROUPS | SCHOOLS,
        beginnings=INCEPTIONS | words("join be_hire get_hire be_employ get_employ"),
    ),
    Predicate(
        "lives_in",
        "has a home in a place",
        _NAMED_PERSON,
        _PLACE | {"Person"},  # NER calls many towns a person
        single_valued=True,
        states=words("live_in stay_in reside_in move_to relocate_to settle_in move_into be_base_in"),
        endings=words("move_out_of move_from move_away_from leave sell"),
        generic=HOMES,
        beginnings=words("move move_in relocate settle"),
    ),
    Predicate(
        "married_to",
        "is married to a person",
        _NAMED_PERSON,
        _NAMED,
        single_valued=True,
        states=words("marry wed be_marry_to marry_to get_marry_to"),
        endings=words(
            "divorce be_divorce_from get_divorce_from separate_from be_separate_from split_up_with split_from leave"
        ),
        generic=SPOUSES,
        beginnings=words("marry wed get_marry"),
    ),
    Predicate(
        "dating",
        "is in a relationship with a person",
        _NAMED_PERSON,
        _NAMED,
        single_valued=True,
        states=words("date go_out_with be_date be_with get_together_with"),
        endings=words("break_up_with split_up_with split_from dump leave end_thing_with"),
        generic=PARTNERS,
        beginnings=INCEPTIONS | words("get_together"),
        ongoing=words("see"),
    ),
    Predicate(
        "has_pet",
        "keeps an animal",
        _NAMED_PERSON,
        frozenset({"Topic", "Thing"}),  # a named pet comes through "my dog Max" or "a dog named Max"
        states=words("adopt have get own rescue bring_home foster take_in"),
        endings=words("lose give_away rehome give_up put_down euthanize euthanise"),
        nouns=ANIMALS,
        noun_types=frozenset({"Topic", "Thing"}),
    ),
    Predicate(
        "has_child",
        "is the parent of a child",
        _NAMED_PERSON,
        frozenset({"Topic", "Thing"}),
        states=words("have adopt give_birth_to raise"),
        nouns=CHILDREN,
        noun_types=frozenset({"Topic", "Thing"}),
    ),
    Predicate(
        "studies_at",
        "studies at a school or university",
        _NAMED_PERSON,
        _ORG | {"Topic"},
        single_valued=True,
        states=words("study_at attend enrol_in enroll_in be_enrol_in be_enroll_in be_accept_to be_admit_to"),
        endings=words("graduate_from drop_out_of leave"),
        nouns=SCHOOLS,
        generic=SCHOOLS,
        name_words=words("school university college academy institute conservatory"),
        beginnings=INCEPTIONS
        | words("join enrol enroll be_enrol be_enroll be_admit be_accept get_admit get_accept get_enrol get_enroll"),
    ),
    Predicate(
        "member_of",
        "belongs to a group, club or team",
        _NAMED_PERSON,
        frozenset({"Group", "Organization", "Topic", "Thing"}),
        states=words("join belong_to be_member_of be_part_of sign_up_for"),
        endings=words("leave quit drop_out_of"),
        nouns=GROUPS,
        noun_types=frozenset({"Topic", "Thing"}),
        name_words=GROUPS | words("church"),
    ),
    Predicate(
        "owns",
        "owns a thing",
        _AGENT,
        frozenset({"Product", "Thing", "Topic"}),
        states=words("buy own purchase"),
        endings=words("sell give_away"),
        nouns=OWNABLES,
        noun_types=frozenset({"Topic", "Thing"}),
    ),
    Predicate(
        "plays",
        "plays an instrument, sport or game",
        _AGENT,
        frozenset({"Topic", "Thing", "Product", "Work"}),
        states=words("play learn practice practise take_up"),
        endings=words("give_up quit stop"),
        nouns=INSTRUMENTS | GAMES,
        noun_types=frozenset({"Topic", "Thing"}),
    ),
    Predicate(
        "practises",
        "does a hobby or activity",  # also "went camping", "took a pottery class" (relations.py)
        _NAMED_PERSON,
        frozenset({"Topic", "Thing"}),
        states=words("do practice practise take_up learn try pick_up"),
        endings=words("give_up quit stop"),
        nouns=HOBBIES,
        noun_types=frozenset({"Topic", "Thing"}),
    ),
    Predicate(
        "likes",
        "likes or loves something",
        _NAMED_PERSON,
        _ANY,  # "I love Taylor Swift"; "I love you" is dropped as two pronouns
        states=words("like love enjoy adore prefer"),
        endings=words("stop_like stop_love"),
    ),
    Predicate(
        "dislikes",
        "dislikes something",
        _NAMED_PERSON,
        _NOT_PERSON,
        states=words("hate dislike detest not_like not_enjoy not_love"),
    ),
    Predicate(
        "met",
        "met or befriended a person",
        _NAMED_PERSON,
        _NAMED_PERSON,
        states=words("meet befriend meet_up_with hang_out_with catch_up_with visit spend_time_with talk_to"),
    ),
    Predicate(
        "went_to",
        "went to a place or occasion",
        _AGENT,
        frozenset({"Place", "Organization", "Occasion", "Thing", "Topic", "Group", "Person"}),
        states=words(
            """
            go_to visit travel_to fly_to drive_to head_to return_to attend go_on hike_to walk_to run_to
            be_back_in be_back_at be_back_to come_back_to go_back_to get_back_to head_back_to
            """
        ),
    ),
    Predicate(
        "plans",
        "plans or wants something ahead",
        _NAMED_PERSON,
        _NOT_PERSON,
        states=words("plan plan_for prepare_for save_for sign_up_for book schedule organise organize"),
    ),
    Predicate(
        "created",
        "made, painted, wrote or built something",
        _AGENT,
        frozenset({"Topic", "Thing", "Work", "Product"}),
        states=words(
            """
            paint bake write draw knit cook compose sculpt craft design record publish sew carve
            """
        ),
    ),
    Predicate(
        "read",
        "read a book or other work",
        _NAMED_PERSON,
        frozenset({"Work", "Topic", "Thing", "Product", "Person"}),  # NER calls many titles a person
        states=words("read reread finish_read"),
    ),
    Predicate(
        "watched",
        "watched a film, show, game or video",
        _NAMED_PERSON,
        frozenset({"Work", "Topic", "Thing", "Product", "Person"}),  # NER calls many titles a person
        states=words("watch rewatch binge"),
        nouns=SCREENINGS,
    ),
    Predicate(
        "said_about",
        "a statement of the subject about the object no other predicate captures",
        _PERSON,
        _ANY,
    ),
)

_BY_NAME = {p.name: p for p in PREDICATES}
#: The suffix of the surface predicate of a verb said as an ongoing relation ("I'm seeing Tom": ``see_ongoing``).
ONGOING = "_ongoing"


def by_name(name: str) -> Predicate | None:
    """The declared predicate called ``name``, or ``None``."""
    return _BY_NAME.get(name)


def is_single_valued(name: str) -> bool:
    """Whether ``name`` is a declared single-valued predicate (a newer value closes the older)."""
    declared = _BY_NAME.get(name)
    return declared is not None and declared.single_valued


def statements_for(surface: str) -> Iterator[Predicate]:
    """The predicates a surface predicate states, in declaration order (most specific first)."""
    verb = surface.removesuffix(ONGOING) if surface.endswith(ONGOING) else None
    for p in PREDICATES:
        if surface in p.states or (verb is not None and verb in p.ongoing):
            yield p


def states_ongoing(verb: str) -> bool:
    """Whether ``verb`` (a lemma) states a predicate as an ongoing relation in the present progressive."""
    return any(verb in p.ongoing for p in PREDICATES)


def endings_for(surface: str) -> Iterator[Predicate]:
    """The predicates a surface predicate ends."""
    for p in PREDICATES:
        if surface in p.endings:
            yield p


#: Role nouns of an apposition ("my boyfriend Jake") and the predicate they state, owner → named.
_ROLE_PREDICATES = (
    (SPOUSES, "married_to"),
    (PARTNERS, "dating"),
    (CHILDREN, "has_child"),
    (ANIMALS, "has_pet"),
)


def role_predicate(role: str) -> str | None:
    """The vocabulary predicate an apposition's role noun states (owner ``has_pet`` the named one), or
    ``None`` when the role stays a ``<role>_of`` fact of its own ("Clara ``sister_of`` Jon")."""
    head = role.split("_")[-1]
    for nouns, predicate in _ROLE_PREDICATES:
        if head in nouns or role in nouns:
            return predicate
    return None


# Other spellings of declared predicates (an LLM's, snake_cased), beyond the declared names themselves.
_SPELLINGS = {
    "work_at": "works_at",
    "work_for": "works_at",
    "works_for": "works_at",
    "employed_by": "works_at",
    "employed_at": "works_at",
    "is_employed_by": "works_at",
    "be_employed_by": "works_at",
    "live_in": "lives_in",
    "resides_in": "lives_in",
    "reside_in": "lives_in",
    "is_married_to": "married_to",
    "be_married_to": "married_to",
    "marry": "married_to",
    "married": "married_to",
    "is_dating": "dating",
    "dates": "dating",
    "in_relationship_with": "dating",
    "study_at": "studies_at",
    "like": "likes",
    "loves": "likes",
    "enjoys": "likes",
    "owns_pet": "has_pet",
    "has_kid": "has_child",
    "is_member_of": "member_of",
    "play": "plays",
    "own": "owns",
    "plan": "plans",
    "plans_to": "plans",
    "visited": "went_to",
    "go_to": "went_to",
    "goes_to": "went_to",
    "visit": "went_to",
    "watch": "watched",
    "watches": "watched",
}


# Past spellings of single-valued states ("worked_at"): the state, told as over (no past predicate is declared).
_PAST_SPELLINGS = {
    **dict.fromkeys(("worked_at", "worked_for", "was_employed_by", "was_employed_at", "used_to_work_at"), "works_at"),
    **dict.fromkeys(("lived_in", "resided_in", "was_living_in", "used_to_live_in"), "lives_in"),
    **dict.fromkeys(("studied_at", "attended", "was_studying_at", "used_to_study_at"), "studies_at"),
    **dict.fromkeys(("was_married_to",), "married_to"),
    **dict.fromkeys(("dated", "was_dating", "used_to_date"), "dating"),
}
#: Roles a ``<role>_of`` predicate may name (one party's relation to another: kin, partners, friends, work).
ROLE_NOUNS = (
    CHILDREN
    | PARTNERS
    | SPOUSES
    | words(
        """
    sister brother sibling mother mum mom father dad parent niece nephew aunt uncle cousin grandmother grandma
    grandfather grandpa grandparent grandson granddaughter grandchild stepmother stepfather stepson stepdaughter
    stepsister stepbrother friend roommate flatmate housemate neighbor neighbour colleague coworker boss manager
    supervisor employee employer mentor mentee teacher student coach tutor classmate teammate bandmate
    therapist doctor client landlord tenant founder cofounder owner ceo director assistant ex
    """
    )
)


def canonical(predicate: str) -> str | None:
    """The declared predicate a spelling names (``"work_for"`` → ``"works_at"``; a past spelling, see
    :func:`past_state`, its state), or ``None`` for one it does not. A ``<role>_of`` predicate is its own
    name when the role is a noun of :data:`ROLE_NOUNS` ("sister_of"); another ("friend_of_the_family_of",
    "capital_of") is ``None``."""
    key = "_".join(predicate.strip().lower().replace("-", " ").split())
    if key in _BY_NAME:
        return key
    if key in _SPELLINGS:
        return _SPELLINGS[key]
    if key in _PAST_SPELLINGS:
        return _PAST_SPELLINGS[key]
    for p in PREDICATES:
        if key in p.states and key not in LIGHT_VERBS:
            return p.name
    return key if key.endswith("_of") and key[: -len("_of")] in ROLE_NOUNS else None


def past_state(predicate: str) -> str | None:
    """The single-valued state a past spelling tells as over (``"worked_at"`` → ``"works_at"``), or ``None``."""
    return _PAST_SPELLINGS.get("_".join(predicate.strip().lower().replace("-", " ").split()))


#: Nouns that, as an object, name no particular thing: an ending with them ends whichever value held.
GENERIC = JOBS | HOMES | PARTNERS | SPOUSES | SCHOOLS
