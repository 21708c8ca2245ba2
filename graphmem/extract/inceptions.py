"""Start statements: a dated clause that begins a state dates the state's fact.

"I work at Globex. I started there on 1 March." states ``works_at`` Globex in one clause and says when
it began in another. When a turn states a fact of a single-valued predicate (a job, a home, a partner,
a school) whose own clause has no time phrase (:mod:`graphmem.extract.bounds`), and a clause of the
same turn by the same subject has an inception verb with a resolved time phrase, the fact's
``valid_from`` is that phrase's start, provided the clause's target is the fact's (the first
kind in this list wins):

- the fact's object, after *start*, *begin* or a verb that begins the predicate: "I work for Oracle. I
  joined Oracle in January.";
- the predicate's activity, a complement of *start* or *begin* that states it: "I started working there
  in January", "we began dating in May";
- a pro-form (*there*, *here*, *it*, *them*) and no other object, after a verb that begins the
  predicate: "I moved here on 1 June", "I started there last month";
- nothing at all, after a verb that begins the predicate: "I live in Oslo; we moved in 2019".

A place the clause comes *from* is no target ("I moved here from Porto in 2020"), nor is a companion
or a landmark ("moved here with my husband", "settled here after college").

A pro-form or a missing target dates a fact only when it cannot mean anything else: the subject states
no other fact in the turn that the verb could begin ("I study at Harvard. I joined in 2022 but I work
at Google" dates neither), and no name that could be the verb's target stands between the fact's
object and the clause ("I live in Porto. My parents live in Lisbon; we moved there in 2010"; "Before
that I was at Acme; I joined them in 2015"). "It" is no job or home ("I love my podcast, I started it
in 2019"), nor is another job or course ("my first job", "another job", "an online course"), while a
name of the fact's own clause only qualifies its object ("I work at Google in London"). A plan, a wish
or an attempt is no start: an inception verb that complements a verb of planning, wishing, trying or
needing ("I want to move here in May", "I was supposed to start there in January", "I'm going to move
here") or said with *almost* or *nearly*; "I decided to move here in 2019" and "I managed to join" are
starts. A state set against the clause by a contrastive *but* (*yet*, *whereas*, *though*, *although*)
after it, in the same sentence or opening the next, is not what a pro-form or missing target began ("I
joined in 2022 but I work at Google", "I moved in 2019, though I live in Oslo now" date nothing),
while a *but* after the state concedes when it began ("I work at Google now, but I only joined in
2022" dates it). A clause conjoined with a subject of its own keeps its own time ("my boss started there in
2010, and I joined last year": last year). "He" or "she" as the subject is the one person named before
it in the turn, if only one is and it is a subject of the sentence before, with no person noun or
possessive of the other gender between ("Tom works at Google. He started there in May").

The verbs that begin each predicate are declared in the vocabulary (``Predicate.beginnings``:
*start*, *begin*, *join*, *be hired* for a job; *move*, *relocate*, *settle* for a home; ...). A clause
with another subject ("my sister started there in May"), another object ("I started a blog there in
May"), a negation, a question or a hypothetical sets nothing; neither does a clause with no resolved
time, or one dated only by "until". An ending clause ("I left Acme at the end of February") needs
nothing here: it is a :class:`~graphmem.models.FactClosing` dated by its own clause.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphmem.extract import vocabulary as vocab
from graphmem.extract.bounds import clause_time
from graphmem.extract.names import entity_type, name_key, words
from graphmem.extract.readings import base_predicate
from graphmem.extract.relations import activity_subjects
from graphmem.models import TimeRef

__all__ = ["Inception", "inception_start", "inceptions", "own_clause"]

_PLACE_WORDS = frozenset({"there", "here"})
_OBJECT_PRONOUNS = frozenset({"it", "them"})
_WE = frozenset({"we", "us"})
_HE_SHE = frozenset({"he", "she"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
_TARGET_PREPS = frozenset({"to", "into", "at", "in", "on", "onto", "for"})
_TIME_ENTS = frozenset({"DATE", "TIME"})
_ALMOST = frozenset({"almost", "nearly"})
# Nouns of a person whom "he" or "she" may mean instead of a name before them
_PERSON_NOUNS = (
    vocab.SPOUSES
    | vocab.PARTNERS
    | vocab.CHILDREN
    | words(
        """mother mum mom father dad parent sister brother sibling aunt uncle cousin grandmother grandma
        grandfather grandpa grandparent niece nephew friend boss manager colleague coworker co-worker
        roommate flatmate housemate neighbour neighbor teacher student doctor nurse man woman guy lady"""
    )
)
# The possessive of each pronoun's gender: "her husband" says the name before it is no "he"
_OTHER_POSSESSIVE = {"he": "her", "she": "his"}
# Outer verbs whose complement has not happened: a plan, a wish, an attempt, a need ("I want to move
# here", "I need to start there"); others report what was done ("I decided to move here in 2019", "I had
# to move", "I ended up moving", "I managed to join").
_UNREALISING = vocab.ASPECT_PLANS | vocab.ATTEMPTS | frozenset({"need", "expect", "wish"})
# ... and, with "would", a wish ("I'd like to move here"); "going to" is a plan
_WOULD = frozenset({"like", "love", "prefer"})
# "it" is no job or home ("I love my podcast, I started it in 2019")
_NOT_IT = frozenset({"works_at", "lives_in"})
# A generic noun of these stands for the fact's object after start/begin ("I started my new job there
# in January"); not a home's ("I moved house in May" says nothing of the town).
_GENERIC_TARGETS = frozenset({"works_at", "studies_at"})
# ... and only these nouns, with "my" or "the" and at most "new" before them: "my first job", "another
# job", "my previous job", "an online course" and "work" may be another job or course.
_GENERIC_NOUNS = frozenset(
    {"job", "position", "internship", "school", "university", "college", "degree", "programme", "program"}
)
_GENERIC_DETS = frozenset({"my", "our", "his", "her", "their", "the"})
# Dependencies under which another clause hangs from a verb
_OTHER_CLAUSES = frozenset({"conj", "cc", "parataxis", "ccomp", "advcl", "relcl", "acl"})
# Coordinators that set the clause after them against the one before ("I joined in 2022 but I work at X")
_CONTRASTIVE = frozenset({"but", "yet", "whereas", "though", "although"})
# Which way a match ranks: a named object says most, no target at all least.
_OBJECT, _ACTIVITY, _PRO_FORM, _BARE = range(4)


@dataclass(frozen=True, slots=True)
class Inception:
    """A dated clause that may begin a state ("I started there on 1 March").

    Attributes:
        subjects: entity ids of who begins.
        verb: the verb's base predicate (``move``, ``start``, ``be_hire``).
        when: the clause's resolved time phrase.
        objects: the name keys (an entity id's last part) of what the clause names as its target: within
            a turn a name is one thing, even where NER types its two mentions apart.
        pro_form: a pro-form ("there", "here", "it", "them") is the target, and no other object.
        activities: predicates the clause's complement states ("started working": ``works_at``).
        bare: the clause has no target at all ("I started on 1 March").
        position: the verb's token index in the turn.
        pronoun: the object pronoun that is the pro-form ("it", "them"), or ``""``.
        generics: predicates whose generic noun is the clause's only target ("I started my new job
            there": ``works_at``).
    """

    subjects: frozenset[str]
    verb: str
    when: TimeRef
    objects: frozenset[str] = frozenset()
    pro_form: bool = False
    activities: frozenset[str] = frozenset()
    bare: bool = False
    position: int = -1
    pronoun: str = ""
    generics: frozenset[str] = frozenset()
    contrasted: frozenset[int] = frozenset()


def _contrasted(verb: Any) -> frozenset[int]:
    """The verbs of the clauses after ``verb`` that a contrastive coordinator sets against it: "I joined
    in 2022 but I work at Google" (*work*), "I joined in 2022. But I work at Google." A state said so is
    not what the clause began."""
    out = {
        c.i
        for c in verb.children
        if c.dep_ == "conj"
        and c.i > verb.i
        and c.pos_ in ("VERB", "AUX")
        and any(cc.dep_ == "cc" and cc.lower_ in _CONTRASTIVE and verb.i < cc.i < c.i for cc in verb.children)
    }
    # the subordinating ones: "I joined in 2022, though I work at Google" (an adverbial clause after it)
    out.update(
        c.i
        for c in verb.children
        if c.dep_ == "advcl" and c.i > verb.i and any(m.dep_ == "mark" and m.lower_ in _CONTRASTIVE for m in c.children)
    )
    doc, sent = verb.doc, verb.sent
    if verb.i == sent.root.i and sent.end < len(doc):
        after = doc[sent.end].sent
        if after[0].lower_ in _CONTRASTIVE:
            out.add(after.root.i)
    return frozenset(out)


def _activities(verb: Any) -> frozenset[str]:
    """The predicates a verbal complement of ``verb`` states as an activity, with no object of its own:
    "started working (there)" → ``works_at``; not "started working on a novel" (``work_on``) or
    "began teaching yoga"."""
    out: set[str] = set()
    for comp in (c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"):
        if any(g.dep_ in ("dobj", "obj") and g.lower_ not in _OBJECT_PRONOUNS for g in comp.children):
            continue
        lemma = comp.lemma_.lower()
        preps = {
            g.lower_
            for g in comp.children
            if g.dep_ == "prep" and any(h.dep_ == "pobj" and h.ent_type_ not in _TIME_ENTS for h in g.children)
        }
        for p in vocab.PREDICATES:
            if not p.single_valued:
                continue
            if preps:
                said = any(f"{lemma}_{prep}" in p.states for prep in preps)
            else:
                said = lemma in p.states or any(s.startswith(f"{lemma}_") for s in p.states)
            if said:
                out.add(p.name)
    return frozenset(out)


def _the_generic(noun: Any) -> bool:
    """Whether ``noun`` is the job or school itself: "my job", "the new job", not "my first job",
    "another job" or "work"."""
    if noun.lemma_.lower() not in _GENERIC_NOUNS:
        return False
    dets = [c for c in noun.children if c.dep_ in ("det", "poss")]
    if len(dets) != 1 or dets[0].lower_ not in _GENERIC_DETS:
        return False
    return all(
        c.lower_ == "new"
        for c in noun.children
        if c.i < noun.i and c.dep_ in ("amod", "compound", "nummod", "npadvmod")
    )


def _targets(verb: Any, entity_of: Mapping[int, str]) -> tuple[frozenset[str], bool, bool, str, frozenset[str]]:
    """``(named objects, pro-form, bare, object pronoun, generics)`` of an inception verb.

    A named object is a direct object or the object of a preposition other than *from* ("moved here
    from Porto": Porto is no target). A pro-form counts only beside no other target: a direct object
    or a place after *to*, *into*, *at*, *in*, *on*, *for* ("I started a project there" dates the
    project), while a companion or a landmark ("moved here with Tom", "settled here after college")
    leaves it standing.
    """
    named: set[str] = set()
    blocked = pro_form = False
    pronoun = ""
    generics: set[str] = set()
    places = [c for c in verb.children if c.dep_ == "advmod" and c.lower_ in _PLACE_WORDS]
    for child in verb.children:
        if child.dep_ in ("dobj", "obj"):
            if child.lower_ in _OBJECT_PRONOUNS:
                pro_form, pronoun = True, child.lower_
                continue
            blocked = True
            if child.i in entity_of:
                named.add(name_key(entity_of[child.i]))
            if _the_generic(child):
                generics.update(
                    p.name for p in vocab.PREDICATES if p.name in _GENERIC_TARGETS and child.lemma_ in p.generic
                )
        elif child.dep_ in ("xcomp", "ccomp") and not any(g.dep_ in _SUBJECT_DEPS for g in child.children):
            # a complement without a subject is the target ("started working there"); one with its own
            # subject is a clause of its own ("I live in Porto now, I moved here on 1 June")
            blocked = True
            places += [g for g in child.children if g.dep_ == "advmod" and g.lower_ in _PLACE_WORDS]
        elif child.dep_ == "prep" and child.lower_ != "from":
            for pobj in (g for g in child.children if g.dep_ == "pobj" and g.ent_type_ not in _TIME_ENTS):
                if pobj.i in entity_of:
                    named.add(name_key(entity_of[pobj.i]))
                    blocked = blocked or child.lower_ in _TARGET_PREPS
    pro_form = (pro_form or bool(places)) and not blocked
    return frozenset(named), pro_form, not (blocked or pro_form), pronoun, frozenset() if named else frozenset(generics)


def inceptions(
    verbs: Iterable[Any],
    entity_of: Mapping[int, str],
    times: list[tuple[Any, TimeRef]],
    speaker_id: str | None = None,
) -> list[Inception]:
    """The dated clauses of a turn that may begin a state (see the module docs).

    Args:
        verbs: the turn's asserted verbs (questions and hypotheticals left out by the caller).
        entity_of: token index → entity id.
        times: the turn's time phrases with their resolved :class:`TimeRef`.
        speaker_id: the speaker's entity, for "we" ("we moved here in June").
    """
    if not times:
        return []
    beginnings = vocab.INCEPTIONS.union(*(p.beginnings for p in vocab.PREDICATES if p.single_valued))
    out: list[Inception] = []
    for verb in verbs:
        if verb.pos_ != "VERB" or any(c.dep_ == "neg" for c in verb.children):
            continue
        base = base_predicate(verb)
        if any(c.dep_ == "advmod" and c.lower_ == "together" for c in verb.children):
            base = f"{base}_together"  # "we got together in May"
        if any(c.dep_ == "nsubjpass" for c in verb.children):
            got = any(c.dep_ == "auxpass" and c.lemma_ == "get" for c in verb.children)
            base = f"{'get' if got else 'be'}_{base}"  # "I was hired", "I got hired", "we got married"
        if base not in beginnings or _unrealised(verb):
            continue
        when = clause_time(verb, times)
        if when is None or not when.resolved:
            continue
        ids = (
            entity_of.get(s.i) or (speaker_id if s.lower_ in _WE else None) or _person_before(s, entity_of, speaker_id)
            for s in activity_subjects(verb)
        )
        subjects = frozenset(i for i in ids if i is not None)
        if not subjects:
            continue
        named, pro_form, bare, pronoun, generics = _targets(verb, entity_of)
        activities = _activities(verb) if base in vocab.INCEPTIONS else frozenset()
        if base not in vocab.INCEPTIONS:
            generics = frozenset()
        out.append(
            Inception(
                subjects, base, when, named, pro_form, activities, bare, verb.i, pronoun, generics, _contrasted(verb)
            )
        )
    return out


def _person_before(token: Any, entity_of: Mapping[int, str], speaker_id: str | None) -> str | None:
    """The person "he" or "she" stands for: the one named person of the turn before it, not the speaker,
    when it is a subject of the sentence before or of the pronoun's own sentence ("Tom works at Google.
    He started there in May.") or the same pronoun standing for it is ("He loves it. He started"), or
    ``None``. A person noun between them ("Sarah lives in Porto with her
    husband. He moved here", "Tom works at Google. His wife is a nurse. She started there") or a
    possessive of the other gender ("her" before "he") may point elsewhere, so it refuses."""
    pronoun = token.lower_
    if pronoun not in _HE_SHE:
        return None
    doc = token.doc
    named = {
        i: eid
        for i, eid in entity_of.items()
        if i < token.i and doc[i].pos_ == "PROPN" and eid != speaker_id and eid.startswith("ent:person:")
    }
    if len(set(named.values())) != 1:
        return None
    before = [s for s in doc.sents if s.end <= token.sent.start]
    start = before[-1].start if before else token.sent.start
    subjects = [i for i in named if i >= start and _subject_name(doc[i])]
    if not subjects:
        # the same pronoun as subject of the sentence before, standing for the name: "Tom works at
        # Google. He loves it. He started there in May."
        chained = [t for t in doc[start : token.i] if t.lower_ == pronoun and t.dep_ in _SUBJECT_DEPS]
        if not chained or chained[0].sent == token.sent or _person_before(chained[0], entity_of, speaker_id) is None:
            return None
        subjects = [chained[-1].i]
    for t in doc[max(subjects) + 1 : token.i]:
        if t.i in named:
            continue
        if (t.pos_ == "NOUN" and t.lemma_.lower() in _PERSON_NOUNS) or t.lower_ == _OTHER_POSSESSIVE[pronoun]:
            return None
    return next(iter(named.values()))


def _subject_name(token: Any) -> bool:
    """Whether a name's token is (part of) a subject: "Tom works", "My sister Anna works"."""
    node = token
    for _ in range(4):
        if node.dep_ in _SUBJECT_DEPS:
            return True
        if node.dep_ not in ("compound", "appos", "flat") or node.head is node:
            return False
        node = node.head
    return False


def _unrealised(verb: Any) -> bool:
    """Whether an inception verb says a plan, a wish or an attempt, not a start: the complement of a verb
    of planning, wishing, trying or needing ("I want to move here in May", "I was supposed to start there
    in January", "I tried to join Google in 2019", "I'm going to move here", "I'd like to move here") or
    said with *almost* or *nearly*. "I decided to move here in 2019" and "I managed to join" did start."""
    if any(c.dep_ == "advmod" and c.lower_ in _ALMOST for c in verb.children):
        return True
    head = verb.head
    if verb.dep_ != "xcomp" or head is verb:
        return False
    lemma = head.lemma_.lower()
    if lemma in _UNREALISING or (lemma == "go" and head.lower_ == "going"):
        return True
    return lemma in _WOULD and any(c.dep_ == "aux" and c.lower_ in ("would", "'d") for c in head.children)


def _rank(found: Inception, predicate: vocab.Predicate, obj: str) -> int | None:
    begins = found.verb in predicate.beginnings
    if name_key(obj) in found.objects and (begins or found.verb in vocab.INCEPTIONS):
        return _OBJECT
    if predicate.name in found.activities:
        return _ACTIVITY
    if found.pro_form and begins and not (found.pronoun == "it" and predicate.name in _NOT_IT):
        return _PRO_FORM
    if predicate.name in found.generics:
        return _PRO_FORM
    if found.bare and begins:
        return _BARE
    return None


def _fits(predicate: vocab.Predicate, eid: str) -> bool:
    """Whether the entity ``eid`` could be an object of ``predicate``."""
    types = {t.lower(): t for t in predicate.object_types}
    if predicate.name == "lives_in":
        types.pop("person", None)  # the vocabulary's allowance for NER's towns, not a home to move to
    kind, name = types.get(entity_type(eid)), name_key(eid).replace("-", " ")
    return predicate.fits(kind, name.rsplit(" ", 1)[-1], name)


def _referents(obj: str, found: Inception, at: int, mentions: Mapping[int, str]) -> bool:
    """Whether a name between the fact (token ``at``, or the last mention of its object after it) and the
    clause ``found`` could be what its pro-form or missing target stands for: an entity that fits the
    object of a predicate the clause's verb begins, other than the fact's object and the clause's
    subjects ("I live in Porto. My parents live in Lisbon; we moved there in 2010"; "I work at Google
    and study at Stanford University. I started in 2020"; not "my boss" for a job)."""
    begun = [p for p in vocab.PREDICATES if p.single_valued and found.verb in p.beginnings]
    low, high = sorted((at, found.position))
    said = [i for i, eid in mentions.items() if name_key(eid) == name_key(obj) and low <= i < found.position]
    low = max(said, default=low)  # from the object's last mention before the clause
    for i, eid in mentions.items():
        if not low < i < high or name_key(eid) == name_key(obj) or eid in found.subjects:
            continue
        if any(_fits(p, eid) for p in begun):
            return True
    return False


def own_clause(verb: Any) -> frozenset[int]:
    """The token indices of ``verb``'s own clause: its subtree without the clauses conjoined to or
    hanging from it ("I work at Google in London" holds London; "I work at Google and study at Stanford"
    does not hold Stanford for the work)."""
    out = set()
    stack = [verb]
    while stack:
        node = stack.pop()
        out.add(node.i)
        stack.extend(c for c in node.children if c.dep_ not in _OTHER_CLAUSES)
    return frozenset(out)


def inception_start(
    subject: str,
    predicate: str,
    obj: str,
    found: Iterable[Inception],
    *,
    at: int | None = None,
    others: Iterable[str] = (),
    mentions: Mapping[int, str] | None = None,
    own: Container[int] = (),
) -> TimeRef | None:
    """The time phrase of the clause among ``found`` that begins ``subject`` ``predicate`` ``obj``
    (the best-ranked match, the earliest said among equals), or ``None``.

    A clause with a pro-form or no target dates the fact only when it cannot mean another: ``others``
    (the subject's other single-valued predicates stated in the turn, one per fact) holds none the
    clause's verb begins, and no name of ``mentions`` (token index → entity id, the turn's names) that
    could be the target stands between the fact's clause (token ``at``) and it. "I study at Harvard. I
    joined in 2022 but I work at Google." dates neither; "I work at Google. Before that I was at Acme; I
    joined them in 2015." does not date Google. Names of the fact's own clause (``own``, token indices:
    see :func:`own_clause`) qualify its object and are no rival ("I work at Google in London"; "I live
    in Porto, Portugal").
    """
    declared = vocab.by_name(predicate)
    if declared is None or not declared.single_valued:
        return None
    rivals = [vocab.by_name(p) for p in others]
    best: tuple[int, TimeRef] | None = None
    for inception in found:
        if subject not in inception.subjects:
            continue
        rank = _rank(inception, declared, obj)
        if rank in (_PRO_FORM, _BARE):
            if at is not None and at in inception.contrasted:
                continue  # "I joined in 2022 but I work at Google": the state is set against the start
            if any(r is not None and inception.verb in r.beginnings for r in rivals):
                continue
            others_named = {i: eid for i, eid in (mentions or {}).items() if i not in own}
            if at is not None and others_named and _referents(obj, inception, at, others_named):
                continue
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, inception.when)
    return best[1] if best is not None else None
