"""Run a :class:`~graphmem.query.plan.Plan` over a :class:`~graphmem.store.base.GraphStore`.

The executor only reads through the ``GraphStore`` protocol, so it runs on any backend; semantic seeds
come from an injected :data:`AboutFn` (the vector index) and RECALL from an injected :data:`RecallFn`, so
tests can pass fakes. Steps stream rows (generators); ``Sort``, ``Aggregate`` and ``Distinct`` gather
them. Work and wall time are counted as rows are built, and a query past a limit stops with a
:class:`~graphmem.errors.QueryLimitError`.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, assert_never

from graphmem.errors import (
    QueryLimitError,
    QueryNamespaceError,
    QuerySemanticError,
    QuerySpeakerError,
    UnknownSpeakerError,
)
from graphmem.models import EdgeType, Entity, Event, NodeKind, Session
from graphmem.namespaces import require_namespace
from graphmem.query import plan as p
from graphmem.query.aggregate import aggregate_rows, sort_key
from graphmem.query.cross_product import check_cross_product
from graphmem.query.hops import HopSearch, edge_from, edge_key
from graphmem.query.limits import DEFAULT_LIMITS, QueryLimits, resident_memory
from graphmem.query.result import Edge, Result
from graphmem.query.row import Row
from graphmem.query.syntax_errors import caret_context
from graphmem.query.values import Evaluator, fuzzy_entities
from graphmem.store.base import Direction, GraphStore, Neighbor, TimeFilter

if TYPE_CHECKING:
    from graphmem.recall import Hit, RecallRequest

__all__ = ["NAMESPACE_HINT", "AboutFn", "RecallFn", "execute", "resolve_namespace"]

#: ``about(namespace, text, k) -> [(event_id, similarity), ...]``, most similar first.
AboutFn = Callable[[str, str, int], Sequence[tuple[str, float]]]
#: ``recall(request) -> hits``, best first (``Memory.recall_request``).
RecallFn = Callable[["RecallRequest"], Sequence["Hit"]]

Node = Event | Entity | Session

#: How a Python caller names the namespace, quoted when a query names none and the store holds several.
NAMESPACE_HINT = 'pass namespace="..."'


def resolve_namespace(plan: p.Plan, store: GraphStore, *, hint: str = NAMESPACE_HINT) -> str:
    """The namespace a plan runs in: the one it names, else the store's only one.

    Args:
        plan: the planned query.
        store: the store it runs on.
        hint: how the caller can name a namespace, for the error when the store holds several
            (the CLI says ``-n/--namespace``, the REPL ``.namespace NAME``).

    Raises:
        QuerySemanticError: no namespace was named and the store holds several (or none).
        QueryNamespaceError: the named one holds no data (with the closest existing one suggested); named
            in the query text, the error points at that place.
    """
    existing = store.namespaces()
    if plan.namespace is None:
        if len(existing) == 1:
            return existing[0]
        if not existing:
            raise QuerySemanticError("the store is empty: ingest something first")
        raise QuerySemanticError(
            f"this store holds {len(existing)} namespaces ({', '.join(existing[:8])}"
            f'{", …" if len(existing) > 8 else ""}); name one with IN "..." or {hint}'
        )
    error: Callable[..., QueryNamespaceError] = QueryNamespaceError
    if plan.namespace_at is not None:
        line, column, width = plan.namespace_at
        context = caret_context(plan.source, line, column, width)
        error = functools.partial(QueryNamespaceError, line=line, column=column, context=context)
    return require_namespace(str(plan.namespace.value), existing, error=error)


def execute(
    plan: p.Plan,
    store: GraphStore,
    *,
    namespace: str | None = None,
    about: AboutFn | None = None,
    recall: RecallFn | None = None,
    limits: QueryLimits = DEFAULT_LIMITS,
) -> Result:
    """Run ``plan`` and return its rows.

    Args:
        plan: a plan from :func:`graphmem.query.planner.plan_query`.
        store: the store to read.
        namespace: run in this namespace (default: :func:`resolve_namespace`).
        about: the semantic seed source for ``ABOUT``; required only when the plan uses it.
        recall: the recall function for ``RECALL``; required only when the plan uses it.
        limits: row, work and time limits.

    Raises:
        QueryLimitError: the query returned too many rows, built too many intermediate rows, or ran
            too long.
        QuerySemanticError: the namespace cannot be determined, or ``ABOUT``/``RECALL`` has no source.
    """
    started = time.perf_counter()
    ns = namespace or resolve_namespace(plan, store)

    def count_alone(counting: p.Plan) -> int:
        found = execute(counting, store, namespace=ns, about=about, recall=recall, limits=limits)
        return int(found.rows[0][0]) if found.rows else 0

    # the same up-front estimate as a Cypher server gets: a cross product past max_work is refused at
    # once, naming its size, rather than built until the work or time limit stops it
    check_cross_product(plan, limits.max_work, count_alone)
    ctx = _Context(store, ns, about, recall, limits, plan.source)
    rows: Iterable[Row] = [Row()]
    tests: list[p.Expr] = []  # consecutive filters run as one, so 5,000 conditions do not nest 5,000 generators
    for step in plan.steps:
        if isinstance(step, p.Filter):
            tests.append(step.predicate)
            continue
        rows = ctx.filter(tests, rows) if tests else rows
        tests = []
        rows = ctx.run(step, rows)
    rows = ctx.filter(tests, rows) if tests else rows
    out: list[tuple[Any, ...]] = []
    cap = None if plan.row_limit else limits.max_rows
    for row in rows:
        if cap is not None and len(out) >= cap:
            raise QueryLimitError(
                f"the query returns more than {cap} rows; add LIMIT (at most {limits.max_rows}) or narrow it"
            )
        out.append(tuple(row.cols.get(c) for c in plan.columns))
    elapsed = (time.perf_counter() - started) * 1000
    return Result(plan.columns, tuple(out), plan, ns, elapsed)


class _Context:
    """The state of one execution: store, caches, and the work and time budget."""

    def __init__(
        self,
        store: GraphStore,
        namespace: str,
        about: AboutFn | None,
        recall: RecallFn | None,
        limits: QueryLimits,
        source: str = "",
    ) -> None:
        self.store = store
        self.source = source  # the query text, for errors that point into it
        self.ns = namespace
        self.about_fn = about
        self.recall_fn = recall
        self.limits = limits
        self.now = datetime.now(UTC).replace(tzinfo=None)  # current facts are valid at this moment
        self.deadline = time.perf_counter() + limits.timeout
        self.work = 0
        self.memory_base = resident_memory()
        self.nodes: dict[tuple[str, NodeKind | None], Node | None] = {}  # by id and the kind asked for
        self.about_cache: dict[tuple[str, int], list[tuple[str, float]]] = {}
        self.entity_list: list[Entity] | None = None
        self.eval = Evaluator(store, namespace, self.node)

    # -- budget and lookups -----------------------------------------------------------------------

    def tick(self, n: int = 1) -> None:
        self.work += n
        if self.work > self.limits.max_work:
            raise QueryLimitError(
                f"the query built more than {self.limits.max_work} intermediate rows; "
                "start from something more specific (a name, ~, ABOUT) or add conditions"
            )
        if self.work % 512 < n:
            if time.perf_counter() > self.deadline:
                raise QueryLimitError(f"the query ran longer than {self.limits.timeout:g} s and was stopped")
            self.check_memory()

    def check_memory(self) -> None:
        now = resident_memory() if self.memory_base is not None else None
        if (
            now is not None
            and self.memory_base is not None
            and now - self.memory_base > self.limits.max_memory_mb << 20
        ):
            raise QueryLimitError(
                f"the query grew memory by more than {self.limits.max_memory_mb} MiB and was stopped; "
                "add conditions, a LIMIT, or return fewer columns"
            )

    def allow(self, before: int | None) -> None:
        """Do not count what loading a model (for ``ABOUT`` or ``RECALL``) added since ``before``."""
        after = resident_memory()
        if self.memory_base is not None and before is not None and after is not None:
            self.memory_base += max(0, after - before)

    def node(self, node_id: str, kind: NodeKind | None = None) -> Node | None:
        # keyed by the kind too: a miss as an Event must not hide the Entity of that id
        if (node_id, kind) in self.nodes:
            return self.nodes[node_id, kind]
        found: Node | None = None
        kinds = (kind,) if kind is not None else (NodeKind.EVENT, NodeKind.ENTITY, NodeKind.SESSION)
        for k in kinds:
            if k is NodeKind.EVENT:
                found = self.store.get_event(self.ns, node_id)
            elif k is NodeKind.ENTITY:
                found = self.store.get_entity(self.ns, node_id)
            else:
                found = self.store.get_session(self.ns, node_id)
            if found is not None:
                break
        self.nodes[node_id, kind] = found
        return found

    def entities(self) -> list[Entity]:
        if self.entity_list is None:
            self.entity_list = list(self.store.iter_entities(self.ns))
            self.tick(len(self.entity_list) // 8)
        return self.entity_list

    def about(self, text: str, k: int) -> list[tuple[str, float]]:
        key = (text, k)
        if key not in self.about_cache:
            if self.about_fn is None:
                raise QuerySemanticError("ABOUT needs a vector index, and none is available here")
            before = resident_memory()
            hits = self.about_fn(self.ns, text, k)
            self.allow(before)
            self.about_cache[key] = [(str(i), float(s)) for i, s in hits][:k]
        return self.about_cache[key]

    # -- steps ------------------------------------------------------------------------------------

    def filter(self, predicates: Sequence[p.Expr], rows: Iterable[Row]) -> Iterator[Row]:
        test = self.eval.test
        return (r for r in rows if all(test(pred, r) for pred in predicates))

    def run(self, step: p.Step, rows: Iterable[Row]) -> Iterable[Row]:
        if isinstance(step, p.ScanNodes | p.LookupNodes | p.FuzzySeek | p.AboutSeek):
            return self.seek(step, rows)
        if isinstance(step, p.Expand):
            return self.expand(step, rows)
        if isinstance(step, p.MatchNode):
            return self.match(step, rows)
        if isinstance(step, p.Filter):
            return (r for r in rows if self.eval.test(step.predicate, r))
        if isinstance(step, p.RecallSeek):
            return self.recall(step, rows)
        if isinstance(step, p.Project):
            return (r.with_cols({n: self.eval.value(e, r) for n, e in step.items}) for r in rows)
        if isinstance(step, p.Aggregate):
            return aggregate_rows(step, rows, self.eval)
        if isinstance(step, p.Distinct):
            return self.distinct(step, rows)
        if isinstance(step, p.Sort):
            return self.sort(step, rows)
        if isinstance(step, p.Limit):
            return itertools.islice(rows, step.count)
        assert_never(step)  # a new step type must be handled above (mypy checks)

    def candidates(
        self, step: p.ScanNodes | p.LookupNodes | p.FuzzySeek | p.AboutSeek
    ) -> list[tuple[Node, float | None, str | None]]:
        """The nodes a seek step binds, with score and note."""
        store, ns = self.store, self.ns
        if isinstance(step, p.AboutSeek):
            hits = self.about(str(step.text.value), step.k)
            events = {e.id: e for e in store.get_events(ns, [i for i, _ in hits])}
            return [(events[i], s, f"ABOUT {step.text.value!r} ({s:.3f})") for i, s in hits if i in events]
        if isinstance(step, p.FuzzySeek):
            return [
                (ent, score, f"~{step.text.value!r} matched {name!r} ({score:.2f})")
                for ent, score, name in self.fuzzy(step.labels, str(step.text.value), step.cutoff, step.limit)
            ]
        found: list[Node] = []
        if isinstance(step, p.LookupNodes):
            value = str(step.value.value)
            if step.key == "id":
                for kind in step.labels.kinds:
                    node = self.node(value, kind)
                    if node is not None and _kind(node) is kind:
                        found.append(node)
                        break
            elif step.key == "source":
                found.extend(store.find_events_by_source(ns, value))
            else:
                found.extend(store.find_entities(ns, value, limit=self.limits.max_rows))
        else:
            kinds = step.labels.kinds
            if NodeKind.SESSION in kinds:
                found.extend(store.iter_sessions(ns))
            if NodeKind.EVENT in kinds:
                found.extend(store.iter_events(ns))
            if NodeKind.ENTITY in kinds:
                found.extend(self.entities())
        self.tick(len(found) // 8)
        return [(n, None, None) for n in found if _admits(step.labels, n)]

    def seek(self, step: p.ScanNodes | p.LookupNodes | p.FuzzySeek | p.AboutSeek, rows: Iterable[Row]) -> Iterator[Row]:
        cands: list[tuple[Node, float | None, str | None]] | None = None
        for row in rows:
            if cands is None:
                cands = self.candidates(step)
            for node, score, note in cands:
                self.tick()
                yield row.bind(step.var, node, score, note)

    def fuzzy(self, labels: p.Labels, text: str, cutoff: float, limit: int) -> list[tuple[Entity, float, str]]:
        return fuzzy_entities(self.entities(), labels, text, cutoff, limit)

    def match(self, step: p.MatchNode, rows: Iterable[Row]) -> Iterator[Row]:
        text = str(step.text.value)
        about: dict[str, float] | None = None
        for row in rows:
            node = row.vals.get(step.var)
            if step.how == "about":
                if about is None:
                    about = dict(self.about(text, step.k))
                if isinstance(node, Event) and node.id in about:
                    yield row.bind(step.var, node, about[node.id], f"ABOUT {text!r} ({about[node.id]:.3f})")
            elif isinstance(node, Entity):
                score, name = self.eval.fuzzy_score((node.name, *node.aliases), text)
                if score >= step.cutoff:
                    yield row.bind(step.var, node, score / 100.0, f"~{text!r} matched {name!r} ({score / 100:.2f})")

    def expand(self, step: p.Expand, rows: Iterable[Row]) -> Iterator[Row]:
        tf = step.time_filter(self.now)
        types = step.types or None
        for row in rows:
            src = row.vals.get(step.src)
            if src is None or isinstance(src, Edge | tuple):
                continue
            target = row.vals.get(step.dst) if step.into else None
            if (step.min_hops, step.max_hops) == (1, 1):
                for nb in self.store.neighbors(self.ns, src.id, edge_types=types, direction=step.direction, time=tf):
                    self.tick()
                    edge = edge_from(src.id, nb)
                    key = edge_key(edge)
                    if key in row.edges:
                        continue
                    node = self.far_node(nb.node_id, nb.kind, step.dst_labels, target)
                    if node is not None:
                        yield row.extend(step.rel, edge, (key,), step.dst, node)
                continue
            for node, path in self.paths(src, step, types, tf, row, target):
                yield row.extend(step.rel, path, tuple(edge_key(e) for e in path), step.dst, node)

    def far_node(self, node_id: str, kind: NodeKind, labels: p.Labels, target: Any) -> Node | None:
        if kind not in labels.kinds:
            return None
        if target is not None:
            return target if getattr(target, "id", None) == node_id and _kind(target) is kind else None
        node = self.node(node_id, kind)
        return node if node is not None and _admits(labels, node) else None

    def paths(
        self,
        src: Node,
        step: p.Expand,
        types: tuple[EdgeType, ...] | None,
        tf: TimeFilter | None,
        row: Row,
        target: Any,
    ) -> Iterator[tuple[Node, tuple[Edge, ...]]]:
        """Each node reachable in min..max hops once, by its shortest path (of several, the first by
        :func:`~graphmem.query.result.path_key`); the start node too, by the shortest cycle back to it,
        when ``min_hops`` ≥ 1 (see :mod:`graphmem.query.hops`).

        No edge is used twice in a path, and none the row has bound already; nodes may repeat only as
        the start of a cycle (Cypher's relationship uniqueness).
        """
        start = self.far_node(src.id, _kind(src), step.dst_labels, target)
        if step.min_hops == 0 and start is not None:
            yield start, ()

        def fetch(node_id: str) -> list[Neighbor]:
            return self.store.neighbors(self.ns, node_id, edge_types=types, direction=step.direction, time=tf)

        search = HopSearch(src.id, fetch, undirected=step.direction is Direction.BOTH, banned=row.edges, tick=self.tick)
        if target is None or getattr(target, "id", None) != src.id:  # else only the start can match
            for depth, level in search.levels(step.max_hops):
                if depth < step.min_hops:
                    continue
                for node_id, (path, kind) in level.items():
                    node = self.far_node(node_id, kind, step.dst_labels, target)
                    if node is not None:
                        yield node, path
        if step.min_hops > 0 and start is not None:
            cycle = search.cycle(step.min_hops, step.max_hops)
            if cycle is not None:
                yield start, cycle

    def recall(self, step: p.RecallSeek, rows: Iterable[Row]) -> Iterator[Row]:
        if self.recall_fn is None:
            raise QuerySemanticError("RECALL needs a Memory (vector index and embedder), and none is available here")
        request = step.request(self.ns)
        for row in rows:
            before = resident_memory()
            try:
                hits = self.recall_fn(request)
            except UnknownSpeakerError as exc:  # BY names nobody: point at that speaker in the query
                raise _speaker_error(step, exc, self.source) from None
            self.allow(before)
            for hit in hits:
                self.tick()
                yield row.bind(step.var, hit.event, float(hit.score), hit.why.describe())

    def distinct(self, step: p.Distinct, rows: Iterable[Row]) -> Iterator[Row]:
        seen: set[Any] = set()
        for row in rows:
            if step.keys:
                key = tuple(_hashable(self.eval.value(k, row)) for k in step.keys)
            else:
                key = tuple(_hashable(v) for v in row.cols.values())
            if key not in seen:
                seen.add(key)
                yield row

    def sort(self, step: p.Sort, rows: Iterable[Row]) -> list[Row]:
        items = list(rows)
        for key in reversed(step.keys):
            items.sort(key=lambda r, k=key: sort_key(self.eval.value(k.expr, r), k.descending))  # type: ignore[misc]
        return items


def _speaker_error(step: p.RecallSeek, exc: UnknownSpeakerError, source: str) -> QuerySpeakerError:
    """``exc`` as a query error at the place the query gives that speaker (when the plan knows it)."""
    line: int | None = None
    column: int | None = None
    context = ""
    for speaker, place in itertools.zip_longest(step.speakers, step.speakers_at):
        if speaker is not None and place is not None and str(speaker.value) == exc.speaker:
            line, column, width = place
            context = caret_context(source, line, column, width)
            break
    return QuerySpeakerError(
        exc.reason,
        speaker=exc.speaker,
        namespace=exc.namespace,
        line=line,
        column=column,
        context=context,
        suggestion=exc.suggestion,
    )


def _kind(node: Any) -> NodeKind:
    if isinstance(node, Event):
        return NodeKind.EVENT
    if isinstance(node, Entity):
        return NodeKind.ENTITY
    return NodeKind.SESSION


def _admits(labels: p.Labels, node: Node) -> bool:
    kind = _kind(node)
    if kind not in labels.kinds:
        return False
    if kind is NodeKind.ENTITY and labels.types:
        assert isinstance(node, Entity)
        return node.type.lower() in {t.lower() for t in labels.types}
    return True


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value
