"""Stage 5: entity resolution within a namespace.

A new batch's entities are matched against each other and against the entities already stored; each
one either joins an entity (its id is rewritten everywhere, its name becomes an alias) or stays new.
Two names are the same entity when their types are compatible and one of these holds:

- their normalised forms are equal (case, accents, punctuation, possessives, titles removed);

and otherwise, when they hold the same numbers (:func:`~graphmem.extract.name_numbers.name_numbers`:
"Episode 4" is never "Episode 5", nor "Book 1" "Book II"), one of these:

- (people) one name's words are all in the other ("Caroline" / "Caroline Smith") or one is a nickname
  prefix of the other's first name ("Mel" / "Melanie");
- (organisations) one name opens the other ("Lumen" / "Lumen Robotics");
- (organisations, places) one is the initials of the other ("NYC" / "New York City");
- their rapidfuzz ratio reaches :attr:`ResolutionConfig.fuzzy_threshold` ("Carolines" / "Caroline");
- with an embedder: the ratio reaches :attr:`ResolutionConfig.embed_fuzzy_floor` and the cosine of the
  name embeddings reaches :attr:`ResolutionConfig.embed_threshold`.

A speaker never joins a namesake: a longer name that only other speakers say, or another speaker's
(:mod:`graphmem.extract.resolve_voices`: "Ana Lopez", Bo's colleague, is not the speaker Ana).

People of one name whose family roles cannot both hold ("my brother Sam", another speaker's "my son Sam")
are told apart turn by turn before any of this (:mod:`graphmem.extract.resolve_kin`), and a person never
joins a cluster whose family claims conflict with theirs.

Topics (common-noun phrases, already lemmatised) merge only on equal keys: fuzzy matching would join
"pottery class" with "pottery". ``benchmarks/resolution_eval.py`` measures the precision and recall of
these rules on a labelled set of name pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from graphmem.extract.name_numbers import name_numbers
from graphmem.extract.names import normalize_name
from graphmem.extract.remap import remap_ids
from graphmem.extract.resolve_blocks import NameBlocks
from graphmem.extract.resolve_kin import Kin, claims_conflict, identity_base, split_namesakes
from graphmem.extract.resolve_voices import Voices
from graphmem.extract.salience import keep_salient_topics
from graphmem.extract.vocabulary import ROLE_NOUNS
from graphmem.models import Batch, EdgeType, Entity, Fact

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = [
    "DEFAULT_CONFIG",
    "ResolutionConfig",
    "compatible",
    "keep_salient_topics",
    "people_of",
    "resolve_batch",
    "same_entity",
]

GENERIC_TYPES = frozenset({"Thing", "Topic"})
NAMED_TYPES = frozenset(
    {"Person", "Place", "Organization", "Group", "Occasion", "Work", "Product", "Language", "Thing"}
)
_INTERCHANGEABLE = frozenset({"Place", "Organization"})  # NER often swaps them ("Nike", "Harvard")
_TYPE_RANK = {"Thing": 0, "Topic": 0}  # other types rank 1: more specific


@dataclass(frozen=True, slots=True)
class ResolutionConfig:
    """Thresholds of :func:`same_entity` (chosen with ``benchmarks/resolution_eval.py``).

    Attributes:
        fuzzy_threshold: rapidfuzz ratio (0-100) at which two named entities are the same.
        nickname_min: shortest nickname prefix accepted ("Mel" for "Melanie" needs 3).
        embed_threshold: cosine of name embeddings at which a fuzzy-close pair is merged.
        embed_fuzzy_floor: the ratio a pair needs before embeddings are consulted.
    """

    fuzzy_threshold: float = 92.0
    nickname_min: int = 3
    embed_threshold: float = 0.9
    embed_fuzzy_floor: float = 70.0


DEFAULT_CONFIG = ResolutionConfig()


def compatible(a: str, b: str, *, exact: bool = False) -> bool:
    """Whether entities of types ``a`` and ``b`` may be one entity.

    ``Thing`` (a name no NER label fitted) goes with any named type; ``Topic`` only with ``Thing`` and
    only on an exact name; Place and Organization are interchangeable; with ``exact`` (the same
    normalised name) any two named types are, since NER labels one name differently in different turns.
    """
    if a == b:
        return True
    pair = {a, b}
    if pair <= _INTERCHANGEABLE:
        return True
    if "Topic" in pair:
        return exact and "Thing" in pair
    if exact:
        return pair <= NAMED_TYPES  # one name, two NER labels ("Porto" as Person and Place)
    return "Thing" in pair and pair <= NAMED_TYPES


# resolution compares each name with many others: each is normalised, and its numbers read, once
_normalised = lru_cache(maxsize=1 << 16)(normalize_name)
_numbers = lru_cache(maxsize=1 << 16)(name_numbers)


def _fuzz() -> Any:
    from rapidfuzz import fuzz

    return fuzz


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w and w not in ("of", "the", "and", "for"))


# Types a lone first name may carry when NER mislabels it ("Keiko" as an organisation). Places are left
# out: "Paris" beside "Paris Hilton" is usually the city.
_FIRST_NAME_TYPES = frozenset({"Person", "Organization", "Thing", "Group", "Product", "Work", "Occasion"})


def _first_name_of(wa: list[str], a_type: str, wb: list[str], b_type: str) -> bool:
    """Whether one name is a lone word equal to the first word of the other, a person's full name:
    "Keiko" / "Keiko Tanaka". Within one namespace that is a strong sign of one person, whatever label
    NER put on the lone word."""
    for short, s_type, long_, l_type in ((wa, a_type, wb, b_type), (wb, b_type, wa, a_type)):
        if (
            l_type == "Person"
            and s_type in _FIRST_NAME_TYPES
            and len(short) == 1
            and len(long_) >= 2
            and short[0] == long_[0]
            and len(short[0]) >= 2
        ):
            return True
    return False


def same_entity(
    a: str,
    a_type: str,
    b: str,
    b_type: str,
    *,
    cosine: float | None = None,
    config: ResolutionConfig = DEFAULT_CONFIG,
) -> tuple[bool, str]:
    """Decide whether two names denote one entity; returns ``(decision, rule)`` naming the rule used.

    Args:
        a: first name (raw; it is normalised here).
        a_type: its entity type.
        b: second name.
        b_type: its type.
        cosine: the cosine similarity of the two names' embeddings, when an embedder is used.
        config: the thresholds.
    """
    na, nb = _normalised(a), _normalised(b)
    if not na or not nb:
        return False, "empty"
    if na == nb:
        return (compatible(a_type, b_type, exact=True), "exact")
    if _numbers(na) != _numbers(nb):
        return False, "numbers"  # "Episode 4" / "Episode 5", "Book 1" / "Book II": however alike, two
    wa, wb = na.split(), nb.split()
    if not compatible(a_type, b_type) or "Topic" in (a_type, b_type):
        if _first_name_of(wa, a_type, wb, b_type):
            return True, "first name"
        return False, "type"
    short, long_ = (wa, wb) if len(na) <= len(nb) else (wb, wa)
    person = "Person" in (a_type, b_type)
    if person:
        if set(short) < set(long_) and len(short) < len(long_):
            return True, "subset"  # "Caroline" / "Caroline Smith", "Le Guin" / "Ursula K. Le Guin"
        if len(wa) >= 2 and len(wb) >= 2 and not _same_given(wa[0], wb[0], config):
            return False, "given names"  # "Jane Smith" / "John Smith"
        if (
            a_type == b_type
            and len(short) == 1
            and len(short[0]) >= config.nickname_min
            and long_[0] != short[0]
            and long_[0].startswith(short[0])
        ):
            return True, "nickname"
    elif a_type == b_type == "Organization" and len(short) < len(long_) and long_[: len(short)] == short:
        return True, "short form"  # "Lumen" / "Lumen Robotics", "Google" / "Google LLC"
    elif (
        {a_type, b_type} & (_INTERCHANGEABLE | {"Thing", "Work"})
        and len(short) == 1
        and len(long_) >= 2
        and short[0] == _initials(long_)
    ):
        return True, "initials"
    ratio = float(_fuzz().ratio(na, nb))
    if ratio >= config.fuzzy_threshold:
        return True, "fuzzy"
    if cosine is not None and ratio >= config.embed_fuzzy_floor and cosine >= config.embed_threshold:
        return True, "embedding"
    return False, "different"


def _same_given(a: str, b: str, config: ResolutionConfig) -> bool:
    """Whether two given names may be one ("Mel" / "Melanie", equal names)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return short == long_ or (len(short) >= config.nickname_min and long_.startswith(short))


def _conflicts(name: str, type_: str, cluster: _Cluster, config: ResolutionConfig) -> bool:
    """Whether a person's full name cannot join a cluster: another full name in it has a different given
    name or surname ("John Smith" and "Jane Smith"), or the cluster is a one-word name that the full
    name does not contain ("Mel Gibson" would reach "Melanie" only through her alias "Mel")."""
    words = _normalised(name).split()
    if type_ != "Person" or len(words) < 2:
        return False
    for other in cluster.names():
        ow = _normalised(other).split()
        if len(ow) < 2 or set(ow) <= set(words) or set(words) <= set(ow):
            continue
        if not _same_given(words[0], ow[0], config) or words[-1] != ow[-1]:
            return True
    main = _normalised(cluster.name).split()
    return len(main) == 1 and main[0] not in words


# How sure each rule is, to pick among several matching clusters (fuzzy and embedding rules: 1).
_STRENGTH = {"exact": 3.0, "subset": 2.0, "nickname": 2.0, "initials": 2.0, "short form": 2.0, "first name": 2.0}


@dataclass(slots=True)
class _Cluster:
    id: str
    name: str
    type: str
    existing: bool
    aliases: list[str] = field(default_factory=list)
    changed: bool = False

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def _priority(entity: Entity, counts: dict[str, int]) -> tuple[int, int, int, int]:
    # specific types first, then the most mentioned, then the longest name: "Melanie" before "Mel"
    return (
        -_TYPE_RANK.get(entity.type, 1),
        -counts.get(entity.id, 0),
        -len(entity.name.split()),
        -len(entity.name),
    )


class _Resolver:
    def __init__(
        self,
        existing: Iterable[Entity],
        embedder: Any | None,
        config: ResolutionConfig,
        pet: Callable[[str], bool] | None = None,
        person: Callable[[str], bool] | None = None,
        voices: Voices | None = None,
        kin: Kin | None = None,
        fixed: frozenset[str] = frozenset(),
    ) -> None:
        self.config = config
        self.kin = kin  # family claims: "my brother Sam" is not another speaker's "my son Sam"
        self.fixed = fixed  # identities of one name told apart by their kin: joined only by id
        self.voices = voices  # who speaks and who is spoken of: a speaker is not their namesake
        self.pet = pet  # whether an entity id is a known pet (a Thing NER's Person guess must not retype)
        self.person = person  # whether an entity id is a known person (a relative, partner, colleague...)
        self.embedder = embedder
        self.clusters: list[_Cluster] = []
        self.by_id: dict[str, int] = {}
        self.named: list[tuple[str, int]] = []  # (normalised name, cluster) for fuzzy search
        self.choices: list[str] = []  # the names of ``named``, in order (rapidfuzz's choices)
        self.blocks = NameBlocks(config.nickname_min)
        self.vectors: dict[str, Any] = {}
        for entity in existing:
            self._new_cluster(entity, existing=True)

    def _index(self, name: str, cluster: int) -> None:
        key = _normalised(name)
        if not key:
            return
        self.blocks.add_key(key, cluster)
        if self.clusters[cluster].type not in NAMED_TYPES:
            return
        self.named.append((key, cluster))
        self.choices.append(key)
        self.blocks.add_named(key, cluster, person=self.clusters[cluster].type == "Person")

    def _new_cluster(self, entity: Entity, *, existing: bool) -> int:
        self.clusters.append(_Cluster(entity.id, entity.name, entity.type, existing, list(entity.aliases)))
        index = len(self.clusters) - 1
        self.by_id.setdefault(entity.id, index)
        for name in (entity.name, *entity.aliases):
            self._index(name, index)
        return index

    def embed(self, names: Sequence[str]) -> None:
        missing = sorted({n for n in names if n not in self.vectors})
        if self.embedder is None or not missing:
            return
        rows = self.embedder.embed(missing)
        for name, row in zip(missing, rows, strict=True):
            self.vectors[name] = row

    def cosine(self, a: str, b: str) -> float | None:
        va, vb = self.vectors.get(a), self.vectors.get(b)
        if va is None or vb is None:
            return None
        return float(np.dot(va, vb))

    def candidates(self, entity: Entity) -> list[int]:
        key = _normalised(entity.name)
        named = entity.type in NAMED_TYPES
        found = self.blocks.candidates(key, entity.type, named=named)
        if named and self.named and key:
            from rapidfuzz import process

            # without an embedder only the fuzzy rule reads the ratio: a higher cutoff prunes more
            floor = self.config.embed_fuzzy_floor if self.embedder is not None else self.config.fuzzy_threshold
            cutoff = min(self.config.fuzzy_threshold, floor)
            found_near = process.extract(key, self.choices, scorer=_fuzz().ratio, score_cutoff=cutoff, limit=25)
            for _, _, pos in found_near:
                found.append(self.named[pos][1])
        seen: set[int] = set()
        return [c for c in found if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]

    def assign(self, entity: Entity) -> int:
        if entity.id in self.fixed:  # split_namesakes chose this identity: the name joins nothing else
            same = self.by_id.get(entity.id)
            return same if same is not None else self._new_cluster(entity, existing=False)
        best: tuple[int, float] | None = None
        best_rule = ""
        same_id = self.by_id.get(entity.id)
        if same_id is not None and compatible(entity.type, self.clusters[same_id].type, exact=True):
            # one id is one entity: a topic's id comes from its lemmatised name ("kids" and "kid")
            best, best_rule = (same_id, 4.0), "id"
        for index in self.candidates(entity):
            cluster = self.clusters[index]
            if (
                _conflicts(entity.name, entity.type, cluster, self.config)
                or self._pet_and_person(entity, cluster)
                or self._kin_apart(entity, cluster)
            ):
                continue
            for name in cluster.names():
                cos = self.cosine(entity.name, name)
                ok, rule = same_entity(entity.name, entity.type, name, cluster.type, cosine=cos, config=self.config)
                if not ok:
                    continue
                if rule != "exact" and self._namesakes(entity, cluster):
                    break
                strength = _STRENGTH.get(rule, 1.0)
                if best is None or strength > best[1]:
                    best, best_rule = (index, strength), rule
                break
        if best is None:
            return self._new_cluster(entity, existing=False)
        cluster = self.clusters[best[0]]
        for name in (entity.name, *entity.aliases):
            if _normalised(name) not in {_normalised(n) for n in cluster.names()}:
                cluster.aliases.append(name)
                cluster.changed = True
                self._index(name, best[0])
        if _TYPE_RANK.get(cluster.type, 1) < _TYPE_RANK.get(entity.type, 1) and not (
            self.pet is not None and entity.type == "Person" and self.pet(cluster.id)
        ):
            cluster.type = entity.type  # a Thing that turns out to be a Person becomes one
            cluster.changed = True
            self._reindex(best[0])
        if (
            best_rule == "first name"
            and entity.type == "Person"
            and len(entity.name.split()) > len(cluster.name.split())
        ):
            # "Keiko Tanaka" arriving for a stored "Keiko" (labelled an organisation): a person, by full name
            cluster.aliases = [n for n in cluster.aliases if n != entity.name] + [cluster.name]
            cluster.name, cluster.type, cluster.changed = entity.name, "Person", True
            self._reindex(best[0])
        return best[0]

    def _namesakes(self, entity: Entity, cluster: _Cluster) -> bool:
        """Whether a speaker and a fuller name only others say are paired (see :mod:`.resolve_voices`)."""
        if self.voices is None or "Person" not in (entity.type, cluster.type):
            return False
        mine = (entity.id, [entity.name, *entity.aliases], False)
        return self.voices.namesakes(mine, (cluster.id, cluster.names(), cluster.existing))

    def _kin_apart(self, entity: Entity, cluster: _Cluster) -> bool:
        """Whether a person and a cluster have family claims that cannot be one person's ("my son Sam Patel"
        and another speaker's "my brother Sam": :func:`~graphmem.extract.resolve_kin.claims_conflict`)."""
        if self.kin is None or entity.id == cluster.id or "Person" not in (entity.type, cluster.type):
            return False
        mine = self.kin.claims(entity.id)
        if not mine:
            return False
        theirs = self.kin.claims(cluster.id, stored=cluster.existing)
        return bool(theirs) and claims_conflict(mine, theirs, self.kin.related)

    def _pet_and_person(self, entity: Entity, cluster: _Cluster) -> bool:
        """Whether one of an entity and a cluster is a known pet and the other a known person ("my dog
        Max" and "my colleague Max"): two entities, however alike their names."""
        if self.pet is None or self.person is None or entity.id == cluster.id:
            return False
        if cluster.type == "Thing" and self.person(entity.id) and self.pet(cluster.id):
            return True
        return entity.type == "Thing" and self.pet(entity.id) and self.person(cluster.id)

    def _reindex(self, index: int) -> None:
        """Index a cluster's names again after its type changed (people are looked up by any word)."""
        cluster = self.clusters[index]
        if cluster.type == "Person":
            for name in cluster.names():
                key = _normalised(name)
                if key:
                    self.blocks.add_named(key, index, person=True)


def resolve_batch(
    batch: Batch,
    existing: Iterable[Entity],
    embedder: Any | None = None,
    *,
    config: ResolutionConfig = DEFAULT_CONFIG,
    salience: bool = True,
    history: GraphStore | None = None,
) -> Batch:
    """Merge a batch's entities with each other and with stored ones; rewrite its mentions and facts.

    First the batch's topics that are not salient are dropped (:func:`keep_salient_topics`: a fact's
    end, already stored, or recurring in the namespace), unless ``salience`` is false.

    Args:
        batch: a freshly extracted batch.
        existing: the entities already stored in the batch's namespace.
        embedder: optional; ``embedder.embed(list[str])`` returns L2-normalised rows, used as a second
            signal for names that are close but not close enough for the fuzzy rule alone.
        config: thresholds.
        salience: drop the topics that are not salient first.
        history: the store holding the namespace, where salience looks for a topic's earlier uses.

    Returns:
        A batch whose entities are the new ones plus stored ones that gained an alias or a more specific
        type (re-emitted under their stored id), and whose mentions and facts point at the merged ids.
        Facts whose two ends merged into one entity are dropped; duplicate facts are combined.
    """
    stored = [e for e in existing if e.namespace == batch.namespace]
    if salience:
        batch = keep_salient_topics(batch, stored, history)
    # "my brother Sam" and another speaker's "my son Sam": each turn's Sam, walked on from the store's
    batch = split_namesakes(batch, history, stored)
    family: dict[str, set[str]] = {}
    for e in (*stored, *batch.entities):
        if e.type == "Person":
            family.setdefault(identity_base(e.id), set()).add(e.id)
    fixed = frozenset(e.id for e in batch.entities if len(family.get(identity_base(e.id), ())) > 1)
    topics = {e.id for e in batch.entities if e.type == "Topic"}  # "a puppy": no name to guard
    pets = {f.object_id for f in batch.facts if f.predicate == "has_pet"} - topics
    people = {e for f in batch.facts for e in people_of(f)} - topics - pets
    resolver = _Resolver(
        stored,
        embedder,
        config,
        _end_test(batch.namespace, pets, history, _pets_of),
        _end_test(batch.namespace, people, history, people_of),
        Voices(batch, history),
        Kin(batch, history),
        fixed,
    )
    counts: dict[str, int] = {}
    for m in batch.mentions:
        counts[m.entity_id] = counts.get(m.entity_id, 0) + 1
    # a pet first, so NER's Person guess of its name joins it rather than the other way round
    order = sorted(batch.entities, key=lambda e: (e.id not in pets, *_priority(e, counts)))
    if embedder is not None:
        named = [e.name for e in order if e.type in NAMED_TYPES]
        names = named + [n for e in stored if e.type in NAMED_TYPES for n in (e.name, *e.aliases)]
        resolver.embed(names if len(names) <= 20_000 else named)
    mapping: dict[str, str] = {}
    for entity in order:
        index = resolver.assign(entity)
        mapping[entity.id] = resolver.clusters[index].id
    remapped = remap_ids(batch, mapping)
    entities = [
        Entity(batch.namespace, c.id, c.name, c.type, tuple(c.aliases))
        for c in resolver.clusters
        if not c.existing or c.changed
    ]
    return replace(
        batch,
        entities=tuple(entities),
        mentions=remapped.mentions,
        facts=remapped.facts,
        closings=remapped.closings,
        embeddings=tuple((i, v) for i, v in batch.embeddings if mapping.get(i, i) == i),
    )


def _pets_of(fact: Fact) -> tuple[str, ...]:
    """The end a fact says is a pet: the object of ``has_pet``."""
    return (fact.object_id,) if fact.predicate == "has_pet" else ()


def people_of(fact: Fact) -> tuple[str, ...]:
    """The ends a fact says are people (not pets): both of ``married_to`` and ``dating``, the child of
    ``has_child``, the named one of a person's role ("Max ``colleague_of`` Ana"); type evidence reads them
    too (:mod:`graphmem.extract.fact_types`)."""
    if fact.predicate in ("married_to", "dating"):
        return (fact.subject_id, fact.object_id)
    if fact.predicate == "has_child":
        return (fact.object_id,)
    if fact.predicate.endswith("_of") and fact.predicate[: -len("_of")] in ROLE_NOUNS:
        return (fact.subject_id,)
    return ()


def _end_test(
    namespace: str, in_batch: set[str], history: GraphStore | None, ends: Callable[[Fact], tuple[str, ...]]
) -> Callable[[str], bool]:
    """Whether an entity id is one of the ``ends`` of a fact (a pet, a person): in the batch (``in_batch``) or
    (with ``history``) in the store. Only asked of a name a pet and a Person share, so the store is seldom
    read."""

    def test(eid: str) -> bool:
        if eid in in_batch:
            return True
        if history is None:
            return False
        from graphmem.store.base import Direction  # the store layer, only when a store is there

        edges = history.neighbors(namespace, eid, edge_types=[EdgeType.FACT], direction=Direction.BOTH)
        return any(n.fact is not None and eid in ends(n.fact) for n in edges)

    return test
