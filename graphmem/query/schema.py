"""The names a query may use: node labels and edge types, and the closest-word suggestion for typos."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphmem.models import EdgeType, NodeKind
from graphmem.query import plan as p

__all__ = ["DEFAULT_ENTITY_TYPES", "DEFAULT_SCHEMA", "Schema", "closest"]

#: Entity types the extractors write (spaCy NER types mapped, speakers, noun-chunk topics).
DEFAULT_ENTITY_TYPES = (
    "Person",
    "Place",
    "Organization",
    "Group",
    "Occasion",
    "Work",
    "Product",
    "Language",
    "Thing",
    "Topic",
)


def closest(word: str, candidates: Iterable[str], cutoff: float = 60.0) -> str | None:
    """The candidate most like ``word`` (ignoring case), or ``None`` when none is close."""
    from rapidfuzz import fuzz, process

    options = list(dict.fromkeys(candidates))
    if not options:
        return None
    best = process.extractOne(word, options, scorer=fuzz.ratio, processor=str.lower, score_cutoff=cutoff)
    return None if best is None else str(best[0])


@dataclass(frozen=True, slots=True)
class Schema:
    """The labels and edge types a query may name.

    Node labels are the kinds ``Event``, ``Entity`` and ``Session`` plus the entity types (``Person``,
    ``Place``, …), matched ignoring case. Edge types are :class:`~graphmem.models.EdgeType` plus two
    reversed aliases: ``SAID`` (person → event, the reverse of ``SPOKEN_BY``) and ``PREV`` (the reverse
    of ``NEXT``).
    """

    entity_types: tuple[str, ...] = DEFAULT_ENTITY_TYPES

    def with_types(self, types: Iterable[str]) -> Schema:
        """This schema with more entity types (e.g. the ones a store actually holds)."""
        known = {t.lower() for t in self.entity_types}
        extra = sorted({t for t in types if t and t.lower() not in known and t.isidentifier()})
        return Schema((*self.entity_types, *extra)) if extra else self

    @property
    def labels(self) -> tuple[str, ...]:
        """Every node label, kinds first."""
        return ("Event", "Entity", "Session", *self.entity_types)

    @property
    def edge_types(self) -> tuple[str, ...]:
        """Every edge type name, aliases included."""
        return (*(t.value for t in EdgeType), "SAID", "PREV")

    def label(self, name: str) -> p.Labels | None:
        """The node set a label names, or ``None`` when it names none."""
        low = name.lower()
        if low == "event":
            return p.Labels((NodeKind.EVENT,))
        if low == "session":
            return p.Labels((NodeKind.SESSION,))
        if low == "entity":
            return p.Labels((NodeKind.ENTITY,))
        for t in self.entity_types:
            if t.lower() == low:
                return p.Labels((NodeKind.ENTITY,), (t,))
        return None

    def edge_type(self, name: str) -> tuple[EdgeType, bool] | None:
        """The stored edge type a name means and whether it is followed in reverse, or ``None``."""
        up = name.upper()
        if up == "SAID":
            return EdgeType.SPOKEN_BY, True
        if up == "PREV":
            return EdgeType.NEXT, True
        try:
            return EdgeType(up), False
        except ValueError:
            return None


DEFAULT_SCHEMA = Schema()
