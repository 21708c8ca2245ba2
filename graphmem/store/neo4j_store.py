"""The Neo4j store: the :class:`~graphmem.store.base.GraphStore` contract over Bolt with the official driver.

The graph lives in Neo4j in the shape described in :mod:`graphmem.store.cypher_schema`, so people can
explore it in Neo4j Browser and other clients can read it. Batches are written by one managed transaction
(:mod:`graphmem.store.neo4j_write`) with the driver's retries: all of a batch, or none of it. Reads use
``execute_query`` with the driver's bookmarks, so a write is visible to the next read.

Any Bolt server speaking Neo4j 5 Cypher works. Where a server lacks a feature the store needs, the
feature is detected at open time, never guessed from the server's name in query code: without the
full-text index (ArcadeDB's Bolt plugin rejects its DDL) :meth:`Neo4jStore.search_text` scores
candidates found by ``CONTAINS`` with BM25 on the client (see :func:`_bm25`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from graphmem.errors import ConfigError, StoreError
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, NodeKind, Session, validate_namespace
from graphmem.store import neo4j_write
from graphmem.store.base import DeleteResult, Direction, Neighbor, StoreStats, TextHit, TimeFilter
from graphmem.store.cypher_schema import (
    FULLTEXT_INDEX,
    KIND_OF_LABEL,
    dt_in,
    dt_out,
    entity_from_props,
    event_from_props,
    fact_from_props,
    name_key,
    session_from_props,
)

__all__ = ["Neo4jStore"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_WORD = re.compile(r"\w+", re.UNICODE)

# What reads return of a node: every model property, never the embedding (hundreds of floats).
_SESSION_MAP = "n {.namespace, .id, .index, .started_at, .date_text}"
_EVENT_MAP = (
    "n {.namespace, .id, .session, .seq, .speaker, .text, .occurred_at, .source_id, .source_file, "
    ".source_line, .kind, .times}"
)
_ENTITY_MAP = "n {.namespace, .id, .name, .type, .aliases}"

# The edges of a node of any label in one round trip: one index seek per label.
_NEIGHBORS = "\nUNION ALL\n".join(
    f"MATCH (n:{label} {{namespace: $ns, id: $id}})-[r]-(m) "
    "WHERE ($types IS NULL OR type(r) IN $types) AND (m:Session OR m:Event OR m:Entity) "
    "RETURN type(r) AS type, startNode(r) = n AS out, endNode(r) = n AS inn, labels(m) AS labels, "
    "m.id AS id, m.occurred_at AS at, properties(r) AS p, startNode(r).id AS src, endNode(r).id AS dst"
    for label in ("Session", "Event", "Entity")
)

_STATS_NODES = """
MATCH (n:Session|Event|Entity) WHERE $ns IS NULL OR n.namespace = $ns
RETURN n.namespace AS ns, labels(n) AS labels, count(*) AS n, count(n.embedding) AS embeddings
"""
_STATS_RELS = """
MATCH ()-[r:MENTIONS|SPOKEN_BY|FACT]->() WHERE $ns IS NULL OR r.namespace = $ns
RETURN r.namespace AS ns, type(r) AS type, count(*) AS n
"""


class Neo4jStore:
    """A :class:`~graphmem.store.base.GraphStore` in a Neo4j database (or another Bolt server).

    Open one with :meth:`Neo4jStore.open` or ``Memory.open("neo4j://host:7687", auth=..., database=...)``.

    Attributes:
        uri: ``<server uri>/<database>``, for messages and as the key of client-side caches.
        server_uri: the Bolt URI as given.
        database: the database name (``None``: the server's default database).
        fulltext: whether the server has the full-text index on event text.
    """

    directory = None  # no local directory: caches go to a per-URI cache folder

    def __init__(
        self, driver: Any, server_uri: str, database: str | None, *, user: str | None, agent: str = ""
    ) -> None:
        """Wrap an open driver. Use :meth:`Neo4jStore.open`."""
        self._driver = driver
        self.server_uri = server_uri
        self.database = database
        self.uri = f"{server_uri.rstrip('/')}/{database or 'default'}"
        self.user = user
        self.agent = agent
        self.fulltext = False
        self._closed = False

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        uri: str,
        *,
        auth: tuple[str, str] | None = None,
        database: str | None = None,
        create: bool = True,
        connection_timeout: float = 10.0,
        max_transaction_retry_time: float = 15.0,
    ) -> Neo4jStore:
        """Connect to the server at ``uri``, check the database and create the schema idempotently.

        Args:
            uri: ``neo4j://``, ``bolt://`` (or ``+s``/``+ssc``) URI of the server.
            auth: ``(user, password)``; ``None`` reads ``NEO4J_USERNAME``/``NEO4J_PASSWORD`` (no auth
                when neither is set).
            database: the database; ``None`` reads ``NEO4J_DATABASE``, else the server's default.
            create: create the database when it does not exist (needs a server that can, e.g. Neo4j
                Enterprise); when false a missing database is an error.
            connection_timeout: seconds to wait for a connection.
            max_transaction_retry_time: seconds the driver keeps retrying a transaction on transient
                faults (a server restarting) before giving up.

        Raises:
            ConfigError: the URI is malformed, or the server refused the credentials.
            StoreError: the server is down or unreachable, the database does not exist (and could not
                be created), or the schema cannot be created.
            SchemaVersionError: the database was written by a newer graphmem.
            MissingDependencyError: the ``neo4j`` driver is not installed.

        The driver's own log records (such as "Unable to retrieve routing information" when the server
        is down) are not printed unless the application configures logging: the error raised says it.
        """
        from graphmem.store.neo4j_setup import connect

        return connect(
            cls,
            uri,
            auth=auth,
            database=database,
            create=create,
            connection_timeout=connection_timeout,
            max_transaction_retry_time=max_transaction_retry_time,
        )

    @property
    def arcadedb(self) -> bool:
        """Whether the server is ArcadeDB's Bolt plugin (used only to explain skipped DDL)."""
        return "arcadedb" in self.agent.lower()

    def _create_schema(self) -> None:
        from graphmem.store.neo4j_setup import create_schema

        create_schema(self)

    # -- errors ----------------------------------------------------------------------------------------

    def _wrap(self, exc: BaseException, action: str) -> Exception:
        """A driver exception as a named graphmem error."""
        from neo4j import exceptions as nx

        where = self.server_uri
        if isinstance(exc, nx.AuthError):
            who = f"user {self.user!r}" if self.user else "an unauthenticated client"
            return ConfigError(f"the Neo4j server at {where} refused the credentials of {who}: {short_error(exc)}")
        if isinstance(exc, (nx.ServiceUnavailable, nx.SessionExpired)):
            return StoreError(f"the Neo4j server at {where} is down or unreachable while {action}: {short_error(exc)}")
        if isinstance(exc, nx.ClientError) and exc.code == "Neo.ClientError.Database.DatabaseNotFound":
            return StoreError(f"no database {self.database!r} on the Neo4j server at {where}")
        if isinstance(exc, nx.Neo4jError):
            return StoreError(f"Neo4j error while {action} at {self.uri}: {exc.code}: {short_error(exc)}")
        if isinstance(exc, nx.DriverError):
            return StoreError(f"Neo4j driver error while {action} at {self.uri}: {short_error(exc)}")
        return StoreError(f"{action} failed at {self.uri}: {exc}")

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            yield
        except (DriverError, Neo4jError) as exc:
            raise self._wrap(exc, action) from exc
        except OSError as exc:
            raise self._wrap(exc, action) from exc

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store at {self.uri} is closed")

    def _ns(self, namespace: str) -> str:
        validate_namespace(namespace)
        self._check_open()
        return namespace

    def _read(self, cypher: str, **params: Any) -> list[Any]:
        from neo4j import RoutingControl

        with self._errors("reading"):
            records, _, _ = self._driver.execute_query(
                cypher, params, database_=self.database, routing_=RoutingControl.READ
            )
        return list(records)

    def _write_tx(self, action: str, fn: Callable[..., T], *args: Any) -> T:
        self._check_open()
        with (
            self._errors(f"{action}; nothing was written"),
            self._driver.session(
                database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
            ) as session,
        ):
            result: T = session.execute_write(fn, *args)
            return result

    def close(self) -> None:
        """Close the driver. Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._driver.close()

    def __repr__(self) -> str:
        return f"<Neo4jStore {self.uri}{' closed' if self._closed else ''}>"

    # -- writing ---------------------------------------------------------------------------------------

    def write(self, batch: Batch) -> None:
        """Apply a batch in one managed transaction (retried on transient faults); all or nothing."""
        ns = validate_namespace(batch.namespace)
        self._write_tx(f"writing a batch to namespace {ns!r}", neo4j_write.write_batch, batch)

    # -- reading ---------------------------------------------------------------------------------------

    def get_session(self, namespace: str, session_id: str) -> Session | None:
        """Return the session with this id, or ``None``."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (n:Session {namespace: $ns, id: $id}) RETURN " + _SESSION_MAP + " AS p", ns=ns, id=session_id
        )
        return session_from_props(rows[0]["p"]) if rows else None

    def get_event(self, namespace: str, event_id: str) -> Event | None:
        """Return the event with this id, or ``None``."""
        found = self.get_events(namespace, [event_id])
        return found[0] if found else None

    def get_events(self, namespace: str, event_ids: Sequence[str]) -> list[Event]:
        """Return the events that exist among ``event_ids``, in the order asked."""
        ns = self._ns(namespace)
        ids = [i for i in dict.fromkeys(event_ids) if isinstance(i, str)]
        if not ids:
            return []
        rows = self._read(
            "UNWIND $ids AS i MATCH (n:Event {namespace: $ns, id: i}) RETURN " + _EVENT_MAP + " AS p", ns=ns, ids=ids
        )
        by_id = {r["p"]["id"]: event_from_props(r["p"]) for r in rows}
        return [by_id[i] for i in event_ids if i in by_id]

    def get_entity(self, namespace: str, entity_id: str) -> Entity | None:
        """Return the entity with this id, or ``None``."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (n:Entity {namespace: $ns, id: $id}) RETURN " + _ENTITY_MAP + " AS p", ns=ns, id=entity_id
        )
        return entity_from_props(rows[0]["p"]) if rows else None

    def get_fact(self, namespace: str, fact_id: str) -> Fact | None:
        """Return the fact with this id, or ``None``."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (a:Entity)-[r:FACT {namespace: $ns, id: $id}]->(b:Entity) "
            "RETURN properties(r) AS p, a.id AS s, b.id AS o",
            ns=ns,
            id=fact_id,
        )
        return fact_from_props(rows[0]["p"], rows[0]["s"], rows[0]["o"]) if rows else None

    def find_entities(self, namespace: str, name: str, *, type: str | None = None, limit: int = 10) -> list[Entity]:
        """Entities whose name or an alias equals ``name``, ignoring case and surrounding space."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (n:Entity {namespace: $ns}) WHERE $key IN n.name_keys AND ($type IS NULL OR n.type = $type) "
            "RETURN " + _ENTITY_MAP + " AS p",
            ns=ns,
            key=name_key(name),
            type=type,
        )
        found = sorted((entity_from_props(r["p"]) for r in rows), key=lambda e: e.id)
        return found[: max(limit, 0)]

    def find_events_by_source(self, namespace: str, source_id: str) -> list[Event]:
        """Events whose ``source_id`` equals ``source_id``, by id."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (n:Event {namespace: $ns, source_id: $sid}) RETURN " + _EVENT_MAP + " AS p", ns=ns, sid=source_id
        )
        return sorted((event_from_props(r["p"]) for r in rows), key=lambda e: e.id)

    def neighbors(
        self,
        namespace: str,
        node_id: str,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        direction: Direction = Direction.BOTH,
        time: TimeFilter | None = None,
    ) -> list[Neighbor]:
        """Edges of ``node_id`` of the given types and direction whose far end (or fact) passes ``time``."""
        ns = self._ns(namespace)
        direction = Direction(direction)
        types = sorted({EdgeType(t).value for t in edge_types}) if edge_types is not None else None
        if types == []:
            return []
        rows = self._read(_NEIGHBORS, ns=ns, id=node_id, types=types)
        outs: list[Neighbor] = []
        ins: list[Neighbor] = []
        for r in rows:
            edge = EdgeType(r["type"])
            kind = _kind_of(r["labels"])
            if kind is None:
                continue
            fact = fact_from_props(r["p"], r["src"], r["dst"]) if edge is EdgeType.FACT else None
            if time is not None and not time.empty:
                if fact is not None and not time.admits_fact(fact):
                    continue
                if kind is NodeKind.EVENT and not _admits_event_time(time, dt_out(r["at"])):
                    continue
            role = r["p"].get("role") if edge in (EdgeType.MENTIONS, EdgeType.SPOKEN_BY) else None
            if r["out"] and direction in (Direction.OUT, Direction.BOTH):
                outs.append(Neighbor(edge, Direction.OUT, r["id"], kind, role, fact))
            if r["inn"] and direction in (Direction.IN, Direction.BOTH):
                ins.append(Neighbor(edge, Direction.IN, r["id"], kind, role, fact))

        def key(n: Neighbor) -> tuple[str, str, str, str]:
            return (n.edge.value, n.node_id, n.role or "", n.fact.id if n.fact else "")

        return sorted(outs, key=key) + sorted(ins, key=key)

    def iter_sessions(self, namespace: str) -> Iterator[Session]:
        """Sessions of the namespace in index order (then id)."""
        ns = self._ns(namespace)
        rows = self._read("MATCH (n:Session {namespace: $ns}) RETURN " + _SESSION_MAP + " AS p", ns=ns)
        yield from sorted((session_from_props(r["p"]) for r in rows), key=lambda s: (s.index, s.id))

    def iter_events(self, namespace: str, *, session: str | None = None) -> Iterator[Event]:
        """Events of the namespace (or one session) in session index, then seq (then id), order."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (n:Event {namespace: $ns}) WHERE $session IS NULL OR n.session = $session "
            "OPTIONAL MATCH (n)-[:IN_SESSION]->(s:Session) RETURN " + _EVENT_MAP + " AS p, s.index AS idx",
            ns=ns,
            session=session,
        )
        events = [(r["idx"], event_from_props(r["p"])) for r in rows]
        events.sort(key=lambda pair: (pair[0] if pair[0] is not None else -1, pair[1].session, pair[1].seq, pair[1].id))
        for _, ev in events:
            yield ev

    def iter_entities(self, namespace: str) -> Iterator[Entity]:
        """Entities of the namespace, by id."""
        ns = self._ns(namespace)
        rows = self._read("MATCH (n:Entity {namespace: $ns}) RETURN " + _ENTITY_MAP + " AS p", ns=ns)
        yield from sorted((entity_from_props(r["p"]) for r in rows), key=lambda e: e.id)

    def iter_facts(self, namespace: str, *, time: TimeFilter | None = None) -> Iterator[Fact]:
        """Facts of the namespace that pass ``time``, by id."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (a:Entity)-[r:FACT {namespace: $ns}]->(b:Entity) RETURN properties(r) AS p, a.id AS s, b.id AS o",
            ns=ns,
        )
        facts = sorted((fact_from_props(r["p"], r["s"], r["o"]) for r in rows), key=lambda f: f.id)
        for fact in facts:
            if time is None or time.admits_fact(fact):
                yield fact

    def iter_mentions(self, namespace: str) -> Iterator[tuple[str, str, str]]:
        """``(event_id, entity_id, role)`` for every mention edge of the namespace."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (e:Event {namespace: $ns})-[r:MENTIONS|SPOKEN_BY]->(x:Entity) "
            "RETURN e.id AS e, x.id AS x, r.role AS role",
            ns=ns,
        )
        yield from sorted((r["e"], r["x"], r["role"]) for r in rows)

    def iter_embeddings(self, namespace: str) -> Iterator[tuple[str, list[float], str]]:
        """``(node_id, vector, model)`` for every stored embedding of the namespace, by node id."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (n:Session|Event|Entity) WHERE n.namespace = $ns AND n.embedding IS NOT NULL "
            "RETURN n.id AS id, n.embedding AS v, n.embedding_model AS model",
            ns=ns,
        )
        for r in sorted(rows, key=lambda r: r["id"]):
            yield r["id"], [float(x) for x in r["v"]], r["model"] or ""

    def search_text(self, namespace: str, query: str, *, limit: int = 20) -> list[TextHit]:
        """Full-text search over event text, best first; the query is tokenised, never parsed.

        With the full-text index (Neo4j) the index scores the words (Lucene BM25, English analyzer);
        without it (ArcadeDB) events containing a word are scored with BM25 on the client.
        """
        ns = self._ns(namespace)
        words = list(dict.fromkeys(_WORD.findall(query.casefold())))
        if not words or limit <= 0:
            return []
        if self.fulltext:
            lucene = " OR ".join(f'"{w}"' for w in words)  # \w+ words hold no Lucene syntax
            rows = self._read(
                "CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score "
                "WHERE node.namespace = $ns RETURN node.id AS id, score ORDER BY score DESC LIMIT $limit",
                index=FULLTEXT_INDEX,
                query=lucene,
                ns=ns,
                limit=limit,
            )
            return [TextHit(r["id"], float(r["score"])) for r in rows]
        from graphmem.store.neo4j_query import search_text_fallback

        return search_text_fallback(self._read, ns, words, limit)

    def has_source(self, namespace: str, key: str, content_hash: str) -> bool:
        """Whether an input with this key and content hash was already ingested."""
        ns = self._ns(namespace)
        rows = self._read(
            "MATCH (s:Source {namespace: $ns, key: $key}) WHERE s.content_hash = $hash RETURN count(s) AS n",
            ns=ns,
            key=key,
            hash=content_hash,
        )
        return bool(rows and rows[0]["n"])

    def namespaces(self) -> list[str]:
        """Every namespace that holds sessions, events, entities or facts, sorted."""
        self._check_open()
        rows = self._read(
            "MATCH (n:Session|Event|Entity) RETURN DISTINCT n.namespace AS ns "
            "UNION MATCH ()-[r:FACT]->() RETURN DISTINCT r.namespace AS ns"
        )
        return sorted({r["ns"] for r in rows if r["ns"] is not None})

    # -- queries ---------------------------------------------------------------------------------------

    def run_cypher(
        self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> list[list[Any]]:
        """Run a read-only Cypher query (text built by graphmem, values as ``params``); rows as lists.

        Raises:
            QueryLimitError: the server stopped it after ``timeout`` seconds.
            StoreError: the server is down or rejected the query.
        """
        from neo4j import Query, RoutingControl
        from neo4j.exceptions import ClientError

        self._check_open()
        try:
            with self._errors("running a query"):
                try:
                    records, _, _ = self._driver.execute_query(
                        Query(cypher, timeout=timeout),
                        params or {},
                        database_=self.database,
                        routing_=RoutingControl.READ,
                    )
                except ClientError as exc:
                    if "Timeout" in (exc.code or "") or "TimedOut" in (exc.code or ""):
                        from graphmem.errors import QueryLimitError

                        raise QueryLimitError(f"the query ran longer than {timeout:g} s and was stopped") from exc
                    raise
        except StoreError as exc:
            raise StoreError(f"{exc}\nthe query was:\n{cypher}") from exc.__cause__
        return [list(r.values()) for r in records]

    def execute_plan(
        self,
        plan: Any,
        *,
        namespace: str,
        about: Any = None,
        recall: Any = None,
        limits: Any = None,
    ) -> Any:
        """Run a DSL plan inside Neo4j as one Cypher query where it compiles, else with the executor.

        The capability the query layer looks for (``getattr(store, "execute_plan", None)``); see
        :func:`graphmem.store.neo4j_query.run_plan`.
        """
        from graphmem.query.limits import DEFAULT_LIMITS
        from graphmem.store.neo4j_query import run_plan

        return run_plan(
            self, plan, namespace=self._ns(namespace), about=about, recall=recall, limits=limits or DEFAULT_LIMITS
        )

    def explain_plan(self, plan: Any, namespace: str, *, limits: Any = None) -> str:
        """The plan and the Cypher it compiles to here (what ``EXPLAIN`` shows on this backend)."""
        from graphmem.query.limits import DEFAULT_LIMITS
        from graphmem.store.neo4j_query import explain_plan

        return explain_plan(self, plan, self._ns(namespace), limits=limits or DEFAULT_LIMITS)

    # -- deleting --------------------------------------------------------------------------------------

    def delete_event(self, namespace: str, event_id: str) -> DeleteResult:
        """Delete an event, its mentions, the facts only it supported and entities left unused."""
        ns = self._ns(namespace)
        return self._write_tx(f"deleting event {event_id!r}", neo4j_write.delete_event, ns, event_id)

    def delete_namespace(self, namespace: str) -> DeleteResult:
        """Delete everything in a namespace, in one transaction."""
        ns = self._ns(namespace)
        return self._write_tx(f"deleting namespace {ns!r}", neo4j_write.delete_namespace, ns)

    def replace_namespace(self, batch: Batch) -> DeleteResult:
        """Make the batch's namespace hold exactly ``batch``, in one transaction; returns what was deleted.

        The capability ``sync --replace`` looks for (``getattr(store, "replace_namespace", None)``): the
        namespace never shows a half-copied state, and a failure leaves it as it was.
        """
        ns = validate_namespace(batch.namespace)
        return self._write_tx(f"replacing namespace {ns!r}", neo4j_write.replace_namespace, batch)

    # -- stats -----------------------------------------------------------------------------------------

    def stats(self, namespace: str | None = None) -> StoreStats:
        """Counts for one namespace or for the whole store."""
        self._check_open()
        if namespace is not None:
            validate_namespace(namespace)
        per: dict[str, dict[str, int]] = {}

        def bump(ns: str, key: str, n: int) -> None:
            counts = per.setdefault(
                ns, {"sessions": 0, "events": 0, "entities": 0, "mentions": 0, "facts": 0, "embeddings": 0}
            )
            counts[key] += n

        for r in self._read(_STATS_NODES, ns=namespace):
            kind = _kind_of(r["labels"])
            if kind is None or r["ns"] is None:
                continue
            bump(r["ns"], {"session": "sessions", "event": "events", "entity": "entities"}[kind.value], int(r["n"]))
            bump(r["ns"], "embeddings", int(r["embeddings"]))
        for r in self._read(_STATS_RELS, ns=namespace):
            if r["ns"] is not None:
                bump(r["ns"], "facts" if r["type"] == "FACT" else "mentions", int(r["n"]))
        per = {ns: c for ns, c in per.items() if c["sessions"] or c["events"] or c["entities"] or c["facts"]}
        return StoreStats.from_counts(namespace, per)


# -- helpers -----------------------------------------------------------------------------------------------


def short_error(exc: BaseException) -> str:
    """A driver error as one short line."""
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:300]


def _kind_of(labels: Sequence[str]) -> NodeKind | None:
    for label in labels:
        kind = KIND_OF_LABEL.get(label)
        if kind is not None:
            return kind
    return None


def _admits_event_time(time: TimeFilter, when: Any) -> bool:
    """``TimeFilter.admits_event`` for a stored event time (naive UTC, like the bounds after ``dt_in``)."""
    if when is None:
        return True
    since, until = dt_in(time.since), dt_in(time.until)
    if since is not None and when < since:
        return False
    return until is None or when <= until
