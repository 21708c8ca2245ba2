"""The usual ways of telling a move that a plain subject–verb–object reading misses (stage 3's helper).

- **"back"** and other adverbs of direction: "I moved back to Munich", "we moved over to Leeds". The
  parser hangs the preposition on the adverb ("moved → back → to → Munich"), so the verb seems to have
  no object; :func:`direction_objects` gives the verb the adverb's prepositional objects.
- **"we"**: "We moved to Munich" (or "out of Hamburg") tells that the speaker moved, with others. Read
  conservatively, only for a verb of moving home: "we" is never the speaker elsewhere ("we went to Rome"
  may be a family without them, "we work at Acme" a company), but going or being "there", the place just
  named (:class:`~graphmem.extract.pronouns.PlaceAdverbs`).
- **no subject**: "Moved to Munich yesterday!" opening a sentence, a past form with no subject and no
  auxiliary, is the diary style of the speaker's own news.
- **a person NER took for something else**: "Owen moved to Cardiff" after "My brother Owen lives in
  Bristol", with NER calling the sentence-initial "Owen" an organisation: the mover is the person of that
  name the batch knows (:func:`known_mover`), so the move is read as that person's.

:func:`speaker_movers` maps those tokens ("we", or the subjectless verb itself) to the speaker for the
readings of the turn's triples only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from graphmem.extract.names import entity_id, fact_id, name_key
from graphmem.extract.vocabulary import statements_for
from graphmem.models import Fact

__all__ = [
    "DIRECTION_ADVERBS",
    "MOVE_VERBS",
    "RETURNS",
    "direction_objects",
    "homes_again",
    "known_mover",
    "place_gone_to",
    "speaker_movers",
]

#: Verbs whose reading with "to"/"into" begins a home (the ``lives_in`` beginnings of the vocabulary).
MOVE_VERBS = frozenset({"move", "relocate"})
#: Adverbs of direction between a verb and its destination that leave the verb's meaning as it is.
DIRECTION_ADVERBS = frozenset({"back", "over", "down", "up", "across"})
#: Predicates (as said, object preposition included) that tell of coming back to a place: read ``went_to``,
#: and ``lives_in`` too when the place was the subject's home before (see :mod:`graphmem.extract.pipeline`).
RETURNS = frozenset(
    {"return_to", "be_back_in", "be_back_at", "be_back_to", "come_back_to", "go_back_to", "get_back_to", "head_back_to"}
)
#: Prepositions of a verb of moving that name where a home begins or the home it ends ("out" chains "of").
_MOVING_PREPOSITIONS = frozenset({"to", "into", "out", "from"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})
#: Predicates whose verb with "to" or "in" says where someone is, goes or lives.
_WHERE = frozenset({"went_to", "lives_in"})
#: Words of a title before a name: "I went to Dr. Lee" goes to a person.
_TITLES = frozenset({"dr", "doctor", "mr", "mrs", "ms", "miss", "prof", "professor", "uncle", "aunt", "auntie"})


def place_gone_to(name: Any) -> bool:
    """Whether a name (its root token) is where someone goes, has been or lives, so a place whatever NER
    took it for: the object of "to" after a verb that states ``went_to`` or ``lives_in`` with it or after
    "been" ("Have you been to Porto?", "we flew to Porto", "I moved to Savannah"), or of "in" after being,
    living or staying ("I was in Porto", "I live in Porto"). Not someone's home ("I went to Maria's") nor a
    person with a title ("I went to Dr. Lee")."""
    if name.dep_ == "conj":
        name = name.head  # "I've been to Porto and Lisbon"
    prep = name.head
    if name.dep_ != "pobj" or prep.dep_ != "prep" or prep.lower_ not in ("to", "in"):
        return False
    verb = prep.head
    if verb.pos_ not in ("VERB", "AUX") or any(c.dep_ == "case" for c in name.children):
        return False
    if any(t.lower_.rstrip(".") in _TITLES for t in name.subtree):
        return False
    lemma = verb.lemma_.lower()
    if lemma == "be":
        perfect = any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)
        return prep.lower_ == "in" or perfect
    return any(p.name in _WHERE for p in statements_for(f"{lemma}_{prep.lower_}"))


def direction_objects(verb: Any) -> Iterator[tuple[str, Any]]:
    """``(suffix, object)`` of the prepositions hung on an adverb of direction of ``verb``: "moved back to
    Munich" → ``("_to", Munich)``; "back" stays in the suffix of other verbs, where it makes a return
    ("I'm back in Munich" → ``("_back_in", Munich)``, read ``be_back_in``; "went back to" ``go_back_to``)."""
    moving = verb.lemma_.lower() in MOVE_VERBS
    for adverb in verb.children:
        if adverb.dep_ != "advmod" or adverb.lower_ not in DIRECTION_ADVERBS:
            continue
        back = "_back" if adverb.lower_ == "back" and not moving else ""
        for prep in adverb.children:
            if prep.dep_ == "prep":
                yield from ((f"{back}_{prep.lower_}", obj) for obj in prep.children if obj.dep_ == "pobj")


def _moves(verb: Any) -> bool:
    """Whether ``verb`` tells of moving home: a verb of moving with a "to"/"into" destination, or an origin
    it leaves ("out of", "away from", "from": "We moved out of Lisbon")."""
    if verb.lemma_.lower() not in MOVE_VERBS or verb.pos_ != "VERB":
        return False
    preps = [c.lower_ for c in verb.children if c.dep_ == "prep"] + [s[1:] for s, _ in direction_objects(verb)]
    away = (c for c in verb.children if c.dep_ in ("advmod", "prt") and c.lower_ in ("away", "out"))
    preps += [p.lower_ for a in away for p in a.children if p.dep_ == "prep"]
    return any(p in _MOVING_PREPOSITIONS for p in preps)


def known_mover(verb: Any, subject: str, type_of: Callable[[str], str | None]) -> str:
    """The subject of a verb of moving ``verb``: ``subject``, or the person of its name the batch knows when NER
    typed this mention otherwise ("Owen moved to Cardiff", "Owen" an organisation here and a person before)."""
    if verb.lemma_.lower() not in MOVE_VERBS or type_of(subject) in ("Person", "Topic", None):
        return subject
    person = entity_id("Person", name_key(subject))
    return person if type_of(person) == "Person" else subject


def speaker_movers(verbs: Iterable[Any], entity_of: Mapping[int, str], speaker_id: str | None) -> dict[int, str]:
    """Token index → the speaker, for the subjects of the turn's moves that are the speaker though no
    first-person singular names them: "we" ("We moved to Munich"), and a subjectless past form opening its
    sentence ("Moved to Munich yesterday!"), keyed by the verb itself."""
    if speaker_id is None:
        return {}
    out: dict[int, str] = {}
    for verb in verbs:
        if not _moves(verb):
            continue
        subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
        for subject in subjects:
            if subject.lower_ == "we" and subject.i not in entity_of:
                out[subject.i] = speaker_id
        if (
            not subjects
            and verb.dep_ == "ROOT"
            and verb.tag_ in ("VBD", "VBN")
            and verb.i == verb.sent.start
            and not any(c.dep_ in ("aux", "auxpass") for c in verb.children)
        ):
            out[verb.i] = speaker_id
    return out


def homes_again(returns: Iterable[Fact], earlier: Sequence[Fact]) -> list[Fact]:
    """``lives_in`` facts for the returns ("I'm back in Munich", "I returned to Munich": ``went_to``) to a
    place the conversation told ``earlier`` was the subject's home: they live there again, from the time of
    the return. A return to a place that was no home of theirs stays a visit."""
    homes = {(f.subject_id, f.object_id) for f in earlier if f.predicate == "lives_in"}
    return [
        replace(
            f,
            id=fact_id(f.evidence[0] if f.evidence else "", f.subject_id, "lives_in", f.object_id),
            predicate="lives_in",
        )
        for f in returns
        if (f.subject_id, f.object_id) in homes
    ]
