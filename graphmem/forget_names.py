"""Whether a message names a person or thing, for forgetting everything about them (:mod:`graphmem.forget_many`).

A name is looked for in a text **as a name**, not as a word: "Did you mark the essays yet?" does not name
Mark, "Saying grace before dinner" does not name Grace.

- Each word of the name that is capitalised as stored, and its first word, must be capitalised in the text
  ("Jon", "JON"); others ("of" in "Bank of America") may be in any case. A leading "The" is part of the name
  in any case ("the Office" names The Office, "the office" does not); a leading title ("Dr.") may be left out.
  Accents are ignored, and a possessive ("Jon's") names Jon.
- A name of two or more words (the title and "The" aside) is found in any case ("dana quillfeather"): a run of
  words that is a whole full name is a missed mention, not a common word.
- A match that is part of a longer capitalised name is not one: "Sam" in "Sam Park says hi." (the next word
  is capitalised), or in "I met Uncle Sam" (the word before is capitalised and does not start the sentence);
  nor is one inside another entity's name the message mentions.
- A one-word alias that is also a word of another entity's name or alias ("Sam" of Sam Lee, with Sam Park
  stored) is not searched alone (:func:`searched_names`): only the entity's other names find it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphmem.extract.names import normalize_name

if TYPE_CHECKING:
    from graphmem.models import Entity

__all__ = ["NameSearch", "names_in", "says_name", "searched_names"]

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_POSSESSIVE = re.compile(r"['’]s$|(?<=s)['’]$")
#: Titles a name may be said without ("Dr. Marsh" is named by "Marsh").
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "madam", "mister"})
#: Capitalised words that do not make a name longer ("Jon Monday", "Jon I think").
_NOT_NAMES = frozenset(
    [
        "i",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
#: Punctuation that ends a sentence (the word after it starts one).
_SENTENCE_END = re.compile(r"[.!?:;\"“”()\n]")


@dataclass(frozen=True, slots=True)
class NameSearch:
    """The names a forget about an entity looks for in what is said.

    Attributes:
        names: the names and aliases searched in texts.
        alone: one-word aliases not searched alone, as another entity's name has that word.
    """

    names: tuple[str, ...]
    alone: tuple[str, ...] = ()


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).lower()


def _words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` (possessives taken off) with their start and end."""
    return [(_POSSESSIVE.sub("", m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def _name_words(name: str) -> tuple[list[str], bool]:
    """The words of ``name`` to find, its leading titles taken off, and whether it is a full name (two or more
    words besides a leading "The"), found in any case."""
    words = [w for w, _, _ in _words(unicodedata.normalize("NFKC", name))]
    while len(words) > 1 and _fold(words[0]) in _TITLES:
        words.pop(0)
    core = words[1:] if len(words) > 1 and _fold(words[0]) == "the" else words
    return words, len(core) >= 2


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _spans(text: str, name: str) -> list[tuple[int, int]]:
    """Where ``text`` says ``name`` as a name (see the module docs), as character spans."""
    words, full = _name_words(name)
    if not words:
        return []
    said = _words(text)
    n = len(words)
    found = []
    for i in range(len(said) - n + 1):
        run = said[i : i + n]
        if any(_fold(w) != _fold(want) for (w, _, _), want in zip(run, words, strict=True)):
            continue
        if not full:
            first_the = n > 1 and _fold(words[0]) == "the"
            if any(
                (j == 0 or _capitalised(want)) and not (j == 0 and first_the) and not _capitalised(w)
                for j, ((w, _, _), want) in enumerate(zip(run, words, strict=True))
            ):
                continue
            if _longer(text, said, i, i + n):
                continue
        found.append((run[0][1], run[-1][2]))
    return found


def _longer(text: str, said: Sequence[tuple[str, int, int]], start: int, end: int) -> bool:
    """Whether the words ``said[start:end]`` are part of a longer capitalised name."""

    def name_word(k: int) -> bool:
        return _capitalised(said[k][0]) and _fold(said[k][0]) not in _NOT_NAMES

    if end < len(said) and name_word(end) and not text[said[end - 1][2] : said[end][1]].strip(" -"):
        return True
    if start > 0 and name_word(start - 1) and not text[said[start - 1][2] : said[start][1]].strip(" -"):
        before = text[said[start - 2][2] : said[start - 1][1]] if start > 1 else "\n"
        return not _SENTENCE_END.search(before)  # a capitalised word starting the sentence is not a name's
    return False


def says_name(text: str, name: str, others: Iterable[str] = ()) -> bool:
    """Whether ``text`` says ``name`` as a name (see the module docs), not inside one of ``others`` (the names
    of other entities the message mentions, found in any case)."""
    spans = _spans(text, name)
    if not spans:
        return False
    taken = [s for other in others for s in _any_case(text, other)]
    return any(not any(a <= s and e <= b and (a, b) != (s, e) for a, b in taken) for s, e in spans)


def _any_case(text: str, name: str) -> list[tuple[int, int]]:
    words = [_fold(w) for w, _, _ in _words(name)]
    said = _words(text)
    n = len(words)
    return [
        (said[i][1], said[i + n - 1][2])
        for i in range(len(said) - n + 1)
        if n and [_fold(w) for w, _, _ in said[i : i + n]] == words
    ]


def names_in(event_text: str, speaker: str | None, names: Collection[str], others: Iterable[str] = ()) -> list[str]:
    """The ones of ``names`` a message (its text and speaker) says, in order: a speaker says their own name."""
    spoken = normalize_name(speaker) if speaker else ""
    others = list(others)
    return [n for n in names if (spoken and spoken == normalize_name(n)) or says_name(event_text, n, others)]


def searched_names(targets: Sequence[Entity], everyone: Iterable[Entity]) -> NameSearch:
    """Which names and aliases of ``targets`` are searched in texts: each, but a one-word alias (not an
    entity's name) that is a word of a name or alias of another entity of ``everyone``."""
    own = {e.id for e in targets}
    others = {_fold(w) for e in everyone if e.id not in own for n in (e.name, *e.aliases) for w, _, _ in _words(n)}
    searched: list[str] = []
    alone: list[str] = []
    for entity in targets:
        for name in (entity.name, *entity.aliases):
            if name in searched or name in alone or not normalize_name(name):
                continue
            words, full = _name_words(name)
            shared = name != entity.name and not full and len(words) == 1 and _fold(words[0]) in others
            (alone if shared else searched).append(name)
    return NameSearch(tuple(searched), tuple(n for n in alone if n not in searched))
