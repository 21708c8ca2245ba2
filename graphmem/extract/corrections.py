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

- a speaker owning a slip: "I meant Globex" (a name after it; not "I meant to …", "I meant it"), "I mean
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
Lisbon.", "My bad, I meant Berlin, not Munich."): it then says nothing of which state it corrects, and its
request carries :data:`~graphmem.models.ANY_STATE` for the predicate and the speaker as the subject. The
writer binds it to the speaker's state statement it means, when the turns leave no doubt, and drops it
otherwise (:mod:`graphmem.extract.correction_targets`).

A time may be the slip: a phrase repairing the one before it in the turn ("We met on Monday, I mean
Tuesday", "in 2020. Sorry, I meant 2021.") is read in its place (:func:`time_repairs`); a turn that is
only a slip and a time ("Sorry, I meant 2021.") corrects the time of the speaker's previous dated state
(:func:`time_correction`: ``at`` the new start, bound when written). Such a time points the way the time
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

_CUE = re.compile(
    r"\bI\s+misspoke\b|\bmy\s+(?:mistake|bad)\b(?!\s+for\b)|\bI\s+got\s+(?:that|it)\s+wrong\b"
    r"|\bI\s+was\s+wrong\s*(?:[.,;:!—–-]|$)|\bscratch\s+that\s*(?:[.,;:!—–-]|$)|^\W*correction\b"
    r"|\bto\s+correct\s+myself\b|\bwhat\s+I\s+meant\b",
    re.IGNORECASE,
)
#: "I meant" owns a slip when a name follows it ("I meant Globex"), not in "I meant to", "I meant it".
_MEANT = re.compile(r"\bI\s+meant\s+$", re.IGNORECASE)
#: "I mean" is a filler as often as a repair ("I mean Porto is lovely"): it owns a slip only when the name
#: after it ends the sentence, or a denied value follows ("I live in Lisbon. I mean Porto.", "I mean Porto,
#: not Lisbon").
_MEAN = re.compile(r"\bI\s+mean\s+$", re.IGNORECASE)
# adverbs that tell news, not a slip: "I work at Globex now", "not Acme anymore"
_NEWS_ADVERBS = frozenset({"now", "anymore", "nowadays", "recently", "lately"})
# verbs that tell a change: "I moved", "I started at Globex", "I left Acme"
_NEWS_VERBS = frozenset({"move", "start", "switch", "change", "leave", "quit", "join", "relocate"})
# a clause that only dates something else ("since I started my career") tells no news of its own
_DATING_MARKS = frozenset({"since", "when", "before", "after", "while", "until"})
# what is left of a bare slip naming its value once the value is taken out: "I meant", "not"
_MEANT_WORDS = re.compile(r"\bI\s+mean(?:t)?\b|\bnot\b", re.IGNORECASE)
# a denial a bare slip may word otherwise: "I meant Hooli instead of Globex"
_INSTEAD = re.compile(r"\binstead\s+of\b", re.IGNORECASE)
#: Words a bare slip may have beside its cue ("Sorry, my mistake.", "Oops, I misspoke!", "Actually, I meant
#: Globex."): interjections and discourse markers that add nothing to the slip. "Actually" is no cue on its
#: own ("Actually, I moved to Porto" is news); beside a cue it only opens the repair.
_FILLERS = words("sorry oops whoops oh ah um uh er erm hmm no wait again apologies so ok okay actually")


def _meant_names(sent: Any, entity_of: dict[int, str], target: str | None = None) -> bool:
    """Whether the sentence says "I meant <a name>" (the name of ``target``, an entity id, when given)."""
    for tok in sent:
        eid = entity_of.get(tok.i)
        if eid is None or tok.i <= sent.start or (target is not None and name_key(eid) != name_key(target)):
            continue
        before = sent.doc[sent.start : tok.i].text + " "
        if _MEANT.search(before) or (_MEAN.search(before) and _ends_repair(sent, tok.i, entity_of)):
            return True
    return False


def _restated_clause(sent: Any) -> set[int]:
    """The tokens of the clause a slip restates after "I meant" ("Sorry, I meant I started at Hooli, not
    Globex.": "I started at Hooli, not Globex"): the complement of "meant", its own subject "I" right after
    "I meant" or "I meant that"; empty when there is none ("I meant Hooli", "I meant to call you", "I meant to
    tell you I started at Hooli", "I meant Hooli is hiring", the filler "I mean, I started …")."""
    for tok in sent:
        if tok.lower_ != "meant" or tok.i <= sent.start or tok.nbor(-1).lower_ != "i":
            continue
        at = tok.i + 1 + int(tok.i + 1 < sent.end and tok.doc[tok.i + 1].lower_ == "that")
        if at >= sent.end:
            continue
        subject = tok.doc[at]
        verb = subject.head
        if subject.lower_ == "i" and subject.dep_ == "nsubj" and verb.i != tok.i and verb.head.i == tok.i:
            return {t.i for t in verb.subtree}
    return set()


def _restates(sent: Any, entity_of: dict[int, str], target: str | None = None) -> bool:
    """Whether ``sent`` restates a slip in a clause after "I meant" (:func:`_restated_clause`) naming ``target``
    (an entity id; any name when not given)."""
    return any(
        i in entity_of and (target is None or name_key(entity_of[i]) == name_key(target))
        for i in _restated_clause(sent)
    )


def _ends_repair(sent: Any, at: int, entity_of: dict[int, str]) -> bool:
    """Whether the name at token ``at`` ends ``sent`` but for punctuation and denied names ("I mean Porto.",
    "I mean Porto, not Lisbon!"): "I mean" then repairs; else it is a filler ("I mean Porto is lovely")."""
    eid = entity_of[at]
    rest = [t for t in sent.doc[at : sent.end] if entity_of.get(t.i) != eid and not t.is_punct]
    return all(t.lower_ == "not" or (t.i in entity_of and t.pos_ in ("PROPN", "NOUN")) for t in rest)


def correction_cue(sent: Any, entity_of: dict[int, str] | None = None, target: str | None = None) -> bool:
    """Whether a sentence (a spaCy span) owns a slip: "I meant Globex" (a name after it, ``target``'s when
    given; not "I meant to", "I meant it"), "I meant I work at Globex" (a clause restating the slip, naming
    ``target`` when given: :func:`_restated_clause`), "what I meant", "I misspoke", "my mistake", "my bad"
    (not "my bad for …"), "I got that wrong", "I was wrong." (not "wrong about"), "scratch that.",
    "Correction:" opening it, "to correct myself"."""
    if _CUE.search(sent.text) is not None:
        return True
    return entity_of is not None and (_meant_names(sent, entity_of, target) or _restates(sent, entity_of, target))


def tells_news(sent: Any, restated: Collection[int] = ()) -> bool:
    """Whether a sentence tells of a change, so it corrects nothing: an adverb "now", "anymore",
    "nowadays", "recently", "lately", "these days", or a verb of change ("moved", "started", "left",
    "quit", "switched", "changed", "joined") that is not inside a name, does not only date something
    else ("since I started my career") and is not among the tokens ``restated``: a clause restating a slip
    says it again with the slip's own verb ("Sorry, I meant I started at Hooli": :func:`_restated_clause`)."""
    text = sent.text.lower()
    if "these days" in text or "any more" in text:
        return True
    for tok in sent:
        if tok.ent_type_ or tok.pos_ == "PROPN":
            continue  # "New York", "Left Bank"
        if tok.lower_ in _NEWS_ADVERBS and tok.pos_ == "ADV":
            return True
        if tok.lemma_.lower() in _NEWS_VERBS and tok.pos_ == "VERB" and tok.i not in restated:
            dating = tok.dep_ == "advcl" and any(c.lower_ in _DATING_MARKS for c in tok.children)
            if not dating:
                return True
    return False


def _bare_slip(sent: Any) -> bool:
    """A sentence that is a slip and nothing else ("Sorry, my mistake.", "Scratch that.", "I was wrong.")."""
    if not correction_cue(sent):
        return False
    rest = _CUE.sub(" ", sent.text)
    return all(w.lower() in _FILLERS for w in re.findall(r"[A-Za-z']+", rest))


def negated_entities(sent: Any, entity_of: dict[int, str]) -> set[str]:
    """Entities a sentence names right after a bare "not" ("Globex, not Acme"), or after "instead of" in a
    sentence that owns a slip ("I meant I work at Hooli instead of Globex"; not the choice "I took Hooli
    instead of Globex"): the values it denies."""
    out: set[str] = set()
    if correction_cue(sent, entity_of):
        for tok in sent[:-2]:
            if tok.lower_ == "instead" and tok.nbor().lower_ == "of" and tok.i + 2 in entity_of:
                out.add(entity_of[tok.i + 2])
    for tok in sent:
        if tok.lower_ != "not" or tok.i + 1 >= sent.end:
            continue
        nxt = tok.doc[tok.i + 1]
        if tok.head.i in entity_of and tok.head.i >= tok.i:  # "not" attached to the name it precedes
            out.add(entity_of[tok.head.i])
        elif nxt.i in entity_of and nxt.pos_ in ("PROPN", "NOUN"):
            out.add(entity_of[nxt.i])
    return out


def _sentences_naming(doc: Any, entity_of: dict[int, str], entity: str) -> list[Any]:
    seen: dict[int, Any] = {}
    for i, eid in entity_of.items():
        if eid == entity:
            sent = doc[i].sent
            seen.setdefault(sent.start, sent)
    return [seen[k] for k in sorted(seen)]


def _meant_at(sent: Any) -> int | None:
    """The index of the "I" of the sentence's first "I meant" (or "I mean"), or ``None``."""
    return next((t.i for t in sent[:-1] if t.lower_ == "i" and t.nbor().lower_ in ("meant", "mean")), None)


def _named_only(
    doc: Any, entity_of: dict[int, str], stated: set[str], speaker_id: str | None
) -> list[tuple[str, set[str], int, str | None]]:
    """The corrections of the turn that name only their new value: ``(value, denied values, where the slip's
    words begin, the name the slip follows)`` per sentence, or sentence tail after a name, that is nothing
    but a slip naming one value ("Sorry, I meant Globex.", "Oops, I meant Porto!", "My bad, I meant Berlin,
    not Munich.", "Porto, not Lisbon.", "I live in Lisbon, sorry, I meant Porto."), whose value the turn
    states with no fact of its own (by name: a fact's object is read with its fact, and NER may type a bare
    name apart)."""
    out: list[tuple[str, set[str], int, str | None]] = []
    for sent in doc.sents:
        called = _vocatives(sent)
        named = {
            t.i: entity_of[t.i]
            for t in sent
            if t.i in entity_of and entity_of[t.i] != speaker_id and t.i not in called and not _filler(t, entity_of)
        }
        meant = _meant_at(sent)
        start, after = sent.start, None
        if meant is not None and any(i < meant for i in named):  # "I live in Lisbon, sorry, I meant Porto."
            last = max(i for i in named if i < meant)
            start, after = last + 1, named[last]
            while start < meant and doc[start].ent_type_ in ("DATE", "TIME"):
                start += 1  # the slip's own time: "I started at Globex last month — sorry, I mean Hooli."
        part = doc[start : sent.end]
        denied = negated_entities(part, entity_of)
        values = {e for i, e in named.items() if i >= start and e not in denied}
        if len(values) != 1 or not (denied or meant is not None):
            continue
        rest = " ".join(t.text for t in part if t.i not in named and t.i not in called and not t.is_punct)
        rest = _INSTEAD.sub(" ", _MEANT_WORDS.sub(" ", _CUE.sub(" ", rest)))
        if any(w.lower() not in _FILLERS for w in re.findall(r"[A-Za-z']+", rest)):
            continue  # more than a slip: "When I said the boss, I meant Sarah", "I meant Tom, not you"
        [value] = values
        if name_key(value) not in {name_key(e) for e in stated}:
            out.append((value, denied, start, after))
    return out


def _filler(token: Any, entity_of: dict[int, str]) -> bool:
    """Whether ``token`` is a filler that NER took for a name on its own ("Sorry" of "Sorry, Porto, not
    Lisbon.")."""
    if token.lower_ not in _FILLERS:
        return False
    eid = entity_of[token.i]
    return not any(entity_of.get(i) == eid for i in (token.i - 1, token.i + 1))


def _vocatives(sent: Any) -> set[int]:
    """The tokens of a person addressed at the start of ``sent``, set off by a comma after nothing but
    fillers ("Ben, sorry, I meant Porto.", "Sorry Ben, I meant Porto.", "Oh, Ben, ..."): the listener,
    no value of the slip. A name the comma sets off before a denial is the value ("Sorry, Porto, not
    Lisbon.")."""
    out: set[int] = set()
    tokens = list(sent)
    for k, token in enumerate(tokens):
        if token.is_punct:
            continue
        if token.ent_type_ != "PERSON" or token.pos_ != "PROPN":
            if token.lower_ in _FILLERS:
                continue
            break
        end = k
        while end + 1 < len(tokens) and tokens[end + 1].ent_type_ == "PERSON" and tokens[end + 1].ent_iob_ == "I":
            end += 1
        denied = end + 2 < len(tokens) and tokens[end + 2].lower_ == "not"  # "Sorry, Porto, not Lisbon.": the value
        if (
            end + 1 < len(tokens)
            and tokens[end + 1].text == ","
            and all(t.pos_ == "PROPN" for t in tokens[k : end + 1])
            and not denied
        ):
            out.update(t.i for t in tokens[k : end + 1])
        break
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
            meant = _meant_at(sent)
            if meant is None or not _restates(sent, entity_of, f.object_id):
                continue
            denied = negated_entities(sent, entity_of) - {f.object_id}
            called = _vocatives(sent)  # "Ben, sorry, I meant I work at Hooli.": the listener, no slip
            said = {i: e for i, e in entity_of.items() if i not in called and not _filler(doc[i], entity_of)}
            slip = _slip_of_turn(facts, said, speaker_id, f.object_id, denied, meant)
            if slip is not None:
                out[f.id] = slip
    return out


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
            restated = _restated_clause(sent) if _restates(sent, entity_of, f.object_id) else set()
            if tells_news(sent, restated):
                cued = opened = False
                denied.clear()
                break
            k = next(n for n, s in enumerate(sentences) if s.start == sent.start)
            # a slip before the fact's sentence counts only when it opens the turn ("I was wrong. I live in
            # Berlin."), not after talk of something else ("It rained. I was wrong. …")
            # (the name after "I meant" may be typed apart from the fact's object by NER: compared by its words)
            if k == 1 and opening is not None:
                opened = opened or _bare_slip(opening)
                cued = cued or _meant_names(opening, entity_of, f.object_id)
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
    cue = _MEANT_WORDS.search(text) or _CUE.search(text) or any(w.lower() in _APOLOGIES for w in text.split())
    rest = _CUE.sub(" ", _MEANT_WORDS.sub(" ", text))
    said = re.findall(r"[A-Za-z']+", rest)
    return (bool(cue) or not cued) and all(w.lower() in _FILLERS or w.lower() in _TIME_PREPOSITIONS for w in said)


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
