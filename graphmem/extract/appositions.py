"""Stage 2's appositions: a name set beside a role noun stands for it ("my sister Clara", "Keiko Tanaka,
my manager", "my guinea pig Oscar", "a dog named Pixel", "My manager is Bruno Silva"), and the role becomes
a fact for stage 3. A name beside a role only a person has, of a person ("my partner Jamal"), is a person's
whatever NER typed it (a place, an organisation, a product).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphmem.extract.names import words
from graphmem.extract.registry import EntityRegistry, TurnAnnotation, role_of
from graphmem.extract.vocabulary import ANIMALS, ROLE_NOUNS

__all__ = ["appositions"]


def appositions(
    doc: Any, ann: TurnAnnotation, registry: EntityRegistry, participants: set[str | None], fresh: set[str]
) -> None:
    """Let a name stand for the role noun it is set beside: "my sister Clara is driving me" makes Clara
    the subject, and records ``(Clara, "sister", speaker)`` in ``ann.roles``; "My manager, Keiko
    Tanaka," and "Keiko Tanaka, my manager," alike; "my guinea pig Oscar" when the parser makes the role
    part of the name; "a dog named Pixel", "my cat called Luna"; and a role said to be a person's name
    ("My manager is Bruno Silva", "Bruno Silva is my manager", "My sister is Clara").

    The role noun is then a mention of the named one only: its topic goes when nothing else of the turn
    names it, and leaves the registry when the turn made it (``fresh``), so "my boyfriend Tom" is one
    entity, Tom. A participant's name is a vocative, not an apposition ("Hey Nate, my favourite treat is
    ..."), and only a person (or an unlabelled name) gets a role fact ("my home country, Sweden" gets none).
    """
    strings = doc.vocab.strings
    deps = doc.to_array("DEP")
    named_as = {strings[d] for d in ("oprd", "attr", "dobj", "xcomp")}
    # only appositions, compounds and names given by "named"/"called": find them on the array
    for i in np.flatnonzero((deps == strings["appos"]) | (deps == strings["compound"]) | np.isin(deps, list(named_as))):
        tok = doc[int(i)]
        dep = tok.dep_
        pairs: tuple[tuple[Any, Any], ...]
        if dep == "appos":
            pairs = ((tok.head, tok), (tok, tok.head))
        elif dep == "compound" and tok.is_lower and any(c.dep_ == "poss" for c in tok.children):
            pairs = ((tok, tok.head),)  # "my guinea pig Oscar", parsed as one name
        elif dep == "compound" and tok.is_lower and tok.head.pos_ == "PROPN" and _owned(tok.head):
            pairs = ((tok, tok.head),)  # "with my dog Pipo": the owner hangs on the name
        elif dep == "attr" and _said_to_be(tok) is not None:
            # "My manager is Bruno Silva", "Bruno Silva is my manager", "My sister is Clara"
            subject = _said_to_be(tok)
            pairs = ((subject, tok), (tok, subject))
            if not any(_copular_role(r, n, ann, registry) for r, n in pairs):
                continue
        elif dep != "compound" and tok.head.dep_ == "acl" and tok.head.lemma_ in ("name", "call"):
            noun = tok.head.head
            pairs = ((noun, tok),)  # "a dog named Pixel"
            role_noun = _described_by(noun)
            # "my boss, a guy named Tom": the boss is Tom too (not "my inspiration is a woman named Maya")
            if role_noun is not None and role_noun.pos_ == "NOUN" and (_human(role_noun) or _animal(role_noun)):
                _stand_for(role_noun, tok, doc, ann, registry, participants, fresh)
        else:
            continue
        for role_tok, named_tok in pairs:
            if _stand_for(role_tok, named_tok, doc, ann, registry, participants, fresh):
                break
    for i in np.flatnonzero(deps == strings["poss"]):
        role_tok = doc[int(i)].head
        named_tok = _unattached_name(role_tok)
        if named_tok is not None:  # "My cat Tofu is sleeping", parsed as two arguments of "sleeping"
            _stand_for(role_tok, named_tok, doc, ann, registry, participants, fresh)


def _unattached_name(noun: Any) -> Any | None:
    """The name right after someone's role noun ("my cat", "our dog") that the parser set beside it as an
    argument of the same verb rather than as its apposition ("My cat Tofu is sleeping": "cat" a modifier of
    "sleeping", "Tofu" its subject), or ``None``. The name's root, not someone's ("my boss Tom's report")."""
    if noun.pos_ != "NOUN" or not noun.is_lower or noun.i + 1 >= len(noun.doc) or not (_animal(noun) or _human(noun)):
        return None
    name = noun.doc[noun.i + 1]
    while name.dep_ == "compound" and name.head.i > name.i and name.head.pos_ == "PROPN":
        name = name.head  # "my cat Mister Whiskers"
    if name.pos_ != "PROPN" or name.head.i != noun.head.i or noun.head.i in (name.i, noun.i):
        return None
    return None if any(c.dep_ == "case" for c in name.children) else name


def _said_to_be(attr: Any) -> Any | None:
    """The subject of the present "is" whose attribute is ``attr`` ("Clara" in "My sister is Clara"), or
    ``None``: not a past ("My boss was Tom" names a boss gone by), a negation or a question."""
    verb = attr.head
    if verb.lemma_ != "be" or verb.tag_ not in ("VBZ", "VBP") or any(c.dep_ == "neg" for c in verb.children):
        return None
    if verb.sent[-1].text == "?":
        return None
    return next((c for c in verb.children if c.dep_ == "nsubj"), None)


def _copular_role(role_tok: Any, named_tok: Any, ann: TurnAnnotation, registry: EntityRegistry) -> bool:
    """Whether "is" makes the name at ``named_tok`` the one the role noun at ``role_tok`` stands for: someone's
    relative, partner, colleague or pet ("my", "Jon's") named by a person's name (or a pet's), not "My favourite
    singer is Adele" or "My mom is Italian"."""
    named = ann.tokens.get(named_tok.i)
    if named is None or role_tok.pos_ != "NOUN" or not any(c.dep_ == "poss" for c in role_tok.children):
        return False
    if _animal(role_tok):
        return registry.type_of(named) in ("Person", "Thing")
    return _human(role_tok) and registry.type_of(named) == "Person"


def _described_by(noun: Any) -> Any | None:
    """The noun another noun describes, as an apposition or what the subject is said to be: "my boss" for
    "a guy" in "My boss, a guy named Tom, ...", "A guy named Tom, my boss, ..." and "My boss is a guy named
    Tom", or ``None``."""
    if noun.dep_ == "appos":
        return noun.head
    beside = next((c for c in noun.children if c.dep_ == "appos"), None)
    if beside is not None:
        return beside
    if noun.dep_ == "attr" and noun.head.lemma_ == "be":
        return next((c for c in noun.head.children if c.dep_ == "nsubj"), None)
    return None


def _stand_for(
    role_tok: Any,
    named_tok: Any,
    doc: Any,
    ann: TurnAnnotation,
    registry: EntityRegistry,
    participants: set[str | None],
    fresh: set[str],
) -> bool:
    """Let the name at ``named_tok`` stand for the noun at ``role_tok`` (see :func:`appositions`); whether
    it does."""
    named = ann.tokens.get(named_tok.i)
    if named is None or named in participants or role_tok.pos_ != "NOUN":
        return False
    if registry.type_of(named) in (None, "Topic"):
        return False
    topic = ann.tokens.get(role_tok.i)
    if topic == named:  # the noun chunk already named the name alone ("with my dog Pipo" is Pipo)
        topic = None
    if topic is not None and registry.type_of(topic) != "Topic":
        return False
    if _animal(role_tok):  # "a dog named Pixel": a pet, not the Person NER took the name for
        pet = registry.make_pet(named)
        if pet != named:
            ann.retarget(named, pet)
            named = pet
    elif _human(role_tok):  # "my colleague Max": a person, even if a pet of that name was met before
        # "my partner Jamal" with Jamal taken for a place: only a person is someone's partner
        person = registry.make_person(named, retype=_a_persons(role_tok, named_tok, ann, registry))
        if person != named:
            ann.retarget(named, person)
            named = person
    ann.tokens[role_tok.i] = named
    ann.mention(named, role_of(role_tok))
    if topic is not None:
        for j in range(role_tok.left_edge.i, role_tok.i):  # "my best friend": "best" too
            if ann.tokens.get(j) == topic:
                ann.tokens[j] = named
        if topic not in ann.tokens.values():
            ann.mentions.pop(topic, None)
            if topic in fresh:
                registry.discard(topic)
        elif ann.mentions.get(topic) in ("subject", "object"):
            ann.mentions[topic] = "mention"
    owner_tok = next((c for c in role_tok.children if c.dep_ == "poss"), None)
    if owner_tok is None and role_tok.dep_ == "compound" and role_tok.head.i == named_tok.i:
        owner_tok = next((c for c in named_tok.children if c.dep_ == "poss"), None)  # "my dog Pipo"
    owner = ann.tokens.get(owner_tok.i) if owner_tok is not None else None
    # "my guinea pig Oscar" -> guinea_pig; "my best friend Sarah" -> friend
    compounds = [c.lower_ for c in role_tok.children if c.dep_ == "compound" and c.i < role_tok.i]
    role = "_".join([*compounds, role_tok.lemma_.lower()])
    if (
        owner is not None
        and owner != named
        and registry.type_of(owner) != "Topic"
        and registry.type_of(named) in ("Person", "Thing")
        and role.replace("_", "").isalpha()
    ):
        ann.roles.append((named, role, owner, role_tok.i))
    return True


#: Role nouns a firm or an institution holds too ("my employer Acme", "my landlord Greystar"): their name
#: keeps NER's type.
_INSTITUTIONAL = words("employer client landlord tenant owner founder cofounder ceo director")
#: Possessives that make a role a person's ("my partner", "her husband"; not "our partner Acme", a firm's).
_PERSONAL_OWNERS = frozenset({"my", "your", "his", "her"})


def _a_persons(role_tok: Any, named_tok: Any, ann: TurnAnnotation, registry: EntityRegistry) -> bool:
    """Whether the role noun at ``role_tok`` is a role only a person has, of a person ("my partner", "Ana's
    brother"; not "my employer", "Google's partner"), so the name beside it is a person's."""
    if role_tok.lemma_.lower() in _INSTITUTIONAL or role_tok.lower_ in _INSTITUTIONAL:
        return False
    owner_tok = next((c for c in role_tok.children if c.dep_ == "poss"), None)
    if owner_tok is None and role_tok.dep_ == "compound" and role_tok.head.i == named_tok.i:
        owner_tok = next((c for c in named_tok.children if c.dep_ == "poss"), None)
    if owner_tok is None:
        return False
    owner = ann.tokens.get(owner_tok.i)
    return owner_tok.lower_ in _PERSONAL_OWNERS or (owner is not None and registry.type_of(owner) == "Person")


def _owned(name: Any) -> bool:
    """Whether a name has a possessive of its own ("with my dog Pipo", the parser hanging "my" on Pipo)."""
    return any(c.dep_ == "poss" for c in name.children)


def _human(noun: Any) -> bool:
    """Whether a role noun names a person by their relation to another ("colleague", "sister", "boss")."""
    return noun.lemma_.lower() in ROLE_NOUNS or noun.lower_ in ROLE_NOUNS


def _animal(noun: Any) -> bool:
    """Whether a role noun names an animal ("dog", "kitten", "guinea pig")."""
    compounds = [c.lower_ for c in noun.children if c.dep_ == "compound" and c.i < noun.i]
    lemma = noun.lemma_.lower()
    return lemma in ANIMALS or "_".join([*compounds, lemma]) in ANIMALS or noun.lower_ in ANIMALS
