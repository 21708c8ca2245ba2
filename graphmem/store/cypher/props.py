"""Properties read back from a Cypher server, checked: a value of the wrong type is a named error.

What graphmem wrote always reads back, but a server is open to other clients: a hand edit in Neo4j Browser
(``SET e.occurred_at = '2025-02-04T09:00'``, a string where a ``LOCAL DATETIME`` belongs) or another
application's node under a graphmem label (an ``:Event`` without ``seq``) would otherwise end every read of
the namespace in a ``TypeError`` far from its cause. :class:`PropReader` reads one node's (or ``FACT``
relationship's) properties, and a missing or ill-typed one raises
:class:`~graphmem.errors.MalformedNodeError` naming the namespace, the node (label and id), the property,
the value found, and the Cypher that mends it. Reading never writes: the error leaves the store as it was.

Times are read strictly (a string is refused, not parsed): docs/neo4j-browser.md says times are
``LOCAL DATETIME`` values, and a string would compare and sort differently in every Cypher query
(Browser's, and graphmem's own pushed-down ones) while reading well here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from graphmem.errors import MalformedNodeError
from graphmem.models import TimeRef

__all__ = ["PropReader", "dt_in", "dt_out"]


def dt_in(value: datetime | None) -> datetime | None:
    """A datetime as stored: naive UTC (sent to Neo4j as ``LOCAL DATETIME``)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def dt_out(value: datetime | date | None) -> datetime | None:
    """A stored temporal value, as a session returns it, back to a naive datetime (UTC when it had a zone).

    A ``DATE`` another client stored reads as midnight that day. Anything else is a ``TypeError``
    (:meth:`PropReader.moment` names the node instead).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return dt_in(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"{value!r} ({type(value).__name__}) is not a date-time")


def _kind(value: Any) -> str:
    """How Cypher would name the type of a value the driver returned."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a map"
    return f"a {type(value).__name__}"


def _lit(value: str) -> str:
    """A Cypher string literal (JSON's escapes are Cypher's)."""
    return json.dumps(value, ensure_ascii=False)


class PropReader:
    """Reads the properties ``props`` of one node labelled ``label`` (or of a ``FACT`` relationship).

    Args:
        label: the node label (``"Event"``), or ``"FACT"`` for a fact relationship.
        props: its properties as the session returned them.
        namespace: the namespace read, when ``props`` lacks it.
        node_id: its id, when ``props`` lacks it.
    """

    __slots__ = ("_id", "_label", "_ns", "_props")

    def __init__(
        self, label: str, props: Mapping[str, Any], *, namespace: str | None = None, node_id: Any = None
    ) -> None:
        self._label = label
        self._props = props
        self._ns = props.get("namespace", namespace)
        self._id = props.get("id", node_id)

    # -- errors -------------------------------------------------------------------------------------

    def _match(self) -> str:
        ns = _lit(str(self._ns))
        key = f"{{namespace: {ns}, id: {_lit(self._id)}}}" if isinstance(self._id, str) else f"{{namespace: {ns}}}"
        var = "f" if self._label == "FACT" else "n"
        where = "" if isinstance(self._id, str) else f" WHERE {var}.id IS NULL"
        if self._label == "FACT":
            return f"MATCH ()-[f:FACT {key}]->(){where}"
        return f"MATCH (n:{self._label} {key}){where}"

    def error(self, key: str, problem: str, fix: str) -> MalformedNodeError:
        """The error for property ``key``, which ``problem`` describes and the Cypher ``fix`` mends."""
        var = "f" if self._label == "FACT" else "n"
        what = f"the FACT relationship {self._id!r}" if self._label == "FACT" else f"the :{self._label} node"
        if self._label != "FACT":
            what += f" {self._id!r}" if isinstance(self._id, str) else " without an id"
        message = (
            f"namespace {self._ns!r}: graphmem cannot read the property {key} of {what}: {problem}. Nothing was "
            f"changed. Mend it (e.g. in Neo4j Browser: {self._match()} SET {var}.{key} = {fix}), or remove it "
            f"if another application wrote it (graphmem's labels are its own: docs/neo4j-browser.md), "
            "then bump the namespace's changes counter"
        )
        return MalformedNodeError(
            message, namespace=self._ns, label=self._label, node_id=self._id, prop=key, value=self._props.get(key)
        )

    def _wrong(self, key: str, wanted: str, fix: str) -> MalformedNodeError:
        value = self._props.get(key)
        if value is None:
            return self.error(key, f"it is missing (it must be {wanted})", fix)
        return self.error(key, f"it is {value!r}, {_kind(value)}, not {wanted}", fix)

    # -- values -------------------------------------------------------------------------------------

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string property (``None`` when absent and not ``required``)."""
        value = self._props.get(key)
        if isinstance(value, str) or (value is None and not required):
            return value
        fix = f"toString({'f' if self._label == 'FACT' else 'n'}.{key})" if value is not None else '"…"'
        raise self._wrong(key, "a string", fix)

    def required_text(self, key: str) -> str:
        """A string property that must be there."""
        value = self.text(key, required=True)
        assert value is not None
        return value

    def required_integer(self, key: str) -> int:
        """A whole-number property that must be there."""
        value = self.integer(key, required=True)
        assert value is not None
        return value

    def required_moment(self, key: str) -> datetime:
        """A ``LOCAL DATETIME`` property that must be there."""
        value = self.moment(key, required=True)
        assert value is not None
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        """A whole-number property (a float with no fraction reads as its integer)."""
        value = self._props.get(key)
        if value is None and not required:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise self._wrong(key, "an integer", "<an integer>")

    def number(self, key: str, default: float) -> float:
        """A numeric property, ``default`` when absent."""
        value = self._props.get(key)
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise self._wrong(key, "a number", "<a number>")

    def texts(self, key: str) -> tuple[str, ...]:
        """A list-of-strings property (absent: empty)."""
        value = self._props.get(key)
        if value is None:
            return ()
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise self._wrong(key, "a list of strings", '["…"]')

    def moment(self, key: str, *, required: bool = False) -> datetime | None:
        """A ``LOCAL DATETIME`` property as a naive UTC datetime (a ``DATE`` reads as midnight)."""
        value = self._props.get(key)
        if value is None and not required:
            return None
        if isinstance(value, date):
            return dt_out(value)
        var = "f" if self._label == "FACT" else "n"
        fix = f"localdatetime({var}.{key})" if isinstance(value, str) else 'localdatetime("2025-01-31T09:00")'
        raise self._wrong(key, "a LOCAL DATETIME", fix)

    def time_refs(self, key: str) -> tuple[TimeRef, ...]:
        """An event's resolved time expressions, stored as JSON ``[[phrase, start, end, grain], ...]``."""
        text = self.text(key)
        if not text:
            return ()

        def moment(s: str | None) -> datetime | None:
            return None if s is None else datetime.fromisoformat(s)

        try:
            return tuple(TimeRef(p, moment(s), moment(e), g) for p, s, e, g in json.loads(text))
        except (ValueError, TypeError) as exc:
            problem = f"{text!r} is not a JSON list of [phrase, start, end, grain] ({exc})"
            raise self.error(key, problem, '"[]"') from None
