"""Forgetting one message: the event and what only it supported, and what it left in what stays.

:meth:`graphmem.Memory.forget` of an event runs :func:`forget_message`, under the store's write lock:

1. **The reply's vector.** A turn is embedded with the turn it replies to (:mod:`graphmem.embed_text`),
   so the next turn of the forgotten one's session holds its text in its vector. That vector is made
   again, replying to the turn before the forgotten one, and written before anything is deleted (an
   embedder that fails deletes nothing): what a fresh ingest of the remaining turns stores
   (:func:`graphmem.reembed.reply_vector`).
2. **The deletion** (``store.delete_event``) and the remaining facts' ends derived again
   (:func:`graphmem.settle.forget_event`): two transactions.
3. **Names only it gave.** An entity the message named that other messages still mention keeps only the
   names and aliases a remaining mention says (its text, or its speaker for the speaker): "My therapist
   is Dr. Helena Quokkaberg Marsh" forgotten, "Dr. Marsh moved her office" left, the entity is "Marsh".
   A name counts as said when its comparison key (:func:`graphmem.extract.names.normalize_name`) is a
   run of whole words of the text's. Only names the forgotten message said go; an entity left with no
   name is called ``unnamed <type>``. The entity keeps its id, though it was made of its first name
   (``ent:person:helena-quokkaberg-marsh``): mentions, facts and their versions refer to it, and the
   fact ids are hashes of it. A limit: the id still holds the forgotten words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from graphmem.extract.names import normalize_name
from graphmem.models import Batch, EdgeType, Entity, Event
from graphmem.store.base import Direction

if TYPE_CHECKING:
    from graphmem.reembed import ReembedTarget
    from graphmem.store.base import GraphStore
    from graphmem.store.results import DeleteResult

__all__ = ["forget_message", "names_left", "says"]

_MENTIONS = [EdgeType.MENTIONS, EdgeType.SPOKEN_BY]


def says(text: str, name: str) -> bool:
    """Whether ``text`` says ``name``: its comparison key is a run of the text's whole words (case,
    accents, punctuation, possessives and a leading title aside)."""
    key = normalize_name(name)
    return bool(key) and f" {key} " in f" {normalize_name(text)} "


def _said(event: Event, role: str | None, name: str) -> bool:
    """Whether ``event``, mentioning an entity in ``role``, says ``name`` (a speaker says their own)."""
    speaker = event.speaker if role == "speaker" else None
    return (speaker is not None and normalize_name(speaker) == normalize_name(name)) or says(event.text, name)


def _mentioned_by(store: GraphStore, namespace: str, event_id: str) -> dict[str, str | None]:
    """The entities ``event_id`` mentions, each with a role (``speaker`` for the speaker)."""
    hops = store.neighbors(namespace, event_id, edge_types=_MENTIONS, direction=Direction.OUT)
    return {h.node_id: "speaker" if h.edge == EdgeType.SPOKEN_BY else h.role for h in hops}


def names_left(store: GraphStore, namespace: str, forgotten: Event, roles: dict[str, str | None]) -> list[Entity]:
    """The entities ``forgotten`` mentioned (``roles``: id → its role there) that still exist, renamed to
    the names remaining mentions say, where the forgotten message said a name no remaining mention says
    (see the module docs); the others are left out."""
    out: list[Entity] = []
    for entity_id, role in sorted(roles.items()):
        entity = store.get_entity(namespace, entity_id)
        if entity is None:  # it went with the event
            continue
        names = list(dict.fromkeys([entity.name, *entity.aliases]))
        given = [n for n in names if _said(forgotten, role, n)]
        if not given:
            continue
        hops = store.neighbors(namespace, entity_id, edge_types=_MENTIONS, direction=Direction.IN)
        by_event = {h.node_id: "speaker" if h.edge == EdgeType.SPOKEN_BY else h.role for h in hops}
        events = store.get_events(namespace, sorted(by_event))
        gone = {n for n in given if not any(_said(ev, by_event.get(ev.id), n) for ev in events)}
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
    roles = _mentioned_by(store, namespace, event.id)
    if reply is not None:
        vector, rebuild = reply
        target.write(vector, rebuild_vectors=rebuild)
    result = forget_event(store, namespace, event.id)
    renamed = names_left(store, namespace, event, roles) if result.events else []
    if renamed:
        target.write(Batch(namespace, entities=tuple(renamed)))
    return result
