"""Losses undone in the turn that tells them: "Pepper ran away yesterday, we found her this morning."

Some endings are losses that can be reversed: what ran away, went missing or got lost can come back or
be found. When a later clause of the same turn tells the reversal, of the same referent, the loss ended
nothing and its closing is dropped (:func:`undone_losses`, applied by
:func:`graphmem.extract.facts.build_facts`). A reversal is

- the lost one as the subject of a verb of coming back ("she came back", "Pepper came home", "he
  returned", "she turned up", "she's back home", "she reappeared") or of the passive of a verb of
  finding ("she was found", "he was brought home");
- or the object of a verb of finding or bringing back ("we found her", "a neighbour brought him
  back", "we got her back", "we tracked him down").

The lost one is the subject of an intransitive loss ("Pepper ran away", "Pepper got lost") and the object
of a transitive one ("we lost Pepper"); a reversal names it by the same entity, or by a third-person
pronoun (one of the number of what was lost) that names no other entity. A reversal must be told as
done: not negated ("Pepper ran away and never came back", "we haven't found her"), not a question, a
possibility, a wish or a plan ("we hope she comes back", "we tried to find her", "she'll turn up"), and
not a finding of a death ("we found him dead"). A death is no loss that can be undone ("Rex died, we found
him in the garden" still ends the pet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphmem.extract.lexicon import REVERSIBLE_LOSSES
from graphmem.extract.names import name_key, words
from graphmem.extract.readings import base_predicate
from graphmem.extract.telling import hypothetical, is_question, told_ahead, told_as_past

__all__ = ["undone_losses"]
# Verbs of coming back whose subject is the one returning, said with "back" or "home" ("came back", "is home")
_ARRIVING = words("come get be wander walk run fly make head")
# Verbs of coming back by themselves ("he returned", "she turned up": with their particle)
_RETURNING = words("return reappear resurface turn_up show_up pop_up")
# Verbs whose object (or passive subject) is the lost one recovered ("we found her", "she was found")
_FINDING = words("find recover rescue locate retrieve track_down")
# Verbs whose object is recovered when said with "back" or "home" ("we got her back", "brought him home")
_BRINGING = words("get bring fetch")
_BACK = words("back home")
# Verbs whose clausal complement is hoped, awaited or doubted, not told as so ("we hope she comes back")
_WISHING = words("hope wish pray want wait expect doubt wonder pretend dream imagine")
# Complements of a state found ("we found him dead", "found it hard"): no recovery
_PREDICATIVE = frozenset({"oprd", "acomp", "ccomp", "xcomp"})
_SINGULAR = words("she her he him it")
_PLURAL = words("they them")
_SUBJECT_DEPS = ("nsubj", "nsubjpass")


def undone_losses(verbs: Iterable[Any], entity_of: Mapping[int, str]) -> set[int]:
    """The positions of the loss verbs among ``verbs`` whose loss a later clause of the same turn undoes.

    Args:
        verbs: the verbs of the parsed turn.
        entity_of: token index → entity id, from stage 2.
    """
    verbs = list(verbs)
    out: set[int] = set()
    for verb in verbs:
        lost = _lost(verb)
        ids = {entity_of[t.i] for t in lost if t.i in entity_of}
        if not ids:
            continue
        plural = len(lost) > 1
        if any(r.i > verb.i and _recovers(r, ids, plural, entity_of) for r in verbs):
            out.add(verb.i)
    return out


def _passive(verb: Any) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _subjects(verb: Any) -> list[Any]:
    """The verb's subjects, or those of the verb it is joined to ("Pepper ran away and came back")."""
    node = verb
    for _ in range(3):
        found = [c for c in node.children if c.dep_ in _SUBJECT_DEPS]
        if found or node.dep_ != "conj" or node.head is node:
            return [t for s in found for t in (s, *s.conjuncts)]
        node = node.head
    return []


def _objects(verb: Any) -> list[Any]:
    """The verb's direct objects; "home" read as one stands for whose home it is said to be ("brought her
    home", parsed as "her home")."""
    found = [t for c in verb.children if c.dep_ == "dobj" for t in (c, *c.conjuncts)]
    return [p for t in found for p in ([c for c in t.children if c.dep_ == "poss"] if t.lower_ in _BACK else [t])]


def _lost(verb: Any) -> list[Any]:
    """The tokens naming what ``verb`` tells as lost, when it is a loss that can be undone."""
    if verb.pos_ != "VERB" or any(c.dep_ == "neg" for c in verb.children):
        return []
    base = f"be_{base_predicate(verb)}" if _passive(verb) else base_predicate(verb)
    if base not in REVERSIBLE_LOSSES and f"{base}_{_complement(verb)}" not in REVERSIBLE_LOSSES:
        return []
    objects = _objects(verb)
    return objects if objects and not _passive(verb) else _subjects(verb)


def _complement(verb: Any) -> str:
    """The verb's adjectival or participle complement ("went missing": ``missing``), if any."""
    for c in verb.children:
        if c.dep_ in ("acomp", "advcl", "xcomp", "oprd") and c.i == verb.i + 1:
            return str(c.lower_)
    return ""


def _back(verb: Any) -> bool:
    """Whether the verb is said with "back" or "home" ("came back", "is back home", "brought her home")."""
    return any(c.dep_ in ("advmod", "prt", "npadvmod", "dobj") and c.lower_ in _BACK for c in verb.children)


def _told_done(verb: Any) -> bool:
    """Whether ``verb`` tells of something that happened: not negated, asked, hoped for, tried, possible or
    still to come."""
    if any(c.dep_ == "neg" for c in verb.children) or verb.dep_ == "xcomp":
        return False
    if is_question(verb.sent) or hypothetical(verb) or told_ahead(verb):
        return False
    if verb.lemma_ != "be" and not told_as_past(verb):
        return False  # "... until she comes back": still ahead; "she's back" holds now
    node = verb
    while node.dep_ in ("ccomp", "conj", "advcl") and node.head is not node:
        node = node.head
        if node.lemma_.lower() in _WISHING and node.i < verb.i:
            return False
    return True


def _recovers(verb: Any, ids: set[str], plural: bool, entity_of: Mapping[int, str]) -> bool:
    """Whether ``verb`` tells of the lost one (entities ``ids``) coming back or being found."""
    lemma = verb.lemma_.lower()
    if verb.pos_ not in ("VERB", "AUX") or not _told_done(verb):
        return False
    particle = next((c.lower_ for c in verb.children if c.dep_ == "prt"), None)
    phrasal = f"{lemma}_{particle}" if particle else lemma
    passive, back = _passive(verb), _back(verb)
    if phrasal in _FINDING:
        if any(c.dep_ in _PREDICATIVE and c.i > verb.i for c in verb.children):
            return False  # "we found him dead", "I found it hard": a state found, not the lost one
        returned = _subjects(verb) if passive else _objects(verb)
    elif lemma in _BRINGING and back and (passive or _objects(verb)):
        returned = _subjects(verb) if passive else _objects(verb)  # "we got her back", "he was brought home"
    elif phrasal in _RETURNING or (lemma in _ARRIVING and back):
        returned = _subjects(verb)  # "she came back", "he turned up", "she's home"
    else:
        return False
    return any(_same(t, ids, plural, entity_of) for t in returned)


def _same(token: Any, ids: set[str], plural: bool, entity_of: Mapping[int, str]) -> bool:
    """Whether ``token`` names the lost one: its entity, or a pronoun of its number naming no other."""
    named = entity_of.get(token.i)
    if named is not None and name_key(named) in {name_key(i) for i in ids}:
        return True  # "We lost Pepper" (NER: an organisation) ... "found Pepper" (a person): one name
    pronouns = _PLURAL if plural else _SINGULAR
    if token.lower_ not in pronouns or not (token.tag_ == "PRP" or token.dep_ == "poss"):
        return False  # "we brought her toys home": a possessive, parsed as an object
    # a possessive "her" is the noun chunk's it opens ("her home"), which names no other
    return named is None or (token.dep_ == "poss" and named == entity_of.get(token.head.i))
