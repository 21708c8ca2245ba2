"""A time phrase of a parsed turn (a spaCy DATE or TIME span), resolved as the extractor resolves it.

The resolver (:class:`~graphmem.extract.times.TimeResolver`) reads the phrase; the parse around it says
which way it points (:func:`~graphmem.extract.tense.direction`), what it counts back from (a *since*
phrase under a future perfect counts back from the clause's "by" time: "By January I'll have lived in
Porto since March" is the latest March before that January, :func:`~graphmem.extract.tense.deadline`),
and whether it names a time at all: a decade after a possessive is an age ("in my late twenties",
"people in their twenties": spaCy's span leaves the possessive out), and a decade is a temperature when
it is the reading of a weather noun (*temperature*, *weather*, ...: :data:`_WEATHER`) or of a level
(*high*, *low*, *temp*: :data:`_LEVELS`) said as a reading: in weather talk ("sunny, a high in the
nineties"), or a high that nothing is *at* or *hits* and that is no one ("we had a high in the nineties";
not "crime was at a high in the nineties", "unemployment hit a low in the nineties", "the highs in the
nineties were the best years", "she was a temp in the nineties"). The decade is then a phrase "in" it that
follows or modifies such a noun ("temperatures in the nineties are normal"), what such a noun or "it"
*is* or *stays* "in" with nothing else said of it ("it was in the nineties all week", "the weather stayed
in the eighties"; not "it was big in the eighties", "it stayed in the family in the nineties", nor a
cleft: "it was in the nineties that I lived in Rome") or *climbs* "into" ("temperatures climbed into the
nineties"; not "it lasted into the nineties"), and what it *hits* or *reaches* ("temperatures hit the
nineties"). A weather noun that changed in the decade ("temperatures rose in the nineties") keeps the
decade. Ages and temperatures stay unresolved, and so does a recurrence (:func:`recurring`: "lessons every
Thursday", where NER's span is "Thursday"; "every other Friday"; "every Monday and Wednesday").

The phrases are spaCy's DATE and TIME spans and, found in the text whatever NER tagged
(:func:`time_spans`), those relative to the time talked of before ("so later that year I went back",
"later on that month": NER often misses them in lower case, or keeps only "that month"). Before any
stage reads the entities, :func:`mark_missed_times` adds the DATE spans NER misses or takes for a name: a
weekday spelled short after a word that makes it a day ("Last Fri", "last Tues", "on Weds", "by Thurs"; not "I
sat", "the sun", nor "after sun exposure": Mon, Wed, Sat and Sun only capitalised) and fortnights ("a
fortnight ago", "in a fortnight"), and decades after "the" ("I loved grunge in the 90s", "Back in the '90s
...", "The 90s were great"; an age is said with a possessive: "in my twenties"); and it cuts a name NER ran
into a relative date off the DATE span ("moved to Cardiff yesterday", one DATE "Cardiff yesterday" that
resolves to nothing): the date stays, the name goes to stage 2 (not a day, month or holiday: "Monday last
week" is one date); and a count NER ran into the end of a date ("on Monday 3 people came", one DATE "Monday
3" that read as March): the date stays (not "May 3", "Monday 3 pm", "Monday 3 of May", "Monday 9 to 5").
A length after "in" ("in two weeks", where NER's span is "two weeks") is resolved with its "in", as a time ahead
(:mod:`graphmem.extract.relative`), not as a length; a length "ago" before "today" ("one year ago today",
where NER's span is "one year ago") with its "today", as that day; a length before "from now" or "from
today" ("three days from now", where NER's span is "three days") with them, as the day that far ahead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from graphmem.extract.names import words
from graphmem.extract.periods import HOLIDAYS
from graphmem.extract.relative import WEEKDAY_ABBREVIATIONS
from graphmem.extract.tense import deadline, direction
from graphmem.extract.time_ranges import DAY_RANGE
from graphmem.extract.times import TimeResolver, anaphoric, duration
from graphmem.models import TimeRef

__all__ = ["mark_missed_times", "recurring", "resolve_span", "time_spans"]

# A decade, in words or figures
_DECADE = re.compile(r"(?:twent|thirt|fort|fift|sixt|sevent|eight|ninet)ies\b|\b\d0'?s\b|\bteens\b", re.IGNORECASE)
# "later that month", "earlier on in that same year": what :func:`~graphmem.extract.times.anaphoric` reads
_ANAPHORA = re.compile(
    r"\b(?:later|earlier)[ \t]+(?:on[ \t]+)?(?:in[ \t]+)?that[ \t]+(?:same[ \t]+)?(?:week|month|year)\b", re.IGNORECASE
)
# Nouns (lemmas) whose reading a decade can be: "temperatures in the nineties", "the weather stayed in the eighties"
_WEATHER = frozenset({"temperature", "weather", "thermometer", "mercury"})
# Nouns that are a reading only when said as one ("a high in the nineties"), not when something is at or
# hits them ("crime was at a high", "unemployment hit a low") or they are someone ("she was a temp")
_LEVELS = frozenset({"high", "low", "temp"})
# Words that make a sentence weather talk, where a high or a low is a reading ("sunny, a high in the nineties")
_FORECAST = frozenset(
    {"degree", "forecast", "sunny", "hot", "cold", "warm", "humid", "muggy", "chilly", "heatwave", "heat", "cloudy"}
)
# Verbs that say where a reading is ("it was in the nineties") or that it got there ("hit the nineties")
_STATIVE = frozenset({"be", "stay", "remain", "hover", "sit"})
# Verbs of a reading going somewhere ("it climbed into the nineties"; not "it lasted into the nineties")
_CLIMBING = frozenset({"go", "get", "climb", "rise", "creep", "soar", "drop", "fall", "dip", "sink", "edge", "push"})
# What else a verb may say its subject is or does: then "in the nineties" is when ("it was big in the eighties")
_COMPLEMENTS = frozenset({"attr", "acomp", "dobj", "oprd", "xcomp", "ccomp"})
_REACHING = frozenset({"hit", "reach", "top", "touch", "near", "break", "pass"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})
# A weekday spelled short (the resolver's table) after a word that makes it a day; "last"/"this"/"next" are
# part of the phrase
_SHORT_WEEKDAY = re.compile(
    r"(?:\b(?:on|by|until|till|since|from|before|after)\s+|(?=\b(?:last|this|next|past)\s))"
    r"((?:(?:this\s+)?(?:last|this|next|past)\s+)?(?:" + "|".join(WEEKDAY_ABBREVIATIONS) + r")\b\.?)",
    re.IGNORECASE,
)
# Abbreviations that are words too: a day only when written as a name ("on Sat", not "after sun exposure")
_WORDS_TOO = frozenset({"mon", "wed", "sat", "sun"})
_FORTNIGHT = re.compile(
    r"\b(?:(?:a|one|two|three|four|\d+)|(?:the\s+)?(?:last|past|next|coming))\s+fortnights?"
    r"(?:\s+(?:ago|back|earlier))?\b",
    re.IGNORECASE,
)
# A decade after "the" ("the 90s", "the '90s", "the 1990s", "the mid-nineties"), which NER misses in many
# sentences ("I loved grunge in the 90s", "Back in the 90s ..."); an age has a possessive, not "the"
_THE_DECADE = re.compile(
    r"\bthe\s+(?:(?:early|mid|late)[-\s]+)?(?:'?\d0'?s|(?:1\d|20)\d0'?s"
    r"|(?:twent|thirt|fort|fift|sixt|sevent|eight|ninet)ies|noughties|aughts)(?![\w'])",
    re.IGNORECASE,
)
_CLAUSES = frozenset({"relcl", "advcl", "ccomp", "acl"})


def mark_missed_times(doc: Any) -> Any:
    """Add to ``doc``'s entities the DATE spans of the module docs that NER missed, in place of any
    entity they overlap that is not a time ("Tues" taken for a person), and cut the name off a DATE span
    that NER ran into a relative date ("Cardiff yesterday", :func:`_named_lead`); ``doc`` is returned."""
    _cut_names_off_dates(doc)
    _cut_counts_off_dates(doc)
    found = []
    for pattern in (_SHORT_WEEKDAY, _FORTNIGHT, _THE_DECADE):
        for m in pattern.finditer(doc.text):
            group = 1 if pattern.groups else 0
            last = m.group(group).split()[-1].rstrip(".")
            if last.lower() in _WORDS_TOO and not last[0].isupper():
                continue  # "after sun exposure", "on sat nav": a day only as a name
            span = doc.char_span(m.start(group), m.end(group), label="DATE", alignment_mode="contract")
            if span is not None and len(span):
                found.append(span)
    if not found:
        return doc
    kept = list(doc.ents)
    for span in found:
        overlapping = [e for e in kept if e.start < span.end and span.start < e.end]
        if any(e.label_ in ("DATE", "TIME") for e in overlapping):
            continue  # NER has it, or a longer phrase holding it: its reading stands
        kept = [e for e in kept if e not in overlapping] + [span]
    doc.ents = sorted(kept, key=lambda e: e.start)
    return doc


def _cut_names_off_dates(doc: Any) -> None:
    """Make each DATE span of ``doc`` that opens with a name before a relative date ("moved to Cardiff
    yesterday", where NER has "Cardiff yesterday") the date alone; the name is left to stage 2, as an
    untagged proper noun."""
    ents = list(doc.ents)
    cut = [(e, _named_lead(e)) for e in ents]
    if not any(k for _, k in cut):
        return
    kept = []
    for span, k in cut:
        if k:
            span = doc[span.start + k : span.end]
            span.label_ = "DATE"
        kept.append(span)
    doc.ents = kept


def _cut_counts_off_dates(doc: Any) -> None:
    """Make each DATE span of ``doc`` that ends in a count of what follows it the date alone: NER runs "on
    Monday 3 people came" into one DATE "Monday 3", which the resolver reads as March (a month's number). A
    bare number closing a span after a word that is no month ("Monday", "yesterday", "2019"), followed by a
    word that is no part of a time ("people", "of us"; not "pm", "o'clock", "of May"), counts that word."""
    ents = list(doc.ents)
    cut = [_counted(e) for e in ents]
    if not any(cut):
        return
    kept = []
    for span, counted in zip(ents, cut, strict=True):
        if counted:
            span = doc[span.start : span.end - 1]
            span.label_ = "DATE"
        kept.append(span)
    doc.ents = kept


def _counted(span: Any) -> bool:
    """Whether the DATE ``span``'s last token is a count of the word after it (:func:`_cut_counts_off_dates`)."""
    if span.label_ != "DATE" or len(span) < 2 or span.end >= len(span.doc):
        return False
    last, before, after = span[-1], span[-2], span.doc[span.end]
    if not re.fullmatch(r"\d{1,3}", last.text) or before.lower_.rstrip(".") in _MONTH_NAMES | _RANGE_WORDS:
        return False  # "May 3": a day of the month; "Monday 9 to 5": the end of a range
    if not after.is_alpha or after.lower_.rstrip(".") in _CLOCK_WORDS | _MONTH_NAMES:
        return False  # "Monday 3 pm", "Monday 3rd", "Monday 3 March"
    following = span.doc[span.end + 1] if span.end + 1 < len(span.doc) else None
    return not (after.lower_ == "of" and following is not None and following.lower_.rstrip(".") in _MONTH_NAMES)


#: Month names as a date writes them ("3 March", "May 3", "the 3rd of Sept.").
_MONTH_NAMES = words(
    """
        january february march april may june july august september october november december jan feb mar apr jun
        jul aug sep sept oct nov dec
        """
)
#: Words joining a number to the span before it as the end of a range ("Monday 9 to 5", "9-5", "9 till 5").
_RANGE_WORDS = frozenset({"to", "-", "–", "—", "till", "til", "until", "through", "thru"})
#: Words after a number that make it part of a time ("3 pm", "3 o'clock", "3rd" split as "3" "rd").
_CLOCK_WORDS = frozenset({"am", "pm", "a.m", "p.m", "o'clock", "oclock", "h", "hrs", "st", "nd", "rd", "th"})


def _named_lead(span: Any) -> int:
    """How many tokens of the DATE ``span`` are a name before a relative date (``0``: none): capitalised
    proper nouns that name no time (not "Monday last week", "March last year", "Christmas last year"),
    followed at once by a word that opens a relative date ("yesterday", "last week")."""
    if span.label_ != "DATE":
        return 0
    k = next((i for i, t in enumerate(span) if t.lower_ in _RELATIVE_OPENERS), 0)
    lead = span[:k]
    if not k or not all(t.pos_ == "PROPN" and t.is_title for t in lead):
        return 0
    if any(t.lower_.rstrip(".") in _CALENDAR_NAMES for t in lead) or lead.text.lower() in HOLIDAYS:
        return 0
    return k


#: Words that open a date relative to when it is said.
_RELATIVE_OPENERS = frozenset({"yesterday", "today", "tonight", "tomorrow", "last", "next", "this", "past"})
#: Names of times that a relative date may follow within one date ("Monday last week", "Easter this year").
_CALENDAR_NAMES = words(
    """
        monday tuesday wednesday thursday friday saturday sunday january february march april may june july
        august september october november december jan feb mar apr jun jul aug sep sept oct nov dec easter xmas
        christmas halloween thanksgiving hanukkah diwali passover ramadan eid
        """
) | frozenset(WEEKDAY_ABBREVIATIONS)


def time_spans(doc: Any, spans: Sequence[Any]) -> list[Any]:
    """The time phrases of the parsed turn ``doc``: its DATE/TIME ``spans`` (spaCy's) with each phrase
    relative to the time talked of before ("later that month") that they miss or cut short, and each range
    of two days of one month that NER cut in pieces ("the 20th to the 3rd of May", where it has "the 20th"
    and "the 3rd of May"), in text order. A span of NER inside such a phrase ("that month" of "later on
    that month") gives way to it; one holding it is kept."""
    found = list(spans)
    for m in DAY_RANGE.finditer(doc.text):
        # "from the 20th to the 3rd of May": NER has "the 20th" and "the 3rd of May" apart, or only one
        whole = doc.char_span(m.start(), m.end(), label="DATE", alignment_mode="contract")
        lead = re.match(r"(?:from|between)\s+", m.group(0), re.IGNORECASE)
        begin = m.start() + (lead.end() if lead else 0)
        phrase = doc.char_span(begin, m.end(), label="DATE", alignment_mode="contract")
        if whole is None or phrase is None or not len(phrase):
            continue
        overlapping = [span for span in found if span.start < phrase.end and whole.start < span.end]
        if any(span.start < whole.start or span.end > whole.end for span in overlapping):
            continue  # a longer phrase: NER's reading stands
        if not overlapping and "may" in m.group(0).split():
            continue  # no date NER saw, and "may" in lower case: "pages 3 to 20 may help"
        if lead is not None and lead.group(0).lower().startswith("between"):
            phrase = whole  # "the 3rd and the 20th of May" is no range without its "between"
        found = [span for span in found if span not in overlapping]
        found.append(phrase)
    for m in _ANAPHORA.finditer(doc.text):
        phrase = doc.char_span(m.start(), m.end(), label="DATE", alignment_mode="contract")
        if phrase is None or not len(phrase) or not anaphoric(phrase.text):
            continue
        overlapping = [span for span in found if span.start < phrase.end and phrase.start < span.end]
        if any(span.start < phrase.start or span.end > phrase.end for span in overlapping):
            continue  # a span that runs past it (or NER has it whole): NER's reading stands
        if any(span.start == phrase.start and span.end == phrase.end for span in overlapping):
            continue
        found = [span for span in found if span not in overlapping]
        found.append(phrase)
    return sorted(found, key=lambda s: s.start)


def resolve_span(
    resolver: TimeResolver,
    span: Any,
    spans: Sequence[Any],
    reference: datetime | None,
    *,
    antecedent: TimeRef | None = None,
    place: Any | None = None,
    prefer: str | None = None,
    day_first: bool | None = None,
) -> TimeRef:
    """``span``, one of a turn's time phrases ``spans``, resolved against ``reference`` (when the turn
    was said, on the speaker's clock) and ``antecedent`` (the time talked of before, for "later that
    month": :mod:`graphmem.extract.antecedents`); see the module docs. ``place``: the phrase ``span``
    repairs ("on Monday, I mean Tuesday"), whose clause says which way it points; ``prefer``, when given, says
    it instead (a time repairing one said before the turn points as that one did:
    :func:`graphmem.extract.corrections.repair_direction`). ``day_first``: the order of the input's
    numeric dates (:mod:`graphmem.date_order`)."""
    if _no_date(span) or recurring(span):
        return TimeRef(span.text)
    place = span if place is None else place
    by = deadline(place, spans)
    if by is not None and reference is not None:
        reference = resolver.resolve(by.text, reference, prefer=direction(by)).start or reference
    text = span.text
    if span.start > 0 and span.doc[span.start - 1].lower_ == "in" and duration(text.rstrip("'")) is not None:
        text = f"in {text}{_time_after(span)}"  # "in two weeks('s time)": a time ahead, not a length
    elif span[-1].lower_ in ("ago", "back") and span.end < len(span.doc) and span.doc[span.end].lower_ == "today":
        text = f"{text} today"  # "one year ago today": NER leaves "today" out; the day, not the year
    elif _counted_from(span) and duration(text) is not None:
        text = f"{text} from {span.doc[span.end + 1].lower_}"  # "three days from now": NER has "three days"
    return resolver.resolve(
        text, reference, prefer=prefer or direction(place), antecedent=antecedent, day_first=day_first
    )


def recurring(span: Any) -> bool:
    """Whether the time phrase ``span`` names a recurrence, not a time: "every Thursday", "each week", "every
    other Friday", "every Tuesday evening" (NER's span often leaves "every" out: "lessons every Thursday" has
    the DATE "Thursday", which read alone would be the coming Thursday), and a day joined to one ("every
    Monday and Wednesday")."""
    doc = span.doc
    before = [t.lower_ for t in doc[max(span.start - 3, 0) : span.start]]
    while before and before[-1] in _RECURRENCE_MODIFIERS:
        before.pop()  # "every other Friday", "every single Monday", "each second week"
    if before and before[-1] in _EVERY:
        return True
    head = span.root
    for _ in range(len(doc)):  # walks up the parse, which has no cycles; the bound is a guard
        while head.dep_ == "compound" and head.head.i != head.i:
            head = head.head  # "Tuesday" of "every Tuesday evening"
        dets = [c.lower_ for c in head.children if c.dep_ in ("det", "predet")]
        if any(d in _EVERY for d in dets):
            return True
        if dets or head.dep_ not in ("conj", "appos") or head.head.i == head.i:
            return False  # "on Friday and every Tuesday": Friday is a day; "this Friday" has its own det
        head = head.head  # "Wednesday" of "every Monday and Wednesday"
    return False


#: Determiners that make a time a recurrence, and the words that may stand between them and the time.
_EVERY = frozenset({"every", "each"})
_RECURRENCE_MODIFIERS = frozenset({"other", "single", "second", "third", "alternate"})


def _counted_from(span: Any) -> bool:
    """Whether "from now" or "from today" follows ``span``."""
    doc, end = span.doc, span.end
    return end + 1 < len(doc) and doc[end].lower_ == "from" and doc[end + 1].lower_ in ("now", "today")


def _time_after(span: Any) -> str:
    """The " time" after ``span`` when its next word is "time" ("two weeks' time", "a week's time")."""
    doc = span.doc
    rest = [t.lower_ for t in doc[span.end : span.end + 2]]
    if rest[:1] == ["time"] or rest == ["'s", "time"] or rest == ["'", "time"]:
        return " time"
    return ""


def _no_date(span: Any) -> bool:
    """Whether a span naming a decade is an age or a temperature."""
    if not _DECADE.search(span.text):
        return False
    before = span.doc[span.start - 1] if span.start > 0 else None
    if before is not None and before.tag_ == "PRP$":
        return True  # "[late twenties]" of "in my late twenties"
    return _temperature(span.root)


def _temperature(root: Any) -> bool:
    """Whether the decade ``root`` heads is the reading of a weather noun (see the module docs)."""
    if root.dep_ == "pobj" and root.head.lower_ in ("in", "into"):
        prep = root.head
        doc = prep.doc
        noun = doc[prep.i - 1] if prep.i > 0 else None
        if _reading(noun) or _reading(prep.head):
            return True  # "a high in the nineties": the phrase is the noun's, wherever the parse hangs it
        verb = prep.head
        verbs = _STATIVE if prep.lower_ == "in" else _STATIVE | _CLIMBING
        if verb.lemma_ not in verbs or any(c.dep_ in _COMPLEMENTS or _where(c, prep) for c in verb.children):
            return False  # "temperatures rose in the nineties", "it was big in the eighties": when
    elif root.dep_ in ("dobj", "attr") and root.head.lemma_ in _REACHING:
        verb = root.head
    else:
        return False
    if any(c.dep_ in _CLAUSES for c in (*root.children, *verb.children)):
        return False  # a cleft: "it was in the nineties that I lived in Rome", "... when we met"
    subjects = [c for c in verb.children if c.dep_ in _SUBJECTS]
    if not subjects and verb.dep_ == "xcomp":
        subjects = [c for c in verb.head.children if c.dep_ in _SUBJECTS]  # "it's supposed to be in the seventies"
    return any(_weather(s) or s.lemma_.lower() in _LEVELS or s.lower_ == "it" for s in subjects)


def _where(child: Any, prep: Any) -> bool:
    """Whether ``child`` of a verb is another phrase of where its subject is ("it stayed in the family"),
    not the decade's ``prep`` nor a time ("in the nineties on Tuesday"): then the decade is when."""
    if child.dep_ != "prep" or child.i == prep.i or child.lower_ not in ("in", "into", "at", "on"):
        return False
    objects = [c for c in child.children if c.dep_ == "pobj"]
    return any(not o.ent_type_ or o.ent_type_ not in ("DATE", "TIME") for o in objects)


def _weather(token: Any) -> bool:
    """Whether ``token`` is a weather noun ("temperatures", "the weather"): not an adjective said of
    someone ("I was high")."""
    if token is None or token.lemma_.lower() not in _WEATHER:
        return False
    return bool(token.pos_ in ("NOUN", "PROPN") or token.dep_ in _SUBJECTS or token.dep_ in ("dobj", "pobj"))


def _reading(token: Any) -> bool:
    """Whether ``token`` is a weather noun or a level said as a reading: in weather talk ("sunny, a high
    in the nineties", "highs in the nineties, 20 degrees at night") or, elsewhere, a high or low that
    nothing is at or hits and that is no one ("we had a high in the nineties"; not "crime was at a high",
    "unemployment hit a low", "rock music hit its high", "the highs in the nineties were the best years
    of my life", "I worked as a temp")."""
    if token is None or _weather(token):
        return token is not None
    if token.lemma_.lower() not in _LEVELS or token.pos_ not in ("NOUN", "PROPN"):
        return False
    if any(t.lemma_.lower() in _FORECAST or _weather(t) for t in token.sent):
        return True
    if token.lemma_.lower() == "temp" or any(c.dep_ == "poss" for c in token.children):
        return False  # a temp is someone; "its high": a state something reached
    if token.dep_ == "pobj":
        return bool(token.head.lower_ != "at")  # "at a high": a state something is at; "a day with a high": a reading
    head = token.head
    subjects = [c for c in head.children if c.dep_ in _SUBJECTS and c.i != token.i]
    if token.dep_ == "attr":
        return any(_weather(s) or s.lemma_.lower() in _LEVELS or s.lower_ == "it" for s in subjects)
    if token.dep_ == "dobj":
        return not any(s.pos_ in ("NOUN", "PROPN") and not _weather(s) for s in subjects)
    if token.dep_ in _SUBJECTS:
        return not any(c.dep_ in ("attr", "dobj") for c in head.children)  # "the highs ... were the best years"
    return True
