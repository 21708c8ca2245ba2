"""Organisation names: a firm told by its name's last word or by the job it is the place of.

NER often takes a firm's name for a person's ("Fernwood Labs"), an event's ("Northwind Games") or a
product's ("Globex"). Two things say it is an organisation, whatever NER guessed:

- the name (two words or more) ends in a word firms' names end in (:data:`FIRM_WORDS`: "Labs", "Inc",
  "Ltd", "Group", "Studios", "Bank" ...). That holds wherever the name stands, unless NER took it for a
  title ("Hunger Games"), a reading of its own, or for a place and the word may end a place's name too
  ("the West Bank", but not "Globex Corporation");
- the name is where a job is held, begun or ended (:func:`employer_name`): the object of "work at/for"
  or "intern at", of "at" after a job noun ("my job at Tesco", "a new position at Kestrel"), or of "join",
  "quit", "leave" when it ends in a firm's word or a line of business ("joined Northwind Games", where
  "Games" alone would not say so: "the Olympic Games").
"""

from __future__ import annotations

from typing import Any

from graphmem.extract.lexicon import OFFICES
from graphmem.extract.names import words

__all__ = ["FIRM_WORDS", "JOB_NOUNS", "employer_name", "firm_name", "firm_word_name", "office_title"]

#: Last words that make a name an organisation's ("Contoso Labs", "Acme Inc", "Harbor Bank").
FIRM_WORDS = words(
    """
    labs lab inc corp corporation co company ltd llc plc gmbh group holdings systems solutions technologies
    analytics industries partners studios studio consulting bank pharma ventures software networks
    enterprises associates logistics
    """
)
#: Last words of a line of business: a firm's name only where a job is held or joined there ("joined
#: Northwind Games"; "the Olympic Games", "Harper Press" said alone may be an event or a title).
_TRADE_WORDS = words("games media records press foods motors entertainment publishing")
#: Nouns naming a job, for "I got a job at X" and "I quit my job at X".
JOB_NOUNS = words("job position role post internship placement apprenticeship residency contract")
#: Verbs whose "at" (or "for", for a firm's name) names an employer ("work at", "intern at", "work for").
_EMPLOYED = words("work intern")
#: Verbs whose object, a name of a firm or a trade, is one's employer ("joined", "quit", "left").
_JOINED_OR_LEFT = words("join quit leave")
#: NER types a firm's name is wrongly given; a place or a title is a reading of its own.
_GUESSED = frozenset({"Person", "Product", "Occasion"})
#: Firms' words no place's name ends in: a name NER took for a place that ends in one is a firm's too
#: ("Globex Corporation" a facility; not "the West Bank", "Pinewood Studios").
_NO_PLACE = FIRM_WORDS - words("bank lab labs studio studios company co")


#: NER labels of what an office is of ("the Mayor of Leeds", "the Minister of the Interior", "the CEO of Acme").
_DOMAINS = frozenset({"GPE", "LOC", "FAC", "ORG", "NORP"})


def office_title(tok: Any) -> bool:
    """Whether ``tok`` heads the title of an office, held by a person: a capitalised proper noun NER named no part
    of, with a determiner, whose "of" takes a name NER gave (a place, a firm, a body): "the Minister of the
    Interior", "the Mayor of Leeds", "the CEO of Acme". NER names an institution of that shape whole ("the
    Bank of England", "the University of Leeds"), but not always ("the Port of Seattle"), so the head must be
    an office's noun (:data:`~graphmem.extract.lexicon.OFFICES`)."""
    if tok.pos_ != "PROPN" or not tok.text[:1].isupper() or tok.ent_type_:
        return False
    if tok.lower_ not in OFFICES and tok.lemma_.lower() not in OFFICES:
        return False
    if not any(c.dep_ == "det" for c in tok.children):
        return False
    return any(
        prep.dep_ == "prep"
        and prep.lower_ == "of"
        and any(o.dep_ == "pobj" and o.ent_type_ in _DOMAINS for o in prep.children)
        for prep in tok.children
    )


def _proper_words(ent: Any) -> list[Any]:
    return [t for t in ent if t.tag_ in ("NNP", "NNPS") and t.text[:1].isupper()]


def firm_name(ent: Any, type_: str) -> bool:
    """Whether the NER span ``ent``, typed ``type_``, is an organisation's name all the same (see the module
    docs): its last word a firm's ("Fernwood Labs" typed a person), or the name said as an employer
    (:func:`employer_name`)."""
    if type_ not in _GUESSED and type_ not in ("Work", "Place"):
        return False
    named = _proper_words(ent)
    last = ent[-1]
    firms = FIRM_WORDS if type_ in _GUESSED else _NO_PLACE if type_ == "Place" else frozenset()
    if len(named) >= 2 and last.i == named[-1].i and last.lower_ in firms:
        return True
    if type_ == "Place":
        return False
    return employer_name(ent.root, type_, several=len(named) >= 2)


def firm_word_name(name: str, type_: str | None) -> bool:
    """Whether the entity ``name`` (two words or more), typed ``type_``, ends in a firm's word ("Fernwood Labs",
    "Acme Inc"); of a place, only in one no place's name ends in ("Globex Corporation", not "the West Bank")."""
    named = name.lower().replace("-", " ").split()
    if len(named) < 2:
        return False
    return named[-1] in (_NO_PLACE if type_ == "Place" else FIRM_WORDS)


def employer_name(tok: Any, type_: str, *, several: bool = False) -> bool:
    """Whether the name whose root is ``tok`` is said as an employer: the object of "at" after "work",
    "intern" or a job noun ("I work at Globex", "my new job at Fernwood"), of "for" after "work" when it is
    no person's name (a product, or a name ending in a firm's word: "I work for Contoso Labs", not "I work
    for Sarah"), or of "join", "quit", "leave" when the name (``several`` words) ends in a firm's word or a
    trade's ("I joined Northwind Games")."""
    if tok.dep_ == "conj":
        tok = tok.head  # "I work at Initech and Contoso Labs"
    firm = tok.lower_ in FIRM_WORDS or (several and tok.lower_ in _TRADE_WORDS)
    if tok.dep_ == "dobj":
        return _joined_or_left(tok, type_, several=several)
    prep = tok.head
    if tok.dep_ != "pobj" or prep.dep_ != "prep" or any(c.dep_ == "case" for c in tok.children):
        return False
    held = prep.head
    if held.pos_ == "NOUN" and held.lemma_.lower() in JOB_NOUNS:
        return prep.lower_ == "at" and type_ != "Work"
    if held.pos_ != "VERB" or held.lemma_.lower() not in _EMPLOYED or type_ not in ("Person", "Product"):
        return False
    if prep.lower_ == "at":
        return True
    return prep.lower_ == "for" and (type_ == "Product" or firm)


def _joined_or_left(tok: Any, type_: str, *, several: bool) -> bool:
    """Whether the name whose root ``tok`` is the object of "join", "quit" or "leave" is a firm's: its last word
    a firm's ("I quit Fernwood Labs"), or a trade's when it is joined ("I joined Northwind Games"). One may
    quit or leave a title as well as a firm ("I quit the Hunger Games": a film series), and NER's title
    ("Work") is taken at its word unless it is joined as a role ("I joined Harper Press as an editor")."""
    verb = tok.head
    lemma = verb.lemma_.lower()
    if lemma not in _JOINED_OR_LEFT:
        return False
    if lemma == "join" and type_ != "Person" and _as_a_role(verb):
        return True
    if not several:
        return False
    if tok.lower_ in FIRM_WORDS:
        return True
    return tok.lower_ in _TRADE_WORDS and lemma == "join" and type_ != "Work"


def _as_a_role(verb: Any) -> bool:
    """Whether ``verb`` has "as" with a common noun ("joined X as an editor"): a role taken at a firm."""
    return any(
        c.dep_ == "prep" and c.lower_ == "as" and any(o.dep_ == "pobj" and o.pos_ == "NOUN" for o in c.children)
        for c in verb.children
    )
