"""One row of bindings flowing through an executing plan."""

from __future__ import annotations

from typing import Any

__all__ = ["Row"]


class Row:
    """Variable bindings, the edges used so far, match scores and notes, and computed columns.

    Rows are never changed in place: each step makes new ones, so a row can be shared by the rows
    derived from it.
    """

    __slots__ = ("cols", "edges", "notes", "scores", "vals")

    def __init__(
        self,
        vals: dict[str, Any] | None = None,
        edges: frozenset[Any] = frozenset(),
        scores: dict[str, float] | None = None,
        notes: dict[str, str] | None = None,
        cols: dict[str, Any] | None = None,
    ) -> None:
        self.vals = vals if vals is not None else {}
        self.edges = edges
        self.scores = scores if scores is not None else {}
        self.notes = notes if notes is not None else {}
        self.cols = cols if cols is not None else {}

    def bind(self, var: str, value: Any, score: float | None = None, note: str | None = None) -> Row:
        """A copy with ``var`` bound to ``value`` (and its match score and note, if given)."""
        vals = dict(self.vals)
        vals[var] = value
        scores = self.scores
        if score is not None:
            scores = dict(scores)
            scores[var] = score
        notes = self.notes
        if note is not None:
            notes = dict(notes)
            notes[var] = note
        return Row(vals, self.edges, scores, notes, self.cols)

    def extend(self, rel: str, edge: Any, keys: tuple[Any, ...], var: str, node: Any) -> Row:
        """A copy with an edge (or path) and the node it reached bound; ``keys`` mark the edges used."""
        vals = dict(self.vals)
        vals[rel] = edge
        vals[var] = node
        return Row(vals, self.edges.union(keys), self.scores, self.notes, self.cols)

    def with_cols(self, cols: dict[str, Any]) -> Row:
        """A copy with output columns set."""
        return Row(self.vals, self.edges, self.scores, self.notes, cols)

    def __repr__(self) -> str:
        return f"Row({self.vals!r}, cols={self.cols!r})"
