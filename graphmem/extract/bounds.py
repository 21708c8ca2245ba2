"""Valid-time bounds of a fact from the time phrases of its clause.

A fact's clause is its verb plus the verbs it complements or is conjoined to, and the subjectless
participles and infinitives hanging from them (:func:`attached`). A time phrase of that clause bounds
the fact by the preposition it hangs from:

| said | bound |
|---|---|
| I went there *yesterday*; I've been an analyst *since 2019* | ``valid_from`` = the phrase's start |
| I'm staying in Lisbon *until June* | ``valid_to`` = start of June (*through June*, *until late June*: its end) |
| I've lived in Porto *for three years* (perfect or present) | ``valid_from`` = statement time − 3 years |
| I worked at Acme *from 2015 to 2019* (a range, :mod:`graphmem.extract.time_ranges`) | both: 2015 to the end of 2019 |
| *In 2019* I worked at Acme (a lasting state told as over) | both: the phrase's period, ended by when said |
| I lived in Porto *until 2020* (told as over) | ``valid_to`` only: it held before |

A past-tense duration ("I lived there for three years") says the state ended at some unknown time, so
it sets no bound here; a lasting state told in the simple past (:func:`told_as_over`) is then given no
start and an end when said (:mod:`graphmem.extract.facts`). Without a phrase, ``valid_from`` is the
statement's time. An until phrase takes its
period's end also when it names the period's end ("until the end of June") or the period has begun as
it is said ("until mid-March" said on 12 March), and an end at or before the start is dropped. A *since*
phrase is the start whatever other phrase the clause has ("By June I'll have lived here since May").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MINYEAR, datetime, timedelta
from typing import Any

from graphmem.extract.names import name_key
from graphmem.extract.time_ranges import is_range, names_weekdays, runs_to_now
from graphmem.extract.times import names_late_part
from graphmem.extract.vocabulary import EVENTS
from graphmem.models import Fact, TimeRef

__all__ = [
    "Bounds",
    "attached",
    "bounds_for",
    "clause_time",
    "done_ahead",
    "duration_before",
    "ending_at",
    "own_state_start",
    "plan_bounds",
    "plan_window",
    "told_as_over",
    "until_bound",
    "verb_of",
]

_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
_NOW = frozenset({"now", "currently", "still", "today", "nowadays"})
_UNTIL = frozenset({"until", "till", "til", "'til", "through", "thru", "up_to"})
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "couple": 2, "few": 3, "several": 3,
}  # fmt: skip
_DURATION = re.compile(
    r"^(?:for\s+)?(?:about\s+|around\s+|almost\s+|nearly\s+|over\s+)?(?:a\s+)?(\d+|"
    + "|".join(_NUMBER_WORDS)
    + r")(?:\s+of)?\s+(day|week|month|year|decade)s?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Bounds:
    """The valid-time bounds of a fact and the phrase that set them (``None``: none did)."""

    valid_from: datetime | None
    valid_to: datetime | None = None
    phrase: str | None = None


def verb_of(token: Any) -> Any:
    """The nearest verb governing ``token`` (itself when it is one)."""
    node = token
    for _ in range(8):
        if node.pos_ in ("VERB", "AUX") or node.head is node:
            return node
        node = node.head
    return node


def _has_subject(verb: Any) -> bool:
    return any(c.dep_ in _SUBJECT_DEPS for c in verb.children)


def _clause_verbs(verb: Any) -> set[int]:
    """The verbs whose time a fact of ``verb`` takes: itself and the verbs it complements or is
    conjoined to ("went hiking", "bought ... and rode"), up to a conjoined verb with a subject of its own
    ("I joined in 2022 but I work at Google": the work is not dated 2022)."""
    targets = {verb.i}
    node = verb
    while node.dep_ in ("xcomp", "conj") and node.head is not node:
        if node.dep_ == "conj" and _has_subject(node):
            break  # a clause of its own: "my boss started there in 2010, and I joined last year"
        node = node.head
        targets.add(node.i)
    return targets


def attached(governor: Any, targets: set[int]) -> bool:
    """Whether a time phrase governed by ``governor`` belongs to the clause of ``targets``.

    It does when its verb is one of them, or a participle or infinitive without a subject of its own
    that modifies one of them or their object ("a job at the school, starting in November"). A verb with
    its own subject is another clause: "the seedlings my mum gave me last week" dates the giving, not
    the bringing.
    """
    if governor.i in targets:
        return True
    node = governor
    for _ in range(3):
        if node.pos_ not in ("VERB", "AUX") or _has_subject(node):
            return False
        if node.dep_ not in ("advcl", "acl", "xcomp", "pcomp") or node.head is node:
            return False
        node = verb_of(node.head)
        if node.i in targets:
            return True
    return False


def _clause_top(verb: Any) -> Any:
    """The verb where :func:`_clause_verbs` stops: the top of ``verb``'s complement and conjunct chain."""
    node = verb
    while node.dep_ in ("xcomp", "conj") and node.head is not node:
        if node.dep_ == "conj" and _has_subject(node):
            break
        node = node.head
    return node


def _clause_phrases(verb: Any, times: list[tuple[Any, TimeRef]]) -> list[tuple[Any, TimeRef]]:
    """The time phrases of ``verb``'s clause. A clause conjoined with a subject of its own and no phrase
    takes the phrases fronted before the first clause's subject when it is in the same tense and not
    "now": "In 2019, I left Acme and I joined Google" dates the joining; "I joined in 2022 but I work at
    Google" and "Last year I worked at Acme and now I work at Google" do not date the work."""
    sentence = verb.sent
    in_sentence = [(span, ref) for span, ref in times if span.sent == sentence]
    targets = _clause_verbs(verb)
    own = [(span, ref) for span, ref in in_sentence if attached(verb_of(span.root), targets)]
    top = _clause_top(verb)
    if own or top.dep_ != "conj" or top.head is top:
        return own
    head = top.head
    if top.tag_ != head.tag_ or any(c.dep_ == "advmod" and c.lower_ in _NOW for c in top.children):
        return own  # another time: "Last year I worked at Acme and now I work at Google"
    subjects = [c.i for c in head.children if c.dep_ in _SUBJECT_DEPS]
    if not subjects:
        return own
    first = min(subjects)
    return [(span, ref) for span, ref in _clause_phrases(head, times) if span.end <= first]


def plan_bounds(verb: Any, times: list[tuple[Any, TimeRef]], said_at: datetime | None, told: Bounds) -> Bounds:
    """The valid-time bounds of a plan stated by ``verb`` (``told``: the bounds :func:`bounds_for` read off
    its clause): :func:`plan_window` of its clause's time (:func:`clause_time`)."""
    return plan_window(clause_time(verb, times), said_at, told)


def plan_window(when: TimeRef | None, said_at: datetime | None, told: Bounds) -> Bounds:
    """The valid-time bounds of a plan told at ``said_at`` for the time ``when`` (``told``: the bounds its
    statement read as a fact's). A plan holds from when it is told until its planned time has passed
    ("Next month I will visit Rome" said on 14 June: from 14 June to 1 August; the month is its target,
    kept as the phrase); one with no time ahead ("I want to visit Rome") holds from when it is told until
    something ends it (carrying it out: :func:`graphmem.extract.temporal.carried_out_ends`). A planned time
    that had passed when it was told dates the plan as before, by the phrase. Both extractors date a plan
    by it (the spaCy one through :func:`plan_bounds`)."""
    if said_at is None or when is None or when.start is None:
        return Bounds(said_at, told.valid_to, told.phrase) if said_at is not None else told
    end = when.end if when.end is not None and when.end > when.start else when.start
    if end <= said_at:
        return told
    return Bounds(said_at, end, when.phrase)


def done_ahead(predicate: str, start: datetime | None, said_at: datetime | None) -> str:
    """The predicate of a fact of ``predicate`` said at ``said_at`` to start at ``start``: something done once
    (:data:`~graphmem.extract.vocabulary.EVENTS`: a visit, a meeting, a making) dated after it is said is a
    plan ("Next month I will visit Rome": ``plans``); anything else keeps its predicate."""
    ahead = said_at is not None and start is not None and start > said_at
    return "plans" if ahead and predicate in EVENTS else predicate


def clause_time(verb: Any, times: list[tuple[Any, TimeRef]]) -> TimeRef | None:
    """The resolved time expression attached to ``verb``'s clause (see :func:`attached`); a phrase in a
    verbless sentence ("On 3 June.") counts when it is the sentence's only one. A *since* phrase comes
    first: it says when the state began whatever else the clause dates ("By June I'll have lived here
    since May": May)."""
    phrases = [(span, ref) for span, ref in _clause_phrases(verb, times) if ref.resolved]
    phrases.sort(key=lambda found: _preposition(found[0]) != "since")  # stable: else in their order
    for _span, ref in phrases:
        if _preposition(_span) not in _UNTIL:
            return ref
    resolved = [(span, ref) for span, ref in times if ref.resolved and span.sent == verb.sent]
    if len(resolved) == 1 and verb_of(resolved[0][0].root).pos_ not in ("VERB", "AUX"):
        return resolved[0][1]
    return None


def _preposition(span: Any) -> str:
    """The preposition a time phrase hangs from ("until June" → ``until``), or its own first word."""
    root = span.root
    if root.dep_ == "pobj" and root.head.dep_ == "prep":
        return str(root.head.lower_)
    first = span[0].lower_
    return str(first) if first in ("since", "for", "until", "till") else ""


def _names_end(span: Any) -> bool:
    """Whether a time phrase is the end of a period ("the end of June"), a noun "end" in it."""
    return any(t.lower_ == "end" and t.pos_ == "NOUN" for t in span)


def _lasting(verb: Any) -> bool:
    """Whether the verb still holds at the time of speaking: a perfect ("I've lived") or present."""
    for node in (verb, verb.head if verb.dep_ == "xcomp" else verb):
        if any(c.dep_ == "aux" and c.lemma_ == "have" for c in node.children):
            return True
        if node.tag_ in ("VBZ", "VBP"):
            return True
    return False


def told_as_over(verb: Any) -> bool:
    """Whether ``verb`` tells of a state as over: a simple past ("I worked at Acme", "I was living in Porto",
    "I was employed by X", "I used to live there"), not a perfect or a present ("I've worked there since
    May", "I work there")."""
    if _lasting(verb):
        return False
    if verb.dep_ == "xcomp" and verb.head.lemma_ == "use" and verb.head.tag_ == "VBD":
        return True
    return verb.tag_ == "VBD" or any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in verb.children)


def duration_before(phrase: str, when: datetime) -> datetime | None:
    """``when`` minus the duration ``phrase`` names ("three years", "for 6 months"), or ``None`` (also when
    that is before the calendar's first year: "for 2100 years" names no start it can hold)."""
    m = _DURATION.match(phrase.strip())
    if m is None:
        return None
    raw = m.group(1).lower()
    n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
    unit = m.group(2).lower()
    if unit in ("day", "week"):
        try:
            return when - timedelta(days=n * (7 if unit == "week" else 1))
        except OverflowError:
            return None
    months = n * {"month": 1, "year": 12, "decade": 120}[unit]
    year, month = divmod(when.year * 12 + when.month - 1 - months, 12)
    if year < MINYEAR:
        return None
    last = calendar.monthrange(year, month + 1)[1]
    return when.replace(year=year, month=month + 1, day=min(when.day, last))


def until_bound(ref: TimeRef, *, to_its_end: bool, said_at: datetime | None) -> datetime | None:
    """The ``valid_to`` an until phrase resolved to ``ref`` gives: its start ("until June"), or its end
    when ``to_its_end`` ("through June", "until the end of June"), when it names the late part of a
    period ("until late February") or when the period has begun as it is said ("until mid-March" said on
    12 March means through it)."""
    if ref.start is None:
        return None
    begun = said_at is not None and ref.end is not None and ref.start <= said_at < ref.end
    if to_its_end or begun or names_late_part(ref.phrase):
        return ref.end
    return ref.start


def ending_at(
    when: TimeRef | None, said_at: datetime | None, *, told_as_past: bool, held_from: datetime | None = None
) -> datetime | None:
    """When a state an ending statement dates by ``when`` stopped holding: the end of the period when the
    phrase names its late part ("I left Acme at the end of February": it held through February, as "until
    the end of" does), else its start; the statement's time without a phrase. Told as past ("I left",
    "I've quit"), it ended by the time it was said: "I left Acme at the end of the month" said on 10 March
    ends no later than 10 March; unless ``held_from``, the start the same statement gives the state (a
    present state of the turn starts when said; the Claude extractor's "I worked at Acme, but I left at the
    end of the month" too), is no earlier than that: then the phrase's date stands, so the state still
    ends."""
    if when is None:
        return said_at
    at = when.end if names_late_part(when.phrase) and when.end is not None else when.start
    before = held_from is None or (said_at is not None and held_from < said_at)
    if told_as_past and at is not None and said_at is not None and at > said_at and before:
        return said_at
    return at


def own_state_start(facts: Iterable[Fact], subject: str | None, predicate: str, obj: str | None) -> datetime | None:
    """The latest start among ``facts`` (one turn's) of the state an ending of that turn names: its predicate,
    its subject (any when ``None``) and its value by name (typed alike or not); ``None`` when the ending
    names no value ("I quit my job": the turn's fact may be the new one) or no such fact starts. The
    ``held_from`` of :func:`ending_at`."""
    if obj is None:
        return None
    starts = [
        f.valid_from
        for f in facts
        if f.predicate == predicate
        and subject in (None, f.subject_id)
        and name_key(obj) == name_key(f.object_id)
        and f.valid_from is not None
    ]
    return max(starts, default=None)


#: Prepositions by which a phrase names the period a state told as over held in ("in 2019", "last year").
_PERIOD = frozenset({"", "in", "during", "throughout", "over", "within"})


def _period_bounds(
    verb: Any, times: list[tuple[Any, TimeRef]], when: TimeRef, said_at: datetime | None, *, over: bool
) -> tuple[datetime | None, datetime | None] | None:
    """The start and end the phrase dating ``verb``'s clause gives it. A range bounds a state at both ends,
    unless it is a schedule (weekdays, or a simple present: "I work there from Monday to Friday": then it
    dates nothing, ``None``) or runs to now ("from 2019 to now": no end). Told as over, a state held in
    the period a bare or *in* phrase names ("In 2019 I worked at Acme": ended by when said), ended when
    said after a *since* phrase ("I worked at Acme since 2019") and before a *before* phrase ("Before 2019
    I lived in Porto": no start); other phrases ("after 2019", "from Christmas" with its end split off)
    give only the start."""
    start = when.start
    if when.end is None:
        return start, None
    span = next((sp for sp, ref in times if ref is when), None)
    prep = _preposition(span) if span is not None else ""
    if is_range(when.phrase):
        if (not over and verb.tag_ in ("VBZ", "VBP")) or names_weekdays(when.phrase):
            return None
        if runs_to_now(when.phrase):
            return start, None
        return start, min(when.end, said_at) if over and said_at is not None else when.end
    if not over:
        return start, None
    if prep == "since":
        return start, said_at
    if prep == "before":
        return None, when.start
    if prep in _PERIOD:
        return start, min(when.end, said_at) if said_at is not None else when.end
    return start, None


def bounds_for(
    verb: Any,
    times: list[tuple[Any, TimeRef]],
    said_at: datetime | None,
    *,
    timeless: bool = False,
    over: bool = False,
) -> Bounds:
    """The valid-time bounds of a fact stated by ``verb`` (see the module docs).

    Args:
        verb: the fact's verb token.
        times: the turn's time phrases with their resolved :class:`TimeRef`.
        said_at: when the turn was said (the default ``valid_from``).
        timeless: with no phrase, leave ``valid_from`` unset (a family role always held).
        over: the verb tells of a lasting state as over (:func:`told_as_over`): a phrase that dates it
            ends it too ("In 2019 I worked at Acme": through 2019; never later than when said), and an
            until phrase alone gives it no start ("I lived in Porto until 2020").
    """
    start: datetime | None = None
    end: datetime | None = None
    phrase: str | None = None
    for span, ref in _clause_phrases(verb, times):
        prep = _preposition(span)
        if prep in _UNTIL and ref.resolved and end is None:
            # "until June" ends as June begins; "through June" and "until the end of June" as it ends
            end = until_bound(ref, to_its_end=prep in ("through", "thru") or _names_end(span), said_at=said_at)
            phrase = phrase or ref.phrase
        elif prep == "for" and not ref.resolved and said_at is not None and start is None and _lasting(verb):
            start = duration_before(ref.phrase, said_at)
            phrase = ref.phrase if start is not None else phrase
    if start is None:
        when = clause_time(verb, times)
        found = _period_bounds(verb, times, when, said_at, over=over) if when is not None else None
        if when is not None and found is not None:
            start, phrase = found[0], when.phrase
            end = end if end is not None else found[1]
    if start is None and not timeless and not (over and end is not None):
        start = said_at
    if end is not None and start is not None and end <= start:
        end = None  # an end before the start is a misreading, never a state
    return Bounds(start, end, phrase)
