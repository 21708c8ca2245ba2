"""Which way an undirected time phrase points, from the tense of the verb it hangs from.

"I went there in June" is last June, "I'm moving in June" the next one: :func:`direction` reads the
verb's tense, auxiliaries and the clause around it, and :class:`~graphmem.extract.times.TimeResolver`
takes the answer as its ``prefer``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["deadline", "direction"]

_FUTURE_AUX = frozenset(
    {"will", "'ll", "wo", "shall", "gon", "gonna", "can", "could", "would", "should", "may", "might"}
)
_PRESENT_TAGS = frozenset({"VBZ", "VBP"})
# Verbs whose bare participle announces what comes next ("a new job, starting in November").
_INCEPTIVE = frozenset({"start", "begin", "commence", "kick", "open", "launch"})
# Past verbs whose infinitive was done, so it points back ("I managed to join", "I got to start there in
# May", "I was able to", "I had to move here")
_DONE = frozenset({"manage", "get", "able", "have", "happen"})
# Verbs of arranging: what they are "for" lies ahead of the arranging ("booked a train for May").
_ARRANGING = frozenset(
    {"book", "schedule", "reschedule", "plan", "reserve", "arrange", "organise", "organize", "postpone"}
)


def _governing_verb(token: Any) -> Any | None:
    node = token
    for _ in range(8):
        if node.pos_ in ("VERB", "AUX"):
            return node
        if node.head is node:
            return None
        node = node.head
    return None


def _done(head: Any) -> bool:
    """Whether ``head`` says its infinitive was done: a past verb of :data:`_DONE` ("managed", "got",
    "had"), or "able" of a past "was"."""
    if head.lemma_.lower() not in _DONE:
        return False
    return bool(head.tag_ == "VBD" or (head.pos_ == "ADJ" and head.head.tag_ == "VBD"))


def _tense(verb: Any, depth: int = 0) -> str:
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in _FUTURE_AUX for a in auxes):
        return "future"
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes):
        return "past"
    if any(a.lemma_ == "have" for a in auxes):
        return "past"  # the perfect: "have lived", "'ve been running since January"
    if verb.tag_ == "VB" and verb.dep_ == "xcomp" and _done(verb.head):
        return "past"
    if any(a.tag_ in _PRESENT_TAGS for a in auxes) or verb.tag_ in ("VBZ", "VBP", "VB"):
        # the present, its progressive and passive ("is getting married in June", "is planned for
        # June") and the bare infinitive ("to open on 12 October") point forward
        return "future"
    if verb.tag_ in ("VBG", "VBN"):
        # a bare participle: "starting in November" announces; otherwise it takes the tense of the
        # clause it hangs from ("walking home on Saturday, I met ...")
        if verb.lemma_ in _INCEPTIVE:
            return "future"
        head = _governing_verb(verb.head) if verb.head is not verb else None
        if head is not None and head is not verb and depth < 3:
            return _tense(head, depth + 1)
        return "nearest"
    return "past"


def direction(span: Any) -> str:
    """``"past"``, ``"future"`` or ``"nearest"``: which way an undirected time phrase points.

    It follows the tense of the verb the phrase hangs from: past tense and perfect ("went", "did go",
    "have been", "have been running") point back; a future auxiliary or modal, the present ("starts on
    1 April"), a present auxiliary ("is getting married in June", "I'm moving in June") and a bare
    infinitive ("to open on 12 October") point forward, but the infinitive of a past verb that says it
    was done points back ("I managed to join", "I got to start there in May", "I was able to"). A bare
    participle points forward when it announces a start ("starting in November") and otherwise takes
    the tense of the clause it hangs from. What a verb of arranging is *for* points forward whatever its
    tense ("we booked a train for the second week of May", "I scheduled the move for June"); what
    follows *since* points back ("I work at Lumen since April", a learner's present perfect; "Tom may
    have worked there since January", a guess about the past), under a future perfect too ("By June
    I'll have lived here since May"), where it is back from the "by" time (:func:`deadline`). Without a
    verb ("On 3 June, from Manchester.") the nearest occurrence is taken.
    """
    verb = _governing_verb(span.root)
    if verb is None:
        return "nearest"
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ == "for" and verb.lemma_.lower() in _ARRANGING:
        return "future"
    if root.dep_ == "pobj" and root.head.lower_ == "since":
        return "past"  # "I work here since April": since is always back, whatever the tense
    return _tense(verb)


def deadline(span: Any, spans: Iterable[Any]) -> Any | None:
    """Of ``spans`` (the time phrases of the text), the "by" phrase that a *since* phrase ``span`` is
    back from under a future perfect: "By January I'll have lived in Porto since March" counts back
    from January, so March is the latest one before it. ``None`` otherwise (a modal perfect, "may have
    worked there since January", is a guess about the past, counted back from the telling)."""
    root = span.root
    if root.dep_ != "pobj" or root.head.lower_ != "since":
        return None
    verb = _governing_verb(root)
    if verb is None or not _future_perfect(verb):
        return None
    for other in spans:
        top = other.root
        if other.start != span.start and top.dep_ == "pobj" and top.head.lower_ == "by" and top.head.head.i == verb.i:
            return other
    return None


# The auxiliaries of the future: "will have lived"; not "may have", "could have", "should have".
_WILL = frozenset({"will", "'ll", "wo", "shall", "ll"})


def _future_perfect(verb: Any) -> bool:
    """Whether ``verb`` is a future perfect: "will have lived", "'ll have been working"."""
    auxes = [c for c in verb.children if c.dep_ == "aux"]
    return any(a.lower_ in _WILL for a in auxes) and any(a.lemma_ == "have" for a in auxes)
