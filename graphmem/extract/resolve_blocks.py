"""The blocking index of entity resolution (:mod:`graphmem.extract.resolve`): which stored or earlier
names an entity is compared with at all.

Each rule of :func:`~graphmem.extract.resolve.same_entity` can only join names that share a key, so an
entity is compared with the clusters under its keys, not with every cluster:

- a name's words as a set, looked up under every subset of the entity's words: the names whose words
  are all in the entity's ("Caroline" for "Caroline Smith", "Lumen" for "Lumen Robotics");
- the names holding all of the entity's words, found under its rarest word (a person's: of any type;
  another's: people only, the subset rule's side) and under its first word (short forms, first names);
- the first three letters of a person's first word (nicknames: "Mel" / "Melanie"), and a one-word name
  that opens a person's first word;
- initials ("NYC" / "New York City"), both ways;
- rapidfuzz's nearest names by ratio (the fuzzy and embedding rules), done by the resolver.

So a batch of n names against m stored ones costs about (n + m) key lookups, not n · m comparisons
(``benchmarks/resolution_scale.py``), and finds every pair the rules could join.
"""

from __future__ import annotations

from itertools import combinations

__all__ = ["NameBlocks"]

#: Names of more words than this are looked up by each word and by the whole, not by every subset.
_SUBSET_WORDS = 6


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w and w not in ("of", "the", "and", "for"))


class NameBlocks:
    """Clusters under the blocking keys of their normalised names."""

    def __init__(self, nickname_min: int = 3) -> None:
        """An empty index; ``nickname_min`` is the shortest nickname prefix (``ResolutionConfig``'s)."""
        self.nickname_min = nickname_min
        self.by_key: dict[str, list[int]] = {}
        self.by_words: dict[frozenset[str], list[int]] = {}
        self.by_word: dict[str, list[int]] = {}
        self.by_person_word: dict[str, list[int]] = {}
        self.by_first: dict[str, list[int]] = {}
        self.by_prefix: dict[str, list[int]] = {}
        self.by_initials: dict[str, list[int]] = {}  # multi-word names by their initials

    def add_key(self, key: str, cluster: int) -> None:
        """Index a normalised name by itself only (any type: topics merge on equal keys)."""
        self.by_key.setdefault(key, []).append(cluster)

    def add_named(self, key: str, cluster: int, *, person: bool) -> None:
        """Index a named entity's normalised name under its blocking keys (``person``: the cluster is one)."""
        words = key.split()
        self.by_words.setdefault(frozenset(words), []).append(cluster)
        for word in set(words):
            self.by_word.setdefault(word, []).append(cluster)
            if person:
                self.by_person_word.setdefault(word, []).append(cluster)
        self.by_first.setdefault(words[0], []).append(cluster)
        self.by_prefix.setdefault(words[0][:3], []).append(cluster)
        if len(words) > 1:
            self.by_initials.setdefault(_initials(words), []).append(cluster)

    def candidates(self, key: str, type_: str, *, named: bool) -> list[int]:
        """The clusters an entity named ``key`` (normalised) of type ``type_`` may join, each once."""
        found = list(self.by_key.get(key, ()))
        if named and key:
            words = key.split()
            distinct = sorted(set(words))
            sizes = range(1, len(distinct) + 1) if len(distinct) <= _SUBSET_WORDS else (1, len(distinct))
            for size in sizes:
                for subset in combinations(distinct, size):
                    found.extend(self.by_words.get(frozenset(subset), ()))
            holding = self.by_word if type_ == "Person" else self.by_person_word
            rarest: list[int] = min((holding.get(w, []) for w in distinct), key=len)
            found.extend(rarest)
            if len(words) == 1 or type_ == "Organization":  # first names, short forms: the long side's opening
                found.extend(self.by_first.get(words[0], ()))
            if type_ == "Person":
                if len(words) == 1 and len(words[0]) >= self.nickname_min:
                    found.extend(self.by_prefix.get(words[0][:3], ()))
                for end in range(self.nickname_min, len(words[0])):
                    found.extend(self.by_key.get(words[0][:end], ()))
            if len(words) == 1:
                found.extend(self.by_initials.get(key, ()))
            else:
                found.extend(self.by_key.get(_initials(words), ()))
        seen: set[int] = set()
        return [c for c in found if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]
