"""What the namespace already knows of the names a batch is about to name: the prior of extraction.

A batch extracted apart from the rest of its conversation (the changed sessions of a re-ingested file, a
message added live) would type a name by NER alone: "I start at Helix Labs again" with the firm taken for
a person is read as talk about someone, though a kept session said "I work at Helix Labs". A fresh ingest
of the whole file reads it as the job it is, having met the firm first. :func:`known_entities` gives the
extractor the stored entities the batch's turns may name (:class:`~graphmem.transcript.KnownEntity`), each
with whether stored facts back its type or keep it (a known pet keeps its type), so a name already known
keeps its stored type and entity (:class:`~graphmem.extract.registry.EntityRegistry`,
:func:`~graphmem.extract.fact_types.typed_by_facts`), and one whose stored type is NER's guess alone is
retyped as the batch's facts type it (:func:`retype_stored`).

Bounded cost: nothing is read whole. The turns' capitalised word runs are the candidate names
(:func:`name_candidates`, at most :data:`MAX_NAMES` of them), each looked up by the store's index of
normalised names and aliases (``find_entities``; a server answers them all in one statement,
:class:`~graphmem.store.base.FindsEntitiesByNames`); only the entities found have their facts read, and for a
re-ingest their mentions (to keep only what the file's kept turns name, as a fresh ingest would see).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace

from graphmem.extract.fact_types import held_type, stored_retypes, told_type
from graphmem.extract.names import normalize_name
from graphmem.models import Batch, EdgeType, Entity
from graphmem.store.base import Direction, FindsEntitiesByNames, GraphStore, RenamesEntities
from graphmem.transcript import KnownEntity, Transcript

__all__ = [
    "MAX_NAMES",
    "known_entities",
    "name_candidates",
    "replaced_only",
    "retype_stored",
    "turn_texts",
    "undo_retypes",
]

#: The most candidate names looked up for one batch (the first met): a bound on the lookups per batch.
MAX_NAMES = 2000
#: The longest candidate, in words ("Bank of America Tower").
_MAX_WORDS = 6
_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\w'’-]*|&")
# lower-case words that may sit inside a name ("Bank of America", "Salt and Straw")
_LINKS = frozenset({"of", "the", "de", "del", "da", "di", "la", "le", "van", "von", "der", "and", "&", "for", "on"})
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def name_candidates(texts: Iterable[str], limit: int = MAX_NAMES) -> list[str]:
    """The names ``texts`` may hold, in first-seen order, at most ``limit``: every run of up to
    :data:`_MAX_WORDS` words inside a run of capitalised words (lower-case links such as "of" inside,
    not at an end), as written ("J.K. Rowling"), a possessive cut ("Ana's" → "Ana"), one per normalised
    name; "I" is none."""
    found: dict[str, str] = {}
    for text in texts:
        for run in _runs(text):
            for first in range(len(run)):
                for last in range(first, min(len(run), first + _MAX_WORDS)):
                    if run[first][0] in _LINKS or run[last][0] in _LINKS:
                        continue
                    name = text[run[first][1] : run[last][2]]
                    key = normalize_name(name)
                    if key and key != "i" and key not in found:
                        found[key] = name
                        if len(found) >= limit:
                            return list(found.values())
    return list(found.values())


def _runs(text: str) -> list[list[tuple[str, int, int]]]:
    """The runs of capitalised words of ``text`` (links inside), each word with its place in ``text``
    (a possessive cut off), broken at anything but spaces between two words or the dot of a short
    abbreviation ("J.K. Rowling", "St. Ives")."""
    runs: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    last_end = 0
    for match in _WORD.finditer(text):
        word, gap = match.group(), text[last_end : match.start()].strip()
        last_end = match.end()
        if current and gap and not (gap == "." and len(current[-1][0]) <= 2):
            runs.append(current)
            current = []
        if word[:1].isupper() or word[:1].isdigit():
            bare = _POSSESSIVE.sub("", word) or word
            current.append((bare, match.start(), match.start() + len(bare)))
            if bare != word:  # "Ana's car": the name ends at the possessive
                runs.append(current)
                current = []
        elif current and word in _LINKS:
            current.append((word, match.start(), match.end()))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def turn_texts(transcript: Transcript) -> list[str]:
    """The text of every turn of ``transcript`` (and its image captions)."""
    return [t for s in transcript.sessions for turn in s.turns for t in (turn.text, turn.caption or "") if t]


def known_entities(
    store: GraphStore,
    namespace: str,
    texts: Iterable[str],
    *,
    participants: Sequence[str] = (),
    kept: Collection[str] | None = None,
) -> tuple[KnownEntity, ...]:
    """The stored entities of ``namespace`` that ``texts`` may name (see the module docs), those whose type
    stored facts back first.

    Args:
        store: the store holding the namespace.
        namespace: the namespace the texts are extracted into.
        texts: the turns to extract.
        participants: the speakers of the turns: they are registered as themselves, not looked up.
        kept: for a re-ingest, the ids of the input's events that stay: an entity counts only when one of
            them mentions it, a fact only when one of them states it (what a fresh ingest of the input
            would have met). ``None``: every stored entity and fact counts (a message added live).
    """
    speakers = {normalize_name(p) for p in participants}
    speakers |= {key.split(" ")[0] for key in speakers if " " in key}
    names = [n for n in name_candidates(texts) if normalize_name(n) not in speakers]
    if isinstance(store, FindsEntitiesByNames):
        entities = store.find_entities_named(namespace, names) if names else []
    else:
        entities = [e for name in names for e in store.find_entities(namespace, name)]
    found = {e.id: e for e in entities if e.type != "Topic"}
    known = []
    for entity in found.values():
        if kept is not None and not _mentioned(store, namespace, entity.id, kept):
            continue
        facts = [
            n.fact
            for n in store.neighbors(namespace, entity.id, edge_types=[EdgeType.FACT])
            if n.fact is not None and (kept is None or any(e in kept for e in n.fact.evidence))
        ]
        backed = told_type(entity.id, facts) == entity.type
        pet = any(f.predicate == "has_pet" and f.object_id == entity.id for f in facts)
        held = held_type(entity.id, facts)
        known.append(KnownEntity(entity.id, entity.name, entity.type, entity.aliases, backed, pet, held))
    return tuple(sorted(known, key=lambda k: (not k.backed, k.id)))


def retype_stored(
    store: GraphStore, batch: Batch, known: Iterable[KnownEntity], write: Callable[[Batch], None]
) -> list[tuple[Entity, str]]:
    """Move each stored entity whose type was NER's guess alone and that ``batch``'s facts type otherwise
    (:func:`~graphmem.extract.fact_types.stored_retypes`) to the id and type the batch gives its name, with
    its mentions and facts (:class:`~graphmem.store.base.RenamesEntities`; ``write`` writes its new type), so
    resolving the batch joins it there: "Are you still in Bristol?" stored Bristol as NER's organisation, and
    "I live in Bristol." added later moves it to ``ent:place:bristol``, as one call of both messages types it.
    An entity is left where it is when the store cannot move entities or already holds the id.

    Returns:
        Each entity moved, as it was stored, with the id it moved to (:func:`undo_retypes` moves them back).
    """
    if not isinstance(store, RenamesEntities):
        return []
    namespace = batch.namespace
    speakers = {m.entity_id for m in batch.mentions if m.role == "speaker"}
    moved: list[tuple[Entity, str]] = []
    for prior, target in stored_retypes(batch, speakers, known):
        entity = store.get_entity(namespace, prior.id)
        if entity is None or store.get_entity(namespace, target.id) is not None:
            continue
        if store.rename_entity(namespace, prior.id, target.id):
            moved.append((entity, target.id))
            write(Batch(namespace, entities=(replace(entity, id=target.id, type=target.type),)))
    return moved


def undo_retypes(store: GraphStore, moved: Iterable[tuple[Entity, str]], write: Callable[[Batch], None]) -> None:
    """Move the entities :func:`retype_stored` moved back to their stored ids and types (the message whose
    facts moved them was not written after all)."""
    if not isinstance(store, RenamesEntities):
        return
    for entity, new_id in reversed(list(moved)):
        if store.rename_entity(entity.namespace, new_id, entity.id):
            write(Batch(entity.namespace, entities=(entity,)))


def replaced_only(store: GraphStore, namespace: str, retract: Collection[str]) -> set[str]:
    """The entities of ``namespace`` that only the events ``retract`` mention and that no fact stated
    elsewhere names: what the version a re-ingest replaces alone said of them (their type above all) is not
    known to a fresh ingest, so the redo is resolved without them (:class:`graphmem.ingest_run.UnitRun`);
    the retraction drops them unless the redo names them again. A file redone whole after an upgrade (a new
    extractor version) so types "Bristol" as the new extractor does, not as the old one stored it.
    Cost: the retracted events' mentions, and the mentions and facts of the entities they name."""
    gone = set(retract)
    said = (EdgeType.MENTIONS, EdgeType.SPOKEN_BY)
    candidates: set[str] = set()
    for event in gone:
        candidates.update(
            n.node_id for n in store.neighbors(namespace, event, edge_types=said, direction=Direction.OUT)
        )
    out: set[str] = set()
    for entity in candidates:
        if any(
            n.node_id not in gone for n in store.neighbors(namespace, entity, edge_types=said, direction=Direction.IN)
        ):
            continue
        facts = store.neighbors(namespace, entity, edge_types=[EdgeType.FACT])
        if any(n.fact is not None and not gone.issuperset(n.fact.evidence) for n in facts):
            continue
        out.add(entity)
    return out


def _mentioned(store: GraphStore, namespace: str, entity_id: str, events: Collection[str]) -> bool:
    """Whether one of ``events`` mentions the entity."""
    edges = store.neighbors(namespace, entity_id, edge_types=[EdgeType.MENTIONS], direction=Direction.IN)
    return any(n.node_id in events for n in edges)
