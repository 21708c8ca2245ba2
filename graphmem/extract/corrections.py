"""Corrections: a statement that memory had a value wrong, not that the world changed.

"I work at Acme." … "Sorry, I meant Globex. I work at Globex." says Ana never worked at Acme: the first
statement was a slip. "I work at Globex now" says she moved. A demanding memory keeps the two apart on
its two time axes: a change ends the old value in the world (``valid_to``), a correction retracts memory's
belief in it (the old value's current version holds for no time at all, and the earlier version stays
readable ``AS OF`` a moment before the correction) and the new value holds from when the old one was said
to start.

A state fact (a single-valued predicate: ``works_at``, ``lives_in`` …) is read as a correction when the
sentence that names its object carries a correction cue, or the sentence before it in the same turn is a
bare slip ("Sorry, my mistake." — a cue in at most six words):

- a speaker owning a slip: "I meant Globex" (not "I meant to …"), "I misspoke", "my mistake", "my bad",
  "I got that wrong", "I was wrong." (not "wrong about …"), "scratch that.", "Correction:" opening the
  sentence, "to correct myself";
- a negated alternative naming an entity: "Globex, **not** Acme" (then only a value named so is corrected).

A sentence that tells news is never a correction, whatever cue it has: "now", "anymore", "these days",
"nowadays", "new", "recently", "moved", "started", "switched", "changed", "left", "quit" ("Not Acme
anymore! I work at Globex now" is a change). "Actually" alone is no cue ("Actually, I moved to Porto").

Each correction becomes a :class:`~graphmem.models.FactClosing` with ``correction`` set and ``value``
the new object; temporal maintenance (:func:`graphmem.extract.temporal.apply_corrections`) finds the
value it corrects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from graphmem.extract.vocabulary import is_single_valued
from graphmem.models import Event, Fact, FactClosing

__all__ = ["correction_cue", "corrections", "negated_entities", "tells_news"]

_CUE = re.compile(
    r"\bI\s+meant\b(?!\s+to\b)|\bI\s+misspoke\b|\bmy\s+(?:mistake|bad)\b|\bI\s+got\s+(?:that|it)\s+wrong\b"
    r"|\bI\s+was\s+wrong\s*(?:[.,;:!—–-]|$)|\bscratch\s+that\s*(?:[.,;:!—–-]|$)|^\W*correction\b"
    r"|\bto\s+correct\s+myself\b",
    re.IGNORECASE,
)
# words that tell news, not a slip: "I work at Globex now", "I moved", "not Acme anymore"
_NEWS = re.compile(
    r"\b(?:now|anymore|any\s+more|these\s+days|nowadays|new|recently|moved|started|switched|changed|left|quit)\b",
    re.IGNORECASE,
)
#: A sentence before the fact's counts only when it is a bare slip ("Sorry, my mistake."), this many words at most.
_BARE_WORDS = 6


def correction_cue(sent: Any) -> bool:
    """Whether a sentence (a spaCy span) owns a slip: "I meant Globex" (not "I meant to"), "I misspoke",
    "my mistake", "my bad", "I got that wrong", "I was wrong." (not "wrong about"), "scratch that.",
    "Correction:" opening it, "to correct myself"."""
    return _CUE.search(sent.text) is not None


def tells_news(sent: Any) -> bool:
    """Whether a sentence tells of a change ("now", "anymore", "moved", "started" …): then it corrects nothing."""
    return _NEWS.search(sent.text) is not None


def _bare_slip(sent: Any) -> bool:
    return correction_cue(sent) and sum(1 for t in sent if t.is_alpha) <= _BARE_WORDS


def negated_entities(sent: Any, entity_of: dict[int, str]) -> set[str]:
    """Entities a sentence names right after a bare "not" ("Globex, not Acme"): the values it denies."""
    out: set[str] = set()
    for tok in sent:
        if tok.lower_ != "not" or tok.i + 1 >= sent.end:
            continue
        nxt = tok.doc[tok.i + 1]
        if tok.head.i in entity_of and tok.head.i >= tok.i:  # "not" attached to the name it precedes
            out.add(entity_of[tok.head.i])
        elif nxt.i in entity_of and nxt.pos_ in ("PROPN", "NOUN"):
            out.add(entity_of[nxt.i])
    return out


def _sentences_naming(doc: Any, entity_of: dict[int, str], entity: str) -> list[Any]:
    seen: dict[int, Any] = {}
    for i, eid in entity_of.items():
        if eid == entity:
            sent = doc[i].sent
            seen.setdefault(sent.start, sent)
    return [seen[k] for k in sorted(seen)]


def corrections(
    doc: Any, event: Event, entity_of: dict[int, str], facts: Iterable[Fact], recorded_at: datetime
) -> list[FactClosing]:
    """The corrections a parsed turn makes: one per state fact stated under a correction cue.

    Args:
        doc: the parsed turn.
        event: its event (the evidence).
        entity_of: token index → entity id.
        facts: the turn's facts.
        recorded_at: when memory learned them.
    """
    sentences = list(doc.sents)
    out: list[FactClosing] = []
    for f in facts:
        if not is_single_valued(f.predicate):
            continue
        cued = False
        denied: set[str] = set()
        for sent in _sentences_naming(doc, entity_of, f.object_id):
            if tells_news(sent):
                cued = False
                denied.clear()
                break
            k = next(n for n, s in enumerate(sentences) if s.start == sent.start)
            cued = cued or correction_cue(sent) or (k > 0 and _bare_slip(sentences[k - 1]))
            denied |= negated_entities(sent, entity_of)
        denied.discard(f.object_id)
        denied.discard(f.subject_id)
        if not cued and not denied:
            continue
        base = FactClosing(
            namespace=event.namespace,
            predicate=f.predicate,
            recorded_at=recorded_at,
            subject_id=f.subject_id,
            evidence=(event.id,),
            correction=True,
            value=f.object_id,
        )
        if denied:
            out.extend(replace(base, object_id=obj) for obj in sorted(denied))
        else:
            out.append(base)
    return out
