"""How a verb is told: asserted or not, in the past, ahead of when it is said, as a state that is over.

Stage 3 (:mod:`graphmem.extract.facts`) asks these of each verb it reads a fact off: a question or a
hypothetical ("I could write a movie", "maybe I'll get a pet") asserts nothing (:func:`asserting`); an
ending told in the past ends its fact when its clause says (:func:`told_as_past`); "I'm moving to Osaka"
is told ahead (:func:`told_ahead`), a plan; "I worked at Acme" tells of a lasting state as over
(:func:`state_over`).
"""

from __future__ import annotations

from typing import Any

from graphmem.extract.bounds import told_as_over
from graphmem.extract.readings import base_predicate
from graphmem.extract.vocabulary import DURATIVE, HYPOTHETICAL, by_name

__all__ = [
    "asserting",
    "begins_state",
    "hypothetical",
    "is_question",
    "progressive",
    "state_over",
    "told_ahead",
    "told_as_past",
]

_MAYBE = frozenset({"maybe", "perhaps", "possibly", "hopefully", "someday"})
_IF = frozenset({"if", "whether", "unless"})


def _unreal(child: Any, verb: Any) -> bool:
    if child.dep_ == "aux":
        return child.lower_ in HYPOTHETICAL or (child.lower_ == "'d" and verb.tag_ == "VB")  # 'd: would
    if child.dep_ == "advmod":
        return child.lower_ in _MAYBE
    return child.dep_ == "mark" and child.lower_ in _IF


def hypothetical(verb: Any) -> bool:
    """Whether a verb is said as a possibility, not a fact: "I could write a whole movie", "maybe I'll
    get a pet", "who knows if I'll ever get a dog", "you'd love this novel"."""
    node = verb
    for _ in range(3):
        if any(_unreal(c, node) for c in node.children):
            return True
        if node.dep_ not in ("xcomp", "conj", "ccomp") or node.head is node or _spliced(node):
            return False
        node = node.head
    return False


def _spliced(clause: Any) -> bool:
    """Whether a complement clause comes before its head, a comma between them: a clause of its own the
    parser hung on the next one ("I moved to Lisbon last month, maybe the address is old"), whose hedge
    is not its own."""
    head = clause.head
    return (
        clause.dep_ == "ccomp"
        and clause.i < head.i
        and any(t.lower_ in (",", ";") for t in clause.doc[clause.right_edge.i + 1 : head.i + 1])
    )


def asserting(verb: Any) -> bool:
    """Whether ``verb`` asserts something: a verb (or a main "be") in no question, said as no possibility."""
    is_verb = verb.pos_ == "VERB" or (verb.pos_ == "AUX" and verb.lemma_ == "be" and verb.dep_ == "ROOT")
    # a question or a hypothetical asserts nothing
    return is_verb and not is_question(verb.sent) and not hypothetical(verb)


def begins_state(verb: Any, predicate: str) -> bool:
    """Whether ``verb`` begins the single-valued state ``predicate`` ("move" a home, "join" a job, "marry"):
    not one that states it as held ("live", "work", "I'm seeing Tom")."""
    found = by_name(predicate)
    if found is None or not found.single_valued:
        return False
    return verb.lemma_.lower() in found.beginnings or base_predicate(verb) in found.beginnings


def told_ahead(verb: Any) -> bool:
    """Whether ``verb`` tells of what is still to come: a future auxiliary ("I'll move to Rome"), "going
    to" ("I'm going to move") or the present progressive ("I'm moving to Osaka"), said of a verb that
    begins a state (:func:`_begins`; "I'm living in Osaka" holds now)."""
    if any(c.dep_ == "aux" and c.lower_ in ("will", "'ll", "shall", "wo", "ll") for c in verb.children):
        return True
    head = verb.head
    if verb.dep_ == "xcomp" and head.lemma_.lower() == "go" and progressive(head):
        return True  # "going to", "gonna"
    return progressive(verb)


def progressive(verb: Any) -> bool:
    """ "I'm going to a conference": the present progressive of a verb of doing tells of a plan."""
    return verb.tag_ == "VBG" and any(c.dep_ == "aux" and c.tag_ in ("VBP", "VBZ") for c in verb.children)


def told_as_past(verb: Any) -> bool:
    """Whether ``verb`` tells of the past: a past tense or a perfect, without a future auxiliary, or a verb
    whose past is spelt as its present ("quit", "put", "set") read as present beside a past tense it is
    joined to ("I worked at Acme, but I quit at the end of February") or after a third-person subject, or
    the infinitive a past "had to" governs ("Our cat Miso had to be put down": what had to be, was)."""
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in ("will", "'ll", "shall", "wo") for a in auxes):
        return False
    had_to = verb.dep_ == "xcomp" and verb.head.lemma_ == "have" and verb.head.tag_ == "VBD"
    return bool(
        verb.tag_ == "VBD" or any(a.tag_ == "VBD" or a.lemma_ == "have" for a in auxes) or had_to or _bare_past(verb)
    )


def _bare_past(verb: Any) -> bool:
    """Whether ``verb``, tagged a present whose form is also its past ("I quit", "she quit"), is a past: its
    subject is a third person singular (the present would be "quits"), or a past tense it is joined to
    (its head, or a verb joined to the same head) says so."""
    if verb.tag_ != "VBP" or verb.lower_ != verb.lemma_.lower() or any(c.dep_ in ("aux", "neg") for c in verb.children):
        return False
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if subjects and all(s.lower_ in ("he", "she", "it") or s.tag_ in ("NNP", "NN") for s in subjects):
        return True
    if verb.dep_ not in ("conj", "advcl", "ROOT") or any(t.lower_ in _AHEAD for t in verb.subtree):
        return False  # "I decided that I quit ...", "... and I quit next month"
    joined = [verb.head] if verb.dep_ != "ROOT" else []
    joined += [c for c in verb.children if c.dep_ in ("conj", "advcl")]
    return any(v.tag_ == "VBD" and v.pos_ in ("VERB", "AUX") for v in joined)


#: Words that put a clause ahead of the time it is said ("I quit next month").
_AHEAD = frozenset({"next", "tomorrow", "soon", "upcoming", "coming", "later", "tonight"})


def is_question(sentence: Any) -> bool:
    last = sentence[-1]
    return last.text == "?" or (len(sentence) > 1 and last.is_space and sentence[-2].text == "?")


def state_over(verb: Any) -> bool:
    """Whether ``verb`` states a lasting state ("work", "live", "be") and tells of it as over: not as an
    episode ("I was working at Acme", "I worked late at Acme again", "... all night"), not reported or
    wished ("I said I lived in Porto", "I wish I lived there"), not said to go on ("... and I still do")."""
    lemma = verb.lemma_.lower()
    durative = lemma in DURATIVE or (lemma in _STATE_PASSIVES and any(_be_passive(c) for c in verb.children))
    if not durative or not told_as_over(verb) or (verb.tag_ == "VBG" and lemma in _DOING):
        return False
    if verb.dep_ == "ccomp" and verb.head.lemma_.lower() in _REPORTING:
        return False
    if any(_episode_word(c) for c in verb.children):
        return False
    return not any(t.lower_ == "still" for t in verb.sent)


def _be_passive(child: Any) -> bool:
    return bool(child.dep_ == "auxpass" and child.lemma_ == "be")


def _episode_word(child: Any) -> bool:
    """Whether a verb's dependent makes its clause an episode: "late", "again", or a bare noun phrase of time
    shorter than a season ("I worked at Acme yesterday", "... all night"; not "Last year I lived in Madrid")."""
    if child.dep_ == "advmod":
        return child.lower_ in _EPISODE
    return child.dep_ == "npadvmod" and child.lemma_.lower() not in _LONG_PERIODS


#: Verbs whose passive with "be" is a lasting state ("I was married to Omar": over; "I married Omar", "we got
#: married" are events).
_STATE_PASSIVES = frozenset({"marry"})
#: Verbs whose clausal complement is reported, believed or wished, not told as so.
_REPORTING = frozenset({"say", "tell", "think", "believe", "mention", "wish", "hope", "dream", "imagine", "claim"})
#: Durative verbs of doing, whose past progressive tells an episode ("I was working at Acme": sorry I'm late),
#: unlike "I was living in Lisbon".
_DOING = frozenset({"work", "teach", "study", "intern"})
#: Periods long enough that a state told in them is a state gone by ("That summer I lived in Porto").
_LONG_PERIODS = frozenset({"year", "month", "summer", "winter", "spring", "autumn", "fall", "decade", "semester"})
#: Adverbs that make a past "I worked at X" an episode rather than a state gone by.
_EPISODE = frozenset({"late", "again", "overtime", "early", "tonight", "today"})
