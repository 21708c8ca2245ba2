"""Jobs told by a possessed noun: "my job at Tesco", "my boss at Tesco", "Maria's colleagues at Kestrel".

Whatever the verb of the clause says of it ("I hate my job at Tesco", "my boss at Tesco is mean", "I told
my coworkers at Tesco"), a job of someone's at a place, or a workmate of someone's there, says that they
work there. The place is the object of "at" hung on the noun, or on the verb whose direct object the noun
is (the parser hangs it on either: "I love my job at Tesco"). The holder is the possessor: a name or a
pronoun stage 2 resolved ("my", "Maria's"), or a third person's "her", "his" or "their" read as the subject
of its own clause ("Tom hates his job at Tesco": Tom's; "Tom and Maria hate their jobs at Tesco": both),
when that subject is not the speaker or the listener, no noun or pronoun of it says another gender, and the
clause offers no other referent, a third person's pronoun or a person's name as an object ("Lidl offered
him his job at Tesco", "Anna kept his job for him": his). The caller keeps only a holder that is a person
(NER's, a speaker, a role): a name says no gender, so a name NER took for a firm or a nationality may not
be the one "his" stands for ("Maria hates his job at Tesco"). The verb tells only whether the job is over:

- a verb that itself states, begins or ends a job ("I got my job at X", "I quit my job at X") is left to
  the vocabulary (:mod:`graphmem.extract.readings`), and so is a negated verb of having ("I didn't keep
  my job at X") or a "no longer" clause; any other verb negated says nothing against the job the
  possessive takes as held ("I don't like my job at Tesco": the job holds);
- a job noun qualified as another one ("my old job at X", "my previous position at X") is no job held;
- a job noun governed by a past tense tells of a job gone by ("I loved my job at Tesco": ``over``), and so
  does one that is missed ("I miss my job at Tesco": it ended by the time it is said; not "I'll miss my job
  at Tesco", which holds until then); a workmate met, told or missed says nothing of the job's end ("I told
  my boss at Tesco").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from graphmem.extract.bounds import told_as_over
from graphmem.extract.firms import JOB_NOUNS
from graphmem.extract.names import words
from graphmem.extract.pronouns import FEMALE, MALE
from graphmem.extract.readings import base_predicate
from graphmem.extract.relations import activity_subjects
from graphmem.extract.vocabulary import ASPECT_ENDINGS, JOBS, by_name

__all__ = ["WORKMATES", "HeldJob", "held_jobs"]

#: Nouns of the people one works with: "my boss at X" works there as much as "my job at X" does.
WORKMATES = words("boss manager supervisor coworker colleague workmate")
#: "work" is left out: "my work at the gallery" is as often what one made or volunteers at as a job.
_JOBS = (JOB_NOUNS | JOBS) - {"work"}
#: Words that make a job another one than the one held now ("my old job at Acme").
_OTHER = words("old previous former last first other another earlier prior ex")
_TIME_ENTS = frozenset({"DATE", "TIME"})
_MAX_HOPS = 4


class HeldJob(NamedTuple):
    """A job told by a possessed noun: the holder's token, the workplace's, the clause's verb, and whether
    the job is told as over."""

    holder: Any
    place: Any
    verb: Any
    over: bool


def held_jobs(doc: Iterable[Any], entity_of: Mapping[int, str]) -> Iterator[HeldJob]:
    """The jobs of ``doc`` told by a possessed job or workmate noun with "at" a place (see the module docs);
    holder and place are tokens of ``entity_of``."""
    for noun in doc:
        lemma = noun.lemma_.lower()
        if noun.pos_ != "NOUN" or (lemma not in _JOBS and lemma not in WORKMATES):
            continue
        if any(c.dep_ in ("amod", "det") and c.lower_ in _OTHER for c in noun.children):
            continue
        verb = _verb_of(noun)
        if verb is None or _job_verb(verb):
            continue
        holders = [h for c in noun.children if c.dep_ == "poss" for h in _holders(c, noun, verb, entity_of)]
        if not holders:
            continue
        places = [p for p in _at(noun) if p.i in entity_of]
        if not places and noun.dep_ == "dobj" and noun.head.i == verb.i:
            places = [p for p in _at(verb) if p.i in entity_of]  # "I love my job at Tesco": "at" on the verb
        over = lemma in _JOBS and (told_as_over(verb) or _missed(verb))
        for place in places:
            if place.ent_type_ not in _TIME_ENTS and place.lemma_.lower() not in _JOBS:
                yield from (HeldJob(holder, place, verb, over) for holder in holders)


def _holders(poss: Any, noun: Any, verb: Any, entity_of: Mapping[int, str]) -> list[Any]:
    """Whose job ``noun``'s possessor says: itself when stage 2 resolved it ("my", "Maria's"), else, for a third
    person's "her", "his" or "their", the subjects of its clause's ``verb`` that it can stand for (see the
    module docs)."""
    if poss.i in entity_of and entity_of[poss.i] != entity_of.get(noun.i):  # "his boss": the topic's own word
        return [poss]
    gender = _POSSESSIVES.get(poss.lower_) if poss.tag_ == "PRP$" else None
    if gender is None:
        return []
    subjects = activity_subjects(verb)
    if not subjects or any(s.i not in entity_of or s.lower_ in _PARTICIPANTS for s in subjects):
        return []
    if gender == "plural":
        return subjects if len(subjects) > 1 else []  # "Maria hates their job": whose, is not said
    if len(subjects) > 1 or _gender(subjects[0]) not in (gender, None):
        return []  # "Tom and Maria hate her job", "my brother hates her job": someone else's
    if _other_referent(verb, subjects[0]):
        return []  # "Lidl offered him his job at Tesco", "Anna kept his job for him": his, not the subject's
    return subjects


def _other_referent(verb: Any, subject: Any) -> bool:
    """Whether the clause of ``verb`` offers someone besides ``subject`` a third person's possessive may stand
    for: an object or a preposition's object that is a third person's pronoun or a person's name ("offered
    him his job", "kept his job for him", "gave Tom his job")."""
    for tok in verb.subtree:
        if tok.i == subject.i or tok.dep_ not in _OBJECTS:
            continue
        if tok.tag_ == "PRP" and tok.lemma_.lower() in _THIRD_PERSONS:
            return True
        if tok.ent_type_ == "PERSON":
            return True
    return False


def _gender(token: Any) -> str | None:
    """The gender a subject's own word says ("she", "my sister"), or ``None`` (a name says none)."""
    lower, lemma = token.lower_, token.lemma_.lower()
    if lower in _SUBJECT_FORMS:
        return _SUBJECT_FORMS[lower]
    if lower in FEMALE or lemma in FEMALE:
        return "f"
    return "m" if lower in MALE or lemma in MALE else None


def _missed(verb: Any) -> bool:
    """Whether ``verb`` misses what it governs now or did before: "I miss my job at X", "I really missed my job
    at X" (gone by when said); not what is ahead or may be ("I'll miss my job at X", "I might miss ...")."""
    if verb.lemma_.lower() not in _MISSING:
        return False
    return not any(c.dep_ == "aux" and (c.tag_ == "MD" or c.lower_ in ("'ll", "wo")) for c in verb.children)


def _at(token: Any) -> Iterator[Any]:
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ == "at":
            for pobj in prep.children:
                if pobj.dep_ == "pobj":
                    yield pobj
                    yield from pobj.conjuncts


def _verb_of(noun: Any) -> Any | None:
    """The verb of the clause ``noun`` stands in (its nearest verb or auxiliary above it), if any."""
    node = noun
    for _ in range(_MAX_HOPS):
        if node.head.i == node.i:
            return None
        node = node.head
        if node.pos_ in ("VERB", "AUX"):
            return node
    return None


def _job_verb(verb: Any) -> bool:
    """Whether ``verb`` says something of a job itself (states, begins or ends one: "got", "quit", "left"), is
    a negated verb of having, or is said to be no longer or to stop: the job noun then states nothing of its
    own."""
    works = by_name("works_at")
    said = base_predicate(verb)
    if works is not None and (said in works.states | works.endings | works.beginnings or f"{said}_at" in works.endings):
        return True
    if verb.lemma_.lower() in _JOB_VERBS:
        return True
    if verb.lemma_.lower() in _HAVING and any(c.dep_ == "neg" for c in verb.children):
        return True  # "I didn't keep my job at X"; "I don't like my job at X" still has it
    if any(c.dep_ == "advmod" and c.lower_ in ("anymore", "longer") for c in verb.children):
        return True
    return verb.dep_ == "xcomp" and base_predicate(verb.head) in ASPECT_ENDINGS  # "I stopped liking my job at X"


#: Verbs of getting or taking a job ("I got my job at X through a friend"), read by
#: :mod:`graphmem.extract.relations` as the job they begin.
_JOB_VERBS = words("get land take accept start begin find secure score snag lose")
#: Verbs of having a thing, whose negation denies the job its object names ("I didn't keep my job at X").
_HAVING = words("have hold keep own")
#: Verbs of longing for what one no longer has: a job missed is over ("I miss my job at Tesco").
_MISSING = words("miss")
#: Possessive pronouns of a third person, and the gender of the subject they may stand for.
_POSSESSIVES = {"her": "f", "his": "m", "their": "plural"}
_SUBJECT_FORMS = {"she": "f", "he": "m"}
#: Dependencies of an object, a dative or a preposition's object: where another referent stands in a clause.
_OBJECTS = frozenset({"dobj", "dative", "iobj", "pobj", "obj"})
#: Lemmas of a third person's personal pronouns ("him", "her", "them").
_THIRD_PERSONS = words("he she they")
#: The speaker and the listener: never whom a third person's "her" stands for.
_PARTICIPANTS = words("i you we u")
