"""Readings: what a subject–verb–object triple states in the fact vocabulary.

:mod:`graphmem.extract.facts` reads each verb as a :class:`Clause`: the chain of verbs it complements
("want to adopt", "stopped playing"), its surface predicate (verb lemma, particle, preposition:
``go_to``) and its polarity. :func:`read` maps the clause and its object onto
:mod:`graphmem.extract.vocabulary`:

- a statement ("I work for Globex", "I joined Globex") gives a fact of the first predicate that states
  the surface predicate and whose types fit (``works_at``);
- an ending ("I quit my job", "I stopped playing guitar", "I don't live in Porto anymore") gives a
  closing of each predicate it may end, with the object as written, or any object when it is a generic
  noun of that predicate ("my job", "my boyfriend");
- a plan ("I want to adopt a dog", "planning to visit Paris") gives ``plans``;
- a negation asserts nothing, except "don't like" (``dislikes``);
- anything else gives the generic ``said_about`` between two specific ends: a named subject and a
  named object (not a common noun), a verb that is not a light verb ("be", "have", "keep") nor one of
  hiring or dismissing (read as the job it starts or ends), and not two pronouns;
- an abstract or evaluative common-noun object ("your help", "a difference", "the freedom") gives
  nothing.

:func:`intransitive_closings` reads endings with no object: "I quit", "we broke up", "Max passed away", "Rex
was put down" (the passive of an ending of a pet), "Pepper went missing" (a loss that can be undone: a pet's),
"I'm single now", "we're not together anymore", and a job of the speaker's said to end ("My job at Acme
ended", "my contract with Acme finished").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphmem.extract import vocabulary as vocab
from graphmem.extract.firms import firm_word_name
from graphmem.extract.lexicon import ANIMALS, REVERSIBLE_LOSSES

__all__ = ["Clause", "Reading", "adverbial_names", "clause_of", "intransitive_closings", "not_done", "read"]

_SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")
_DIRECT_DEPS = ("dobj", "obj", "attr", "oprd", "dative")
_MAX_CHAIN = 4
_FUTURE_GO = ("going", "gon")
# Endings with no object, and the predicates whose current value they end.
_INTRANSITIVE = {
    "quit": ("works_at",),
    "resign": ("works_at",),
    "retire": ("works_at",),
    "be_fire": ("works_at",),
    "be_lay_off": ("works_at",),
    "move_out": ("lives_in",),
    "move_away": ("lives_in",),
    "break_up": ("dating",),
    "split_up": ("dating", "married_to"),
    "split": ("dating", "married_to"),
    "divorce": ("married_to",),
    "get_divorce": ("married_to",),
    "be_divorce": ("married_to",),
    "separate": ("married_to",),
    "be_separate": ("married_to",),
    "graduate": ("studies_at",),
    "drop_out": ("studies_at",),
}
# Verbs of taking on or dismissing someone: read as the employee's job starting or ending ("Acme hired me",
# relations; "Acme fired me", dismissals), never as a link between the two.
_EMPLOYING = frozenset({"hire", "employ", "fire", "lay", "sack"})
# What ends when someone or something is gone ("Max passed away").
_GONE = ("has_pet", "has_child", "married_to", "dating")
#: What ends of an animal done away with, said in the passive with it as subject ("Rex was put down"); not
#: ``owns``: "the house was sold" may be anyone's house, and a generic noun is one entity for all.
_LOST = frozenset({"has_pet"})
#: Prepositions of a loss's duration ("went missing for an hour", "during the night").
_SPANS = frozenset({"for", "during"})
#: Adverbs of a habitual loss ("often goes missing").
_FREQUENCIES = frozenset({"often", "always", "sometimes", "usually", "regularly", "frequently", "occasionally"})
#: Adjectives of being without a partner ("I'm single now").
_SINGLE = frozenset({"single", "unattached"})
_WE = frozenset({"we", "us"})
_ALMOST = frozenset({"almost", "nearly"})
# Verbs that say a state came to its end, with the state as their subject ("My job at Acme ended").
_ENDING = frozenset({"end", "finish"})
# Verbs that say a job outright: their object is the workplace, though its name says school or club.
_WORKING = frozenset({"work_at", "work_for", "teach_at"})
# "handed in (gave, put in) my notice": a job that ends when its giver leaves.
_GIVING = frozenset({"hand", "give", "put", "submit", "tender", "serve"})
_NOTICES = frozenset({"notice", "resignation"})
_JOB_NOUNS = vocab.JOBS | {"contract", "placement", "apprenticeship", "residency"}
# Words that make a job another one than the one held now ("my old job", "my previous contract").
_OTHER = frozenset({"old", "previous", "former", "last", "first", "other", "another", "earlier", "prior"})
_PARTICLES = frozenset({"away", "out", "off"})  # "gave away" parsed as an adverb
_TIME_ENTS = frozenset({"DATE", "TIME"})
_LIKING = frozenset({"like", "love", "enjoy"})  # "I don't like pottery": dislikes
# words of a time phrase that say a relation goes on ("I'm seeing Tom these days"), not when a meeting is
_ONGOING_TIMES = frozenset({"these", "days", "nowadays", "lately", "currently", "now"})
# "seeing Dr. Lee", "seeing Maria, my physiotherapist", "seeing Tom every Monday": appointments, not dating
_TITLES = frozenset({"dr", "doctor", "prof", "professor", "nurse", "coach", "mr", "mrs", "ms", "miss", "sir"})
_PARTNERS = vocab.PARTNERS | {"lover", "guy", "girl", "man", "woman", "date"}
#: What leaving a firm ends: a job there.
_FIRMS_ENDED = "works_at"
_FREQUENCY = frozenset({"every", "once", "twice", "thrice", "weekly", "daily", "monthly", "fortnightly"})


@dataclass(frozen=True, slots=True)
class Clause:
    """A verb read with the verbs it complements.

    Attributes:
        outer: base predicates of the governing verbs, outermost first ("want", "stop").
        inner: the surface predicate of the verb itself, with the object's preposition (``play``,
            ``go_to``, ``be_hire_by``).
        negated: a ``not`` anywhere in the chain.
        no_longer: "no longer", "anymore", "any more": a state that ended.
    """

    outer: tuple[str, ...]
    inner: str
    negated: bool
    no_longer: bool = False

    @property
    def surface(self) -> str:
        """The whole predicate as said: ``not_want_to_adopt``."""
        text = "_to_".join((*self.outer, self.inner))
        return f"not_{text}" if self.negated else text


@dataclass(frozen=True, slots=True)
class Reading:
    """One vocabulary reading of a triple: a fact, or a closing (``any_object``: of whichever value)."""

    predicate: str
    closing: bool = False
    any_object: bool = False


def base_predicate(verb: Any) -> str:
    """The verb lemma with its particles (``give_up``)."""
    parts = [verb.lemma_.lower()]
    parts.extend(c.lower_ for c in verb.children if c.dep_ == "prt" or (c.dep_ == "advmod" and c.lower_ in _PARTICLES))
    return "_".join(parts)


def _negated(verb: Any) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _no_longer(verb: Any) -> bool:
    for c in verb.children:
        if c.dep_ != "advmod":
            continue
        lower = c.lower_
        if lower == "anymore" or (lower == "more" and any(g.lower_ == "any" for g in c.children)):
            return True
        if lower == "longer" and any(g.lower_ in ("no", "any") for g in c.children):
            return True
    return False


def clause_of(verb: Any) -> Clause:
    """The :class:`Clause` of a verb (without the object's preposition, which :func:`with_object` adds)."""
    chain = [verb]
    node = verb
    while node.dep_ == "xcomp" and node.head is not node and node.head.pos_ in ("VERB", "AUX"):
        node = node.head
        if node.lemma_ == "go" and node.lower_ in _FUTURE_GO:
            continue  # "going to paint" is the future of "paint", not a predicate of its own
        chain.append(node)
        if len(chain) >= _MAX_CHAIN:
            break
    chain.reverse()
    negated = any(_negated(v) for v in chain)
    no_longer = any(_no_longer(v) for v in chain)
    inner = base_predicate(verb) + (vocab.ONGOING if _ongoing(verb) else "")
    return Clause(tuple(base_predicate(v) for v in chain[:-1]), inner, negated, no_longer)


def _ongoing(verb: Any) -> bool:
    """Whether ``verb`` says an ongoing relation (:attr:`~graphmem.extract.vocabulary.Predicate.ongoing`):
    such a verb in the present progressive ("I'm seeing Tom", "I've been seeing Tom since May") with a
    person as its object and no time but a *since* or *for* one ("I'm seeing Tom tomorrow" is a meeting)."""
    if verb.tag_ != "VBG" or not vocab.states_ongoing(verb.lemma_.lower()):
        return False
    auxes = [c for c in verb.children if c.dep_ == "aux"]
    if not any(a.tag_ in ("VBP", "VBZ") for a in auxes) or any(a.lower_ in _FUTURE_GO for a in auxes):
        return False
    people = [c for c in verb.children if c.dep_ == "dobj" and c.ent_type_ == "PERSON"]
    if not people or any(_seen_for_something(verb, p) for p in people):
        return False
    inside = {t.i for t in verb.subtree}
    for ent in verb.doc.ents:
        if ent.label_ not in _TIME_ENTS or ent.root.i not in inside or all(t.lower_ in _ONGOING_TIMES for t in ent):
            continue
        if ent.root.head.lower_ not in ("since", "for"):
            return False  # "tomorrow", "on Friday", "in two days": a meeting arranged
    return True


def _seen_for_something(verb: Any, person: Any) -> bool:
    """Whether "seeing" ``person`` reads as an appointment or an outing, not a relation: a title ("Dr.
    Lee"), a role in apposition that is not a partner ("Maria, my physiotherapist"), a purpose or a place
    ("about my back", "for my knee", "on Broadway"; only *since* and *for* + a time may follow), a
    frequency ("twice a week", "every Monday"), or several people at once ("Tom and Carla")."""
    if any(c.dep_ in ("compound", "nmod") and c.lower_.rstrip(".") in _TITLES for c in person.children):
        return True
    if any(c.dep_ == "appos" and c.lemma_.lower() not in _PARTNERS for c in person.children):
        return True
    if any(c.dep_ == "conj" for c in person.children):
        return True  # "seeing Tom and Carla": a meeting of several, not a couple
    for c in (*verb.children, *person.children):
        if c.dep_ != "prep":
            continue
        objects = [o for o in c.children if o.dep_ == "pobj"]
        timed = c.lower_ == "for" and objects and all(o.ent_type_ in _TIME_ENTS for o in objects)
        if c.lower_ != "since" and not timed:
            return True
    return any(t.lower_ in _FREQUENCY for t in verb.subtree)


def with_object(clause: Clause, suffix: str, passive: bool) -> Clause:
    """The clause with its object's preposition (``_to``) and voice (``be_`` for a passive)."""
    inner = clause.inner + suffix
    if passive:
        inner = f"be_{inner}"
    return Clause(clause.outer, inner, clause.negated, clause.no_longer)


def _statements(inner: str, subject_type: str | None, fits: Callable[[vocab.Predicate], bool]) -> str | None:
    for p in vocab.statements_for(inner):
        if subject_type in p.subject_types and fits(p):
            return p.name
    return None


def _closings(
    predicates: Iterable[vocab.Predicate], head: str, fits: Callable[[vocab.Predicate], bool], named: bool
) -> list[Reading]:
    """Closings of ``predicates``; a named object fits any (a closing only ends a fact it matches, so
    the type check a statement needs would only lose closings to NER's typing of names)."""
    out = []
    for p in predicates:
        if head in p.generic:
            out.append(Reading(p.name, closing=True, any_object=True))
        elif named or fits(p):
            out.append(Reading(p.name, closing=True))
    return out


def _plan(
    inner: str, subject_type: str | None, object_type: str | None, fits: Callable[[vocab.Predicate], bool]
) -> list[Reading]:
    """``plans`` for a wish with a concrete aim: a named object, or a verb that states a vocabulary
    predicate or is a plan verb ("want to visit Rome", "hope to adopt a dog", "want to learn Spanish");
    not "want to make a difference"."""
    plans = vocab.by_name("plans")
    if plans is None or subject_type not in plans.subject_types or not fits(plans):
        return []
    verb, *rest = inner.removeprefix("be_").split("_")
    if rest and not set(rest) & vocab.PLAN_PREPOSITIONS:
        return []  # "going into policymaking because of my degree": the degree is no aim
    concrete = object_type not in (None, "Topic") or verb in vocab.PLAN_VERBS
    return [Reading("plans")] if concrete or _statements(inner, subject_type, fits) is not None else []


def read(
    clause: Clause,
    subject_type: str | None,
    object_type: str | None,
    object_head: str,
    object_name: str,
    *,
    pronouns: bool = False,
    definite: bool = False,
) -> list[Reading]:
    """The vocabulary readings of a triple (see the module docs); empty: it is dropped.

    Args:
        clause: the verb's clause, object preposition included.
        subject_type: the subject entity's type.
        object_type: the object entity's type.
        object_head: the lemma of the object's head noun.
        object_name: the object entity's name.
        pronouns: both ends are pronouns ("I love you").
        definite: the object is a common noun with "the" ("I love the dark sky"): a reaction to
            something at hand, not a standing liking.
    """

    inner = clause.inner

    def fits(p: vocab.Predicate) -> bool:
        # "I work at Hackney Music School": where one works is a workplace whatever its name says
        return p.fits(object_type, object_head, object_name, excluding=inner not in _WORKING)

    outer = set(clause.outer)
    named = object_type not in (None, "Topic")
    if pronouns or (not named and object_head in vocab.VAGUE):
        return []
    ending = clause.no_longer or bool(outer & vocab.ASPECT_ENDINGS)
    if outer & vocab.ATTEMPTS and (ending or any(vocab.endings_for(inner))):
        return []  # "I tried to quit my job at Acme", "I was supposed to leave": nothing ended
    if ending:
        return _closings(vocab.statements_for(inner), object_head, fits, named)
    if clause.negated:
        return [Reading("dislikes")] if inner in _LIKING and object_type not in (None, "Person") else []
    if outer & vocab.ASPECT_PLANS:
        return _plan(inner, subject_type, object_type, fits)
    stated = _statements(inner, subject_type, fits)
    declared = vocab.by_name(stated) if stated is not None else None
    if outer & vocab.ATTEMPTS and declared is not None and declared.single_valued:
        return []  # "I tried to join Google in 2019": no job, nor its start ("I tried writing a story" stays)
    if stated == "likes" and definite and not named:
        return []
    if stated is not None:
        return [Reading(stated)]
    ended = _closings(_ends_of(inner, object_type, object_name), object_head, fits, named)
    if ended:
        return ended
    verb = inner.removeprefix("be_").split("_")[0]
    if subject_type in (None, "Topic") or verb in vocab.LIGHT_VERBS or verb in _EMPLOYING or not named:
        return []
    return [Reading("said_about")]


def _ends_of(inner: str, object_type: str | None, object_name: str) -> list[vocab.Predicate]:
    """The predicates the ending ``inner`` ends of its object: of a name that says a firm by its last word
    ("I quit Fernwood Labs", "I left Acme Inc"), the job alone, as "I quit my job at Fernwood Labs" says; of
    any other, each predicate the ending may end ("I quit Globex": a job, or a game?)."""
    ends = list(vocab.endings_for(inner))
    if object_type not in (None, "Topic") and firm_word_name(object_name, object_type):
        return [p for p in ends if p.name == _FIRMS_ENDED] or ends
    return ends


def _subjects(verb: Any) -> list[Any]:
    found = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
    node, hops = verb, 0
    while not found and node.dep_ in ("conj", "xcomp", "advcl") and node.head is not node and hops < 3:
        node = node.head
        found = [c for c in node.children if c.dep_ in _SUBJECT_DEPS]
        hops += 1
    return [t for s in found for t in (s, *s.conjuncts)]


def _objects(verb: Any) -> Iterator[tuple[Any, str]]:
    """The verb's objects with the preposition suffix they add (``""``, ``"_of"``, ``"_out_of"``)."""
    for c in verb.children:
        if c.dep_ in _DIRECT_DEPS:
            yield c, ""
        elif c.dep_ == "prep":
            for g in c.children:
                if g.dep_ == "pobj":
                    yield g, f"_{c.lower_}"
                elif g.dep_ == "prep":  # "out of"
                    yield from ((h, f"_{c.lower_}_{g.lower_}") for h in g.children if h.dep_ == "pobj")
    yield from ((name, "") for name in adverbial_names(verb))


def adverbial_names(verb: Any) -> list[Any]:
    """Names the parser hung on ``verb`` as adverbs that are its object: en_core_web_sm reads the
    sentence-final "Sara" of "I'm dating Sara." or "I met Sara." as an ``advmod`` of the verb (with a word
    after it, "I'm dating Sara now.", it is the ``dobj``). A proper noun that is an adverbial of a verb
    with no object of its own, right after the verb (a run of proper nouns: nothing, not even a comma,
    between), and no date or time, is read as the object; an addressee set off by a comma ("That's
    great, Sara!") or a date ("it happened last Friday") is not."""
    if any(c.dep_ in _DIRECT_DEPS for c in verb.children):
        return []
    out = []
    for child in verb.rights:
        if child.dep_ not in ("advmod", "npadvmod") or child.pos_ != "PROPN" or child.ent_type_ in _TIME_ENTS:
            continue
        if child.left_edge.i == verb.i + 1 and all(t.pos_ == "PROPN" for t in verb.doc[verb.i + 1 : child.i]):
            out.append(child)
    return out


def _has_object(verb: Any, entity_of: Mapping[int, str]) -> bool:
    """Whether the verb has a direct object, or a prepositional one that is an entity and no date."""
    return any(not suffix or (o.i in entity_of and o.ent_type_ not in _TIME_ENTS) for o, suffix in _objects(verb))


def _generic_closings(verb: Any, entity_of: Mapping[int, str], base: str) -> Iterator[tuple[Any, str]]:
    """``(object token, predicate)`` for an ending whose object is a generic noun that names no entity:
    "I quit my job", "I moved out of the apartment", "I broke up with my boyfriend"."""
    for obj, suffix in _objects(verb):
        if obj.i in entity_of and obj.pos_ != "NOUN":
            continue
        head = obj.lemma_.lower()
        for p in vocab.endings_for(base + suffix):
            if head in p.generic:
                yield obj, p.name


Closing = tuple[str | None, str, str | None, Any]


def not_done(verb: Any) -> bool:
    """Whether ``verb`` was only nearly or not really done: said with *almost* or *nearly* ("I almost
    left Acme"), or the complement of an attempt ("I tried to quit", "I failed to leave")."""
    if any(c.dep_ == "advmod" and c.lower_ in _ALMOST for c in verb.children):
        return True
    node = verb
    for _ in range(3):
        if node.dep_ != "xcomp" or node.head is node:
            return False
        node = node.head
        if base_predicate(node) in vocab.ATTEMPTS:
            return True
    return False


def intransitive_closings(
    verbs: Iterable[Any], entity_of: Mapping[int, str], speaker_id: str | None
) -> Iterator[Closing]:
    """``(subject, predicate, object, verb)`` closings of endings said with no object.

    "I quit", "I got laid off", "I quit my job" (a generic noun names no entity) end the speaker's
    current job; "we broke up", "Ana and I split up" the relationship ("we" is the speaker's side);
    "Max passed away", "my cat ran away" end every pet, child or partner fact whose object is Max or
    the cat (the subject is left open).
    """
    for verb in verbs:
        if verb.lemma_ == "be" and verb.pos_ == "AUX":
            yield from _unattached(verb, entity_of, speaker_id)
        if verb.pos_ != "VERB" or _negated(verb) or not_done(verb):
            continue
        base = base_predicate(verb)
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)  # "Rex had to be put down"
        if passive:
            base = f"be_{base}"
        generic = list(_generic(verb, entity_of, speaker_id, base))
        gone = _gone(verb, base)
        if generic or _has_object(verb, entity_of):
            yield from generic
        elif gone in REVERSIBLE_LOSSES:  # "Pepper went missing": a pet lost, not "for an hour" nor "every weekend"
            if not _passing(verb):
                pets = {s.i: e for s in _subjects(verb) if (e := entity_of.get(s.i)) and _pet_like(s)}
                yield from _vanished(verb, pets, speaker_id, _LOST)
        elif gone is not None:
            yield from _vanished(verb, entity_of, speaker_id)
        elif passive and (lost := [p.name for p in vocab.endings_for(base[3:]) if p.name in _LOST]):
            yield from _vanished(verb, entity_of, speaker_id, lost)  # "Rex had to be put down": whoever's pet
        elif base in _INTRANSITIVE:
            yield from _ended(verb, entity_of, speaker_id, _INTRANSITIVE[base])
        elif base in _ENDING and speaker_id is not None:
            yield from _job_ended(verb, entity_of, speaker_id)
        elif base == "leave":
            yield from _left_after_notice(verb, entity_of, speaker_id)


def _gone(verb: Any, base: str) -> str | None:
    """The ending of :data:`~graphmem.extract.vocabulary.VANISHING` that ``verb`` (read as ``base``) tells, with
    the complement that makes it one ("went missing": ``go_missing``), or ``None``."""
    if base in vocab.VANISHING:
        return base
    for c in verb.children:
        if c.dep_ in ("acomp", "advcl", "oprd") and c.i == verb.i + 1 and f"{base}_{c.lower_}" in vocab.VANISHING:
            return f"{base}_{c.lower_}"
    return None


def _passing(verb: Any) -> bool:
    """Whether the loss ``verb`` tells was passing or habitual, no end of anything: a duration ("for an hour",
    "during the night"), a "when" or "while" clause ("when she was a kitten"), the present ("goes missing") or
    a frequency ("often", "every weekend")."""
    if verb.tag_ in ("VBZ", "VBP"):
        return True
    near = [verb, *(c for c in verb.children if c.dep_ in ("acomp", "advcl", "oprd", "prt"))]
    for tok in (c for n in near for c in n.children):
        if tok.dep_ == "prep" and tok.lower_ in _SPANS and any(c.dep_ == "pobj" for c in tok.children):
            return True
        if tok.dep_ == "advmod" and tok.lower_ in _FREQUENCIES:
            return True
        if tok.dep_ == "npadvmod" and any(c.lower_ in ("every", "each") for c in tok.children):
            return True
        if tok.dep_ == "advcl" and any(c.lower_ in ("when", "while", "whenever") for c in tok.children):
            return True
    return False


def _pet_like(tok: Any) -> bool:
    """Whether a lost subject may be a pet: a name ("Pepper") or an animal ("my cat"), not "my keys"."""
    return tok.pos_ == "PROPN" or tok.lemma_.lower() in ANIMALS


def _who(subjects: Iterable[Any], entity_of: Mapping[int, str], speaker_id: str | None) -> list[str]:
    ids = (entity_of.get(s.i) or (speaker_id if s.lower_ in _WE else None) for s in subjects)
    return [i for i in dict.fromkeys(ids) if i is not None]


def _generic(verb: Any, entity_of: Mapping[int, str], speaker_id: str | None, base: str) -> Iterator[Closing]:
    predicates = sorted({p for _, p in _generic_closings(verb, entity_of, base)})
    for who in _who(_subjects(verb), entity_of, speaker_id) if predicates else ():
        for predicate in predicates:
            yield who, predicate, None, verb


def _vanished(
    verb: Any, entity_of: Mapping[int, str], speaker_id: str | None, predicates: Iterable[str] = _GONE
) -> Iterator[Closing]:
    for s in _subjects(verb):
        eid = entity_of.get(s.i)
        if eid is not None and eid != speaker_id:
            for predicate in predicates:
                yield None, predicate, eid, verb


def _unattached(verb: Any, entity_of: Mapping[int, str], speaker_id: str | None) -> Iterator[Closing]:
    """Closings of a relationship said over with "be" in the present: "I'm single now" (of whichever partner or
    spouse), "Sara and I aren't together anymore", "we're no longer together" (of each other, or of the
    speaker's partner for "we")."""
    if verb.tag_ not in ("VBP", "VBZ"):
        return  # "I was single then", "we weren't together yet": no news about now
    single = any(c.dep_ == "acomp" and c.lower_ in _SINGLE for c in verb.children) and not _negated(verb)
    together = any(c.dep_ == "advmod" and c.lower_ == "together" for c in verb.children)
    if single:
        yield from _ended(verb, entity_of, speaker_id, ("dating", "married_to"))
    elif together and (_negated(verb) or _no_longer(verb)):
        known = _who(_subjects(verb), entity_of, speaker_id)
        if len(known) == 2 or any(s.lower_ in _WE for s in _subjects(verb)):
            yield from _ended(verb, entity_of, speaker_id, ("dating", "married_to"))


def _job_ended(verb: Any, entity_of: Mapping[int, str], speaker_id: str) -> Iterator[Closing]:
    """The speaker's job said to end ("My job at Acme ended", "my contract with Acme finished"): of the
    workplace after "at"/"with"/"for" when it is an entity, else whichever job is held, unless the job is
    qualified as another one ("my old job ended" after "I work at Globex")."""
    for job in _subjects(verb):
        if job.lemma_.lower() not in _JOB_NOUNS or not any(c.dep_ == "poss" and c.lower_ == "my" for c in job.children):
            continue
        if any(c.dep_ == "compound" and c.lemma_.lower() not in _JOB_NOUNS for c in job.children):
            continue  # "my phone contract": no job
        places = [
            entity_of[o.i]
            for prep in job.children
            if prep.dep_ == "prep" and prep.lower_ in ("at", "with", "for")
            for o in prep.children
            if o.dep_ == "pobj" and o.i in entity_of and o.ent_type_ not in _TIME_ENTS
        ]
        if places:
            yield from ((speaker_id, "works_at", place, verb) for place in places)
        elif not any(c.dep_ in ("amod", "det") and c.lower_ in _OTHER for c in job.children):
            yield speaker_id, "works_at", None, verb


def _left_after_notice(verb: Any, entity_of: Mapping[int, str], speaker_id: str | None) -> Iterator[Closing]:
    """ "I handed in my notice at Acme and left in May": the job of the notice ends when its giver leaves
    (notice alone leaves the job held until then); of the workplace after "at"/"with"/"for", else whichever
    job is held."""
    gave = verb.head
    if verb.dep_ != "conj" or gave.lemma_.lower() not in _GIVING:
        return
    notices = [c for c in gave.children if c.dep_ == "dobj" and c.lemma_.lower() in _NOTICES]
    places: list[str | None] = [
        entity_of[o.i]
        for token in (gave, *notices)
        for prep in token.children
        if prep.dep_ == "prep" and prep.lower_ in ("at", "with", "for")
        for o in prep.children
        if o.dep_ == "pobj" and o.i in entity_of and o.ent_type_ not in _TIME_ENTS
    ]
    for who in _who(_subjects(verb), entity_of, speaker_id) if notices else ():
        yield from ((who, "works_at", place, verb) for place in places or [None])


def _ended(
    verb: Any, entity_of: Mapping[int, str], speaker_id: str | None, predicates: tuple[str, ...]
) -> Iterator[Closing]:
    known = _who(_subjects(verb), entity_of, speaker_id)
    for predicate in predicates:
        if len(known) == 2 and predicate in ("dating", "married_to"):  # "Ana and I split up"
            yield known[0], predicate, known[1], verb
            yield known[1], predicate, known[0], verb
            continue
        for subject in known:
            yield subject, predicate, None, verb
