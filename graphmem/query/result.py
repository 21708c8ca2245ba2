"""What a query returns: a :class:`Result` of columns and rows, and :class:`Edge` values for edge variables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphmem.models import EdgeType, Entity, Event, Fact, Session
from graphmem.query.plan import Plan

__all__ = ["PATH_KEY_SEP", "Edge", "Result", "format_value", "jsonable", "path_key", "path_key_edge"]


@dataclass(frozen=True, slots=True)
class Edge:
    """An edge bound to a variable: its type, the ids it joins (as stored: start → end), and detail.

    ``role`` is set on mention edges, ``fact`` on FACT edges.
    """

    type: EdgeType
    start: str
    end: str
    role: str | None = None
    fact: Fact | None = None

    def get(self, key: str) -> Any:
        """A property by name (see :data:`graphmem.query.plan.EDGE_PROPS`)."""
        if key == "type":
            return self.type.value
        if key == "role":
            return self.role
        if key == "hops":
            return 1
        fact = self.fact
        if fact is None:
            return None
        if key == "phrase":
            return fact.time_phrase
        if key == "evidence":
            return fact.evidence
        return getattr(fact, key, None)


@dataclass(frozen=True, slots=True)
class Result:
    """The rows a query produced.

    Attributes:
        columns: the column names, in order.
        rows: one tuple per row, values in column order. Nodes are the models of
            :mod:`graphmem.models`; edges are :class:`Edge`; a hop range is a tuple of edges.
        plan: the plan that ran.
        namespace: the namespace it ran in.
        elapsed_ms: wall time of planning and execution.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    plan: Plan
    namespace: str | None = None
    elapsed_ms: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name (values unchanged)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready dicts: nodes and edges as dicts, times as ISO text."""
        return [{c: jsonable(v) for c, v in zip(self.columns, row, strict=True)} for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """The values of one column."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def __repr__(self) -> str:
        return f"<Result {len(self.rows)} rows × {len(self.columns)} columns: {', '.join(self.columns)}>"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def jsonable(value: Any) -> Any:
    """A value as JSON-ready data."""
    if isinstance(value, Event):
        return {
            "id": value.id,
            "source": value.source_id,
            "session": value.session,
            "speaker": value.speaker,
            "time": _iso(value.occurred_at),
            "happened": _iso(span[0]) if (span := value.happened) is not None else None,
            "text": value.text,
        }
    if isinstance(value, Entity):
        return {"id": value.id, "name": value.name, "type": value.type, "aliases": list(value.aliases)}
    if isinstance(value, Session):
        return {"id": value.id, "index": value.index, "time": _iso(value.started_at), "date": value.date_text}
    if isinstance(value, Edge):
        data: dict[str, Any] = {"type": value.type.value, "start": value.start, "end": value.end}
        if value.role is not None:
            data["role"] = value.role
        if value.fact is not None:
            f = value.fact
            data.update(
                id=f.id,
                predicate=f.predicate,
                valid_from=_iso(f.valid_from),
                valid_to=_iso(f.valid_to),
                recorded_at=_iso(f.recorded_at),
                expired_at=_iso(f.expired_at),
                evidence=list(f.evidence),
                confidence=f.confidence,
                phrase=f.time_phrase,
            )
        return data
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    return value


def _when(value: datetime) -> str:
    if value.hour == value.minute == value.second == 0:
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M")


def format_value(value: Any, width: int = 120) -> str:
    """A value as short text for a table cell."""
    if value is None:
        return ""
    if isinstance(value, Event):
        text = value.text if len(value.text) <= width else value.text[: width - 1] + "…"
        ref = value.source_id or value.id
        return f"[{ref}] {value.speaker or '?'}: {text}"
    if isinstance(value, Entity):
        return f"{value.name} ({value.type})"
    if isinstance(value, Session):
        when = f" {_when(value.started_at)}" if value.started_at else ""
        return f"{value.id}{when}"
    if isinstance(value, Edge):
        detail = value.fact.predicate if value.fact else value.role
        label = f"{value.type.value}:{detail}" if detail and detail != "mention" else value.type.value
        return f"{value.start} -[{label}]-> {value.end}"
    if isinstance(value, datetime):
        return _when(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v, width) for v in value)
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


#: Ends each id and edge part of a :func:`path_key`; below every character of an id, so the keys of two
#: paths of one length compare as their lists of node ids, then of edges.
PATH_KEY_SEP = "\x01"


def path_key(start: str, path: Sequence[Edge]) -> str:
    """What orders equally short paths from ``start``: the node ids in order, then each edge's type and
    its fact id (FACT) or role (MENTIONS, SPOKEN_BY), each part ended by :data:`PATH_KEY_SEP`. The Cypher
    push-down builds the same text (:meth:`graphmem.query.cypher._Compiler.path_key`)."""
    sep = PATH_KEY_SEP
    nodes = [start]
    for edge in path:
        nodes.append(edge.end if edge.start == nodes[-1] else edge.start)
    return "".join(f"{n}{sep}" for n in nodes) + "".join(path_key_edge(edge) for edge in path)


def path_key_edge(edge: Edge) -> str:
    """One edge's part of a :func:`path_key`: its type and its fact id or role, each ended by
    :data:`PATH_KEY_SEP`."""
    sep = PATH_KEY_SEP
    if edge.type is EdgeType.FACT:
        detail = edge.fact.id if edge.fact is not None else ""
    elif edge.type in (EdgeType.MENTIONS, EdgeType.SPOKEN_BY):
        detail = edge.role or ""
    else:
        detail = ""
    return f"{edge.type.value}{sep}{detail}{sep}"
