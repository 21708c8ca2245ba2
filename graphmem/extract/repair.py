"""Tagger repairs: a few mistakes of the small English model that lose facts, put right before the stages
read the parse.

``en_core_web_sm`` tags some words by their commoner reading where the sentence wants the other:

- **a participle taken for an adjective**: "I'm married to Omar", "I got married to Omar in 2019", "I'm
  divorced" come out as a copula with an adjective complement (``'m`` ROOT, ``married`` ADJ ``acomp``),
  where "I've been married to Omar" comes out as a passive (``married`` VERB ``VBN`` ROOT with an
  ``auxpass`` and an ``nsubjpass``). The complement of *be* or *get* that is a participle of
  :data:`PARTICIPLES` ("married" followed by "to", "divorced", "separated"; also when it is tagged a verb
  already, as in "I got divorced") is made that passive: the participle takes the copula's place in the
  tree, the copula becomes its ``auxpass`` and the subject its ``nsubjpass``, so the facts stage reads
  ``be_marry_to`` (``married_to``) and ``be_divorce`` (an ending of it) as it does for the parser's own
  passives;
- **a verb taken for a noun**: "u work at Acme", "both of us work at Acme" tag ``work`` a noun although
  the parser gives it the subject ("u", "both"), and "I live in Lisbon and work at Acme" tags the second
  verb of the coordination a noun: a noun ``work`` with a nominal subject, or joined to a verb with "at"
  or "for" after it and no determiner or possessive, is the verb (``VBP``);
- **an apposition taken for a second subject**: "My boyfriend Tom lives in Porto" gives the verb two
  subjects, ``boyfriend`` and ``Tom``, where "My sister Inês lives in Porto" makes ``Inês`` an apposition
  of ``sister``; "My husband Tom passed away" hangs ``Tom`` on the verb as an adverb (``npadvmod``). A
  possessed common noun subject followed at once by a proper name (not a date) that is another subject or
  such an adverb of the same verb is made that apposition (the name hangs from the noun as ``appos``), so
  "my boyfriend Tom" is Tom as in the other sentences;
- **a name taken for a verb**: "Sorry, Leeds not Bristol." tags ``Leeds`` a verb (``VBZ``, as if "leads"),
  where "Sorry, Leeds, not Bristol." has the proper noun. A word tagged a verb that is capitalised where a
  capital says a name (not as its sentence's first word), with no subject, auxiliary or object of its own (but
  the name set against it, which the parser may make its object: "Sorry, Reading not London"), set
  against a name by "not" right after it ("<word> not <Name>") is a name as the one it is set against: the
  two sides of a bare "not" are of one kind. It becomes a proper noun (``NNP``, its text its lemma), the
  object of a preposition where it hung from one as a clause, and takes the entity type NER gave the name
  it is set against ("Bristol" a place: "Leeds" one too, not NER's product or a name of no type).

- **a denied time taken for a denied verb**: "I'm moving to Lisbon in February, not January." hangs ``not``
  on the verb (``neg`` of "moving": the move denied, no fact), where "… in January, not December." hangs
  it on the date it denies. A ``not`` right after a comma or a time, with a time (a ``DATE`` or ``TIME``
  entity) right after it, is the negation of that time: it hangs from the time's head word.

Only the tags, lemmas and the arcs named above change, and the entity of a name taken for a verb; the tokens
and sentences stay.
:func:`repair` is idempotent (a repaired doc is marked), so every stage may call it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PARTICIPLES", "repair"]

#: Participles read as adjectives after "be"/"get" → their verb's lemma, and whether "to" must follow.
PARTICIPLES: dict[str, tuple[str, bool]] = {
    "married": ("marry", True),  # "I'm married" alone states no one: only "married to" is repaired
    "divorced": ("divorce", False),  # "I got divorced", "we're divorced": an ending
    "separated": ("separate", False),
}
_COPULAS = frozenset({"be", "get"})
_MARK = "graphmem_repaired"


def repair(doc: Any) -> Any:
    """Put right the tagger's mistakes of the module docs in ``doc`` (once; the doc is returned)."""
    if doc.user_data.get(_MARK):
        return doc
    doc.user_data[_MARK] = True
    if not doc.has_annotation("DEP"):
        return doc
    for tok in doc:
        lower = tok.lower_
        if lower in PARTICIPLES:
            _passive(tok, *PARTICIPLES[lower])
        elif lower == "work" and tok.pos_ == "NOUN" and (_has_subject(tok) or _second_verb(tok)):
            tok.pos_, tok.tag_, tok.lemma_ = "VERB", "VBP", "work"
    for tok in doc:
        _named_subject(tok)
        _contrasted_name(tok)
        _denied_time(tok)
    return doc


def _has_subject(tok: Any) -> bool:
    return any(c.dep_ == "nsubj" for c in tok.children)


def _second_verb(tok: Any) -> bool:
    """Whether a noun ``work`` is the second verb of a coordination ("I live in Lisbon and work at Acme"):
    joined to a verb, with "at"/"for" after it and no determiner, possessive or modifier of a noun ("I love
    my family and my work at the hospital" joins it to a noun)."""
    return (
        tok.dep_ == "conj"
        and tok.head.pos_ == "VERB"
        and not any(c.dep_ in ("det", "poss", "amod", "compound") for c in tok.children)
        and any(c.dep_ == "prep" and c.lower_ in ("at", "for") for c in tok.children)
    )


def _named_subject(role: Any) -> None:
    """Make the name after ``role`` ("my boyfriend" + "Tom", both subjects of one verb, or "Tom" an adverb of
    the verb) its apposition."""
    if role.dep_ != "nsubj" or role.pos_ != "NOUN" or not any(c.dep_ == "poss" for c in role.children):
        return
    for name in role.head.children:
        if (
            name.dep_ in ("nsubj", "npadvmod")
            and name.i > role.i
            and name.pos_ == "PROPN"
            and name.left_edge.i == role.i + 1
            and name.ent_type_ not in ("DATE", "TIME")
        ):
            name.head, name.dep_ = role, "appos"
            return


def _contrasted_name(tok: Any) -> None:
    """Make a capitalised word tagged a verb, set against a name by "not" right after it, that proper noun
    (see the module docs)."""
    if tok.pos_ != "VERB" or not tok.is_title or tok.is_sent_start or tok.i + 2 >= len(tok.doc):
        return
    negation, other = tok.doc[tok.i + 1], tok.doc[tok.i + 2]
    if negation.lower_ != "not" or other.pos_ != "PROPN" or not other.is_title or other.sent != tok.sent:
        return
    if tok.doc[tok.i - 1].is_sent_start and tok.doc[tok.i - 1].is_punct:
        return  # '"Leads not Bristol': the first word of the sentence but for a quote or a dash
    if any(c.dep_ in _CLAUSE_DEPS and c.i != other.i for c in tok.children):
        return  # the verb of a clause of its own ("Sorry, Reading not London": the name set against, its object)
    tok.pos_, tok.tag_, tok.lemma_ = "PROPN", "NNP", tok.text
    if tok.dep_ == "pcomp":
        tok.dep_ = "pobj"  # "I live in Reading not Bristol": the object of "in"
    if other.ent_type_ and tok.ent_type_ != other.ent_type_:
        _retype(tok, other.ent_type_)  # "Leeds" NER's product or nothing, "Bristol" a place: Leeds a place


def _denied_time(tok: Any) -> None:
    """Hang a ``not`` set before a time (", not January") from that time, not from the verb (module docs)."""
    doc = tok.doc
    if tok.lower_ != "not" or tok.dep_ != "neg" or tok.i == 0 or tok.i + 1 >= len(doc):
        return
    before, after = doc[tok.i - 1], doc[tok.i + 1]
    if after.ent_type_ not in _TIMES or after.ent_iob_ != "B" or after.sent != tok.sent:
        return
    if before.text != "," and before.ent_type_ not in _TIMES:
        return
    span = next(e for e in doc.ents if e.start == after.i)
    if span.root.i != tok.i and tok.head.i != span.root.i:
        tok.head = span.root


#: The entity labels of a time.
_TIMES = ("DATE", "TIME")


def _retype(tok: Any, label: str) -> None:
    """Make ``tok`` an entity of its own labelled ``label``, dropping any entity that held it."""
    from spacy.tokens import Span

    doc = tok.doc
    kept = [e for e in doc.ents if not e.start <= tok.i < e.end]
    doc.ents = sorted([*kept, Span(doc, tok.i, tok.i + 1, label=label)], key=lambda e: e.start)


#: Dependents that make a word a verb of a clause of its own.
_CLAUSE_DEPS = frozenset({"nsubj", "nsubjpass", "aux", "auxpass", "dobj", "ccomp", "xcomp"})


def _passive(tok: Any, lemma: str, needs_to: bool) -> None:
    """Make ``tok``, the participle complement of "be"/"get", the passive verb of its clause."""
    copula = tok.head
    if tok.dep_ != "acomp" or copula.i == tok.i or copula.lemma_.lower() not in _COPULAS:
        return
    if needs_to and not any(c.dep_ == "prep" and c.lower_ == "to" for c in tok.children):
        return
    tok.pos_, tok.tag_, tok.lemma_ = "VERB", "VBN", lemma
    if copula.dep_ == "ROOT" or copula.head.i == copula.i:
        tok.head, tok.dep_ = tok, "ROOT"
    else:
        tok.head, tok.dep_ = copula.head, copula.dep_
    copula.head, copula.dep_, copula.pos_ = tok, "auxpass", "AUX"
    for child in list(copula.children):
        child.head = tok
        if child.dep_ == "nsubj":
            child.dep_ = "nsubjpass"
