"""Stage 3, last pass: a name's type from the facts it ends, where NER's guesses contradict them.

NER types each mention of a name on its own, and its guess for a firm or a town is often wrong: "I work at
Helix Labs" (a person), "I work at Quanta Pharma" (a location), "I moved to York" (a person, an organisation
in another turn), "I live in Leeds" (no label: a thing). A fact says more: one works at an organisation and
lives in a place. So, after the facts of a batch are built, every name the batch states such a fact of is
given that type in all its mentions (the entities of the name typed otherwise join the one of that type).

Only where the facts agree and nothing says otherwise: a name that ends facts of two kinds ("I work at
Boulder" and "I live in Boulder"), that is the subject of a fact (one who works or lives somewhere is no
firm), that a fact says is a person or a pet ("my colleague Max", "my dog Max"), or a speaker, keeps its
types. A ``Topic`` (a common noun: "the bakery") has no name to type and is left as it is.

Facts already stored count too when the batch continues a stored conversation: a stored entity whose
type stored facts say (:func:`told_type`; the ``backed`` of a :class:`~graphmem.transcript.KnownEntity`)
is evidence of that type for its names, as the facts would be had the batch held their turns. A stored
entity whose type is NER's guess alone (no stored fact says it, nor keeps it: :func:`held_type`) is
retyped as the batch's facts type its name (:func:`stored_retypes`), as its mentions would have been had
the batch held their turns: "Are you still in Bristol?" stored Bristol as NER's organisation, and "I live
in Bristol." added later makes it the place one call of both messages makes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from graphmem.extract.names import entity_id, name_key, slug
from graphmem.extract.remap import remap_ids
from graphmem.extract.resolve import people_of
from graphmem.extract.vocabulary import ROLE_NOUNS
from graphmem.models import Batch, Entity, Fact
from graphmem.transcript import KnownEntity

__all__ = ["TYPE_EVIDENCE", "held_type", "stored_retypes", "told_type", "typed_by_facts"]

#: Predicates whose object's type the predicate says, and that type.
TYPE_EVIDENCE: Mapping[str, str] = {"works_at": "Organization", "lives_in": "Place"}
#: The types a fact's evidence replaces: NER's guesses for a name that are not what the fact says. A
#: ``Group``, ``Work`` or ``Occasion`` is a reading of its own and stays.
_RETYPED = frozenset({"Person", "Place", "Organization", "Thing", "Product"})
#: Types NER gives a person's name by mistake ("Jamal" a GPE): a fact making it a person's retypes them.
_GUESSED = frozenset({"Place", "Organization", "Product"})
#: Predicates whose ends are people (or a pet): such an end is no firm nor town, whatever else it ends.
_PERSONAL = frozenset({"married_to", "dating", "has_child", "has_pet"})


def typed_by_facts(batch: Batch, speakers: Iterable[str] = (), known: Iterable[KnownEntity] = ()) -> Batch:
    """``batch`` with each name typed as the facts it ends say (see the module docs): the entities of a
    retyped name become one, of the new type, and the mentions, facts and closings point at it.

    Args:
        batch: an extracted batch (before resolution).
        speakers: the ids of the batch's speakers, who keep their type.
        known: stored entities the batch may name; those ``backed`` by stored facts are evidence of their
            type for each of their names, and a name retyped to it joins the stored entity.
    """
    by_name = _by_name(batch)
    evidence, stored, barred = _evidence(batch, by_name, speakers, known)
    mapping: dict[str, str] = {}
    entities = {e.id: e for e in batch.entities}
    for key, types in evidence.items():
        group = by_name.get(key, [])
        if len(types) != 1 or not group or any(e.id in barred for e in group):
            continue
        (wanted,) = types
        moving = [e for e in group if e.type != wanted and e.type in _RETYPED]
        if not moving:
            continue
        held = stored.get(key)
        if held is not None and held.type == wanted:
            target = held.id
            kept = entities.get(target) or Entity(batch.namespace, target, held.name, wanted, held.aliases)
        else:
            target = entity_id(wanted, key)
            kept = entities.get(target) or Entity(batch.namespace, target, moving[0].name, wanted)
        names = [kept.name, *kept.aliases]
        for entity in moving:
            names.extend(n for n in (entity.name, *entity.aliases) if n not in names)
            mapping[entity.id] = target
            entities.pop(entity.id)
        entities[target] = replace(kept, aliases=tuple(names[1:17]))
    if not mapping:
        return batch
    remapped = remap_ids(batch, mapping)
    return replace(remapped, entities=tuple(entities.values()))


def stored_retypes(
    batch: Batch, speakers: Iterable[str] = (), known: Iterable[KnownEntity] = ()
) -> list[tuple[KnownEntity, Entity]]:
    """The stored entities ``batch``'s facts retype, each with the entity of the batch it becomes: a ``known``
    entity whose type is NER's guess alone (not ``backed``, ``held`` nor a ``pet``) and whose name the
    batch's facts type otherwise, as :func:`typed_by_facts` would have retyped its mentions had the batch
    held their turns; or, stored as a place, an organisation or a product, whose name the batch's facts make
    a person's ("my partner Jamal": stage 2 retyped the batch's mentions of the name,
    :meth:`~graphmem.extract.registry.EntityRegistry.make_person`).

    Args:
        batch: a batch :func:`typed_by_facts` typed.
        speakers: the ids of the batch's speakers, who keep their type.
        known: the stored entities the batch may name.
    """
    known = tuple(known)
    by_name = _by_name(batch)
    evidence, _, barred = _evidence(batch, by_name, speakers, known)
    entities = {e.id: e for e in batch.entities}
    people = {end for f in batch.facts for end in people_of(f)}
    found: list[tuple[KnownEntity, Entity]] = []
    for prior in known:
        if prior.backed or prior.held or prior.pet or prior.type not in _RETYPED:
            continue
        key = name_key(prior.id)
        types = evidence.get(key, set())
        person = entities.get(entity_id("Person", key))
        if not types and prior.type in _GUESSED and person is not None and person.id in people:
            found.append((prior, person))  # "my partner Jamal" after Jamal was stored as NER's place
            continue
        if len(types) != 1 or any(e.id in barred for e in by_name.get(key, [])):
            continue
        (wanted,) = types
        target = entities.get(entity_id(wanted, key))
        if wanted != prior.type and target is not None and target.type == wanted:
            found.append((prior, target))
    return found


def _by_name(batch: Batch) -> dict[str, list[Entity]]:
    """The batch's named entities (not topics) by the name key of their ids."""
    by_name: dict[str, list[Entity]] = {}
    for entity in batch.entities:
        if entity.type != "Topic":
            by_name.setdefault(name_key(entity.id), []).append(entity)
    return by_name


def _evidence(
    batch: Batch, by_name: Mapping[str, list[Entity]], speakers: Iterable[str], known: Iterable[KnownEntity]
) -> tuple[dict[str, set[str]], dict[str, KnownEntity], set[str]]:
    """The types the facts say of each name key (the batch's and the backed stored ones'), the stored entity
    backing each key, and the ids whose types stay (speakers, subjects, people's and pets' ends)."""
    evidence: dict[str, set[str]] = {}
    stored: dict[str, KnownEntity] = {}
    for prior in known:
        for alias in (prior.name, *prior.aliases) if prior.backed else ():
            key = slug(alias)
            if key in by_name and key not in stored:
                stored[key] = prior
                evidence.setdefault(key, set()).add(prior.type)
    barred = set(speakers)
    for fact in batch.facts:
        wanted = TYPE_EVIDENCE.get(fact.predicate)
        if wanted is not None:
            evidence.setdefault(name_key(fact.object_id), set()).add(wanted)
        barred.update(_personal_ends(fact))
        if fact.predicate != "said_about":
            barred.add(fact.subject_id)
    return evidence, stored, barred


def held_type(entity_id: str, facts: Iterable[Fact]) -> bool:
    """Whether ``facts`` keep the entity's type as it is, whatever other facts say (:func:`typed_by_facts`):
    it is the subject of one (but ``said_about``), or a person's or a pet's end of one."""
    return any(
        entity_id in _personal_ends(f) or (f.subject_id == entity_id and f.predicate != "said_about") for f in facts
    )


def told_type(entity_id: str, facts: Iterable[Fact]) -> str | None:
    """The type ``facts`` say the entity ``entity_id`` has, as :func:`typed_by_facts` reads them: the one
    type the facts it ends say, or ``None`` when they say none or two, or when one makes it a subject or
    a person's or a pet's end."""
    types: set[str] = set()
    for fact in facts:
        if entity_id in _personal_ends(fact) or (fact.subject_id == entity_id and fact.predicate != "said_about"):
            return None
        wanted = TYPE_EVIDENCE.get(fact.predicate)
        if wanted is not None and fact.object_id == entity_id:
            types.add(wanted)
    return types.pop() if len(types) == 1 else None


def _personal_ends(fact: Fact) -> tuple[str, ...]:
    """The ends a fact says are people or pets."""
    if fact.predicate in _PERSONAL:
        return (fact.subject_id, fact.object_id)
    if fact.predicate.endswith("_of") and fact.predicate[: -len("_of")] in ROLE_NOUNS:
        return (fact.subject_id, fact.object_id)
    return ()
