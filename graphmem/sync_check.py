"""What a sync or a restore checks before it writes anything (:mod:`graphmem.sync`).

Two checks, both run over every namespace to copy before the first write, so a bad record in the last
namespace of an export leaves the earlier ones as the target holds them (a sync from a store runs them on
one namespace at a time, :func:`check_listed`, so as never to hold them all):

- :func:`check_dumps`: each namespace is whole in itself, as the store will check it batch by batch
  (:mod:`graphmem.store.validate`): one record per id, every session, event and entity a record names is
  in the namespace, texts are strings. A fault is named by its JSON path in the export
  (``namespaces[1].facts[0].subject``), a record given twice by both its entries.
- :func:`check_merge`: copying into a namespace the target holds (a merge) never overwrites a message
  with another one. Two copies of one store that each took a live message since they parted give the
  same event id to different messages; the merge refuses, naming the id, instead of keeping one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from graphmem.errors import ConfigError
from graphmem.export import NamespaceDump
from graphmem.export_vectors import BadRecord
from graphmem.models import Entity, Event, Session
from graphmem.store.base import GraphStore
from graphmem.store.sqlite_rows import normalise_dt
from graphmem.store.validate import first_dangling_within

__all__ = ["CheckedDumps", "check_dump", "check_dumps", "check_listed", "check_merge", "same_message"]


class CheckedDumps(tuple[NamespaceDump, ...]):
    """Namespaces :func:`check_dumps` found whole, in the order checked (what
    :func:`graphmem.sync.read_export` returns), so a restore of them does not check them again.

    Trusted as it is: build one only with :func:`check_dumps`, and pass dumps changed after that through
    :func:`check_dumps` again (a restore does not look at them again; the store still checks each batch's
    references, not the fields and ids this module checks)."""

    __slots__ = ()


def check_dumps(dumps: Sequence[NamespaceDump]) -> CheckedDumps:
    """Check every namespace of an export (or a store's dumps), in the order the export lists them.

    Returns:
        the dumps, as :class:`CheckedDumps`.

    Raises:
        ConfigError: a namespace listed twice, or a record :func:`check_dump` refuses; the message names
            ``namespaces[i].PATH (namespace 'NS'): what is wrong``.
    """
    listed: dict[str, int] = {}
    for i, dump in enumerate(dumps):
        check_listed(dump, i, listed)
    return CheckedDumps(dumps)


def check_listed(dump: NamespaceDump, index: int, listed: dict[str, int]) -> None:
    """Check one namespace, listed ``index``-th, as :func:`check_dumps` checks each: ``listed`` maps the
    namespaces checked before it to their index, and this one is added (a caller checking one namespace at a
    time, so as never to hold them all, passes the same mapping each time).

    Raises:
        ConfigError: as :func:`check_dumps`.
    """
    ns = dump.namespace
    if ns in listed:
        raise ConfigError(f"namespaces[{index}] (namespace {ns!r}): is namespaces[{listed[ns]}] again")
    listed[ns] = index
    try:
        check_dump(dump)
    except BadRecord as exc:
        raise ConfigError(f"namespaces[{index}].{exc.path} (namespace {ns!r}): {exc.reason}") from None


_STR, _INT, _NUMBER = "a string", "a whole number", "a number"
#: The scalar fields of each kind of record (as the export names them), and what each must be; ``None``
#: after the kind: the field may be null.
_FIELDS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "sessions": (("index", _INT, False), ("date_text", _STR, True)),
    "events": (
        ("seq", _INT, False),
        ("speaker", _STR, True),
        ("text", _STR, False),
        ("source_id", _STR, True),
        ("source_file", _STR, True),
        ("source_line", _INT, True),
        ("kind", _STR, False),
    ),
    "entities": (("name", _STR, False), ("type", _STR, False)),
    "mentions": (("role", _STR, False),),
    "facts": (("predicate", _STR, False), ("time_phrase", _STR, True), ("confidence", _NUMBER, False)),
}


def _is(value: object, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str)
    if kind == _INT:
        return type(value) is int  # not a bool
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_fields(dump: NamespaceDump) -> None:
    """Each record's scalar fields of the type the stores write (a store would refuse some only mid-write)."""
    lists: dict[str, Sequence[object]] = {
        "sessions": dump.sessions,
        "events": dump.events,
        "entities": dump.entities,
        "mentions": dump.mentions,
        "facts": dump.facts,
    }
    for what, records in lists.items():
        for i, rec in enumerate(records):
            for name, kind, nullable in _FIELDS[what]:
                value = getattr(rec, name)
                if not (nullable and value is None) and not _is(value, kind):
                    raise BadRecord(f"{what}[{i}].{name}", f"is not {kind}{' or null' if nullable else ''}: {value!r}")
    for i, x in enumerate(dump.entities):
        for j, alias in enumerate(x.aliases):
            if not isinstance(alias, str):
                raise BadRecord(f"entities[{i}].aliases[{j}]", f"is not a string: {alias!r}")
    for i, f in enumerate(dump.facts):  # its evidence is checked as references (_check_references)
        for j, eid in enumerate(f.revised_by):
            if not isinstance(eid, str):
                raise BadRecord(f"facts[{i}].revised_by[{j}]", f"is not a string: {eid!r}")
    for i, ev in enumerate(dump.events):
        for j, t in enumerate(ev.times):
            for name in ("phrase", "grain"):
                if not isinstance(getattr(t, name), str):
                    raise BadRecord(f"events[{i}].times[{j}].{name}", f"is not a string: {getattr(t, name)!r}")


def check_dump(dump: NamespaceDump) -> None:
    """Check that one namespace is whole in itself: ids given once, every reference resolved.

    Raises:
        BadRecord: naming the first offending record by its JSON path inside the namespace.
    """
    nodes: dict[str, str] = {}  # node id → the path of the record that gives it
    records: list[tuple[str, Session | Event | Entity]] = [
        *((f"sessions[{i}].id", s) for i, s in enumerate(dump.sessions)),
        *((f"events[{i}].id", e) for i, e in enumerate(dump.events)),
        *((f"entities[{i}].id", x) for i, x in enumerate(dump.entities)),
    ]
    for path, rec in records:
        if not isinstance(rec.id, str) or not rec.id:
            raise BadRecord(path, f"is not an id: {rec.id!r}")
        if rec.id in nodes:
            raise BadRecord(path, f"{rec.id!r} is the id of {nodes[rec.id].removesuffix('.id')} too")
        nodes[rec.id] = path
    _check_fields(dump)
    _check_references(dump)


def _check_references(dump: NamespaceDump) -> None:
    """Fact ids given once; every session, event and entity a record names, and every embedding's node, is in
    the namespace (:func:`~graphmem.store.validate.first_dangling_within`, the references a store checks
    batch by batch)."""
    facts: dict[str, int] = {}
    for i, f in enumerate(dump.facts):
        if not isinstance(f.id, str) or not f.id:
            raise BadRecord(f"facts[{i}].id", f"is not an id: {f.id!r}")
        if f.id in facts:
            raise BadRecord(f"facts[{i}].id", f"{f.id!r} is the id of facts[{facts[f.id]}] too")
        facts[f.id] = i
    embedded = (node for node, _vector, _model in dump.embeddings)
    dangling = first_dangling_within(dump.sessions, dump.events, dump.entities, dump.mentions, dump.facts, embedded)
    if dangling is not None:
        raise BadRecord(dangling.path, f"{dangling.clause}, which is not in the namespace")


def _message(e: Event) -> tuple[object, ...]:
    """What makes an event the message it is: everything but the time phrases extraction read in it."""
    at = normalise_dt(e.occurred_at)  # an aware time as stores keep it: naive UTC
    return (e.session, e.seq, e.speaker, e.text, at, e.source_id, e.source_file, e.source_line, e.kind)


def same_message(a: Event, b: Event) -> bool:
    """Whether two versions of an event are the same message (speaker, text, time, session, place and
    input; the time phrases extraction read in it aside)."""
    return _message(a) == _message(b)


def check_merge(
    dumps: Sequence[NamespaceDump], target: GraphStore, *, source: str, written: str = "nothing was written"
) -> None:
    """Check that merging these namespaces into ``target`` overwrites no message and changes no node's kind.

    An event id the target holds with another message (speaker, text, time, session or position; the
    time phrases read in it aside) is refused when either version is a live message (no input file): the
    merge writes none of the source's turns of an input the target ingested
    (:mod:`graphmem.sync_inputs`), and the next ingest of the file reads them again, while a live message
    has no file to be read again from.

    Raises:
        ConfigError: naming the namespace, the id and both versions, then ``written`` (what the caller
            wrote before the check: by default nothing).
    """
    held = set(target.namespaces())
    for dump in dumps:
        ns = dump.namespace
        if ns not in held:
            continue
        kinds: dict[str, str] = {s.id: "a session" for s in target.iter_sessions(ns)}
        kinds.update((x.id, "an entity") for x in target.iter_entities(ns))
        theirs: dict[str, Event] = {}
        for ev in target.iter_events(ns):
            kinds[ev.id] = "an event"
            theirs[ev.id] = ev
        for kind, records in (("a session", dump.sessions), ("an event", dump.events), ("an entity", dump.entities)):
            for rec in records:
                have = kinds.get(rec.id)
                if have is not None and have != kind:
                    raise ConfigError(
                        f"namespace {ns!r}: {rec.id!r} is {kind} at {source} but {have} at {target.uri}; {written}"
                    )
        for ev in dump.events:
            other = theirs.get(ev.id)
            if other is None or same_message(other, ev):
                continue
            if other.source_file is None or ev.source_file is None:
                raise ConfigError(
                    f"namespace {ns!r}: event {ev.id!r} is another message at {target.uri} "
                    f"({other.speaker}: {other.text!r}, {other.occurred_at}) than at {source} "
                    f"({ev.speaker}: {ev.text!r}, {ev.occurred_at}): both took a message at that place since "
                    f"they parted, and a merge would overwrite one; {written} (to keep both, forget it at "
                    f"{target.uri}, sync again and add it there again: it takes a new place; to keep {source}'s "
                    "alone, sync with --replace)"
                )
