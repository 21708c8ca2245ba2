"""Stage 2's bookkeeping: the :class:`EntityRegistry` that gives every distinct (type, normalised name)
of a batch one deterministic id, and the :class:`TurnAnnotation` of one turn (token → entity, mention
roles, time spans, role facts from appositions, name spans). Both are re-exported by
:mod:`graphmem.extract.entities`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphmem.extract.names import entity_id, name_key, normalize_name
from graphmem.models import Entity
from graphmem.transcript import KnownEntity

__all__ = ["EntityRegistry", "TurnAnnotation", "is_subject", "role_of"]

_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_OBJECT_DEPS = frozenset({"dobj", "pobj", "iobj", "dative", "attr", "oprd", "obj", "agent"})
_ROLE_RANK = {"mention": 0, "object": 1, "subject": 2}
#: Types that may be NER's guess for a person's name ("Jamal" a GPE, "Jordan" a country, "Sky" an ORG).
_GUESSED = frozenset({"Place", "Organization", "Product"})
#: Types NER gives a name in one sentence that another sentence typed a person ("Maria" a nationality).
_MISREAD = _GUESSED | {"Group"}


def role_of(token: Any) -> str:
    """The mention role of a token from its dependency label."""
    dep = token.dep_
    if dep in _SUBJECT_DEPS:
        return "subject"
    if dep in _OBJECT_DEPS:
        return "object"
    return "mention"


def is_subject(token: Any) -> bool:
    """Whether a token is the subject of its clause, or joined to one ("Tom and Maria hate ...")."""
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    return role_of(token) == "subject"


@dataclass(slots=True)
class _Record:
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)


class EntityRegistry:
    """The entities of one batch, one per (type, normalised name), in first-seen order."""

    def __init__(self, namespace: str, *, lower: Iterable[str] = (), known: Iterable[KnownEntity] = ()) -> None:
        """Create an empty registry for ``namespace``; ``lower``: words the namespace is known to use in
        lower case already (messages added to a stored conversation), as :meth:`note_words` records;
        ``known``: stored entities the batch may name, as if named before its first turn (:meth:`named`
        finds them; they become entities of the batch only when it names them)."""
        self.namespace = namespace
        self._records: dict[str, _Record] = {}
        self._speakers: dict[str, str] = {}  # normalised speaker name (and unique first name) -> id
        self._named: dict[str, str] = {}  # normalised name -> id of a named (non-topic) entity
        self._lower: set[str] = set(lower)  # words used in lower case in the batch (or known before it)
        self._pets: dict[str, str] = {}  # normalised name -> id of a named pet (a Thing)
        self._people: set[str] = set()  # ids a person's role noun named ("my colleague Max"): never a pet
        self._roles: set[str] = set()  # topics of a person's role noun ("Ana's brother"): people, not things
        self._persons: dict[str, str] = {}  # normalised name -> id of a person NER took for a place or firm
        #: ids retyped after the batch's earlier turns used them -> their new id (see :meth:`make_pet`)
        self.moved: dict[str, str] = {}
        self._known: dict[str, KnownEntity] = {}  # id -> a stored entity not (yet) named by the batch
        for entity in known:
            self._known.setdefault(entity.id, entity)
            for alias in (entity.name, *entity.aliases):
                self._named.setdefault(normalize_name(alias), entity.id)
                if entity.pet and entity.type == "Thing":  # a known pet keeps its type, as one met in the batch
                    self._pets.setdefault(normalize_name(alias), entity.id)

    def add(self, name: str, type_: str, *, key: str | None = None) -> str:
        """Register a name of a type (idempotent) and return its entity id.

        ``key`` is what identifies the entity (default: the normalised name; for topics the name with
        its head lemmatised, so "running shoes" and "running shoe" are one topic).
        """
        if key is None and type_ != "Topic" and normalize_name(name) in self._pets:
            # "Pixel loves the park" after "a dog named Pixel": the pet, whatever NER guessed
            pet = self._pets[normalize_name(name)]
            self._take_known(pet)  # a stored pet becomes an entity of the batch
            self.add_alias(pet, name)
            return pet
        if key is None and type_ in _GUESSED and normalize_name(name) in self._persons:
            # "Friday is Jamal's work party" after "my partner Jamal": the person, whatever NER guessed
            person = self._persons[normalize_name(name)]
            self.add_alias(person, name)
            return person
        if key is None:
            key = name if type_ == "Topic" else normalize_name(name)
        eid = entity_id(type_, key)
        record = self._records.get(eid)
        if type_ != "Topic":
            self._named.setdefault(normalize_name(name), eid)
        if record is None:
            self._records[eid] = _Record(type_, name)
        elif name != record.name and name not in record.aliases and len(record.aliases) < 16:
            record.aliases.append(name)
        return eid

    def add_role(self, owner: str, name: str, key: str) -> str:
        """Register the topic of a role noun of ``owner`` ("my brother" said by Ana: "Ana's brother"), keyed on
        the owner and the role's key, so each person's brother is one entity and two people's are two."""
        record = self._records.get(owner)
        whose = record.name if record is not None else name_key(owner).replace("-", " ")
        eid = self.add(f"{whose}'s {name}", "Topic", key=f"{name_key(owner).replace('-', ' ')} {key}")
        self._roles.add(eid)
        return eid

    def is_role(self, eid: str) -> bool:
        """Whether ``eid`` is the topic of a person's role noun (:meth:`add_role`): a person named by whose
        relative, partner or colleague they are, who takes the facts a named person takes."""
        return eid in self._roles and eid in self._records

    def is_pet(self, eid: str) -> bool:
        """Whether ``eid`` is a named pet (:meth:`make_pet`), so "I adopted Miso" after "a cat named Miso" is
        of an animal."""
        return eid in self._pets.values()

    def make_pet(self, eid: str) -> str:
        """Make a registered name a pet ("a dog named Pixel", "my cat called Luna"): typed ``Thing`` whatever
        NER guessed (it takes pet names for people), and the entity every later mention of the name in the
        batch is. Returns its id, which changes when the type does (the old id is kept in :attr:`moved`)."""
        record = self._records.get(eid)
        if record is None or record.type == "Topic":
            return eid
        key = normalize_name(record.name)
        new = entity_id("Thing", key)
        if eid in self._people:
            # "my colleague Max", then "my dog Max": another Max; the colleague stays a person
            self._records.setdefault(new, _Record("Thing", record.name))
            for name in (record.name, *record.aliases):
                self._pets[normalize_name(name)] = new
            return new
        if new != eid:
            self._retype(eid, "Thing")
        for name in (record.name, *record.aliases):
            self._pets[normalize_name(name)] = new
        return new

    def make_person(self, eid: str, *, retype: bool = False) -> str:
        """Make a registered name a person a role noun names ("my colleague Max"). A named pet's name
        ("my dog Max" earlier in the batch) gives another entity, a Person, whose id is returned; a pet
        named later by the same name is another entity too (:meth:`make_pet`). With ``retype`` (a role only
        a person has, of a person: "my partner Jamal"), a name NER typed a place, an organisation or a
        product becomes a Person, its id changing with its type (the old id kept in :attr:`moved`)."""
        record = self._records.get(eid)
        if record is None or record.type == "Topic":
            return eid
        if record.type == "Thing" and eid in self._pets.values():
            eid = self.add(record.name, "Person", key=normalize_name(record.name))
            # the id NER's Person guess had before the pet took the name: from now on the person's own
            self.moved.pop(eid, None)
        elif retype and record.type in _GUESSED:
            eid = self._retype(eid, "Person")
            for name in (record.name, *record.aliases):
                self._persons.setdefault(normalize_name(name), eid)
        self._people.add(eid)
        return eid

    def _retype(self, eid: str, type_: str) -> str:
        """Give a registered name another type: its record moves to the id of that type (joining one there),
        and the names that led to it lead there."""
        record = self._records.pop(eid)
        new = entity_id(type_, normalize_name(record.name))
        target = self._records.setdefault(new, _Record(type_, record.name))
        for alias in (record.name, *record.aliases):
            if alias != target.name and alias not in target.aliases:
                target.aliases.append(alias)
        for table in (self._named, self.moved):
            for k, v in table.items():
                if v == eid:
                    table[k] = new
        self.moved[eid] = new
        return new

    def discard(self, eid: str) -> None:
        """Forget a topic registered by mistake (a role noun a name stands for: "my sister Inês")."""
        if self.type_of(eid) == "Topic":
            del self._records[eid]

    def add_alias(self, eid: str, name: str) -> None:
        """Record another name of a registered entity."""
        record = self._records.get(eid)
        if record is not None and name != record.name and name not in record.aliases:
            record.aliases.append(name)

    def add_speaker(self, name: str) -> str:
        """Register a participant as a Person and remember their name for matching mentions."""
        eid = self.add(name, "Person")
        key = normalize_name(name)
        if self._named.get(key) in self._known:
            self._named[key] = eid  # a participant is themself, whatever else the namespace stores by the name
        self._speakers[key] = eid
        first = key.split(" ")[0] if key else ""
        if first and first != key:
            # a first name stands for the speaker only when no other speaker shares it
            self._speakers[first] = "" if self._speakers.get(first, eid) != eid else eid
        return eid

    def named(self, name: str) -> str | None:
        """The id of a registered named (non-topic) entity with this normalised name, if any: a known
        stored one (see :meth:`__init__`) becomes an entity of the batch, under its stored id and type."""
        eid = self._named.get(normalize_name(name))
        if eid is not None:
            self._take_known(eid)
        return eid

    def _take_known(self, eid: str) -> None:
        """Make a known stored entity (see :meth:`__init__`) an entity of the batch, under its stored id and type."""
        if eid not in self._records and eid in self._known:
            stored = self._known[eid]
            self._records[eid] = _Record(stored.type, stored.name, list(stored.aliases))

    def note_words(self, doc: Any) -> None:
        """Remember the words a parsed turn uses in lower case (evidence that a word is no name)."""
        for tok in doc:
            if tok.is_alpha and tok.is_lower and tok.pos_ in ("NOUN", "ADJ", "VERB"):
                self._lower.add(tok.lower_)

    def seen_lower(self, word: str) -> bool:
        """Whether this batch has used ``word`` in lower case as a noun, adjective or verb."""
        return word.lower() in self._lower

    def type_of(self, eid: str) -> str | None:
        """The type of a registered entity (``None`` if unknown)."""
        record = self._records.get(eid)
        if record is None:
            stored = self._known.get(eid)
            return stored.type if stored is not None else None
        return record.type

    def person_named(self, name: str, guessed: str) -> str | None:
        """The id of a Person of this normalised name that the batch has met (NER's person in an earlier turn,
        a speaker, a role's name) or the namespace stores, if any, when NER's type for the name now,
        ``guessed``, is one it gives people's names too (a place, a firm, a product, a nationality): so a
        later turn NER reads otherwise may still name the person (:func:`graphmem.extract.entities.annotate`
        decides where)."""
        key = normalize_name(name)
        if not key or guessed not in _MISREAD:
            return None
        eid = entity_id("Person", key)
        if eid in self._records and self._records[eid].type == "Person":
            return eid
        eid = self._persons.get(key) or self._named.get(key) or ""
        if self.type_of(eid) == "Person":
            self._take_known(eid)
            return eid
        return None

    def speaker_for(self, name: str) -> str | None:
        """The id of the participant a name refers to (full or unique first name), if any."""
        return self._speakers.get(normalize_name(name)) or None

    def entities(self) -> tuple[Entity, ...]:
        """The registered entities."""
        return tuple(Entity(self.namespace, eid, r.name, r.type, tuple(r.aliases)) for eid, r in self._records.items())

    def __len__(self) -> int:
        return len(self._records)


@dataclass(slots=True)
class TurnAnnotation:
    """What stage 2 found in one turn.

    ``tokens`` maps token indices to the entity they belong to (for the fact stage); ``mentions`` maps
    entity ids to the strongest role they take in the turn; ``times`` holds the DATE/TIME spans;
    ``roles`` holds ``(named entity, role word, whose, token index)`` from appositions such as "my
    sister Clara" (Clara, ``sister``, the speaker); ``spans`` holds the character ranges ``(start,
    end, entity id)`` of the text that name a (non-topic) entity.
    """

    tokens: dict[int, str] = field(default_factory=dict)
    mentions: dict[str, str] = field(default_factory=dict)
    times: list[Any] = field(default_factory=list)
    roles: list[tuple[str, str, str, int]] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def retarget(self, old: str, new: str) -> None:
        """Let everything the turn found for entity ``old`` be of ``new`` (an entity retyped)."""
        self.tokens = {i: new if e == old else e for i, e in self.tokens.items()}
        role = self.mentions.pop(old, None)
        if role is not None:
            self.mention(new, role)
        self.spans = [(a, b, new if e == old else e) for a, b, e in self.spans]
        self.roles = [(new if n == old else n, r, new if w == old else w, i) for n, r, w, i in self.roles]

    def mention(self, eid: str, role: str) -> None:
        """Record a mention, keeping the strongest role seen for the entity."""
        old = self.mentions.get(eid)
        if old is None or _ROLE_RANK[role] > _ROLE_RANK[old]:
            self.mentions[eid] = role
