"""Reading a question: its content terms (for full text) and the names in it (for entity seeds).

Nothing here knows a benchmark: the stop words are ordinary English function words, question words and
auxiliaries, which carry no topic and would make every full-text match a match on "the" or "did".

Words that say *when* are no topic either: the temporal function words ("now", "currently", "these days",
"anymore", "still"), which recall reads as a question about the present (:func:`graphmem.recall.about.asks_now`),
and the question's date once recall read it as one ("yesterday", "last week", "in 2019";
:mod:`graphmem.recall.when`), which ranking lifts by. As full-text terms they would find the turns that
share the word ("Is he better now?", "I went to a concert yesterday" said ten days ago) rather than the
turns of that time.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PRESENT_WORDS", "STOP_WORDS", "QueryTerms", "analyse", "participants_named", "pronouns_for"]

_STOP_TEXT = """
    a an the and or but nor so yet if then than as of at by for with about against between into through
    during before after above below to from up down in out on off over under again further once here there
    all any both each few more most other some such no not only own same too very just also even ever
    can could will would shall should may might must ought do does did doing done have has had having be
    is am are was were been being get gets got getting
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves one someone something anything
    what which who whom whose this that these those when where why how whether
    s t d ll m re ve don didn doesn isn aren wasn weren hasn haven hadn won wouldn shouldn couldn can't
    let lets like kind sort ones thing things
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# the phrases that ask about the present (graphmem.recall.about reads them so): never content terms
PRESENT_WORDS = re.compile(
    r"\b(?:now|currently|nowadays|these\s+days|at\s+the\s+moment|at\s+present|still|any\s?more)\b", re.IGNORECASE
)
_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Runs of capitalised words (with inner "of", "de", ...), e.g. "Matt Patterson", "Bank of America".
_NAME_RUN = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|de|la|van|von|der|the)\s+)?[A-Z][\w'’-]*)*",
)
_POSSESSIVE = re.compile(r"['’]s$|['’]$")


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """What recall reads from a question.

    Attributes:
        text: the question as asked.
        terms: content words, lower-cased, in order, without duplicates.
        names: capitalised phrases (possessives stripped), longest first, the likely entity names.
        phrases: short word sequences (the terms and adjacent pairs) to look up as entity names.
        fallback: search every word when no content term is left (off once names were taken out).
    """

    text: str
    terms: tuple[str, ...]
    names: tuple[str, ...]
    phrases: tuple[str, ...]
    fallback: bool = True

    def without(self, names: set[str]) -> QueryTerms:
        """A copy whose terms leave out the words of ``names`` (lower-case names)."""
        words = {w for name in names for w in _TOKEN.findall(name.casefold())}
        terms = tuple(t for t in self.terms if t not in words)
        return QueryTerms(self.text, terms, self.names, self.phrases, fallback=False)

    @property
    def fulltext(self) -> str:
        """The query sent to full-text search: the content terms, else every word (if ``fallback``)."""
        if self.terms or not self.fallback:
            return " ".join(self.terms)
        return " ".join(_TOKEN.findall(self.text.casefold()))


_NAMED = re.compile(r"\s+[A-Z]\w")


def _unless_named(match: re.Match[str]) -> str:
    """A present word left out of the terms, unless it starts a name ("Now TV")."""
    word = match.group(0)
    starts_name = word[:1].isupper() and _NAMED.match(match.string, match.end()) is not None
    return word if starts_name else " "


def analyse(text: str, *, dates: Iterable[str] = ()) -> QueryTerms:
    """Split a question into content terms, candidate names and phrases.

    Args:
        text: the question.
        dates: phrases of it read as its date ("last week"); they and the temporal function words
            ("now", "still"…) are left out of the terms, names and phrases. When nothing is left, no
            full-text search is made (``fallback`` off): the question's words were all about when.
    """
    question = text
    text = PRESENT_WORDS.sub(_unless_named, text)
    for phrase in dates:  # the phrase read as the date, once, as a whole ("in May", not Mayfair's "May")
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text, count=1) if phrase else text
    cut = text != question
    words = [w.casefold() for w in _TOKEN.findall(text)]
    terms = tuple(dict.fromkeys(w for w in words if w not in STOP_WORDS))
    names: list[str] = []
    for match in _NAME_RUN.finditer(text):
        run = match.group(0)
        tokens = [_POSSESSIVE.sub("", t) for t in run.split()]
        while tokens and tokens[0].casefold() in STOP_WORDS:
            tokens = tokens[1:]
        if not tokens:
            continue
        full = " ".join(tokens)
        names.append(full)
        if len(tokens) > 1:
            names.extend(t for t in tokens if t.casefold() not in STOP_WORDS and len(t) > 1)
    names_out = tuple(sorted(dict.fromkeys(names), key=lambda n: (-len(n.split()), names.index(n))))
    content = [_POSSESSIVE.sub("", w.casefold()) for w in _WORD.findall(text)]
    content = [w for w in content if w and w not in STOP_WORDS]
    phrases: list[str] = []
    for a, b in itertools.pairwise(content):
        phrases.append(f"{a} {b}")
    phrases.extend(content)
    return QueryTerms(question, terms, names_out, tuple(dict.fromkeys(phrases)), fallback=not (cut and not terms))


def participants_named(query: QueryTerms, participants: dict[str, str]) -> dict[str, str]:
    """The participants (speakers) the question names: the name as written → the speaker's name.

    ``participants`` maps normalised names (full names and unique first names) to speaker names.
    """
    found: dict[str, str] = {}
    for name in query.names:
        key = " ".join(name.casefold().split())
        if key in participants:
            found[key] = participants[key]
    return found


def pronouns_for(text: str, names: dict[str, str]) -> str:
    """``text`` with the given names replaced by first-person pronouns (``Mel's`` → ``my``, ``Mel`` → ``I``).

    Turns are mostly in the first person ("I went camping"), so a question about a speaker is closer to
    their turns when it is put in their words.
    """
    for name in sorted(names, key=len, reverse=True):
        words = r"\s+".join(re.escape(w) for w in name.split())
        text = re.sub(rf"\b{words}['’]s\b", "my", text, flags=re.IGNORECASE)
        text = re.sub(rf"\b{words}['’]?(?!\w)", "I", text, flags=re.IGNORECASE)
    return text
