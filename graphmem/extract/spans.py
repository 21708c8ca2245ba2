"""A time phrase of a parsed turn (a spaCy DATE or TIME span), resolved as the extractor resolves it.

The resolver (:class:`~graphmem.extract.times.TimeResolver`) reads the phrase; the parse around it says
which way it points (:func:`~graphmem.extract.tense.direction`), what it counts back from (a *since*
phrase under a future perfect counts back from the clause's "by" time: "By January I'll have lived in
Porto since March" is the latest March before that January, :func:`~graphmem.extract.tense.deadline`),
and whether it names a time at all: a decade after a possessive is an age ("in my late twenties",
"people in their twenties": spaCy's span leaves the possessive out) and a decade that "it" was in is
a temperature ("it was in the nineties all week"; not a cleft: "it was in the nineties that I lived in
Rome"); both stay unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graphmem.extract.tense import deadline, direction
from graphmem.extract.times import TimeResolver
from graphmem.models import TimeRef

__all__ = ["resolve_span"]

# A decade, in words or figures
_DECADE = re.compile(r"(?:twent|thirt|fort|fift|sixt|sevent|eight|ninet)ies\b|\b\d0'?s\b|\bteens\b", re.IGNORECASE)
# Subjects of "be in the nineties" that make it a temperature
_WEATHER = frozenset({"it", "temperature", "temperatures", "weather", "thermometer", "highs", "lows"})
_CLAUSES = frozenset({"relcl", "advcl", "ccomp", "acl"})


def resolve_span(
    resolver: TimeResolver,
    span: Any,
    spans: Sequence[Any],
    reference: datetime | None,
    *,
    antecedent: TimeRef | None = None,
) -> TimeRef:
    """``span``, one of a turn's time phrases ``spans``, resolved against ``reference`` (when the turn
    was said, on the speaker's clock) and ``antecedent`` (the time talked of before, for "later that
    month": :mod:`graphmem.extract.antecedents`); see the module docs."""
    if _no_date(span):
        return TimeRef(span.text)
    by = deadline(span, spans)
    if by is not None and reference is not None:
        reference = resolver.resolve(by.text, reference, prefer=direction(by)).start or reference
    return resolver.resolve(span.text, reference, prefer=direction(span), antecedent=antecedent)


def _no_date(span: Any) -> bool:
    """Whether a span naming a decade is an age or a temperature."""
    if not _DECADE.search(span.text):
        return False
    before = span.doc[span.start - 1] if span.start > 0 else None
    if before is not None and before.tag_ == "PRP$":
        return True  # "[late twenties]" of "in my late twenties"
    root = span.root
    be = root.head.head
    if root.dep_ != "pobj" or root.head.lower_ != "in" or be.lemma_ != "be":
        return False
    if any(c.dep_ in _CLAUSES for c in (*root.children, *be.children)):
        return False  # a cleft: "it was in the nineties that I lived in Rome", "... when we met"
    return any(c.dep_ == "nsubj" and c.lower_ in _WEATHER for c in be.children)
