"""Forgetting one message: the event and what only it supported, and what it left in what stays.

:meth:`graphmem.Memory.forget` of an event runs :func:`forget_message`, under the store's write lock:

1. **The reply's vector.** A turn is embedded with the turn it replies to (:mod:`graphmem.embed_text`),
   so the next turn of the forgotten one's session holds its text in its vector. That vector is made
   again, replying to the turn before the forgotten one, and written before anything is deleted (an
   embedder that fails deletes nothing): what a fresh ingest of the remaining turns stores
   (:func:`graphmem.reembed.reply_vector`). Not when the namespace's vectors are of another model space
   than the memory's embedder (recall asks for ``graphmem reembed`` then, which re-embeds that turn too).
2. **The deletion** (``store.delete_event``) and the remaining facts' ends derived again
   (:func:`graphmem.settle.forget_event`): two transactions.
3. **Names only it gave.** An entity the message named that other messages still mention keeps only the
   names and aliases a remaining mention says (its text, or its speaker for the speaker): "My therapist
   is Dr. Helena Quokkaberg Marsh" forgotten, "Dr. Marsh moved her office" left, the entity is "Marsh".
   A name counts as said when its comparison key (:func:`graphmem.extract.names.normalize_name`) is a
   run of whole words of the text's. Only names the forgotten message said go; an entity left with no
   name is called ``unnamed <type>``.
4. **Ids made of those names.** An entity's id is made of the name first said
   (``ent:person:helena-quokkaberg-marsh``, :func:`graphmem.extract.names.entity_id`). When it holds a
   word of a name that went and of no name kept, the entity moves to the id its name makes now
   (``ent:person:marsh``; ``ent:person:unnamed-person``), or with ``-2``, ``-3``… when another entity has
   that one, with its mentions, facts (every version) and vector, and the store keeps the old id nowhere
   (:class:`~graphmem.store.base.RenamesEntities`). Fact ids stay: they are hashes, not names, and
   versions of a fact are chained by them. A later message naming the kept name joins the entity by
   name (:mod:`graphmem.extract.resolve`), as it did before. One transaction per entity moved, after the
   message's own: a server that fails between them leaves the message forgotten and the old id in place
   (the error says the move failed; nothing re-runs it yet).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError
from graphmem.extract.names import entity_type, name_key, normalize_name, slug
from graphmem.models import Batch, EdgeType, Entity, Event
from graphmem.store.base import Direction, RenamesEntities

if TYPE_CHECKING:
    from graphmem.reembed import ReembedTarget
    from graphmem.store.base import GraphStore
    from graphmem.store.results import DeleteResult

__all__ = ["forget_message", "moved_id", "names_left", "says"]

_MENTIONS = [EdgeType.MENTIONS, EdgeType.SPOKEN_BY]
#: Events read at a time while looking for a name said again.
PAGE = 256


def says(text: str, name: str) -> bool:
    """Whether ``text`` says ``name``: its comparison key is a run of the text's whole words (case,
    accents, punctuation, possessives and a leading title aside)."""
    key = normalize_name(name)
    return bool(key) and f" {key} " in f" {normalize_name(text)} "


def _said(event: Event, roles: Collection[str | None], name: str) -> bool:
    """Whether ``event``, mentioning an entity in ``roles``, says ``name`` (a speaker says their own)."""
    speaker = event.speaker if "speaker" in roles else None
    return (speaker is not None and normalize_name(speaker) == normalize_name(name)) or says(event.text, name)


def _mentions(store: GraphStore, namespace: str, node_id: str, direction: Direction) -> dict[str, set[str | None]]:
    """The mention edges of an event (``OUT``: the entities it names) or an entity (``IN``: the events
    naming it): the node at the other end → its roles (``speaker`` for the speaker)."""
    found: dict[str, set[str | None]] = {}
    for hop in store.neighbors(namespace, node_id, edge_types=_MENTIONS, direction=direction):
        found.setdefault(hop.node_id, set()).add("speaker" if hop.edge == EdgeType.SPOKEN_BY else hop.role)
    return found


def names_left(
    store: GraphStore, namespace: str, forgotten: Event, roles: Mapping[str, Collection[str | None]]
) -> list[Entity]:
    """The entities ``forgotten`` mentioned (``roles``: id → its roles there) that still exist, renamed to
    the names remaining mentions say, where the forgotten message said a name no remaining mention says
    (see the module docs); the others are left out. The events naming an entity are read a page at a
    time, the speaker's first, until each name the forgotten message said is found said again."""
    out: list[Entity] = []
    for entity_id, said_as in sorted(roles.items()):
        entity = store.get_entity(namespace, entity_id)
        if entity is None:  # it went with the event
            continue
        names = list(dict.fromkeys([entity.name, *entity.aliases]))
        gone = {n for n in names if _said(forgotten, said_as, n)}
        by_event = _mentions(store, namespace, entity_id, Direction.IN)
        order = sorted(by_event, key=lambda i: ("speaker" not in by_event[i], i))
        for start in range(0, len(order), PAGE):
            if not gone:
                break
            for ev in store.get_events(namespace, order[start : start + PAGE]):
                gone = {n for n in gone if not _said(ev, by_event[ev.id], n)}
        if gone:
            out.append(_renamed(entity, [n for n in names if n not in gone]))
    return out


def _renamed(entity: Entity, names: Iterable[str]) -> Entity:
    """``entity`` called by ``names`` only: its name kept if among them, else the longest of them."""
    left = list(names)
    if not left:
        return replace(entity, name=f"unnamed {entity.type.lower()}", aliases=())
    name = entity.name if entity.name in left else max(left, key=lambda n: (len(normalize_name(n)), len(n)))
    return replace(entity, name=name, aliases=tuple(n for n in left if n != name))


def forget_message(target: ReembedTarget, namespace: str, event: Event) -> DeleteResult:
    """Delete ``event`` as :meth:`graphmem.Memory.forget` does (see the module docs); what was deleted.

    The caller holds the store's write lock and drops its caches afterwards, also when this raises.
    """
    from graphmem.reembed import reply_vector
    from graphmem.settle import forget_event

    store = target.store
    reply = reply_vector(target, namespace, event)
    roles = _mentions(store, namespace, event.id, Direction.OUT)
    if reply is not None:
        target.write(reply)
    result = forget_event(store, namespace, event.id)
    renamed = names_left(store, namespace, event, roles) if result.events else []
    if renamed:
        before = {e.id: store.get_entity(namespace, e.id) for e in renamed}
        target.write(Batch(namespace, entities=tuple(renamed)))
        if isinstance(store, RenamesEntities):
            for entity in renamed:
                old = before[entity.id]
                if old is not None:
                    _move(store, namespace, old, entity)
    return result


#: How often a move picks an id again when another writer of a server store took the one it picked.
_MOVE_ATTEMPTS = 3


def _move(store: GraphStore, namespace: str, before: Entity, after: Entity) -> None:
    """Move ``after`` to the id :func:`moved_id` gives, picking again when a server's other writer took that id
    between the pick and the move."""
    assert isinstance(store, RenamesEntities)
    for attempt in range(1, _MOVE_ATTEMPTS + 1):
        new = moved_id(store, namespace, before, after)
        if new is None:
            return
        try:
            store.rename_entity(namespace, after.id, new)
            return
        except ConfigError:
            if attempt == _MOVE_ATTEMPTS:
                raise


def moved_id(store: GraphStore, namespace: str, before: Entity, after: Entity) -> str | None:
    """The id an entity renamed from ``before`` to ``after`` moves to, or ``None`` when its id holds no word of
    a name it lost that no name it keeps has: the id ``after``'s name makes, of the type the id names
    (``ent:person:marsh``), with ``-2``, ``-3``… when another entity of ``namespace`` has that one."""

    def words(entity: Entity) -> set[str]:
        return {w for n in (entity.name, *entity.aliases) for w in slug(n).split("-") if w}

    if not (words(before) - words(after)) & set(name_key(before.id).split("-")):
        return None
    base = f"ent:{entity_type(before.id) or after.type.lower()}:{slug(after.name)}"
    candidate, n = base, 1
    while store.get_entity(namespace, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
