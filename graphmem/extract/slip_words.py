"""The words that own a slip, deny a value or tell news: the cues :mod:`graphmem.extract.corrections` reads.

A sentence (a spaCy span) owns a slip when its speaker says they misspoke ("I meant Globex", "I misspoke",
"scratch that." …: :func:`correction_cue`), denies a value by name ("Globex, not Acme":
:func:`negated_entities`), or tells news, which no cue overrides ("now", "I moved": :func:`tells_news`).
The rules, with their examples and look-alikes, are listed in docs/extraction.md (§6, *Corrections are not
changes*).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from graphmem.extract.names import entity_id, name_key, words

__all__ = [
    "CUE",
    "FILLERS",
    "GLUE",
    "INSTEAD",
    "MEANT_WORDS",
    "bare_slip",
    "correction_cue",
    "is_filler",
    "meant_at",
    "meant_names",
    "negated_entities",
    "repair_words",
    "restated_clause",
    "restates",
    "said_before",
    "tells_news",
    "unnamed_denials",
    "vocatives",
]

CUE = re.compile(
    r"\bI\s+misspoke\b|\bmy\s+(?:mistake|bad)\b(?!\s+for\b)|\bI\s+got\s+(?:that|it)\s+wrong\b"
    r"|\bI\s+was\s+wrong\s*(?:[.,;:!—–-]|$)|\bscratch\s+that\s*(?:[.,;:!—–-]|$)|^\W*correction\b"
    r"|\bto\s+correct\s+myself\b|\bwhat\s+I\s+meant\b",
    re.IGNORECASE,
)
#: "I meant" owns a slip when a name follows it ("I meant Globex", "I meant to say Globex"), not in "I meant
#: to", "I meant it", "I meant to say thank you".
_MEANT = re.compile(r"\bI\s+meant\s+(?:to\s+say\s+)?$", re.IGNORECASE)
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
# what is left of a bare slip naming its value once the value is taken out: "I meant", "I meant to say",
# "not", "make that" ("Actually, make that Hooli.", "in July, make that August")
MEANT_WORDS = re.compile(r"\bI\s+mean(?:t)?(?:\s+to\s+say)?\b|\bnot\b|\bmake\s+that\b", re.IGNORECASE)
#: Words a slip naming only its value may have between its cue and the value: "I misspoke, it's Hooli.",
#: "I said Paris but I meant Lyon." ("I said" before the denied name is taken out with the name).
GLUE = re.compile(r"\bit\s*['’]s\b|\bit\s+is\b|\bbut\b", re.IGNORECASE)
# a denial a bare slip may word otherwise: "I meant Hooli instead of Globex"
INSTEAD = re.compile(r"\binstead\s+of\b", re.IGNORECASE)
#: Words a bare slip may have beside its cue ("Sorry, my mistake.", "Oops, I misspoke!", "Actually, I meant
#: Globex."): interjections and discourse markers that add nothing to the slip. "Actually" is no cue on its
#: own ("Actually, I moved to Porto" is news); beside a cue it only opens the repair.
FILLERS = words("sorry oops whoops oh ah um uh er erm hmm no wait again apologies so ok okay actually")


def meant_names(sent: Any, entity_of: dict[int, str], target: str | None = None) -> bool:
    """Whether the sentence says "I meant <a name>" (the name of ``target``, an entity id, when given)."""
    for tok in sent:
        eid = entity_of.get(tok.i)
        if eid is None or tok.i <= sent.start or (target is not None and name_key(eid) != name_key(target)):
            continue
        before = sent.doc[sent.start : tok.i].text + " "
        if _MEANT.search(before) or (_MEAN.search(before) and _ends_repair(sent, tok.i, entity_of)):
            return True
    return False


def restated_clause(sent: Any) -> set[int]:
    """The tokens of the clause a slip restates after "I meant" ("Sorry, I meant I started at Hooli, not
    Globex.": "I started at Hooli, not Globex"): the complement of "meant" (or of "say" in "I meant to say"),
    its own subject "I" right after "I meant", "I meant to say", perhaps with "that"; empty when there is none
    ("I meant Hooli", "I meant to call you", "I meant to tell you I started at Hooli", "I meant Hooli is
    hiring", the filler "I mean, I started …")."""
    doc = sent.doc
    for tok in sent:
        if tok.lower_ != "meant" or tok.i <= sent.start or tok.nbor(-1).lower_ != "i":
            continue
        head, at = tok, tok.i + 1
        if at + 1 < sent.end and doc[at].lower_ == "to" and doc[at + 1].lower_ == "say" and doc[at + 1].head.i == tok.i:
            head, at = doc[at + 1], at + 2
        at += int(at < sent.end and doc[at].lower_ == "that")
        if at >= sent.end:
            continue
        subject = doc[at]
        verb = subject.head
        if subject.lower_ == "i" and subject.dep_ == "nsubj" and verb.i != head.i and verb.head.i == head.i:
            return {t.i for t in verb.subtree}
    return set()


def restates(sent: Any, entity_of: dict[int, str], target: str | None = None) -> bool:
    """Whether ``sent`` restates a slip in a clause after "I meant" (:func:`restated_clause`) naming ``target``
    (an entity id; any name when not given)."""
    return any(
        i in entity_of and (target is None or name_key(entity_of[i]) == name_key(target)) for i in restated_clause(sent)
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
    ``target`` when given: :func:`restated_clause`), "what I meant", "I misspoke", "my mistake", "my bad"
    (not "my bad for …"), "I got that wrong", "I was wrong." (not "wrong about"), "scratch that.",
    "Correction:" opening it, "to correct myself"."""
    if CUE.search(sent.text) is not None:
        return True
    return entity_of is not None and (meant_names(sent, entity_of, target) or restates(sent, entity_of, target))


def tells_news(sent: Any, restated: Collection[int] = ()) -> bool:
    """Whether a sentence tells of a change, so it corrects nothing: an adverb "now", "anymore",
    "nowadays", "recently", "lately", "these days", or a verb of change ("moved", "started", "left",
    "quit", "switched", "changed", "joined") that is not inside a name, does not only date something
    else ("since I started my career") and is not among the tokens ``restated``: a clause restating a slip
    says it again with the slip's own verb ("Sorry, I meant I started at Hooli": :func:`restated_clause`)."""
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


def bare_slip(sent: Any) -> bool:
    """A sentence that is a slip and nothing else ("Sorry, my mistake.", "Scratch that.", "I was wrong.")."""
    if not correction_cue(sent):
        return False
    rest = CUE.sub(" ", sent.text)
    return all(w.lower() in FILLERS for w in re.findall(r"[A-Za-z']+", rest))


def negated_entities(sent: Any, entity_of: dict[int, str]) -> set[str]:
    """Entities a sentence names right after a bare "not" ("Globex, not Acme"), after "instead of" in a
    sentence that owns a slip ("I meant I work at Hooli instead of Globex"; not the choice "I took Hooli
    instead of Globex"), or after "I said" right before "I meant" ("I said Paris but I meant Lyon.":
    :func:`said_before`): the values it denies."""
    out: set[str] = set()
    said = said_before(sent, entity_of)
    if said is not None:
        out.add(said[1])
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


def meant_at(sent: Any) -> int | None:
    """The index of the "I" of the sentence's first "I meant" (or "I mean"), or ``None``."""
    return next((t.i for t in sent[:-1] if t.lower_ == "i" and t.nbor().lower_ in ("meant", "mean")), None)


def said_before(sent: Any, entity_of: dict[int, str]) -> tuple[int, str] | None:
    """Where "I said <a name>" begins and the name's entity, when it stands right before the sentence's "I
    meant" but for punctuation and "but", with nothing before it in its own sentence but fillers ("I said Paris
    but I meant Lyon.", "Sorry, I said Paris, I meant Lyon."; the parser may end a sentence after the name, so
    it is looked for before ``sent`` too; not "When I said Tom, I meant Tom Smith")."""
    meant = meant_at(sent)
    if meant is None:
        return None
    doc = sent.doc
    end = meant - 1
    while end >= 0 and (doc[end].is_punct or doc[end].lower_ == "but"):
        end -= 1
    if end < 0 or end not in entity_of:
        return None
    eid, begin = entity_of[end], end
    while begin - 1 >= 0 and entity_of.get(begin - 1) == eid:
        begin -= 1
    at = begin - 2
    if at < 0 or doc[at].lower_ != "i" or doc[at + 1].lower_ != "said":
        return None
    opening = doc[doc[at].sent.start : at]
    if any(not t.is_punct and t.lower_ not in FILLERS for t in opening):
        return None
    return at, eid


#: What opens a repair that names only its value, besides "I meant" and "I mean" (:func:`repair_words`):
#: "make that Hooli", "scratch that, Hooli", "Correction: Hooli" (opening the sentence), "I misspoke, it's
#: Hooli" (not "I misspoke, Tom.", which addresses the listener). Other apologies ("my bad, Tom") are no
#: lead: a name after them is as likely the listener's.
_LEADS: tuple[tuple[str, ...], ...] = (
    ("make", "that"),
    ("scratch", "that"),
    ("i", "misspoke", ",", "it", "'s"),
    ("i", "misspoke", ",", "it", "’s"),
    ("i", "misspoke", ",", "it", "is"),
    ("i", "misspoke", "it", "'s"),
    ("i", "misspoke", "it", "is"),
)


def repair_words(sent: Any) -> list[int]:
    """The tokens of ``sent`` that open a repair naming only its value, in order: "I meant"/"I mean", "I meant
    to say" (:func:`meant_at`), "make that", "scratch that", "Correction" opening the sentence but for fillers and
    followed by punctuation, "I misspoke, it's"; empty when there are none. NER may take such a word for a
    name ("Scratch"): it is none."""
    found: set[int] = set()
    meant = meant_at(sent)
    if meant is not None:
        found.update((meant, meant + 1))
        if [t.lower_ for t in sent.doc[meant + 2 : meant + 4]] == ["to", "say"]:
            found.update((meant + 2, meant + 3))
    lowers = [t.lower_ for t in sent]
    for k in range(len(lowers)):
        for lead in _LEADS:
            if tuple(lowers[k : k + len(lead)]) == lead:
                found.update(range(sent.start + k, sent.start + k + len(lead)))
    first = next((t for t in sent if not t.is_punct and t.lower_ not in FILLERS), None)
    if first is not None and first.lower_ == "correction" and first.i + 1 < sent.end and first.nbor().is_punct:
        found.add(first.i)
    return sorted(found)


def unnamed_denials(sent: Any, entity_of: dict[int, str]) -> dict[int, str]:
    """Names NER did not mark that ``sent`` denies after a bare "not" ("Not Globex, I meant Hooli."): each
    token of such a run of proper nouns → an id of the name (of no known type, ``ent:thing:…``), matched by
    name to what the speaker stated (:func:`graphmem.extract.corrections.denied_statements`)."""
    out: dict[int, str] = {}
    doc = sent.doc
    for tok in sent:
        if tok.lower_ != "not" or tok.i + 1 >= sent.end:
            continue
        run = []
        for nxt in doc[tok.i + 1 : sent.end]:
            if nxt.i in entity_of or nxt.pos_ != "PROPN" or not nxt.text[:1].isupper():
                break
            run.append(nxt)
        if run:
            eid = entity_id("Thing", " ".join(t.text for t in run))
            out.update((t.i, eid) for t in run)
    return out


def is_filler(token: Any, entity_of: dict[int, str]) -> bool:
    """Whether ``token`` is a filler that NER took for a name on its own ("Sorry" of "Sorry, Porto, not
    Lisbon.")."""
    if token.lower_ not in FILLERS:
        return False
    eid = entity_of[token.i]
    return not any(entity_of.get(i) == eid for i in (token.i - 1, token.i + 1))


def vocatives(sent: Any) -> set[int]:
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
            if token.lower_ in FILLERS:
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
