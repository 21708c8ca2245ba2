"""Stage 2's pro-forms: "she" or "he" for the one person the speaker has just spoken of, "there" for the
place just named.

"My sister moved to Porto. She loves it there." — "She" is the speaker's sister: a mention of her, so the
facts of its clause are hers ("She works at Google now" → ``Ana's sister works_at Google``). The rule is
conservative, because a wrong antecedent makes a wrong fact:

- the people in view are those said of in the pronoun's turn before it and in the two turns before that
  (of the same session), by anyone: named people, the role nouns of a person ("my sister", "Jon's boss"),
  pets, a thing NER could not type (it may be a person), and person nouns with no one's ("a woman", "a
  guy", "my sister's husband");
- each has a gender when a noun says it: a kinship or partner noun (sister, dad, wife, boyfriend, ...) or
  a noun of a person's sex (woman, guy, ...) naming them, here or earlier in the batch ("my sister Clara":
  Clara); a name alone says nothing ("Sam", "my boss": unknown);
- the pronoun is resolved only when exactly one person in view can be meant (of its gender, or of no
  known gender), that one's gender is the pronoun's, and the speaker said of them (in this turn or in
  their own turn within the window): another speaker's "my sister" is not the speaker's "she".

Plurals and the participants' own pronouns ("I", "you") are not in view; a participant named in the text
is (of unknown gender) when there are more than two: in a dialogue of two a participant named is the
speaker or the one spoken to. The pronoun is never resolved to a participant. Only subject forms ("she",
"he") are read: "her" may be a possessive, and "him"/"her" as objects are left for later.

"I love Paris." — "I was there in July." — "there" is Paris (:class:`PlaceAdverbs`), so the turn states
``went_to`` Paris. It is read only as the adverb of being or going ("I was there", "I've been there", "I
went there last week", "I'm flying there in May": a verb that states ``went_to`` with "to"), and only
when one place can be meant: the one place (an entity typed ``Place``) named before it in its own turn,
else in the latest of the two turns before it (of the same session, by either speaker) that names one.
Two places there ("Paris and Rome"), or none within the window, leave it alone. A "we" going or being there is
the speaker among others ("Have you been to Porto?" — "We went there last summer").
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphmem.extract.names import words
from graphmem.extract.registry import EntityRegistry, TurnAnnotation, role_of
from graphmem.extract.vocabulary import ANIMALS, CHILDREN, ROLE_NOUNS, statements_for

__all__ = ["FEMALE", "MALE", "PlaceAdverbs", "ThirdPersons", "place_adverbs"]

#: Nouns that name a woman: a relation, a partner or her sex.
FEMALE = words(
    """
    sister mother mum mom mommy mama wife girlfriend gf fiancee fiancée aunt auntie niece daughter
    grandmother grandma granny granddaughter stepmother stepmom stepdaughter stepsister woman lady girl gal
    """
)
#: Nouns that name a man: a relation, a partner or his sex.
MALE = words(
    """
    brother father dad daddy papa husband boyfriend bf fiance fiancé uncle nephew son grandfather grandpa
    grandson stepfather stepdad stepson stepbrother man guy boy gentleman dude
    """
)
_PRONOUNS = {"she": "f", "he": "m"}
# Nouns of a person whose gender they do not say ("my boss", "a friend", "the kid"), and pets
_PERSONS = ROLE_NOUNS | CHILDREN | ANIMALS | words("person someone somebody parent sibling cousin stranger")
# Entity types that may be a person NER mistyped or a pet
_MAYBE_PEOPLE = frozenset({"Person", "Thing"})
_PLURAL_TAGS = frozenset({"NNS", "NNPS"})
#: How many turns before the pronoun's are in view.
WINDOW = 2


@dataclass(slots=True)
class _Seen:
    gender: str | None  # "f", "m", or None: unknown
    by_speaker: bool  # the speaker of the pronoun said of them


@dataclass(slots=True)
class _Turn:
    session: str | None
    speaker: str | None
    people: dict[str, str | None] = field(default_factory=dict)  # key -> gender


class ThirdPersons:
    """Resolves "she" and "he" turn by turn through one extraction (see the module docs).

    Args:
        registry: the batch's entities (types, role topics, pets).
        participants: the speakers' entity ids: never what "she" stands for.
    """

    def __init__(self, registry: EntityRegistry, participants: Iterable[str]) -> None:
        """Start with nothing in view."""
        self.registry = registry
        self.participants = frozenset(participants)
        # in a dialogue of two a participant named is the speaker or the one spoken to, never "she"
        self._third = len(self.participants) > 2
        self._recent: deque[_Turn] = deque(maxlen=WINDOW)
        self._genders: dict[str, str | None] = {}  # entity -> the gender a noun gave it in the batch

    def resolve(
        self, doc: Any, ann: TurnAnnotation, *, speaker_id: str | None, session: str | None, kept: bool = True
    ) -> None:
        """Map each "she"/"he" of a parsed turn that can mean one person only to that person's entity
        (``ann.tokens``, and a mention with the pronoun's role), then keep the turn's people in view
        unless the turn is not ``kept`` (a forgotten turn, which is not written, puts no one in view)."""
        if self._recent and self._recent[-1].session != session:
            self._recent.clear()
        self._learn(doc, ann)
        seen: dict[str, _Seen] = {}
        for turn in self._recent:
            for key, gender in turn.people.items():
                said_by = turn.speaker is not None and turn.speaker == speaker_id
                _note(seen, key, self._genders.get(key, gender), said_by)  # a gender learned since counts
        now = _Turn(session, speaker_id)
        for tok in doc:
            pronoun = _PRONOUNS.get(tok.lower_) if tok.tag_ == "PRP" else None
            if pronoun is not None and tok.i not in ann.tokens:
                meant = _meant(seen, pronoun)
                if meant is not None:
                    ann.tokens[tok.i] = meant
                    ann.mention(meant, role_of(tok))
            found = self._person(tok, ann)
            if found is not None:
                key, gender = found
                _note(seen, key, gender, True)
                now.people[key] = _joined(now.people[key], gender) if key in now.people else gender
        if kept:
            self._recent.append(now)

    def _learn(self, doc: Any, ann: TurnAnnotation) -> None:
        """Remember the gender the turn's nouns give the entities they name ("my sister Clara": Clara)."""
        for i, eid in ann.tokens.items():
            tok = doc[i]
            gender = _noun_gender(tok)
            # "my mom's birthday": the noun names the owner of the chunk's thing, not the thing
            owner = tok.dep_ == "poss" or (tok.dep_ == "compound" and ann.tokens.get(tok.head.i) != eid)
            if gender is not None and not owner:
                self._genders[eid] = _joined(self._genders[eid], gender) if eid in self._genders else gender

    def _person(self, tok: Any, ann: TurnAnnotation) -> tuple[str, str | None] | None:
        """The person a token says of, as a key and a gender, or ``None`` (not a person, a plural, a
        participant's pronoun)."""
        if tok.tag_ in _PLURAL_TAGS:
            return None
        eid = ann.tokens.get(tok.i)
        if eid is not None and eid in self.participants:
            # a participant named among several ("Jon said ..."): someone "she" could mean; "I" is not
            return (eid, None) if self._third and tok.pos_ == "PROPN" else None
        if eid is not None and (self.registry.type_of(eid) in _MAYBE_PEOPLE or self.registry.is_role(eid)):
            return eid, self._genders.get(eid)
        if tok.dep_ == "compound":
            return None  # "dog food": a modifier, no one said of
        if _person_noun(tok) or (tok.pos_ == "PRON" and tok.lower_ in _PERSONS):
            # "a woman" (a topic), "a guy at work", "my mom's birthday": someone, whom "she" is not to name
            own = eid is not None and tok.dep_ != "poss"
            return (f"#{eid}" if own else f"#{tok.i}:{tok.lower_}"), _noun_gender(tok)
        return None


def _note(seen: dict[str, _Seen], key: str, gender: str | None, by_speaker: bool) -> None:
    old = seen.get(key)
    if old is None:
        seen[key] = _Seen(gender, by_speaker)
    else:
        old.gender = _joined(old.gender, gender)
        old.by_speaker = old.by_speaker or by_speaker


def _meant(seen: dict[str, _Seen], gender: str) -> str | None:
    """The one entity in view a pronoun of ``gender`` can mean, or ``None``."""
    fits = [key for key, s in seen.items() if s.gender in (gender, None)]
    if len(fits) != 1:
        return None
    (key,) = fits
    said = seen[key]
    if said.gender != gender or not said.by_speaker or key.startswith("#"):
        return None
    return key


def _joined(a: str | None, b: str | None) -> str | None:
    """Two readings of one person's gender: the one known, unless they disagree (then unknown)."""
    if a is None:
        return b
    return a if b is None or a == b else None


def _noun_gender(tok: Any) -> str | None:
    if tok.pos_ not in ("NOUN", "PROPN") or tok.tag_ in _PLURAL_TAGS:
        return None
    lower, lemma = tok.lower_, tok.lemma_.lower()
    if lower in FEMALE or lemma in FEMALE:
        return "f"
    if lower in MALE or lemma in MALE:
        return "m"
    return None


def _person_noun(tok: Any) -> bool:
    """A singular noun naming a person (or a pet): "a woman", "my boss", "the dog"."""
    if tok.pos_ != "NOUN" or tok.tag_ in _PLURAL_TAGS:
        return False
    lower, lemma = tok.lower_, tok.lemma_.lower()
    return _noun_gender(tok) is not None or lower in _PERSONS or lemma in _PERSONS


def _goes(verb: Any) -> bool:
    """Whether "there" after ``verb`` is where someone is or goes: being, or a verb that states ``went_to``
    with "to" ("go", "travel", "fly", "return"; not "move", whose "to" is a home)."""
    lemma = verb.lemma_.lower()
    return lemma == "be" or any(p.name == "went_to" for p in statements_for(f"{lemma}_to"))


def place_adverbs(verb: Any) -> list[Any]:
    """The "there" of being or going that hangs on ``verb`` ("I was there", "we went there"), which
    :class:`PlaceAdverbs` may map to a place."""
    if verb.pos_ not in ("VERB", "AUX") or not _goes(verb):
        return []
    return [c for c in verb.children if c.dep_ == "advmod" and c.lower_ == "there"]


@dataclass(slots=True)
class _Places:
    session: str | None
    named: set[str] = field(default_factory=set)


class PlaceAdverbs:
    """Resolves the "there" of being or going turn by turn through one extraction (see the module docs).

    Args:
        registry: the batch's entities (their types).
    """

    def __init__(self, registry: EntityRegistry) -> None:
        """Start with no place in view."""
        self.registry = registry
        self._recent: deque[_Places] = deque(maxlen=WINDOW)

    def resolve(
        self,
        doc: Any,
        ann: TurnAnnotation,
        *,
        session: str | None,
        kept: bool = True,
        speaker_id: str | None = None,
    ) -> None:
        """Map each "there" of being or going in a parsed turn that can mean one place only to that place's
        entity (``ann.tokens``, and a mention), then keep the turn's places in view unless the turn is not
        ``kept`` (a forgotten turn, which is not written). A "we" going or being there is the speaker
        (``speaker_id``) among others: "Have you been to Porto?" — "We went there last summer"."""
        if self._recent and self._recent[-1].session != session:
            self._recent.clear()
        before = next((turn.named for turn in reversed(self._recent) if turn.named), set())
        here = _Places(session)
        for tok in doc:
            eid = ann.tokens.get(tok.i)
            if eid is not None and self.registry.type_of(eid) == "Place":
                here.named.add(eid)
            elif eid is None and tok.lower_ == "there" and tok in place_adverbs(tok.head):
                # the places named before it in its turn, else in the latest turn in view that names one
                seen = here.named or before
                if len(seen) == 1:
                    (place,) = seen
                    ann.tokens[tok.i] = place
                    ann.mention(place, role_of(tok))
                    here.named.add(place)  # in view for the turns after, as if named again
                    self._we_are_the_speaker(tok.head, ann, speaker_id)
        if kept:
            self._recent.append(here)

    @staticmethod
    def _we_are_the_speaker(verb: Any, ann: TurnAnnotation, speaker_id: str | None) -> None:
        # "we" is the speaker only here, telling of the place just named, as in "we went camping"; elsewhere
        # "we went to Rome" is left alone (moves.py)
        for we in (c for c in verb.children if c.dep_ == "nsubj" and c.lower_ == "we"):
            if speaker_id is not None and we.i not in ann.tokens:
                ann.tokens[we.i] = speaker_id
                ann.mention(speaker_id, role_of(we))
