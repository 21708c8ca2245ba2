"""Stage 2's helper: names NER cut at their small inner words, joined again.

spaCy's NER often keeps only part of a name whose words are linked by hyphens or by lower-case small words:
"Stratford-upon-Avon" gives the place "Stratford" (and "Avon" is left to the topics), "Newcastle upon Tyne"
the places "Newcastle" and "Tyne". :func:`joined_ents` joins an NER name with the next piece of the same
name: another NER name, or a run of capitalised words tagged as proper nouns, when only these lie between
them:

- hyphens around the small words *of, the, upon, on, de, la*, all written without a space
  ("Stratford-upon-Avon", "Newcastle-on-Tyne"). A bare hyphen joins no names ("the Paris-London train";
  "Jean-Luc", "Coca-Cola" are named whole by NER).
- or a spaced *upon* between two capitalised names: they are one place ("Newcastle upon Tyne", "Kingston
  upon Thames"), labelled a place whatever NER made of the parts.
- or a spaced *de* or *de la* between a run of capitalised words NER named no part of and the NER name after
  it ("Rio de Janeiro"). A name NER gave whole never takes in what follows a spaced *de* or *de la*.

A spaced "of" or "of the" never joins two NER names: it links a title to what it rules ("the Mayor
of Leeds", "the Governor of the Bahamas", "the CEO of Acme") or a person to a firm ("Tim of the Guardian"),
and NER names names such as "the Bank of England" or "Bank of the West" whole. It joins a title "X of Y" said
with no determiner into one work (:func:`_titles`): X capitalised proper nouns NER named no part of, Y
capitalised proper nouns NER named wholly, in part or not at all ("Game of Thrones", "Lord of the Rings",
"Call of Duty"; "we read The Lord of the Rings" keeps its capitalised "The"). It stays apart when a
determiner or a possessive opens X, its own or before adjectives ("the Mayor of Leeds", "the new Mayor of
Leeds"), when X's head names an office ("King of Spain", "Director of Marketing"), when NER named part of Y a
person or a place ("Portrait of Jane Austen", "Jon of Leeds") or a person follows it ("Chief of Staff Jane
Doe"). A hyphenated "upon" or "on" makes the joined name a place ("Stratford-upon-Avon", NER's person
"Stratford"; "Stoke-on-Trent"). A spaced "on" or a lone "the" is not enough either. Both sides of the link are
capitalised; "and", commas and sentence ends never join ("Paris and London" stays two names). The joined span
takes the label of the first NER name in it, except that a name joined at a spaced or hyphenated "upon" or a
hyphenated "on" is a place. Dates and times are never joined.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graphmem.extract.lexicon import OFFICES

__all__ = ["joined_ents"]

#: Small words that may link the parts of one name when hyphenated ("Stratford-upon-Avon").
_HYPHENATED = frozenset({"of", "the", "upon", "on", "de", "la"})
#: Runs of small words that may link, with spaces, a run NER did not name to the NER name after it ("Rio de
#: Janeiro"). Not "of the": it links a title to what it rules ("the Mayor of the Bronx").
_SPACED = frozenset({("de",), ("de", "la")})
#: A spaced small word between two capitalised names that are one place ("Newcastle upon Tyne").
_PLACE_LINK = "upon"
#: Hyphenated small words that make the joined name a place's ("Stratford-upon-Avon", "Stoke-on-Trent").
_PLACE_HYPHENED = frozenset({("upon",), ("on",)})
#: Links that make the joined name a place's.
_PLACE_KINDS = frozenset({"upon", "hyphenated-place"})
#: The label a name joined at :data:`_PLACE_LINK` takes.
_PLACE_LABEL = "GPE"
#: The label of a title "X of Y" ("Game of Thrones").
_TITLE_LABEL = "WORK_OF_ART"
#: NER labels of a Y no title "X of Y" joins: a person's or a place's name ("Portrait of Jane Austen").
_NOT_TITLES = frozenset({"PERSON", "GPE"})
_HYPHENS = frozenset({"-", "‐", "‑"})
_PROPER_TAGS = frozenset({"NNP", "NNPS"})
#: The most tokens a link between two parts may hold ("-upon-" is three, "-de-la-" five).
_MAX_LINK = 5


def joined_ents(doc: Any, labels: Collection[str]) -> list[Any]:
    """``doc.ents`` with each name of one of ``labels`` joined to the parts of the same name that NER cut off
    (see the module docs); other entities (dates, numbers) are returned unchanged, in document order."""
    ents = list(doc.ents)
    starts = {ent.start: ent for ent in ents if ent.label_ in labels}
    in_ent = {i for ent in ents for i in range(ent.start, ent.end)}
    out: list[Any] = []
    taken = -1  # the last token of the last joined span
    for ent in ents:
        if ent.start <= taken:
            continue
        if ent.label_ not in labels:
            out.append(ent)
            continue
        start, end = ent.start, ent.end
        place = False  # joined at a spaced "upon": one place
        # Parts before: "Rio de" + "Janeiro". Only a run NER named no part of: an NER name before had its turn
        # and took in this one then, if it could (through _link_after), so a name NER gave whole takes in
        # nothing across a spaced "de" ("London de Paris").
        while True:
            found = _link_before(doc, start)
            if found is None:
                break
            link, kind = found
            piece = _capitalised_before(doc, link, in_ent)
            if piece is None or piece <= taken:
                break
            start = piece
            place = place or kind in _PLACE_KINDS
        while True:  # parts after: "Stratford" + "-upon-Avon", "Newcastle" + " upon Tyne"
            found = _link_after(doc, end)
            if found is None:
                break
            link_after, kind = found
            after = starts.get(link_after)
            if after is not None:
                end = after.end
            else:
                run = _capitalised_after(doc, link_after, in_ent)
                if run is None:
                    break
                end = run
            place = place or kind in _PLACE_KINDS
        if (start, end) == (ent.start, ent.end):
            out.append(ent)
        else:
            out = [e for e in out if e.end <= start or e.label_ not in labels]
            label = _PLACE_LABEL if place and _PLACE_LABEL in labels else ent.label_
            out.append(_span(doc, start, end, label))
        taken = end - 1
    if _TITLE_LABEL in labels:
        for start, end in _titles(doc, ents, labels):
            out = [e for e in out if e.end <= start or e.start >= end]
            out.append(_span(doc, start, end, _TITLE_LABEL))
    return sorted(out, key=lambda e: e.start)


def _titles(doc: Any, ents: list[Any], labels: Collection[str]) -> list[tuple[int, int]]:
    """The token ranges of the titles "X of Y", "X of the Y" of ``doc`` (see the module docs)."""
    out: list[tuple[int, int]] = []
    for of in doc:
        if of.text != "of" or of.dep_ != "prep" or of.is_sent_start or of.i == 0 or not doc[of.i - 1].whitespace_:
            continue
        head, obj = of.head, next((c for c in of.children if c.dep_ == "pobj"), None)
        if obj is None or head.i != of.i - 1 or not _proper_word(head) or not _proper_word(obj):
            continue
        first = of.i + 1
        if doc[first].text == "the" and doc[first].head.i == obj.i:
            first += 1  # "Lord of the Rings"
        if first > obj.i or not all(_proper_word(doc[i]) and doc[i].whitespace_ for i in range(first, obj.i)):
            continue
        start = _title_start(doc, head)
        if start is None:
            continue
        end = obj.i + 1
        inside = [e for e in ents if e.start < end and start < e.end]
        # NER named no part of X, and at most the whole of Y (or part of it) as a name of one of ``labels``, not
        # a person's or a place's ("Portrait of Jane Austen", "Jon of Leeds" stay apart)
        if any(e.label_ not in labels or e.label_ in _NOT_TITLES or e.start < first or e.end > end for e in inside):
            continue
        if any(e.start == end and e.label_ in _NOT_TITLES for e in ents):
            continue  # "Chief of Staff Jane Doe": a person's title before the name
        if out and out[-1][1] > start:
            continue
        out.append((start, end))
    return out


def _title_start(doc: Any, head: Any) -> int | None:
    """The start of the run of capitalised proper nouns ending at ``head`` (the X of a title "X of Y"), or
    ``None`` when X is an office's title: a determiner or a possessive of X's own or before adjectives opening it
    ("the Mayor of Leeds", "the new Mayor of Leeds", "my Lord of ..."), or a head that names an office
    (:data:`~graphmem.extract.lexicon.OFFICES`: "King of Spain", "Director of Marketing"). A capitalised "The"
    inside a sentence is the title's own ("we read The Lord of the Rings")."""
    owned = (c for c in head.children if c.dep_ in ("det", "poss") and (c.text != "The" or c.is_sent_start))
    if head.lower_ in OFFICES or any(owned):
        return None
    start: int = head.i
    while start > 0 and not doc[start].is_sent_start and _proper_word(doc[start - 1]) and doc[start - 1].whitespace_:
        start -= 1
    if doc[start].is_sent_start:
        return start
    before = doc[start - 1]
    if before.text == "The" and not before.is_sent_start:
        return start - 1
    at = start - 1
    while at > 0 and doc[at].pos_ == "ADJ":  # "the former President of France"
        at -= 1
    if any(t.pos_ in ("DET", "PRON") or t.dep_ in ("det", "poss") or t.tag_ == "POS" for t in (before, doc[at])):
        return None
    return start


def _proper_word(tok: Any) -> bool:
    """A capitalised word tagged a proper noun."""
    return tok.pos_ == "PROPN" and tok.tag_ in _PROPER_TAGS and _capitalised(tok)


def _span(doc: Any, start: int, end: int, label: str) -> Any:
    from spacy.tokens import Span

    return Span(doc, start, end, label=label)


def _link_after(doc: Any, end: int) -> tuple[int, str] | None:
    """The index of the first token after a link of one name starting at ``end`` (the name's end), and the
    link's kind, if one is there and the tokens on both sides are capitalised (of the spaced links only
    "upon" extends an NER name)."""
    if end >= len(doc) or end == 0 or not doc[end - 1].text[:1].isupper():
        return None
    for n in range(1, min(_MAX_LINK, len(doc) - 1 - end) + 1):
        kind = _is_link(doc, end, end + n)
        if kind in ("hyphenated", "hyphenated-place", "upon"):
            nxt = doc[end + n]
            if nxt.text[:1].isupper() and not nxt.is_sent_start:
                return end + n, kind
    return None


def _link_before(doc: Any, start: int) -> tuple[int, str] | None:
    """The index just past the piece before a link ending at ``start`` (the name's start), and the link's
    kind, if there is a link with a capitalised token before it."""
    if start == 0 or not doc[start].text[:1].isupper():
        return None
    for n in range(1, min(_MAX_LINK, start - 1) + 1):
        kind = _is_link(doc, start - n, start)
        if kind is not None and doc[start - n - 1].text[:1].isupper():
            return start - n, kind
    return None


def _is_link(doc: Any, a: int, b: int) -> str | None:
    """Whether tokens ``a`` to ``b`` (exclusive) link two parts of one name (see the module docs):
    ``"hyphenated"``, ``"hyphenated-place"`` (the small word "upon" or "on": "Stratford-upon-Avon"), ``"spaced"``,
    ``"upon"`` (spaced) or None."""
    tokens = [doc[i] for i in range(a, b)]
    if not tokens or any(t.is_sent_start for t in tokens):
        return None
    texts = [t.text for t in tokens]
    if any(t in _HYPHENS for t in texts):
        # hyphenated: no space from the part before to the part after, hyphens around each small word, one
        # small word at least (a bare hyphen pairs two names: "the Paris-London train")
        if any(doc[i].whitespace_ for i in range(a - 1, b)) or len(texts) < 3:
            return None
        if texts[0] not in _HYPHENS or texts[-1] not in _HYPHENS:
            return None
        ok = all((t in _HYPHENS) != (k % 2 == 1) and (t in _HYPHENS or t in _HYPHENATED) for k, t in enumerate(texts))
        if not ok:
            return None
        small = tuple(t for t in texts if t not in _HYPHENS)
        return "hyphenated-place" if small in _PLACE_HYPHENED else "hyphenated"
    if not all(doc[i].whitespace_ for i in range(a - 1, b)):
        return None
    if texts == [_PLACE_LINK]:
        return "upon"
    if tuple(texts) in _SPACED:
        return "spaced"
    return None


def _capitalised_after(doc: Any, i: int, in_ent: set[int]) -> int | None:
    """The end of the run of capitalised words starting at ``i`` outside any NER span (one tagged a proper
    noun at least), if there is one."""
    end = i
    while end < len(doc) and end not in in_ent and _capitalised(doc[end]) and (end == i or doc[end - 1].whitespace_):
        end += 1
    if end == i or not any(doc[k].tag_ in _PROPER_TAGS for k in range(i, end)):
        return None
    return end


def _capitalised_before(doc: Any, end: int, in_ent: set[int]) -> int | None:
    """The start of the run of capitalised words ending just before ``end`` outside any NER span (one tagged
    a proper noun at least), if there is one."""
    start = end
    while start > 0 and start - 1 not in in_ent and _capitalised(doc[start - 1]):
        start -= 1
        if doc[start].is_sent_start:
            break
    if start == end or not any(doc[k].tag_ in _PROPER_TAGS for k in range(start, end)):
        return None
    return start


def _capitalised(tok: Any) -> bool:
    return bool(tok.is_alpha) and tok.text[:1].isupper() and tok.text != "I"
