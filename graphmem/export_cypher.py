"""The Cypher script of an export (``graphmem export --format cypher``): the statements that rebuild
exported namespaces in the shape the Neo4j store writes, constraints and indexes first, then the store's
own parameterised write statements (:mod:`graphmem.store.cypher.write`) with their parameters bound as
escaped literals, so ``cypher-shell -f graph.cypher`` or Neo4j Browser load it. :mod:`graphmem.export`
writes it and names :func:`cypher_literal` and :func:`iter_cypher_statements` in its API.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graphmem.models import NodeKind
from graphmem.store.cypher import write as w
from graphmem.store.cypher.dialect import NEO4J
from graphmem.store.cypher.schema import (
    SCHEMA_VERSION,
    dt_in,
    entity_row,
    event_row,
    fact_row,
    session_row,
    vector_in,
)

if TYPE_CHECKING:
    from graphmem.export import NamespaceDump

__all__ = ["cypher_literal", "iter_cypher_statements"]

#: Rows per statement of the script.
_CHUNK = 200
#: The script records this graphmem's schema version only in a database that has none (new, or empty): a
#: database of an older schema keeps its number, so graphmem's next writable open upgrades it (the data the
#: script writes included), and one of a newer schema keeps its own, which this graphmem never lowers.
RECORD_VERSION_IF_NONE = "MERGE (m:GraphmemSchema {name: 'graphmem'}) SET m.version = coalesce(m.version, $version)"
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string_literal(text: str) -> str:
    parts = []
    for ch in text:
        if ch in _ESCAPES:
            parts.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ch in "\x7f\u2028\u2029":
            parts.append(f"\\u{ord(ch):04x}")
        else:
            parts.append(ch)
    return "'" + "".join(parts) + "'"


def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (strings escaped, datetimes as ``localdatetime(...)``).

    Raises:
        ValueError: a value with no literal form (NaN, infinities, other types).
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Cypher literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("datetimes are exported naive (UTC)")
        return f"localdatetime({_string_literal(value.isoformat())})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            name = k if _PLAIN_KEY.match(k) else "`" + k.replace("`", "``") + "`"
            items.append(f"{name}: {cypher_literal(v)}")
        return "{" + ", ".join(items) + "}"
    raise ValueError(f"no Cypher literal for a {type(value).__name__}")


def _bind(statement: str, **values: Any) -> str:
    """One of the store's parameterised statements with its parameters replaced by literals."""

    def literal(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for ${name}")
        return cypher_literal(values[name])

    # one pass, so text inside an inserted literal is never substituted again
    return re.sub(r"\$(\w+)", literal, statement.strip())


def _chunks(rows: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(rows), _CHUNK):
        yield list(rows[start : start + _CHUNK])


def iter_cypher_statements(dumps: Iterable[NamespaceDump]) -> Iterator[str]:
    """The statements (without ``;``) that rebuild these namespaces in Neo4j: schema, nodes, edges.

    The schema version is recorded only in a database without one (:data:`RECORD_VERSION_IF_NONE`).
    """
    for s in NEO4J.schema_statements():
        yield s.cypher
    yield _bind(RECORD_VERSION_IF_NONE, version=SCHEMA_VERSION)
    for d in dumps:
        ns = d.namespace
        for rows in _chunks([session_row(s) for s in d.sessions]):
            yield _bind(w.PUT_SESSIONS, ns=ns, rows=rows)
        for rows in _chunks([event_row(e) for e in d.events]):
            yield _bind(w.PUT_EVENTS, ns=ns, rows=rows)
        for rows in _chunks([entity_row(x) for x in d.entities]):
            yield _bind(w.PUT_ENTITIES, ns=ns, rows=rows)
        for rel, statement in w.PUT_MENTIONS.items():
            mentions = [
                {"event": m.event_id, "entity": m.entity_id, "role": m.role}
                for m in d.mentions
                if m.edge_type.value == rel
            ]
            for rows in _chunks(mentions):
                yield _bind(statement, ns=ns, rows=rows)
        for rows in _chunks([fact_row(f) for f in d.facts]):
            yield _bind(w.DROP_FACTS, ns=ns, ids=[r["id"] for r in rows])
            yield _bind(w.PUT_FACTS, ns=ns, rows=rows)
        for pairs in _chunks([list(p) for p in d.next_pairs()]):
            yield _bind(w.NEXT_MAKE, ns=ns, pairs=pairs)
        for pairs in _chunks([list(p) for p in d.next_session_pairs()]):
            yield _bind(w.NEXT_SESSION_MAKE, ns=ns, pairs=pairs)
        yield from _embedding_statements(d)
        sources = [
            {"key": r.key, "content_hash": r.content_hash, "ingested_at": dt_in(r.ingested_at)} for r in d.sources
        ]
        marks = [{"session": sid, "high": high} for sid, high in d.position_marks()]
        for rows in _chunks(marks):  # each session's highest position given, forgotten events included
            yield _bind(w.PUT_POSITIONS, ns=ns, rows=rows)
        for rows in _chunks([{"session": sid, "seq": seq} for sid, seq in d.forgotten_live]):
            yield _bind(w.PUT_FORGOTTEN_LIVE, ns=ns, rows=rows)
        for rows in _chunks(sources):  # the ingest bookkeeping, last (as a sync writes it)
            yield _bind(w.PUT_SOURCES, ns=ns, rows=rows)


def _embedding_statements(d: NamespaceDump) -> Iterator[str]:
    """The statements that write a namespace's stored vectors, by node kind, model and scheme."""
    ns = d.namespace
    kinds = {
        **{s.id: NodeKind.SESSION for s in d.sessions},
        **{e.id: NodeKind.EVENT for e in d.events},
        **{x.id: NodeKind.ENTITY for x in d.entities},
    }
    groups: dict[tuple[NodeKind, str, str], list[dict[str, Any]]] = {}
    for node_id, vector, model in d.embeddings:
        if node_id in kinds:
            key = (kinds[node_id], model, d.schemes.get(node_id, ""))
            groups.setdefault(key, []).append({"id": node_id, "vector": vector_in(vector)})
    for (kind, model, scheme), vec_rows in sorted(groups.items()):
        for rows in _chunks(vec_rows):
            yield _bind(w.PUT_EMBEDDINGS[kind], ns=ns, rows=rows, model=model, scheme=scheme or None)
