"""Forgetting one message: the event and what only it supported, and what it left in what stays.

:meth:`graphmem.Memory.forget` of an event runs :func:`forget_message`, under the store's write lock, in
this order:

1. **The reply's vector.** A turn is embedded with the turn it replies to (:mod:`graphmem.embed_text`),
   so the next turn of the forgotten one's session holds its text in its vector. That vector is made
   again, replying to the turn before the forgotten one, and written before anything is deleted (an
   embedder that fails deletes nothing): what a fresh ingest of the remaining turns stores
   (:func:`graphmem.reembed.reply_vector`). Not when the namespace's vectors are of another model space
   than the memory's embedder (recall asks for ``graphmem reembed`` then, which re-embeds that turn too).
2. **Names only it gave.** An entity the message named that other messages still mention keeps only the
   names and aliases a remaining mention says (its text, or its speaker for the speaker): "My therapist
   is Dr. Helena Quokkaberg Marsh" forgotten, "Dr. Marsh moved her office" left, the entity is "Marsh".
   A name counts as said when its comparison key (:func:`graphmem.extract.names.normalize_name`) is a
   run of whole words of the text's. Only names the forgotten message said go; an entity left with no
   name is called ``unnamed <type>``.
3. **Ids made of those names.** An entity's id is made of the name first said
   (``ent:person:helena-quokkaberg-marsh``, :func:`graphmem.extract.names.entity_id`). When it holds a
   word of a name that went and of no name kept, the entity moves to the id its name makes now
   (``ent:person:marsh``; ``ent:person:unnamed-person``), or with ``-2``, ``-3``… when another entity has
   that one, with its mentions, facts (every version) and vector, and the store keeps the old id nowhere
   (:class:`~graphmem.store.base.RenamesEntities`). A fact's id is a hash of the turn that stated it and
   its ends (:func:`graphmem.extract.names.fact_id`), and a later message restating that turn's fact
   ("I start on 1 April" after "I got a job at Globex Corporation") finds it by that id: a fact id made so
   is made again of the moved ends, every version keeping its archive suffix (so the chain stays one,
   its ``revised_by`` and evidence as they were); an id made otherwise stays. A later message naming the
   kept name joins the entity by name (:mod:`graphmem.extract.resolve`), as it did before. The entities
   move first (one transaction each), then their names are written (one).
4. **The deletion** (``store.delete_event``) and the remaining facts' ends derived again
   (:func:`graphmem.settle.delete_event`): two transactions. Then an entity only the message named that
   stays (a fact of another message keeps it) loses the names it said, as in 2 and 3, and a later turn of
   its session whose "later that month" took its date from it is dated again without it, with the facts
   it stated or ended by that phrase (every version, in place), and the ends that changes in other facts
   derived again (:mod:`graphmem.forget_times`; two more transactions).

Every write before the deletion leaves a state the same forget, made again, completes: the event is
still there, a vector made again is the same, a moved entity's id holds no forgotten name (so it is
renamed where it is), a renamed one has no forgotten name left to lose. A store that fails anywhere
before the deletion (a server gone) leaves the message unforgotten and the error raised; forgetting it
again finishes the work. A failure after the deletion leaves the ends for
``graphmem.settle.settle(store, namespace)`` to derive (:mod:`graphmem.settle`).

On a server store other clients may write the namespace meanwhile: the writes up to the deletion run
inside the store's guard of the namespace (:func:`graphmem.write_retry.guarded`) and are made again from
what it holds now when another client wrote it first, as are those after it
(:func:`graphmem.write_retry.retry_conflicts`): a turn another client adds after the forgotten one while
it is forgotten is embedded again too, an entity it renames has the names its message says.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from graphmem.errors import ConfigError, NotFoundError
from graphmem.extract.names import entity_type, name_key, normalize_name, slug
from graphmem.forget_times import write_redated
from graphmem.models import Batch, EdgeType, Entity, Event
from graphmem.settle import delete_event
from graphmem.store.base import Direction, RenamesEntities
from graphmem.write_retry import guarded, retry_conflicts

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
    store: GraphStore,
    namespace: str,
    forgotten: Event,
    roles: Mapping[str, Collection[str | None]],
    *,
    elsewhere: bool | None = None,
) -> list[Entity]:
    """The entities ``forgotten`` mentioned (``roles``: id → its roles there) that still exist, renamed to
    the names remaining mentions say, where the forgotten message said a name no remaining mention says
    (see the module docs); the others are left out. The events naming an entity (``forgotten`` aside,
    stored or not) are read a page at a time, the speaker's first, until each name the forgotten message
    said is found said again. ``elsewhere``: only the entities another event mentions (``True``), or only
    those none does (``False``)."""
    out: list[Entity] = []
    for entity_id, said_as in sorted(roles.items()):
        entity = store.get_entity(namespace, entity_id)
        if entity is None:  # it went with the event
            continue
        by_event = _mentions(store, namespace, entity_id, Direction.IN)
        by_event.pop(forgotten.id, None)
        if elsewhere is not None and bool(by_event) != elsewhere:
            continue
        names = list(dict.fromkeys([entity.name, *entity.aliases]))
        gone = {n for n in names if _said(forgotten, said_as, n)}
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

    On a server store, the writes before the deletion (and the deletion) are made inside the store's guard
    of ``namespace`` and made again from what it holds when another client wrote it meanwhile; so are those
    after it (:mod:`graphmem.write_retry`). The caller holds the store's write lock and drops its caches
    afterwards, also when this raises.

    Raises:
        NotFoundError: another client deleted ``event`` before this could.
        WriteConflictError: other clients kept writing the namespace during each attempt of one part: of
            the first, nothing was deleted (the message says whether the event is gone).
    """
    store = target.store
    done: list[tuple[DeleteResult, Callable[[], int], Event, dict[str, set[str | None]]]] = []

    def until_deleted() -> DeleteResult:
        with guarded(store, namespace):
            current = store.get_event(namespace, event.id)
            if current is None:
                raise NotFoundError(f"no event {event.id!r} in namespace {namespace!r}: another client deleted it")
            roles = _before_deletion(target, namespace, current)
            result, settle_after = delete_event(store, namespace, current.id)
            done.append((result, settle_after, current, roles))
            return result

    settle_dates: list[Callable[[], int]] = []  # the ends of facts dated again, to derive (again after a conflict)

    def after_deletion() -> None:
        result, settle_after, gone, roles = done[0]
        with guarded(store, namespace):
            settle_after()
            for again in settle_dates:
                again()
            if result.events:  # the entities only it named that stayed (kept by a fact)
                _rename(target, namespace, names_left(store, namespace, gone, roles, elsewhere=False))
                # a later "later that month" it gave its date to is dated without it, with its facts
                redated = write_redated(store, namespace, gone)
                if redated is not None:
                    settle_dates.append(redated)
                    redated()

    def failed(part: str) -> Callable[[int], str]:
        return lambda attempts: (
            f"could not forget event {event.id!r} of namespace {namespace!r}: other writers changed it during "
            f"each of {attempts} attempts {part}"
        )

    result = retry_conflicts(until_deleted, namespace=namespace, failed=failed("to delete it; it is still there"))
    retry_conflicts(
        after_deletion,
        namespace=namespace,
        failed=failed(
            "to finish: it is deleted, the ends of the facts it touched not derived again (graphmem.settle.settle "
            "derives them)"
        ),
    )
    return result


def _before_deletion(target: ReembedTarget, namespace: str, event: Event) -> dict[str, set[str | None]]:
    """Write what goes before ``event`` is deleted: its reply's vector, then the entities other events still
    mention moved (when their id holds a name only it said) and renamed, in that order, so that a forget
    stopped anywhere before the deletion finds what is left to do when run again. The entities it names,
    and their roles there."""
    from graphmem.reembed import reply_vector

    store = target.store
    reply = reply_vector(target, namespace, event)
    roles = _mentions(store, namespace, event.id, Direction.OUT)
    if reply is not None:
        target.write(reply)
    _rename(target, namespace, names_left(store, namespace, event, roles, elsewhere=True))
    return roles


def _rename(target: ReembedTarget, namespace: str, renamed: list[Entity]) -> None:
    """Move each of ``renamed`` whose id holds a name it lost, then write their names (at the ids they have
    now): once moved, the id holds no lost name, so when the names' write fails a forget made again renames
    them where they are."""
    store = target.store
    if not renamed:
        return
    placed = []
    for entity in renamed:
        before = store.get_entity(namespace, entity.id)
        new = _move(store, namespace, before, entity) if before is not None else None
        placed.append(entity if new is None else replace(entity, id=new))
    target.write(Batch(namespace, entities=tuple(placed)))


#: How often a move picks an id again when another writer of a server store took the one it picked.
_MOVE_ATTEMPTS = 3


def _move(store: GraphStore, namespace: str, before: Entity, after: Entity) -> str | None:
    """Move ``after`` to the id :func:`moved_id` gives, picking again when a server's other writer took that id
    between the pick and the move; the id it moved to (``None``: it stays)."""
    if not isinstance(store, RenamesEntities):
        return None
    for attempt in range(1, _MOVE_ATTEMPTS + 1):
        new = moved_id(store, namespace, before, after)
        if new is None:
            return None
        try:
            store.rename_entity(namespace, after.id, new)
            return new
        except ConfigError:
            if attempt == _MOVE_ATTEMPTS:
                raise
    return None


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
