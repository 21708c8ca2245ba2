"""Corrections: a statement that memory had a value wrong, not that the world changed.

"I work at Acme." … "Sorry, I meant Globex. I work at Globex." says Ana never worked at Acme: the first
statement was a slip. "I work at Globex now" says she moved. A demanding memory keeps the two apart on
its two time axes: a change ends the old value in the world (``valid_to``), a correction retracts memory's
belief in it (the old value's current version holds for no time at all, and the earlier version stays
readable ``AS OF`` a moment before the correction) and the new value holds from when the old one was said
to start.

A state fact (a single-valued predicate: ``works_at``, ``lives_in`` …) is read as a correction when the
sentence that names its object carries a correction cue (:func:`correction_cue`), or when the turn opens
with a slip and the fact's sentence follows it ("Sorry, my mistake. I work at Globex.", "Sorry, I meant
Globex. I work at Globex."):

- a speaker owning a slip: "I meant Globex", "I meant to say Globex" (a name after it; not "I meant to …", "I
  meant it"), "I mean
  Globex" (the name ending the sentence but for a denied value; not the filler "I mean Porto is lovely"), "I
  meant I started at Globex" (a clause with its own "I" restating the slip, naming the fact's object; not "I
  meant to tell you I started …", "I mean, I started …"), "what I meant", "I misspoke", "my mistake", "my
  bad", "I got that wrong", "I was wrong." (not "wrong about …"), "scratch that.", "Correction:" opening
  the sentence, "to correct myself";
- a negated alternative naming an entity: "Globex, **not** Acme", or "Globex instead of Acme" in a sentence
  owning a slip (then only a value named so is corrected).

A sentence that tells news is never a correction, whatever cue it has (:func:`tells_news`: "now",
"anymore", "moved", "started" … outside names and dating clauses, and outside the clause restating a slip:
"Sorry, I meant I started at Hooli, not Globex." says the slip again with its own verb). "Actually" alone
is no cue ("Actually, I moved to Porto"); beside a cue it is a filler ("Actually, I meant Globex.").
A clause restating a slip said earlier in its own turn ("I started at Globex — sorry, I meant I started at
Hooli.") corrects nothing said before: it is read as "I started at Globex — sorry, I meant Hooli." is
(below).

A correction may name only the new value, with no fact of its own ("Sorry, I meant Globex.", "Porto, not
Lisbon.", "My bad, I meant Berlin, not Munich.", "Not Globex, I meant Hooli.", "Actually, make that Hooli.",
"Scratch that, Hooli.", "Correction: Hooli.", "I misspoke, it's Hooli.", "I said Paris but I meant Lyon.":
:func:`~graphmem.extract.slip_words.repair_words`): it then says nothing of which state it corrects, and its
request carries :data:`~graphmem.models.ANY_STATE` for the predicate and the speaker as the subject. The
writer binds it to the speaker's state statement it means, when the turns leave no doubt, and drops it
otherwise (:mod:`graphmem.extract.correction_targets`).

A time may be the slip: a phrase repairing the one before it in the turn ("We met on Monday, I mean
Tuesday", "in 2020. Sorry, I meant 2021.") is read in its place (:func:`time_repairs`); a turn that is
only a slip and a time ("Sorry, I meant 2021.") corrects the time of the speaker's previous dated state
(:func:`time_correction`: ``at`` the new start, bound when written), and so does a clause restating the
slip with a new date ("Sorry, I meant I started at Globex on 4 March.": of a state of Globex only). Such a
time points the way the time
talked of before it did (:func:`repair_direction`: "Sorry, I meant Tuesday." after "Let's meet next
Friday." is the Tuesday ahead).

Each correction becomes a :class:`~graphmem.models.FactClosing` with ``correction`` set and ``value``
the new object; temporal maintenance (:func:`graphmem.extract.temporal.apply_corrections`) finds the
value it corrects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from graphmem.extract.names import entity_type, name_key, words
from graphmem.extract.slip_words import (
    CUE,
    FILLERS,
    GLUE,
    INSTEAD,
    MEANT_WORDS,
    bare_slip,
    correction_cue,
    is_filler,
    meant_at,
    meant_names,
    negated_entities,
    repair_words,
    restated_clause,
    restates,
    said_before,
    tells_news,
    unnamed_denials,
    vocatives,
)
from graphmem.extract.vocabulary import is_single_valued
from graphmem.models import ANY_STATE, Event, Fact, FactClosing, TimeRef

__all__ = [
    "correction_cue",
    "corrections",
    "denied_statements",
    "negated_entities",
    "repair_direction",
    "tells_news",
    "time_correction",
    "time_repairs",
]


def _sentences_naming(doc: Any, entity_of: dict[int, str], entity: str) -> list[Any]:
    seen: dict[int, Any] = {}
    for i, eid in entity_of.items():
        if eid == entity:
            sent = doc[i].sent
            seen.setdefault(sent.start, sent)
    return [seen[k] for k in sorted(seen)]


def _named_only(
    doc: Any, entity_of: dict[int, str], stated: set[str], speaker_id: str | None
) -> list[tuple[str, set[str], int, str | None]]:
    """The corrections of the turn that name only their new value: ``(value, denied values, where the slip's
    words begin, the name the slip follows)`` per sentence, or sentence tail after a name, that is nothing
    but a slip naming one value ("Sorry, I meant Globex.", "Oops, I meant Porto!", "My bad, I meant Berlin,
    not Munich.", "Porto, not Lisbon.", "I live in Lisbon, sorry, I meant Porto.", "Actually, make that Hooli.",
    "I said Paris but I meant Lyon."), whose value the turn states with no fact of its own (by name: a fact's
    object is read with its fact, and NER may type a bare name apart)."""
    out: list[tuple[str, set[str], int, str | None]] = []
    for sent in doc.sents:
        called = vocatives(sent)
        said = said_before(sent, entity_of)  # "I said Paris but I meant Lyon.": from "I said" on, maybe a sentence back
        begin = said[0] if said is not None else sent.start
        leads = repair_words(sent)
        named = {
            t.i: entity_of[t.i]
            for t in doc[begin : sent.end]
            if t.i in entity_of
            and entity_of[t.i] != speaker_id
            and t.i not in called
            and t.i not in leads
            and not is_filler(t, entity_of)
        }
        lead = leads[0] if leads else None
        start, after = begin, None
        denied = negated_entities(sent, entity_of)
        # "I live in Lisbon, sorry, I meant Porto.": the slip's words start after the name they follow; not
        # after a name they deny ("Not Globex, I meant Hooli.")
        # nor after the lead's own words read as the name's apposition ("Oh, correction: Hooli.")
        owned = {entity_of[i] for i in leads if i in entity_of}
        before = [i for i in named if lead is not None and i < lead and named[i] not in denied | owned]
        if before and said is None:
            start, after = max(before) + 1, named[max(before)]
            while start < leads[0] and doc[start].ent_type_ in ("DATE", "TIME"):
                start += 1  # the slip's own time: "I started at Globex last month — sorry, I mean Hooli."
        part = doc[start : sent.end]
        unnamed = unnamed_denials(part, entity_of)  # "Not Globex, I meant Hooli.", NER missing Globex
        denied = negated_entities(part, entity_of) | set(unnamed.values())
        values = {e for i, e in named.items() if i >= start and e not in denied}
        if len(values) != 1 or not (denied or lead is not None):
            continue
        skip = set(named) | called | set(unnamed) | set(leads) | ({said[0], said[0] + 1} if said is not None else set())
        rest = " ".join(t.text for t in part if t.i not in skip and not t.is_punct)
        rest = GLUE.sub(" ", INSTEAD.sub(" ", MEANT_WORDS.sub(" ", CUE.sub(" ", rest))))
        if any(w.lower() not in FILLERS for w in re.findall(r"[A-Za-z']+", rest)):
            continue  # more than a slip: "When I said the boss, I meant Sarah", "I meant Tom, not you"
        [value] = values
        if name_key(value) not in {name_key(e) for e in stated}:
            out.append((value, denied, start, after))
    return out


def denied_statements(
    facts: Iterable[Fact], denied: Collection[str], names: Callable[[str], Sequence[Sequence[str]]]
) -> list[Fact]:
    """The facts whose object a denied value names ("not Globex"): those with its name, else those it calls
    by a shorter name (its words the first words of the object's name or of an alias: "Globex" / "Globex
    Corporation", NER having typed the two apart). Used by a slip of the turn's own statement and by the
    writer binding a correction to an earlier turn's (:mod:`graphmem.extract.correction_targets`).

    Args:
        facts: the statements the slip may be.
        denied: the denied values' entity ids.
        names: an entity's names as word lists, its own name first (empty when unknown).
    """
    facts = list(facts)
    keys = {name_key(d) for d in denied}
    named = [f for f in facts if name_key(f.object_id) in keys]
    if named:
        return named
    said = [found[0] for found in map(names, denied) if found and found[0]]
    return [f for f in facts if any(list(n[: len(s)]) == list(s) for s in said for n in names(f.object_id))]


def _slip_of_turn(
    facts: list[Fact], entity_of: dict[int, str], speaker_id: str, value: str, denied: set[str], before: int
) -> str | None:
    """The object of the speaker's state fact the turn stated before a slip's words (at ``before``): one of
    ``denied`` when it names any, else the name said last before them when a state has it (of the value's
    kind when the turn stated states of several predicates). ``""``: the turn named something else last
    ("Say hi to Tom. Oops, I meant Maria."); ``None``: it named nothing before."""
    where: dict[str, int] = {}
    for i, e in entity_of.items():
        if i < before and e != speaker_id:
            where[name_key(e)] = max(i, where.get(name_key(e), -1))
    if not where:
        return None
    found = [
        f
        for f in facts
        if f.subject_id == speaker_id
        and is_single_valued(f.predicate)
        and name_key(f.object_id) in where
        and name_key(f.object_id) != name_key(value)
    ]
    if denied:  # "I work at Globex Corporation. Sorry, I meant Initech, not Globex.": by a shorter name too
        found = denied_statements(found, denied, lambda e: [name_key(e).split("-")])
        return max(found, key=lambda f: where[name_key(f.object_id)]).object_id if found else ""
    last = max(where, key=lambda k: where[k])
    said_last = [f for f in found if name_key(f.object_id) == last]
    if not said_last:
        return ""
    slip = said_last[0]
    if entity_type(slip.object_id) != entity_type(value):
        if len({f.predicate for f in found}) > 1:
            return ""  # "I work at Acme and live in Lisbon. Oops, I meant Globex.": which one is not said
        if any(
            entity_type(entity_of[i]) == entity_type(value) for i in where.values() if entity_of[i] != slip.object_id
        ):
            return ""  # "Tom and I work at Acme, sorry, I meant Maria.": Maria corrects Tom
    return slip.object_id


def corrections(
    doc: Any,
    event: Event,
    entity_of: dict[int, str],
    facts: Iterable[Fact],
    recorded_at: datetime,
    speaker_id: str | None = None,
) -> list[FactClosing]:
    """The corrections a parsed turn makes: one per state fact stated under a correction cue, and one per
    sentence that names only the new value (the speaker's, see the module docs).

    Args:
        doc: the parsed turn.
        event: its event (the evidence).
        entity_of: token index → entity id.
        facts: the turn's facts.
        recorded_at: when memory learned them.
        speaker_id: the speaker's entity, the subject of a correction that names only its value.
    """
    facts = list(facts)
    own = _restated_slips(doc, entity_of, facts, speaker_id)
    out = _state_corrections(doc, event, entity_of, [f for f in facts if f.id not in own], recorded_at)
    if speaker_id is None:
        return out
    for f in facts:
        if own.get(f.id):  # "I work at Globex. Sorry, I meant I work at Hooli.": stated with the value instead
            out.append(
                FactClosing(
                    namespace=event.namespace,
                    predicate=ANY_STATE,
                    recorded_at=recorded_at,
                    subject_id=speaker_id,
                    object_id=own[f.id],
                    evidence=(event.id,),
                    correction=True,
                    value=f.object_id,
                )
            )
    timed, time_slips = _restated_times(
        doc, event, entity_of, [f for f in facts if f.id not in own], recorded_at, speaker_id
    )
    # "Sorry, I meant I'm moving to Lisbon in January, not December.": the time slipped, not the value (a
    # home before Lisbon is no slip)
    out = [c for c in out if not (c.object_id is None and c.value in time_slips)]
    out.extend(timed)
    stated = {f.object_id for f in facts if is_single_valued(f.predicate)}
    for value, denied, start, after in _named_only(doc, entity_of, stated, speaker_id):
        slip = _slip_of_turn(facts, entity_of, speaker_id, value, denied, start)
        if slip == "" or (slip is None and after is not None):
            continue  # "Tell Tom, sorry, I meant Maria": the slip was no statement, or which is not said
        base = FactClosing(
            namespace=event.namespace,
            predicate=ANY_STATE,
            recorded_at=recorded_at,
            subject_id=speaker_id,
            evidence=(event.id,),
            correction=True,
            value=value,
        )
        if slip is not None:  # the slip is this turn's own statement ("I work at Acme. Oops, I meant Globex.")
            out.append(replace(base, object_id=slip))
        else:
            out.extend([replace(base, object_id=obj) for obj in sorted(denied)] or [base])
    return out


def _restated_slips(doc: Any, entity_of: dict[int, str], facts: list[Fact], speaker_id: str | None) -> dict[str, str]:
    """The speaker's state facts of the turn restating a slip the turn itself said before "I meant" ("I
    started at Globex — sorry, I meant I started at Hooli."), by id: the slip's object (the last name said
    before, or the denied one: as for a name alone, :func:`_slip_of_turn`), or ``""`` when the turn named
    something else last. Such a fact corrects nothing said before the turn."""
    out: dict[str, str] = {}
    if speaker_id is None:
        return out
    for f in facts:
        if f.subject_id != speaker_id or not is_single_valued(f.predicate):
            continue
        for sent in _sentences_naming(doc, entity_of, f.object_id):
            meant = meant_at(sent)
            if meant is None or not restates(sent, entity_of, f.object_id):
                continue
            denied = negated_entities(sent, entity_of) - {f.object_id}
            called = vocatives(sent)  # "Ben, sorry, I meant I work at Hooli.": the listener, no slip
            # "Lucky you! Sorry, I meant I'm moving to Lisbon in January.": a pronoun names no slip
            said = {
                i: e
                for i, e in entity_of.items()
                if i not in called and not is_filler(doc[i], entity_of) and doc[i].pos_ != "PRON"
            }
            slip = _slip_of_turn(facts, said, speaker_id, f.object_id, denied, meant)
            if slip is not None:
                out[f.id] = slip
    return out


def _restated_times(
    doc: Any, event: Event, entity_of: dict[int, str], facts: list[Fact], recorded_at: datetime, speaker_id: str
) -> tuple[list[FactClosing], set[str]]:
    """Corrections of a time by a clause restating the slip with its own date ("I started at Globex on 1
    March." … "Sorry, I meant I started at Globex on 4 March."): as the short "Sorry, I meant 4 March." is
    (:func:`time_correction`), a request with the new start as ``at``, limited to the restated state's object,
    so a restatement naming another value ("I meant I started at Hooli on 4 March") moves no date of Globex.
    Also the objects whose sentence denies a time ("…, not 1 March"): a slip of the time only."""
    out: list[FactClosing] = []
    time_slips: set[str] = set()
    for f in facts:
        if f.subject_id != speaker_id or not is_single_valued(f.predicate) or f.valid_from is None or not f.time_phrase:
            continue
        for sent in _sentences_naming(doc, entity_of, f.object_id):
            if meant_at(sent) is None or not restates(sent, entity_of, f.object_id):
                continue
            if negated_entities(sent, entity_of) - {f.object_id}:
                continue  # "I meant I started at Hooli on 4 March, not Globex": a slip of the value
            if any(t.lower_ == "not" and t.nbor().ent_type_ in ("DATE", "TIME") for t in sent[:-1]):
                time_slips.add(f.object_id)
            out.append(
                FactClosing(
                    namespace=event.namespace,
                    predicate=ANY_STATE,
                    recorded_at=recorded_at,
                    subject_id=speaker_id,
                    object_id=f.object_id,
                    at=f.valid_from,
                    evidence=(event.id,),
                    phrase=f.time_phrase,
                    correction=True,
                )
            )
            break
    return out, time_slips


def _state_corrections(
    doc: Any, event: Event, entity_of: dict[int, str], facts: list[Fact], recorded_at: datetime
) -> list[FactClosing]:
    """The corrections stated with a fact of the turn (see :func:`corrections`)."""
    sentences = list(doc.sents)
    opening = sentences[0] if sentences else None  # "Sorry, I meant Globex. I work at Globex."
    out: list[FactClosing] = []
    for f in facts:
        if not is_single_valued(f.predicate):
            continue
        cued = opened = False
        denied: set[str] = set()
        for sent in _sentences_naming(doc, entity_of, f.object_id):
            restated = restated_clause(sent) if restates(sent, entity_of, f.object_id) else set()
            if tells_news(sent, restated):
                cued = opened = False
                denied.clear()
                break
            k = next(n for n, s in enumerate(sentences) if s.start == sent.start)
            # a slip before the fact's sentence counts only when it opens the turn ("I was wrong. I live in
            # Berlin."), not after talk of something else ("It rained. I was wrong. …")
            # (the name after "I meant" may be typed apart from the fact's object by NER: compared by its words)
            if k == 1 and opening is not None:
                opened = opened or bare_slip(opening)
                cued = cued or meant_names(opening, entity_of, f.object_id)
            cued = cued or correction_cue(sent, entity_of, f.object_id)
            denied |= negated_entities(sent, entity_of)
        denied.discard(f.object_id)
        denied.discard(f.subject_id)
        if not cued and not denied and not opened:
            continue
        base = FactClosing(
            namespace=event.namespace,
            predicate=f.predicate,
            recorded_at=recorded_at,
            subject_id=f.subject_id,
            evidence=(event.id,),
            correction=True,
            value=f.object_id,
            near=not cued and not denied,  # only the apology opening the turn (FactClosing.near)
        )
        if denied:
            out.extend(replace(base, object_id=obj) for obj in sorted(denied))
        else:
            out.append(base)
    return out


#: Words that, before a time alone, repair the time said before it ("on Monday, sorry, Tuesday").
_APOLOGIES = words("sorry oops whoops")
#: Prepositions a repairing time may repeat ("in 2020. Sorry, I meant in 2021.").
_TIME_PREPOSITIONS = words("in on at by from since until till during around")


def _only_slip(tokens: Iterable[Any], *, cued: bool) -> bool:
    """Whether ``tokens`` hold nothing but fillers and slip words (and, with ``cued``, at least one cue:
    "I meant", "I mean", an apology, "my mistake" …)."""
    text = " ".join(t.text for t in tokens if not t.is_punct)
    cue = MEANT_WORDS.search(text) or CUE.search(text) or any(w.lower() in _APOLOGIES for w in text.split())
    rest = CUE.sub(" ", MEANT_WORDS.sub(" ", text))
    said = re.findall(r"[A-Za-z']+", rest)
    return (bool(cue) or not cued) and all(w.lower() in FILLERS or w.lower() in _TIME_PREPOSITIONS for w in said)


def _ends_sentence(span: Any) -> bool:
    """Whether nothing but punctuation and a denial ("not Monday") follows ``span`` in its sentence."""
    tail = span.doc[span.end : span.sent.end]
    return all(t.is_punct or t.lower_ == "not" or t.ent_type_ in ("DATE", "TIME") for t in tail)


def time_repairs(spans: Sequence[Any]) -> tuple[dict[int, Any], set[int]]:
    """The time phrases of a turn (spaCy spans, in text order) that repair the one said before them, and
    those a turn denies.

    A phrase repairs the phrase before it when only a slip's words and fillers stand between them ("We met
    on Monday, I mean Tuesday", "in 2020. Sorry, I meant 2021.") or its sentence is nothing but such words
    and the phrase ("I started at Acme in 2020. Oops. Sorry, I meant 2021."), and nothing follows it in its
    sentence but a denial; a phrase after a bare "not" beside another ("in 2021, not 2020") is denied.

    Returns:
        The repaired phrase's index → the phrase that repairs it (the repair is then read in its place, and
        not on its own), and the indices of the phrases to leave out (the repairs and the denied ones).
    """
    repairs: dict[int, Any] = {}
    dropped: set[int] = set()
    for k, span in enumerate(spans):
        if k == 0:
            continue
        doc, before = span.doc, spans[k - 1]
        gap = doc[before.end : span.start]
        if len(gap) and gap[-1].lower_ == "not" and _only_slip(gap[:-1], cued=False):
            dropped.add(k)  # "in 2021, not 2020": the value said is the one kept
            continue
        if not _ends_sentence(span):
            continue
        own = [t for t in span.sent if not span.start <= t.i < span.end]
        if _only_slip(gap, cued=True) or (span.sent.start > before.start and _only_slip(own, cued=True)):
            if k - 1 in dropped or k - 1 in repairs.values():
                continue
            repairs[k - 1] = span
            dropped.add(k)
    return repairs, dropped


def _slip_and_time(span: Any) -> bool:
    """Whether the sentence of the time phrase ``span`` is nothing but a slip's words and it, maybe with the
    time it denies after it ("Sorry, I meant Tuesday, not Friday.")."""
    if not _ends_sentence(span):
        return False
    # what follows the phrase is a denial (_ends_sentence): its time ("not last month") is no word of the turn's
    own = [t for t in span.sent if t.i < span.start or (t.i >= span.end and t.ent_type_ not in ("DATE", "TIME"))]
    return _only_slip(own, cued=True)


def repair_direction(span: Any, spans: Sequence[Any], told: TimeRef | None, reference: datetime | None) -> str | None:
    """Which way a time that repairs a time said before the turn points: the way the time it repairs does.

    "Let's meet next Friday." … "Sorry, I meant Tuesday, not Friday.": the slip was a day ahead, so the
    repaired day is the Tuesday ahead, not the one before; "I started at Acme on Monday." … "Sorry, I meant
    Tuesday." is the Tuesday before. ``span`` is such a repair when it is the turn's first time phrase
    (``spans``, in text order) and its sentence holds nothing but a slip's words and it (maybe the time it
    denies after it); the time it repairs is the one the session talked of last (``told``, on the speaker's
    clock, as :mod:`graphmem.extract.antecedents` finds it). Returns ``"future"`` when that time lies after
    ``reference`` (when the repair was said), ``"past"`` when it lies before it, and ``None`` (the phrase's own
    clause says: "meant" is past) when ``span`` is no such repair, there is no such time, or it holds
    ``reference``.
    """
    if not spans or spans[0] is not span or reference is None or told is None or told.start is None:
        return None
    if not _slip_and_time(span):
        return None
    end = told.end if told.end is not None and told.end > told.start else told.start
    if told.start > reference:
        return "future"
    if end <= reference:
        return "past"
    return None


def time_correction(
    doc: Any, event: Event, times: Sequence[tuple[Any, Any]], recorded_at: datetime, speaker_id: str | None
) -> FactClosing | None:
    """A correction of the time of a statement before the turn: a turn whose first sentence is nothing but a
    slip and one time phrase that resolves ("Sorry, I meant 2021.", "I mean Tuesday!"), with no time before
    it and maybe the time it denies after it ("Oops, I meant last week, not last month."); its request names
    no predicate nor value (:data:`~graphmem.models.ANY_STATE`) and carries the new start as ``at`` (bound
    when written: :mod:`graphmem.extract.correction_targets`)."""
    if speaker_id is None or not times:
        return None
    span, ref = times[0]
    if span.sent.start != 0 or getattr(ref, "start", None) is None or not _slip_and_time(span):
        return None
    return FactClosing(
        namespace=event.namespace,
        predicate=ANY_STATE,
        recorded_at=recorded_at,
        subject_id=speaker_id,
        at=ref.start,
        evidence=(event.id,),
        phrase=ref.phrase,
        correction=True,
    )
