"""Stage 3, second pass: relations read off nouns and appositions, beyond the verb's own words.

The triples of :mod:`graphmem.extract.facts` read what a verb says outright through the vocabulary
("I work for X" → ``works_at``; "I moved to X" → ``lives_in``). This pass adds the facts a reader draws
from the nouns of the same sentence, so that questions about roles and states have one predicate to ask
for:

- **roles** from appositions: "my sister Clara" → Clara ``sister_of`` the speaker; "My manager, Keiko
  Tanaka," → Keiko Tanaka ``manager_of`` the speaker (a family role holds with no start date; any other
  from the turn on); a role noun the vocabulary covers states its predicate instead ("my dog Max" →
  the speaker ``has_pet`` Max, see :func:`graphmem.extract.vocabulary.role_predicate`);
- **states** read off nouns:

  | said | state |
  |---|---|
  | I've been an analyst at X, at X since May; I got a job at X; X hired me; I took an offer from X | ``works_at`` X |
  | I'm a student at X | ``studies_at`` X |
  | I'm a member of X | ``member_of`` X |
  | I moved into a flat in X; they moved me to X; I live in a small flat in X | ``lives_in`` X |
  | I was in X (at X); I've been to X — X a named place | ``went_to`` X |

  with X a named entity of a fitting type (a workplace may also be a common noun: "the bakery"), or a name
  NER took for a person that the construction makes a workplace (:func:`workplace_name`: "a curator at the
  Tate", "Greenleaf Bakery");
- **households**: "our dog Biscuit" (:func:`household_pets`) and "we adopted a kitten" (:func:`household_keepers`)
  are the speaker's pets: the household's pet is theirs too;
- **activities** the subject does (``practises``), read off the construction rather than a word list
  of hobbies: a bare gerund after a verb of going or taking up ("we went camping", "I go swimming",
  "I started painting", "I tried surfing"; the gerund has no object or complement of its own, so "I
  started feeling better" is none), a lesson noun with a modifier naming the activity after a verb of
  taking or joining ("I took a pottery class", "I signed up for a painting class"), and "I've been
  painting" with a gerund of the hobby list. Said as a plan ("I'm going camping next month", "I want
  to try surfing", "I'll go fishing"), the fact is ``plans``. :func:`activity_gerunds` also tells
  stage 2 which gerunds to keep as things (the gerund is a verb, so no noun chunk holds it);
- **starts**: "I start on 1 April" with no object of its own dates the job the speaker last mentioned
  (the extractor applies it, see :func:`start_times`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from graphmem.extract.firms import FIRM_WORDS, JOB_NOUNS
from graphmem.extract.names import words
from graphmem.extract.pronouns import place_adverbs
from graphmem.extract.vocabulary import (
    ACTIVITY_VERBS,
    ANIMALS,
    ASPECT_PLANS,
    HOBBIES,
    LESSON_VERBS,
    LESSONS,
    LIGHT_VERBS,
    WORKPLACES,
    by_name,
)

__all__ = [
    "FAMILY_ROLES",
    "State",
    "activity_gerunds",
    "activity_subjects",
    "household_keepers",
    "household_pets",
    "job_holders",
    "job_places",
    "kin_name",
    "start_times",
    "states",
    "workplace_name",
]

#: Roles that hold for life: their facts carry no ``valid_from``.
FAMILY_ROLES = words(
    """
    sister brother sibling mother mum mom mommy mama father dad daddy papa parent son daughter child kid
    baby niece nephew aunt auntie uncle cousin grandmother grandma granny grandfather grandpa grandparent
    grandson granddaughter grandchild twin stepmother stepfather stepson stepdaughter stepsister
    stepbrother
    """
)
#: Where a bare noun is an argument, as a name is ("Mom said", "I called dad", "with Grandma", "Mom and Dad").
_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "dative", "pobj", "conj"})
#: Children that make a noun a description rather than a name ("a mom", "my dad", "new dad", "two sisters").
_DESCRIBED = frozenset({"det", "poss", "amod", "compound", "nummod", "predet", "quantmod"})


def kin_name(tok: Any) -> bool:
    """Whether a kinship word stands alone as a name of the speaker's relative: singular, with no determiner,
    possessor or modifier, as a verb's or preposition's argument ("Mom said", "I called dad", "I visited
    Grandma"); not a vocative ("Brother, that is wild"), a predicate ("be a dad") or a plural."""
    return (
        tok.lower_ in FAMILY_ROLES
        and tok.tag_ in ("NN", "NNP")
        and tok.dep_ in _ARGUMENTS
        and not (tok.dep_ == "pobj" and tok.head.lower_ == "as")  # "works as nurse": a role, not a person
        and not any(c.dep_ in _DESCRIBED for c in tok.children)
    )


_JOB_NOUNS = JOB_NOUNS
# Nouns after "be ... at X" that are not employment ("a student at", "a member of").
_NOT_JOBS = words(
    """
    fan customer client guest visitor patient regular tourist resident volunteer
    beginner newbie loss one person part
    """
)
_JOB_VERBS = words("get land take accept start begin find have secure score snag")
_TAKING = words("accept take")
# Verbs whose "at" names where the subject works ("I started at X", "she teaches at X").
_WORKING = _JOB_VERBS | words("work intern teach")
# Prepositions that say what an offer is for, other than a job ("an offer for my house", "on the car")
_OFFERED_FOR = words("for on to")
_WORK_PREPS = frozenset({"at", "for", "with"})
_PERSON = frozenset({"Person"})
_WORKPLACE_TYPES = frozenset({"Organization", "Place", "Thing", "Topic", "Product"})  # NER: "Globex" a product
_EMPLOYERS = frozenset({"Organization", "Product"})
_PLACE_TYPES = frozenset({"Place", "Thing", "Organization"})
# Last words that make a name a workplace's whatever NER took it for ("Greenleaf Bakery", "Contoso Labs").
_FIRM_WORDS = WORKPLACES | FIRM_WORDS
_GROUP_TYPES = frozenset({"Group", "Organization", "Thing", "Topic"})
_STUDENTS = words("student pupil undergrad undergraduate grad postgrad freshman sophomore junior senior")
_START_OBJECTS = _JOB_NOUNS | words("work there")
_ACTIVITY_TYPES = frozenset({"Topic", "Thing"})
_VISITED = frozenset({"Place"})
# Dependents that make a gerund a verb with its own content ("started feeling better", "went to see her").
_GERUND_CONTENT = frozenset({"dobj", "ccomp", "acomp", "xcomp", "attr", "oprd", "dative", "nsubj"})
_WILL = frozenset({"will", "'ll", "shall"})
_GERUND_OBJECTS = _GERUND_CONTENT - {"nsubj"}
# Gerunds that name no activity of their own: "started working on it", "went going".
_NOT_ACTIVITIES = words("work go")
# Objects that only say how much ("I've been reading a lot").
_AMOUNTS = words("lot bit ton bunch more")

#: ``(subject token, state predicate, object entity id, verb token)`` — one state fact.
State = tuple[Any, str, str, Any]


def _negated(verb: Any) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _subjects(verb: Any) -> list[Any]:
    found = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    node = verb
    hops = 0
    while not found and node.dep_ in ("conj", "xcomp", "advcl", "acomp") and node.head is not node and hops < 3:
        node = node.head
        found = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
        hops += 1
    return [t for s in found for t in (s, *s.conjuncts)]


def _lemma_with_particle(verb: Any) -> str:
    particles = [c.lower_ for c in verb.children if c.dep_ == "prt"]
    lemma = verb.lemma_.lower()
    return f"{lemma}_{particles[0]}" if particles else lemma


def _bare_gerund(token: Any) -> bool:
    """ "camping" in "went camping": a gerund with no object or complement, not a light verb."""
    return (
        token.tag_ == "VBG"
        and token.is_alpha
        and token.lemma_.lower() not in LIGHT_VERBS
        and token.lemma_.lower() not in _NOT_ACTIVITIES
        and not any(c.dep_ in _GERUND_CONTENT for c in token.children)
    )


def _progressive_hobby(verb: Any) -> bool:
    """ "I've been painting", "I'm reading a lot these days": a hobby's gerund as the verb of its clause,
    with no object of its own ("I'm reading this book" is a ``read`` fact, "I'm writing a script" a
    ``created`` one)."""
    return (
        verb.tag_ == "VBG"
        and verb.lower_ in HOBBIES
        and verb.dep_ in ("ROOT", "conj")
        and any(c.dep_ == "aux" and c.lemma_ == "be" for c in verb.children)
        and not any(c.dep_ in _GERUND_OBJECTS and c.lemma_.lower() not in _AMOUNTS for c in verb.children)
    )


def activity_gerunds(tokens: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """``(verb, gerund)`` for each activity said with a gerund among ``tokens`` (a turn's verbs, or all
    its tokens): "went camping" → (went, camping); "I've been painting" → (painting, painting)."""
    for verb in tokens:
        if verb.pos_ != "VERB":
            continue
        lemma = _lemma_with_particle(verb)
        if lemma in ACTIVITY_VERBS:
            for child in verb.children:
                if child.dep_ in ("xcomp", "dobj") and _bare_gerund(child):
                    yield verb, child
                elif child.dep_ == "dobj" and lemma != "go" and child.lemma_.lower() in HOBBIES:
                    yield verb, child  # "I started pottery", "I took up knitting"
        elif _progressive_hobby(verb) and not (verb.lower_ == "going" and verb.lemma_ == "go"):
            yield verb, verb


def _planned(verb: Any) -> bool:
    """ "I'm going camping next month", "I want to try surfing", "I'll go fishing": an activity ahead."""
    if verb.lemma_.lower() == "go" and verb.tag_ == "VBG" and any(c.dep_ == "aux" for c in verb.children):
        return True
    if any(c.dep_ == "aux" and c.lower_ in _WILL for c in verb.children):
        return True
    head = verb.head
    return verb.dep_ == "xcomp" and head is not verb and _lemma_with_particle(head) in ASPECT_PLANS


def _lessons(verb: Any) -> Iterator[Any]:
    """The lesson nouns a verb of taking or joining has as its object ("took a pottery class"), each
    with a modifier that names the activity (not "took a class", "joined the new class")."""
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    objects += list(_pobjs(verb, frozenset({"for", "in"})))
    for obj in objects:
        if obj.lemma_.lower() in LESSONS and any(
            c.dep_ in ("compound", "amod") and c.pos_ in ("NOUN", "VERB", "PROPN") for c in obj.children
        ):
            yield obj


def activity_subjects(verb: Any) -> list[Any]:
    """Who does the activity of ``verb`` (its subjects, or those of the verb it is conjoined to)."""
    return _subjects(verb)


def _pobjs(token: Any, preps: frozenset[str]) -> Iterator[Any]:
    """Objects of the prepositions in ``preps`` hanging from ``token`` (conjuncts included)."""
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ in preps:
            for pobj in prep.children:
                if pobj.dep_ == "pobj":
                    yield pobj
                    yield from pobj.conjuncts


def _lasting(verb: Any) -> bool:
    """Whether a verb is said to hold for a while: "since March", "for two years"."""
    for prep in (c for c in verb.children if c.dep_ == "prep"):
        if prep.lower_ == "since" or (prep.lower_ == "for" and any(o.ent_type_ == "DATE" for o in prep.children)):
            return True
    return False


def _job_noun(obj: Any) -> bool:
    """Whether a verb's object is a job: "the job", "a new position", "a job teaching guitar" (which
    the parser reads as "guitar" compounded with "job"); not "an interview for an internship"."""
    return any(t.lemma_.lower() in _JOB_NOUNS for t in (obj, *obj.children) if t is obj or t.dep_ == "compound")


def job_places(obj: Any) -> Iterator[Any]:
    """The X of "at X" hung on a verb's object that is a job: "I quit my job at Tesco" says what "I quit at
    Tesco" would (the parser hangs the place on the job noun or on the verb, as it likes)."""
    if obj.dep_ == "dobj" and obj.pos_ == "NOUN" and obj.lemma_.lower() in _JOB_NOUNS:
        for place in _pobjs(obj, frozenset({"at"})):
            if place.lemma_.lower() not in _JOB_NOUNS:
                yield place


def _accepted_offer(obj: Any, verb: Any) -> bool:
    """ "accepted an offer (from X)", "accepted a job offer from X": an offer taken is a job; one received ("I
    got an offer from X") is not yet, nor is one for something else ("an offer from Zillow for my house")."""
    if obj.lemma_.lower() != "offer" or verb.lemma_.lower() not in _TAKING:
        return False
    if any(c.dep_ == "compound" and c.lemma_.lower() in _JOB_NOUNS for c in obj.children):
        return True
    preps = (c for t in (obj, verb) for c in t.children if c.dep_ == "prep")
    return not any(p.lower_ in _OFFERED_FOR for p in preps)


def _workplaces(noun: Any, verb: Any) -> Iterator[Any]:
    """The X of "at X" hanging from the job noun, the nouns compounded with it, or the verb; never a
    job itself."""
    for token in (noun, *noun.children, verb):
        if token is noun or token is verb or token.dep_ == "compound":
            for place in _pobjs(token, _WORK_PREPS):
                if place.lemma_.lower() not in _JOB_NOUNS:
                    yield place


class _States:
    """Collects the state facts of one turn; each ``_<lemma>`` method reads one kind of sentence."""

    def __init__(
        self, entity_of: Mapping[int, str], type_of: Callable[[str], str | None], people: Callable[[str], bool]
    ) -> None:
        self.entity_of = entity_of
        self.type_of = type_of
        self.people = people
        self.out: list[State] = []

    def add(self, subject: Any, predicate: str, obj: Any, verb: Any, types: frozenset[str]) -> None:
        s_id, o_id = self.entity_of.get(subject.i), self.entity_of.get(obj.i)
        if s_id is None or o_id is None or s_id == o_id:
            return
        # the subject is anyone named (NER calls a person a place now and then) or someone's relative ("my
        # sister"), never a common noun
        if (self.type_of(s_id) in (None, "Topic") and not self.people(s_id)) or self.type_of(o_id) not in types:
            return
        self.out.append((subject, predicate, o_id, verb))

    def be(self, verb: Any, subjects: list[Any]) -> None:
        """ "I've been an analyst at Northwind Bank"; "a student at X", "a member of X"; "I was in
        Chicago", "I've been to Paris" (a named place, in the past: ``went_to``)."""
        perfect = verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)
        if verb.tag_ == "VBD" or perfect:
            # "I was there", "I've been there": the place stage 2 took "there" for, if any
            where = [*_pobjs(verb, frozenset({"to"}) if perfect else frozenset({"in", "at"})), *place_adverbs(verb)]
            self._each(subjects, "went_to", where, verb, _VISITED)
        if perfect and _lasting(verb):  # "I've been at Globex since March": a firm one has been at a while
            self._jobs(subjects, _pobjs(verb, frozenset({"at"})), verb, _EMPLOYERS)
        for attr in (c for c in verb.children if c.dep_ == "attr" and c.pos_ == "NOUN"):
            noun = attr.lemma_.lower()
            if noun in _STUDENTS:
                self._each(subjects, "studies_at", _pobjs(attr, frozenset({"at", "of"})), verb, _PLACE_TYPES)
            elif noun == "member":
                self._each(subjects, "member_of", _pobjs(attr, frozenset({"of"})), verb, _GROUP_TYPES)
            elif noun not in _NOT_JOBS:
                self._jobs(subjects, _pobjs(attr, _WORK_PREPS), verb, _PLACE_TYPES)

    def job(self, verb: Any, subjects: list[Any]) -> None:
        """ "I got the job at Lumen Robotics"; "I accepted an offer from Lumen Robotics"."""
        for obj in (c for c in verb.children if c.dep_ == "dobj"):
            if _accepted_offer(obj, verb):
                self._each(subjects, "works_at", _pobjs(obj, frozenset({"from"})), verb, _PLACE_TYPES)
            elif _job_noun(obj):
                self._jobs(subjects, _workplaces(obj, verb), verb, _WORKPLACE_TYPES)

    def home(self, verb: Any, subjects: list[Any]) -> None:
        """ "moved into a new apartment in Alfama"; "my company is moving me to Berlin"; "I live in a
        small flat in Porto"."""
        movers = [c for c in verb.children if c.dep_ == "dobj"] or subjects
        into = frozenset({"in", "at"}) if verb.lemma_.lower() == "live" else frozenset({"to", "into"})
        for target in _pobjs(verb, into):
            self._each(movers, "lives_in", _pobjs(target, frozenset({"in", "on"})), verb, _PLACE_TYPES)
            if movers is not subjects:
                self._each(movers, "lives_in", [target], verb, _PLACE_TYPES)

    def hire(self, verb: Any, subjects: list[Any]) -> None:
        """ "Lumen hired me", "I was hired by Lumen"."""
        employers = [c for c in subjects if c.dep_ == "nsubj"] + list(_pobjs_agent(verb))
        employees = [c for c in verb.children if c.dep_ == "dobj"] + [c for c in subjects if c.dep_ == "nsubjpass"]
        for employee in employees:
            self._each([employee], "works_at", employers, verb, _PLACE_TYPES)

    def activity(self, verb: Any, thing: Any, subjects: list[Any]) -> None:
        """ "we went camping", "I took a pottery class": the subjects do the activity (or plan it)."""
        predicate = "plans" if _planned(verb) else "practises"
        self._each(subjects, predicate, [thing], verb, _ACTIVITY_TYPES)

    def _jobs(self, subjects: list[Any], places: Iterable[Any], verb: Any, types: frozenset[str]) -> None:
        """``works_at`` each of ``places`` a job noun is held at or with: of ``types``, or a name NER took for a
        person that the construction makes a workplace (:func:`workplace_name`: "a curator at the Tate")."""
        for place in places:
            self._each(subjects, "works_at", [place], verb, types | _PERSON if workplace_name(place) else types)

    def _each(
        self, subjects: Iterable[Any], predicate: str, objects: Iterable[Any], verb: Any, types: frozenset[str]
    ) -> None:
        found = list(objects)
        for subject in subjects:
            for obj in found:
                self.add(subject, predicate, obj, verb, types)


_HANDLERS: dict[str, Callable[[_States, Any, list[Any]], None]] = {
    "be": _States.be,
    **dict.fromkeys(("live", "move", "relocate"), _States.home),
    **dict.fromkeys(("hire", "employ"), _States.hire),
}


def states(
    doc: Any,
    entity_of: Mapping[int, str],
    type_of: Callable[[str], str | None],
    verbs: Iterable[Any] | None = None,
    *,
    people: Callable[[str], bool] = lambda eid: False,
) -> list[State]:
    """The state facts of a parsed turn read off nouns and verbs' objects (see the module docs); the
    states a verb says outright ("I work for X") come from the vocabulary
    (:mod:`graphmem.extract.readings`).

    Args:
        doc: the parsed turn.
        entity_of: token index → entity id, from stage 2.
        type_of: entity id → entity type.
        verbs: the turn's verbs, when the caller has them (default: every token is looked at).
        people: whether a topic is a person's role noun ("my sister"), a subject as a name is.
    """
    found = _States(entity_of, type_of, people)
    tokens = list(doc if verbs is None else verbs)
    for verb in tokens:
        lemma = verb.lemma_.lower()
        if verb.pos_ not in ("VERB", "AUX") or _negated(verb):
            continue
        handler = _HANDLERS.get(lemma) or (_States.job if lemma in _JOB_VERBS else None)
        if handler is not None:
            handler(found, verb, _subjects(verb))
        if _lemma_with_particle(verb) in LESSON_VERBS:
            for lesson in _lessons(verb):
                found.activity(verb, lesson, _subjects(verb))
    for verb, gerund in activity_gerunds(tokens):
        if not _negated(verb):
            found.activity(verb, gerund, _subjects(verb))
    return found.out


def workplace_name(name: Any) -> bool:
    """Whether the name at ``name`` (its root token) is a workplace by how it is said, whatever NER took it
    for: the object of "at" after a job ("a job at Dunmore", "a curator at the Tate"), or a name ending in a
    workplace's word ("Greenleaf Bakery", "Contoso Labs") or led by "the" ("the Tate"). Never someone's
    ("at Tom's") nor a plural ("the Smiths")."""
    plural = name.tag_ == "NNPS" and name.lower_ in _FIRM_WORDS  # "Fernwood Labs", not "the Smiths"
    if (name.tag_ not in ("NNP", "NN") and not plural) or any(c.dep_ == "case" for c in name.children):
        return False
    if name.lower_ in _FIRM_WORDS or any(c.dep_ == "det" and c.lower_ == "the" for c in name.children):
        return True
    while name.dep_ == "conj" and name.head.i != name.i:
        name = name.head
    prep = name.head
    if name.dep_ != "pobj" or prep.lower_ != "at":
        return False
    held = prep.head
    if held.pos_ == "NOUN":
        return (held.dep_ == "attr" and held.lemma_.lower() not in _NOT_JOBS) or _job_noun(held)
    return held.pos_ == "VERB" and held.lemma_.lower() in _WORKING


_OUR = re.compile(r"\bour\b", re.IGNORECASE)


def household_pets(doc: Any, entity_of: Mapping[int, str], type_of: Callable[[str], str | None]) -> Iterator[Any]:
    """The role nouns of the named pets "our" keeps ("Our dog Biscuit is four"): the household's pets. A named
    pet is a name stage 2 let stand for an animal noun; the speaker keeps them with the household."""
    if not _OUR.search(doc.text):
        return
    for owner in doc:
        noun = owner.head
        if owner.lower_ != "our" or owner.dep_ != "poss" or noun.pos_ != "NOUN" or noun.i not in entity_of:
            continue
        if _animal_noun(noun) and type_of(entity_of[noun.i]) in ("Thing", "Person"):
            yield noun


def _animal_noun(noun: Any) -> bool:
    compounds = [c.lower_ for c in noun.children if c.dep_ == "compound" and c.i < noun.i]
    lemma = noun.lemma_.lower()
    return lemma in ANIMALS or noun.lower_ in ANIMALS or "_".join([*compounds, lemma]) in ANIMALS


def household_keepers(verbs: Iterable[Any], entity_of: Mapping[int, str], speaker_id: str | None) -> dict[int, str]:
    """Token index → the speaker, for each "we" that is the subject of a verb of keeping or losing a pet ("We
    adopted a kitten called Pickle", "we lost our dog"): the household's pet is the speaker's too. Only the
    ``has_pet`` readings of those verbs take the speaker ("we got a car" may be a family's, without them)."""
    pet = by_name("has_pet")
    if speaker_id is None or pet is None:
        return {}
    keeping = {s.split("_")[0] for s in (*pet.states, *pet.endings)}
    return {
        subject.i: speaker_id
        for verb in verbs
        if verb.lemma_.lower() in keeping and not _negated(verb)
        for subject in _subjects(verb)
        if subject.lower_ == "we" and subject.i not in entity_of
    }


def job_holders(verbs: Iterable[Any], entity_of: Mapping[int, str], speaker_id: str | None) -> dict[int, str]:
    """Token index → the speaker, for each "we" that is the subject of a verb whose object is "our job" ("We
    quit our jobs at Tesco", "we started our new jobs at Fernwood Labs"): the speaker holds one of them."""
    if speaker_id is None:
        return {}
    return {
        subject.i: speaker_id
        for verb in verbs
        if not _negated(verb)
        and any(
            o.dep_ == "dobj" and o.lemma_.lower() in _JOB_NOUNS and any(c.lower_ == "our" for c in o.children)
            for o in verb.children
        )
        for subject in _subjects(verb)
        if subject.lower_ == "we" and subject.i not in entity_of
    }


def _pobjs_agent(verb: Any) -> Iterator[Any]:
    for agent in (c for c in verb.children if c.dep_ == "agent"):
        yield from (c for c in agent.children if c.dep_ == "pobj")


def start_times(doc: Any, entity_of: Mapping[int, str], verbs: Iterable[Any] | None = None) -> list[tuple[str, Any]]:
    """``(subject entity, verb token)`` for every "I start (on 1 April)" with no object of its own.

    A start with an object names what starts ("start a blog"); without one, or with "work" or a job
    noun ("I start the job on Monday"), it continues the talk about a job.
    """
    out: list[tuple[str, Any]] = []
    for verb in doc if verbs is None else verbs:
        if verb.lemma_.lower() not in ("start", "begin") or verb.pos_ != "VERB" or _negated(verb):
            continue
        objects = [c for c in verb.children if c.dep_ in ("dobj", "xcomp", "ccomp")]
        if any(o.lemma_.lower() not in _START_OBJECTS for o in objects):
            continue
        if any(c.dep_ == "prep" and c.lower_ not in ("on", "in", "at", "from", "next", "this") for c in verb.children):
            continue
        for subject in (c for c in verb.children if c.dep_ == "nsubj"):
            eid = entity_of.get(subject.i)
            if eid is not None:
                out.append((eid, verb))
    return out
