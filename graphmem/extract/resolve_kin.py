"""Namesakes told apart by their kin: two people who share a name but cannot share a family.

Lucy says "My brother Sam lives in Denver" and Marco "My son Sam plays the violin". Both turns name
``ent:person:sam``, so without this stage one Sam would be Lucy's brother, Marco's son, live in Denver
and play the violin. A person's **kin claims** are read from the facts: ``X <kin>_of O`` (a family role
of :data:`KIN`, "brother", "mum", "cousin") and ``O has_child X`` (the role "child"). Two claims of one
person conflict (:func:`claims_conflict`) when

- they have one owner and different family roles that cannot both hold ("my brother Sam" and, from the
  same speaker, "my son Sam"); a general role holds with its specific ones ("sibling" with "brother"), or
- they have different owners, both roles are family roles, and no fact of the batch or the store links
  the two owners as kin or partners (Lucy's brother is Marco's son only if Marco is Lucy's parent).

Other roles never conflict, nor does a full name with a bare given name: "my colleague Sam Patel"
(Marco's) and "my brother Sam" (Lucy's) may be one person, and stay one. The owner and role conflict,
not the name, is the evidence of two people.

:func:`split_namesakes` walks the turns in conversation order and gives each turn's mention of a name
one of that name's **identities**: the first keeps the name's id; a turn whose claims conflict with every
identity so far starts another, ``<id>--<role>-of-<owner>`` ("ent:person:sam--child-of-marco"); a
turn whose claims fit joins the identity sharing a claim, else the one its speaker named last, else the
first that fits. A turn naming the name with no claim ("Sam is coming to visit") is the identity its
speaker named last, else the one named last in its session, else (nothing says which: ambiguous) the
first identity. The turn's mentions, the facts it states and the ends it states go with it, so
"one Sam's" move never closes the other's home. The extractor splits a batch on its own; entity
resolution (:func:`graphmem.extract.resolve.resolve_batch`) walks a new batch on from what the store
holds (its identities, their claims, who named each last), so adding messages one at a time gives the
same identities as one ingest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphmem.extract.names import event_place, name_key
from graphmem.extract.vocabulary import CHILDREN, PARTNERS, SPOUSES
from graphmem.models import Batch, EdgeType, Entity, Event, Fact, FactClosing, Mention

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["KIN", "Claim", "Kin", "claims_conflict", "claims_of", "identity_base", "split_namesakes"]

#: Family roles (``<role>_of``) and the role each stands for: spellings of one role are one role.
KIN: dict[str, str] = {
    **{w: w for w in ("sister", "brother", "sibling", "niece", "nephew", "aunt", "uncle", "cousin")},
    **{w: w for w in ("parent", "grandparent", "grandson", "granddaughter", "grandchild")},
    **{w: w for w in ("stepson", "stepdaughter", "stepsister", "stepbrother")},
    **dict.fromkeys(("stepmother", "stepmom", "stepmum"), "stepmother"),
    **dict.fromkeys(("stepfather", "stepdad"), "stepfather"),
    **dict.fromkeys(("mother", "mum", "mom"), "mother"),
    **dict.fromkeys(("father", "dad"), "father"),
    **dict.fromkeys(("grandmother", "grandma"), "grandmother"),
    **dict.fromkeys(("grandfather", "grandpa"), "grandfather"),
    **dict.fromkeys(CHILDREN, "child"),
}
# a general role and the specific ones it holds with ("my sibling Sam" is "my brother Sam")
_GENERAL = {
    "sibling": frozenset({"sister", "brother", "stepsister", "stepbrother"}),
    "parent": frozenset({"mother", "father", "stepmother", "stepfather"}),
    "grandparent": frozenset({"grandmother", "grandfather"}),
    "grandchild": frozenset({"grandson", "granddaughter"}),
    "child": frozenset({"stepson", "stepdaughter"}),
}
# a step-parent is often called mum or dad: "my dad Joe" and "my stepfather Joe" may be one man
_CALLED_SO = ({"father", "stepfather"}, {"mother", "stepmother"})
# facts that make their two ends one family: any family role, and partners
_LINKS = frozenset({"has_child", "married_to", "dating"}) | {f"{w}_of" for w in (*KIN, *PARTNERS, *SPOUSES)}

#: ``(owner entity id, family role)``: "my brother Sam", said by Lucy, is Sam's ``("ent:person:lucy", "brother")``.
Claim = tuple[str, str]


def claims_of(fact: Fact) -> tuple[str, Claim] | None:
    """The person a fact gives a family role and the claim, or ``None``: ``Sam brother_of Lucy`` gives
    Sam ``(Lucy, "brother")``, ``Marco has_child Sam`` gives Sam ``(Marco, "child")``."""
    if fact.predicate == "has_child":
        return fact.object_id, (fact.subject_id, "child")
    if fact.predicate.endswith("_of"):
        role = KIN.get(fact.predicate[: -len("_of")])
        if role is not None:
            return fact.subject_id, (fact.object_id, role)
    return None


def _roles_fit(a: str, b: str) -> bool:
    return a == b or b in _GENERAL.get(a, ()) or a in _GENERAL.get(b, ()) or {a, b} in _CALLED_SO


def claims_conflict(a: Iterable[Claim], b: Iterable[Claim], related: Callable[[str, str], bool]) -> bool:
    """Whether two sets of family claims cannot be one person's (see the module docstring); ``related``
    says whether two owners are linked as kin or partners."""
    b = list(b)
    for owner_a, role_a in a:
        for owner_b, role_b in b:
            if owner_a == owner_b:
                if not _roles_fit(role_a, role_b):
                    return True
            elif not related(owner_a, owner_b):
                return True
    return False


def identity_base(entity_id: str) -> str:
    """The id of the name an identity made by :func:`split_namesakes` belongs to (``…sam--child-of-marco`` →
    ``…sam``); any other id is its own."""
    return entity_id.split("--", 1)[0]


@dataclass(slots=True)
class _Identity:
    id: str
    claims: set[Claim] = field(default_factory=set)


@dataclass(slots=True)
class _Family:
    """The identities of one name so far, and who named which last."""

    base: str
    identities: list[_Identity]
    by_speaker: dict[str, str] = field(default_factory=dict)
    by_session: dict[str, str] = field(default_factory=dict)

    def get(self, eid: str) -> _Identity:
        return next(i for i in self.identities if i.id == eid)

    def assign(self, claims: set[Claim], speaker: str, session: str, related: Callable[[str, str], bool]) -> str:
        if not self.identities:
            self.identities.append(_Identity(self.base))
        if not claims:
            return self.by_speaker.get(speaker) or self.by_session.get(session) or self.identities[0].id
        fits = [i for i in self.identities if not claims_conflict(claims, i.claims, related)]
        if not fits:
            owner, role = min(claims)
            eid = f"{self.base}--{role}-of-{name_key(owner)}"
            taken = {i.id for i in self.identities}
            n = 2
            while eid in taken:
                eid, n = f"{self.base}--{role}-of-{name_key(owner)}-{n}", n + 1
            chosen = _Identity(eid)
            self.identities.append(chosen)
        else:
            last = self.by_speaker.get(speaker)
            chosen = next((i for i in fits if i.claims & claims), next((i for i in fits if i.id == last), fits[0]))
        chosen.claims |= claims
        return chosen.id

    def named(self, eid: str, speaker: str, session: str) -> None:
        self.by_speaker[speaker] = eid
        self.by_session[session] = eid


class Kin:
    """The family claims and links of a batch and (lazily) of the store, by entity id."""

    def __init__(self, batch: Batch, history: GraphStore | None = None) -> None:
        """Read the batch's claims and links; the store's are read when asked."""
        self.namespace = batch.namespace
        self.history = history
        self.retracted = frozenset(batch.retract)  # a re-ingested file's old turns say nothing of who is who
        self.by_turn: dict[tuple[str, str], set[Claim]] = {}  # (event, person) -> claims
        self.in_batch: dict[str, set[Claim]] = {}
        self.links: set[frozenset[str]] = set()
        self._stored: dict[str, list[Fact]] = {}
        for fact in batch.facts:
            if fact.predicate in _LINKS:
                self.links.add(frozenset((fact.subject_id, fact.object_id)))
            found = claims_of(fact)
            if found is not None:
                self.in_batch.setdefault(found[0], set()).add(found[1])
                if fact.evidence:
                    self.by_turn.setdefault((fact.evidence[0], found[0]), set()).add(found[1])

    def _facts(self, eid: str) -> list[Fact]:
        if self.history is None:
            return []
        if eid not in self._stored:
            from graphmem.store.base import Direction

            edges = self.history.neighbors(self.namespace, eid, edge_types=[EdgeType.FACT], direction=Direction.BOTH)
            facts = [n.fact for n in edges if n.fact is not None and n.fact.expired_at is None]
            self._stored[eid] = [f for f in facts if not (f.evidence and set(f.evidence) <= self.retracted)]
        return self._stored[eid]

    def claims(self, eid: str, *, batch: bool = True, stored: bool = False) -> set[Claim]:
        """The family claims on ``eid`` in the batch (``batch``) and in the store (``stored``)."""
        found = set(self.in_batch.get(eid, ())) if batch else set()
        for fact in self._facts(eid) if stored else ():
            claim = claims_of(fact)
            if claim is not None and claim[0] == eid:
                found.add(claim[1])
        return found

    def related(self, a: str, b: str) -> bool:
        """Whether a fact of the batch or the store links ``a`` and ``b`` as kin or partners."""
        if frozenset((a, b)) in self.links:
            return True
        return any(f.predicate in _LINKS and b in (f.subject_id, f.object_id) for f in self._facts(a))


def split_namesakes(batch: Batch, history: GraphStore | None = None, stored: Sequence[Entity] = ()) -> Batch:
    """Give each turn's mention of a person's name the identity of that name it means (module docstring).

    Args:
        batch: a batch whose entity ids are still those of their names (extracted, not yet resolved), or
            with the identities an earlier split gave.
        history: the store holding the namespace: its identities of the batch's names, their claims and
            who named each last are where the walk starts.
        stored: the entities stored in the namespace (with ``history``).

    Returns:
        The batch with its mentions, facts and ends of facts rewritten to identity ids and an entity for
        each identity it uses; a batch with no person of conflicting claims unchanged.
    """
    speakers = {m.entity_id for m in batch.mentions if m.role == "speaker"}
    people = {e.id: e for e in batch.entities if e.type == "Person" and e.id not in speakers}
    kin = Kin(batch, history)
    bases = {identity_base(p) for p in people}
    families_stored: dict[str, list[str]] = {}
    for e in stored:
        if e.type == "Person" and identity_base(e.id) in bases:
            families_stored.setdefault(identity_base(e.id), []).append(e.id)
    split = {identity_base(p) for (_, p) in kin.by_turn if p in people}
    split |= {b for b in bases if len(families_stored.get(b, ())) > 1}
    split |= {identity_base(p) for p in people if p != identity_base(p)}
    if not split:
        return batch
    related = kin.related
    families = {b: _stored_family(b, families_stored.get(b, []), kin) for b in split}
    mapping: dict[tuple[str, str], str] = {}  # (event, batch entity) -> identity
    mentioned: dict[str, list[str]] = {}
    for m in batch.mentions:
        if m.role != "speaker" and m.entity_id in people and identity_base(m.entity_id) in split:
            mentioned.setdefault(m.event_id, []).append(m.entity_id)
    for event in batch.events:
        for eid in dict.fromkeys(mentioned.get(event.id, ())):
            family = families[identity_base(eid)]
            said = kin.by_turn.get((event.id, eid), set())
            chosen = family.assign(said, event.speaker or "", event.session, related)
            family.named(chosen, event.speaker or "", event.session)
            mapping[(event.id, eid)] = chosen
    if all(k[1] == v for k, v in mapping.items()):
        return batch
    return _rewrite(batch, mapping, people)


def _stored_family(base: str, ids: list[str], kin: Kin) -> _Family:
    """A name's identities in the store, with their claims and who named each last."""
    family = _Family(base, [])
    if kin.history is None or not ids:
        return family
    from graphmem.store.base import Direction

    last: dict[tuple[str, str], tuple[tuple[datetime, str, int], str]] = {}
    for eid in sorted(ids, key=lambda i: (i != base, i)):
        family.identities.append(_Identity(eid, kin.claims(eid, batch=False, stored=True)))
        if len(ids) < 2:
            continue
        edges = kin.history.neighbors(kin.namespace, eid, edge_types=[EdgeType.MENTIONS], direction=Direction.IN)
        said = [n.node_id for n in edges if n.node_id not in kin.retracted]
        for ev in kin.history.get_events(kin.namespace, said):
            key = _order(ev)
            for place in (("speaker", ev.speaker or ""), ("session", ev.session)):
                if place not in last or last[place][0] < key:
                    last[place] = (key, eid)
    for (kind, who), (_, eid) in sorted(last.items()):
        (family.by_speaker if kind == "speaker" else family.by_session)[who] = eid
    return family


def _order(event: Event) -> tuple[datetime, str, int]:
    session, seq = event_place(event.id)
    return (event.occurred_at or datetime.min, session, seq)


def _rewrite(batch: Batch, mapping: dict[tuple[str, str], str], people: dict[str, Entity]) -> Batch:
    def to(event: str | None, eid: str | None) -> str | None:
        if event is None or eid is None:
            return eid
        return mapping.get((event, eid), eid)

    mentions = [replace(m, entity_id=to(m.event_id, m.entity_id) or m.entity_id) for m in batch.mentions]
    facts: list[Fact] = []
    for f in batch.facts:
        ev = f.evidence[0] if f.evidence else None
        facts.append(replace(f, subject_id=to(ev, f.subject_id) or "", object_id=to(ev, f.object_id) or ""))
    closings: list[FactClosing] = []
    for c in batch.closings:
        ev = c.evidence[0] if c.evidence else None
        closings.append(replace(c, subject_id=to(ev, c.subject_id), object_id=to(ev, c.object_id)))
    used = {m.entity_id for m in mentions} | {e for f in facts for e in (f.subject_id, f.object_id)}
    entities = [e for e in batch.entities if e.id in used or e.id not in people]
    have = {e.id for e in entities}
    for new in dict.fromkeys(mapping.values()):
        if new not in have:
            source = next(people[k[1]] for k, v in mapping.items() if v == new)
            entities.append(replace(source, id=new))
            have.add(new)
    return replace(
        batch, entities=tuple(entities), mentions=_unique(mentions), facts=tuple(facts), closings=tuple(closings)
    )


def _unique(mentions: list[Mention]) -> tuple[Mention, ...]:
    return tuple(dict.fromkeys(mentions))
