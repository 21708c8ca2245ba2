"""Stage 2: entities and mentions from a parsed turn.

Named entities come from spaCy NER, typed by :data:`NER_TYPES`, with only the name's own tokens (no
greeting); quoted titles are kept whole ("Charlotte's Web" is one Work); a one-word name opening a
sentence whose word the batch uses in lower case is no name ("Guitar's mostly my thing"). Speakers are
Person entities (the SPOKEN_BY edge is a mention with role ``speaker``), also where NER missed their
name; first-person pronouns are mentions of the speaker and second-person pronouns mentions of the
addressee; useful noun chunks become ``Topic`` candidates (generic words, pronouns, determiners, time
words and names already known are filtered out; which topics are salient enough to keep is decided at
merge time by :func:`graphmem.extract.resolve.keep_salient_topics`). Each mention carries a role from
the parse: ``subject``, ``object`` or ``mention``.

The :class:`EntityRegistry` gives every distinct (type, normalised name) one deterministic id within a
batch; fuzzy merging across names and against stored entities is :mod:`graphmem.extract.resolve`'s job.
"""

from __future__ import annotations

import re
from typing import Any

from graphmem.extract.appositions import appositions
from graphmem.extract.firms import firm_name
from graphmem.extract.name_chains import joined_ents
from graphmem.extract.names import words
from graphmem.extract.nlp import unknown_noun
from graphmem.extract.registry import EntityRegistry, TurnAnnotation, is_subject, role_of
from graphmem.extract.relations import FAMILY_ROLES, activity_gerunds, activity_subjects, kin_name
from graphmem.extract.travel import travel_place
from graphmem.extract.vocabulary import ANIMALS, PARTNERS, SPOUSES

__all__ = [
    "GENERIC_WORDS",
    "NER_TYPES",
    "EntityRegistry",
    "TurnAnnotation",
    "annotate",
    "role_of",
    "topic_name",
    "topic_names",
]

#: spaCy NER label → entity type. DATE and TIME go to the time stage; numbers and money are dropped.
NER_TYPES = {
    "PERSON": "Person",
    "GPE": "Place",
    "LOC": "Place",
    "FAC": "Place",
    "ORG": "Organization",
    "NORP": "Group",
    "EVENT": "Occasion",
    "WORK_OF_ART": "Work",
    "PRODUCT": "Product",
    "LANGUAGE": "Language",
    "LAW": "Work",
}
TIME_LABELS = frozenset({"DATE", "TIME"})

FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "u", "ur"})
_PRONOUNS = (
    FIRST_PERSON
    | SECOND_PERSON
    | words(
        "we us our ours ourselves he him his himself she her hers herself it its itself they them their theirs "
        "themselves this that these those who whom whose which what someone somebody anyone anybody everyone "
        "everybody something anything everything nothing one ones"
    )
)

#: Words too common or too vague to be a topic on their own (they would tie unrelated turns together).
GENERIC_WORDS = words(
    """
    thing things stuff lot lots time times way ways day days bit kind kinds sort sorts one ones something
    anything everything nothing someone anyone everyone people person guy guys folks place places part
    idea ideas moment moments today tonight yesterday tomorrow year years week weeks month months hour
    hours minute minutes weekend hey hi hello wow lol haha omg yeah yes no nope thanks thank ok okay bye
    congrats congratulations cheers gosh oh ah aw awesome cool great photo photos picture pictures pic
    pics image images fun question questions answer answers news update updates chat talk word words
    matter reason reasons point points fact facts case number end start rest side sense look deal life
    world mind feeling feelings experience experiences lots while others other type types example course
    plenty tons ton bunch couple piece pieces level area areas anyway dear sure wish wishes luck shot
    good best well job work step steps journey goal goals plan plans effort memories memory situation
    load loads lotta kinda sorta gonna wanna ya yep nah phew fyi btw lmao xoxo
    """
)
# Leading modifiers dropped from a topic: they say how the speaker feels, not what the topic is.
_STOP_MODIFIERS = words(
    "great good nice awesome amazing cool wonderful lovely fantastic incredible best better favorite "
    "favourite such other own same whole real huge special different certain few many much several some "
    "any every each lot bit little super totally really so very pretty big small new old last next first "
    "entire true perfect beautiful fun exciting interesting important hard tough crazy sweet cute "
    "poor dear lucky sad silly stupid lil adorable gorgeous precious darling brave wise kinda sorta"
)
_CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ"})
_PROPER_TAGS = frozenset({"NNP", "NNPS"})
_TITLE_LABELS = frozenset({"WORK_OF_ART", "EVENT", "LAW", "NORP", "LANGUAGE"})
# Parts of speech of function words, which a name holds only inside ("Bank of America", "Stratford-upon-Avon")
_FUNCTION_POS = frozenset({"ADP", "DET", "CCONJ", "SCONJ", "PART"})
# Greetings and fillers that NER glues onto names ("Congrats Caroline", "ya, Melanie").
_INTERJECTIONS = words(
    "hey hi hello bye goodbye congrats congratulations thanks thank ya yeah yes yep wow oh omg dear sup yo "
    "haha lol ok okay cheers hugs aw aww awww wanna gonna nah phew welcome glad agreed sure woah whoa woo "
    "woohoo yay yikes hmm ugh"
)
# Times of day said as a greeting, which NER glues onto a name ("Morning Leo", "Evening all").
_DAY_GREETINGS = words("morning mornin evening afternoon night nite")
# Adverbs opening a sentence that the tagger takes for a first name ("Sadly Pipo died": Pipo died).
_SENTENCE_ADVERBS = words(
    "sadly unfortunately fortunately luckily thankfully hopefully honestly apparently obviously actually "
    "basically finally suddenly recently tragically"
)
# Nouns that carry a greeting, not a topic ("Tell Inês congratulations").
_GREETING_HEADS = _INTERJECTIONS | words(
    "congratulation kudos condolences condolence regards props wishes hug hugs greetings greeting"
)
_DATE_WORDS = words(
    "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday "
    "jan feb mar apr jun jul aug sep sept oct nov dec last next this january february march april may june "
    "july august september october november december"
)
_MAX_TOPIC_TOKENS = 4
_MAX_NAME_CHARS = 60


def _entity_name(ent: Any, nouns: frozenset[str] | None = None) -> tuple[str, int, int] | None:
    """The name of an NER span with greetings and articles stripped, and the token range it keeps
    (``start``, ``end`` exclusive), or ``None`` if it is not a name."""
    tokens = list(ent)
    titled = ent.label_ in _TITLE_LABELS
    while tokens and (
        tokens[0].is_punct
        or tokens[0].lower_ in _INTERJECTIONS
        or tokens[0].pos_ == "DET"
        or _edge_word(tokens[0])  # "on Bristol"
        # "Morning Leo!": a greeting NER took for a first name
        or (ent.label_ == "PERSON" and len(tokens) > 1 and tokens[0].lower_ in _DAY_GREETINGS)
        # "Anytime Nate", "Tell Inês": a name starts at a proper noun (titles of works may not)
        or (not titled and len(tokens) > 1 and tokens[0].tag_ not in _PROPER_TAGS)
    ):
        tokens.pop(0)
    while tokens and (tokens[-1].is_punct or tokens[-1].tag_ == "POS" or _edge_word(tokens[-1])):
        tokens.pop()
    if not tokens:
        return None
    if all(t.lower_.strip(".") in _DATE_WORDS for t in tokens):
        return None  # "Last Fri": a date the NER mislabelled
    if len(tokens) == 1 and tokens[0].tag_ == "UH":
        return None  # an interjection ("Woohoo")
    # a name has a proper-noun token; NORP and LANGUAGE may be adjectives ("Swedish") but capitalised
    capitalised = tokens[0].text[:1].isupper()
    if (
        not any(t.tag_ in _PROPER_TAGS for t in tokens)
        and not (capitalised and ent.label_ in _TITLE_LABELS)
        and not _common_tagged_person(ent, tokens, nouns)
    ):
        return None
    doc = ent.doc
    text = doc[tokens[0].i : tokens[-1].i + 1].text
    if text.endswith(("'s", "’s")):
        text = text[:-2]
    text = text.strip(" .,;:!?\"'()[]{}-–—*~")
    return (text, tokens[0].i, tokens[-1].i + 1) if text else None


def _edge_word(tok: Any) -> bool:
    """Whether a word at the edge of an NER span is a function word NER ran into the name ("I moved to Bristol
    on 1 June": "Bristol on"), not part of it: one written capitalised is the name's ("Bring It On")."""
    return tok.pos_ in _FUNCTION_POS and not tok.text[:1].isupper()


def _common_tagged_person(ent: Any, tokens: list[Any], nouns: frozenset[str] | None) -> bool:
    """Whether an NER person is one capitalised word the tagger took for a common noun and the dictionary
    does not know (:func:`unknown_noun`): then NER is believed. A word the batch uses in lower case is still
    left to the topics (:func:`_weak_name`)."""
    return nouns is not None and ent.label_ == "PERSON" and len(ent) == 1 and unknown_noun(tokens[0], nouns)


def _useful_name(name: str) -> bool:
    if not name or len(name) > _MAX_NAME_CHARS or not any(c.isalpha() for c in name):
        return False
    lower = name.lower()
    return lower not in _PRONOUNS and lower not in GENERIC_WORDS


def _acronym(ent: Any, start: int, end: int) -> bool:
    """Whether NER's place or body ``ent`` (tokens ``start`` to ``end``) is an all-caps acronym that is a pronoun in
    lower case used as a name: with a determiner ("the US"), a preposition's object, a compound or an apposition;
    never a verb's object or subject ("Join US", "send US the photos", "LET US know")."""
    tok = ent.doc[start]
    if ent.label_ not in ("GPE", "ORG") or end - start != 1 or tok.tag_ not in _PROPER_TAGS:
        return False
    if len(tok.text) < 2 or not tok.text.isalpha() or not tok.text.isupper():
        return False
    named = tok.dep_ in ("pobj", "compound", "appos") or any(c.dep_ == "det" for c in tok.children)
    return named and any(t.is_alpha and not t.is_upper and len(t.text) > 1 for t in tok.sent if t.i != tok.i)


def _proper(tok: Any) -> bool:
    """A proper noun, or a noun written like one inside a sentence ("poor Bolt" tagged as a noun)."""
    if tok.pos_ == "PROPN":
        return tok.text[:1].isupper() or tok.tag_ in _PROPER_TAGS
    return tok.pos_ == "NOUN" and tok.text[:1].isupper() and not tok.is_sent_start and not tok.text.isupper()


def _without_role(kept: list[Any]) -> list[Any]:
    """A proper name's words without the role or animal noun the parser compounded with it ("with my dog
    Pipo" → "Pipo", "my guinea pig Oscar" → "Oscar"): the noun is what the name is, not part of it."""
    run = 0
    while run < len(kept) - 1 and kept[run].pos_ == "NOUN" and kept[run].text[:1].islower():
        run += 1
    if not run:
        return kept
    nouns = kept[:run]
    last = nouns[-1].lemma_.lower()
    joined = "_".join([*(t.lower_ for t in nouns[:-1]), last])
    return kept[run:] if joined in ANIMALS or last in ANIMALS or last in ROLE_NOUNS else kept


def topic_names(tokens: list[Any]) -> tuple[str, str] | None:
    """The readable name and the identity key of a noun chunk's topic, or ``None`` when nothing useful
    is left.

    The name starts after the last coordinating conjunction or punctuation, at the first noun, proper
    noun or adjective that is not merely evaluative ("poor", "great"); lower-case adjectives before a
    proper noun go too ("poor Bolt" → "Bolt"), as does a role or animal noun the parser compounded with it
    ("with my dog Pipo" → "Pipo") and a sentence adverb the tagger took for a first name ("Sadly Pipo").
    It keeps the words as written, common nouns lower-cased ("my two kids" → ``kids``); the key lemmatises
    the head (``kid``), so singular and plural are one topic. A generic head ("time", "photo") with only
    adjectives before it, and a greeting ("Inês congratulations"), give ``None``.
    """
    cut = 0
    for i, tok in enumerate(tokens):
        if tok.pos_ == "CCONJ" or tok.is_punct or tok.tag_ == "POS":
            cut = i + 1  # "acceptance and love theme" -> "love theme"; "Genly Ai's journey" -> "journey"
    tokens = tokens[cut:]
    start = 0
    while start < len(tokens) and (
        tokens[start].pos_ not in _CONTENT_POS
        or tokens[start].dep_ == "poss"
        or tokens[start].lower_ in _STOP_MODIFIERS
        or tokens[start].lower_ in _INTERJECTIONS
        or tokens[start].lower_ in _SENTENCE_ADVERBS
    ):
        start += 1
    kept = tokens[start:][-_MAX_TOPIC_TOKENS:]
    if not kept:
        return None
    head = kept[-1]
    if head.pos_ not in ("NOUN", "PROPN") or not head.is_alpha:
        return None
    if head.lower_ in _GREETING_HEADS or head.lemma_.lower() in _GREETING_HEADS:
        return None
    if _proper(head):
        while len(kept) > 1 and kept[0].pos_ == "ADJ" and kept[0].text[:1].islower():
            kept = kept[1:]
        kept = _without_role(kept)
    if head.lower_ in GENERIC_WORDS and all(t.pos_ == "ADJ" for t in kept[:-1]):
        return None
    parts: list[str] = []
    for tok in kept:
        if not any(c.isalnum() for c in tok.text):
            return None
        parts.append(tok.text if _proper(tok) else tok.lower_)
    key_parts = list(parts)
    if head.pos_ == "NOUN" and not _proper(head):
        lemma = head.lemma_.lower()
        key_parts[-1] = lemma if lemma and lemma.isalpha() else head.lower_
    if len(parts) == 1 and (key_parts[0].lower() in GENERIC_WORDS or len(parts[0]) < 3):
        return None
    name, key = " ".join(parts), " ".join(key_parts)
    return (name, key) if _useful_name(name) and _useful_name(key) else None


def topic_name(tokens: list[Any]) -> str | None:
    """The readable topic name of a noun chunk's tokens (see :func:`topic_names`), or ``None``."""
    found = topic_names(tokens)
    return found[0] if found is not None else None


_QUOTED = (
    re.compile(r'["“]([^"“”\n]{1,80}?)["”]'),
    re.compile(r"(?<![\w'’])['‘]([^'‘’\n]{1,60}?)['’](?![\w'’])"),
)
_SENTENCE_END = frozenset(".!?")


def _quoted_titles(doc: Any) -> list[tuple[int, int, str, str]]:
    """Titles written in quotes: ``(start char, end char, name, type)``.

    A quoted run of at most ten words whose first word is capitalised and whose other words are
    capitalised or function words ("Charlotte's Web", 'Connected LGBTQ Activists', "The Lord of the
    Rings") names one thing, whatever NER made of its parts. It is a ``Work`` unless NER labels the whole
    run an organisation. A quoted sentence ("Turn on the light ...") is no title.
    """
    text = doc.text
    out: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _QUOTED:
        for m in pattern.finditer(text):
            inner = m.group(1)
            stripped = inner.strip(" ,;:-–—")
            if stripped[-1:] in _SENTENCE_END:
                stripped = stripped[:-1].rstrip()
            if not stripped or (not stripped[0].isupper() and not stripped[0].isdigit()):
                continue
            start = m.start(1) + inner.index(stripped)
            end = start + len(stripped)
            if any(start < e and s < end for s, e in taken):
                continue
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or len(span) > 12:
                continue
            alpha = [t for t in span if t.is_alpha]
            if not alpha or len(alpha) > 10:
                continue
            if not all(t.text[:1].isupper() or t.is_stop or t.text.isdigit() for t in alpha):
                continue
            if any(t.text in _SENTENCE_END for t in span[:-1]):
                continue
            type_ = "Work"
            for ent in doc.ents:
                if ent.label_ == "ORG" and ent.start <= span.start and ent.end >= span.end:
                    type_ = "Organization"
            taken.append((start, end))
            out.append((start, end, stripped, type_))
    return out


#: Nouns naming someone by their relation to a person: "my brother", "your boss", "Jon's best friend".
ROLE_NOUNS = (
    FAMILY_ROLES
    | PARTNERS
    | SPOUSES
    | words(
        """
        boss manager supervisor friend bestie bff roommate flatmate housemate coworker colleague neighbor
        neighbour mentor therapist coach teacher doctor stepmom stepdad mom dad
        """
    )
)


def _role_owner(
    root: Any, ann: TurnAnnotation, registry: EntityRegistry, addressee_sure: bool, speaker_id: str | None
) -> str | None:
    """The person whose relation a role noun names ("my brother": the speaker; "your brother": the addressee
    when ``addressee_sure``; "Jon's sister": Jon; "Mom said", a kinship word used as a name: the speaker), or
    ``None``: then the noun is a plain topic."""
    if kin_name(root):
        return speaker_id if speaker_id is not None and registry.type_of(speaker_id) == "Person" else None
    if root.pos_ != "NOUN" or (root.lemma_.lower() not in ROLE_NOUNS and root.lower_ not in ROLE_NOUNS):
        return None
    poss = next((c for c in root.children if c.dep_ == "poss"), None)
    if poss is None or (poss.lower_ in SECOND_PERSON and not addressee_sure):
        return None
    owner = ann.tokens.get(poss.i)
    return owner if owner is not None and registry.type_of(owner) == "Person" else None


def _possessed_role(noun: Any) -> bool:
    """Whether a noun is a role one person has to another ("brother", "boss"), as in "Sofia's brother"."""
    return noun.pos_ == "NOUN" and (noun.lemma_.lower() in ROLE_NOUNS or noun.lower_ in ROLE_NOUNS)


#: Roles an organisation or a place holds too ("Chelsea's manager", "Portugal's coach"): their owner keeps its type.
_INSTITUTIONAL_ROLES = words("manager coach teacher doctor therapist mentor supervisor")


def _owns_a_person(tok: Any) -> bool:
    """Whether a proper noun is the possessor of a role only a person has ("Jordan's brother", "Jordan's boss";
    not "Chelsea's manager")."""
    head = tok.head
    return (
        tok.dep_ == "poss"
        and tok.pos_ == "PROPN"
        and _possessed_role(head)
        and head.lemma_.lower() not in _INSTITUTIONAL_ROLES
        and head.lower_ not in _INSTITUTIONAL_ROLES
    )


def _weak_name(doc: Any, start: int, end: int, registry: EntityRegistry) -> bool:
    """Whether a one-word name stands where a capital letter says nothing (a sentence's first word)
    and the word is used in lower case in this batch: "Guitar's mostly my thing", "Blue calms me"."""
    if end - start != 1:
        return False
    tok = doc[start]
    first = tok.is_sent_start or (tok.i > 0 and doc[tok.i - 1].is_punct and doc[tok.i - 1].is_sent_start)
    return bool(first) and registry.seen_lower(tok.lower_)


def _name_word(tok: Any) -> bool:
    """A capitalised word inside a sentence that may be part of a name (not "I", not a greeting)."""
    return (
        not tok.is_sent_start
        and tok.text[:1].isupper()
        and any(c.isalpha() for c in tok.text)
        and tok.text != "I"
        and tok.lower_ not in _INTERJECTIONS
        and tok.tag_ != "UH"
        and (tok.i == 0 or not tok.doc[tok.i - 1].is_punct or tok.doc[tok.i - 1].text in ("-", "&"))
    )


def _more_name(doc: Any, i: int) -> bool:
    """Whether the word after token ``i`` goes on a name ("Ana Lopez"): then a participant's first name
    there is someone else's full name, not the participant."""
    return i + 1 < len(doc) and doc[i + 1].pos_ == "PROPN" and _name_word(doc[i + 1])


def _claim(ann: TurnAnnotation, doc: Any, start: int, end: int, eid: str) -> None:
    """Map the tokens of a name to its entity and record the span and its role."""
    span = doc[start:end]
    for i in range(start, end):
        ann.tokens[i] = eid
    end_char = span.end_char
    if span.text.endswith(("'s", "’s")):
        end_char -= 2
    ann.spans.append((span.start_char, end_char, eid))
    ann.mention(eid, role_of(span.root))


def annotate(
    doc: Any,
    registry: EntityRegistry,
    *,
    speaker_id: str | None,
    addressee_id: str | None,
    addressee_sure: bool = False,
    nouns: frozenset[str] | None = None,
) -> TurnAnnotation:
    """Find the entities, pronoun references and time spans of one parsed turn (stage 2).

    ``addressee_sure``: the addressee is certain (a dialogue of two), so "your brother" is theirs; otherwise
    a second person's role noun stays a plain topic. ``nouns``: the language's nouns (a dictionary), so a
    first name the tagger took for a noun and NER for a person is a name when it is no word ("Rui said").
    """
    ann = TurnAnnotation()
    fresh: set[str] = set()  # the topics this turn adds to the registry
    in_time: set[int] = set()
    in_entity: set[int] = set()
    registry.note_words(doc)
    for start_char, end_char, title_name, title_type in _quoted_titles(doc):
        span = doc.char_span(start_char, end_char, alignment_mode="expand")
        title = registry.speaker_for(title_name) or registry.add(title_name, title_type)
        for i in range(span.start, span.end):
            ann.tokens[i] = title
        in_entity.update(range(span.start, span.end))
        ann.spans.append((start_char, end_char, title))
        ann.mention(title, role_of(span.root))
    for ent in joined_ents(doc, NER_TYPES):  # "Stratford-upon-Avon" whole, where NER cut it
        if any(i in in_entity for i in range(ent.start, ent.end)):
            continue  # part of a quoted title
        label = ent.label_
        if label in TIME_LABELS:
            ann.times.append(ent)
            in_time.update(range(ent.start, ent.end))
            if all(t.pos_ == "PROPN" and t.lower_ not in _DATE_WORDS for t in ent):
                occasion = registry.add(ent.text, "Occasion")  # "Thanksgiving": a date and an occasion
                in_entity.update(range(ent.start, ent.end))
                _claim(ann, doc, ent.start, ent.end, occasion)
            continue
        type_ = NER_TYPES.get(label)
        if type_ is None:
            continue
        found = _entity_name(ent, nouns)
        if found is None or not (_useful_name(found[0]) or _acronym(ent, found[1], found[2])):
            continue
        if len(ent) == 1 and kin_name(ent[0]):
            continue  # "I visited Grandma": the speaker's grandma (a role topic), not a person named Grandma
        name, start, end = found
        retypable = False  # whether nothing in the sentence says what the name is but NER's guess
        if type_ != "Person" and _owns_a_person(ent.root):
            type_ = "Person"  # "Jordan's brother" with Jordan taken for the country: only a person has a brother
        elif firm_name(ent, type_):
            type_ = "Organization"  # "I work at Contoso Labs", "joined Northwind Games": NER's person, event
        elif (type_ in ("Group", "Product") or (type_ == "Person" and len(ent) == 1)) and travel_place(ent.root):
            type_ = "Place"  # "Have you been to Porto?", "a train to Porto", "I moved to Leeds": NER's person, product
        else:
            retypable = True
        # "Under Armour", "J.K. Rowling": capitalised words just before a name inside a sentence belong to it
        while start > 0 and _name_word(doc[start - 1]) and start - 1 not in in_time:
            start -= 1
            if start in in_entity:
                break
        if start < found[1]:
            for i, (s0, _, _) in enumerate(ann.spans):
                if doc[start].idx <= s0 < doc[found[1]].idx:
                    del ann.spans[i]
                    break
            name = doc[start:end].text
            if name.endswith(("'s", "’s")):
                name = name[:-2]
        named = registry.speaker_for(name)
        if named is None and retypable and is_subject(doc[start:end].root):
            # "Maria hates her job" (NER: a nationality) after "I met Maria": the person met before
            named = registry.person_named(name, type_)
        if named is None:
            if _weak_name(doc, start, end, registry):
                continue  # a common word at the start of a sentence: left to the topics
            named = registry.add(name, type_)
        in_entity.update(range(ent.start, ent.end))
        _claim(ann, doc, start, end, named)
    for tok in doc:
        # a participant named where NER saw no name ("Cool, Jon!")
        if tok.i not in in_entity and tok.is_title and tok.is_alpha and not _more_name(doc, tok.i):
            participant = registry.speaker_for(tok.text)
            if participant is not None:
                in_entity.add(tok.i)
                _claim(ann, doc, tok.i, tok.i + 1, participant)
                continue
        if tok.pos_ != "PRON" and tok.tag_ not in ("PRP", "PRP$"):
            continue
        lower = tok.lower_
        if lower in FIRST_PERSON:
            target = speaker_id
        elif lower in SECOND_PERSON:
            target = addressee_id
        else:
            continue
        if target is not None:
            ann.tokens[tok.i] = target
            ann.mention(target, role_of(tok))
    for tok in doc:
        # "Sofia's brother": a name owning a person's role is a person's, where NER saw no name
        if tok.dep_ == "poss" and tok.pos_ == "PROPN" and _possessed_role(tok.head) and tok.i not in in_entity:
            start = tok.left_edge.i
            if tok.text[:1].isupper() and not any(i in in_entity or i in in_time for i in range(start, tok.i + 1)):
                name = doc[start : tok.i + 1].text
                whose = registry.speaker_for(name) or registry.named(name) or registry.add(name, "Person")
                in_entity.update(range(start, tok.i + 1))
                _claim(ann, doc, start, tok.i + 1, whose)
    for chunk in doc.noun_chunks:
        root = chunk.root
        if root.i in in_entity or root.i in in_time:
            continue
        if not root.whitespace_ and root.i + 1 < len(doc) and doc[root.i + 1].is_alpha:
            continue  # half of a contraction ("Gon|na"), not a noun
        # a named entity inside a chunk stays part of the topic ("LGBTQ support group"); a date does not
        tokens = [t for t in chunk if t.i not in in_time]
        if not tokens or tokens[-1].i != root.i:
            continue
        found_names = topic_names(tokens)
        if found_names is None:
            continue
        name, key = found_names
        # the tagger takes some lower-case words in captions for names: a name has a capital letter
        proper = _proper(root) and any(t.text[:1].isupper() for t in tokens)
        if proper and len(tokens) == 1 and _weak_name(doc, root.i, root.i + 1, registry):
            proper, name, key = False, root.lower_, root.lemma_.lower() or root.lower_
        named = registry.speaker_for(name) or registry.named(name)
        kin = len(tokens) == 1 and kin_name(root)
        if named is None or kin:
            owner = None if proper and not kin else _role_owner(root, ann, registry, addressee_sure, speaker_id)
        else:
            owner = None
        if kin and owner is not None:
            name, key = root.lower_, root.lower_  # "Mom" is the "mom" of "my mom"
        if owner is not None:
            # "my brother": the speaker's brother, one entity per speaker and role ("Ana's brother")
            known = len(registry)
            if any(c.dep_ == "amod" and c.lower_ == "best" for c in root.children) and not name.startswith("best"):
                name, key = f"best {name}", f"best {key}"  # "my best friend" is not any friend
            eid = registry.add_role(owner, name, key)
            if len(registry) > known:
                fresh.add(eid)
        elif named is not None:
            eid = named  # "Caroline" or "kickboxing" already known as a name: not also a topic
        elif proper:
            eid = registry.add(name, "Thing")
        else:
            known = len(registry)
            eid = registry.add(name, "Topic", key=key)
            if len(registry) > known:
                fresh.add(eid)
        for tok in tokens:
            ann.tokens.setdefault(tok.i, eid)
        if registry.type_of(eid) != "Topic":
            at = doc.text.lower().find(name.lower(), chunk.start_char)
            if 0 <= at < chunk.end_char:
                ann.spans.append((at, at + len(name), eid))
        ann.mention(eid, role_of(root))
    for verb, gerund in activity_gerunds(doc):
        # "we went camping": the speaker went too
        for we in activity_subjects(verb):
            if we.lower_ == "we" and we.i not in ann.tokens and speaker_id is not None:
                ann.tokens[we.i] = speaker_id
                ann.mention(speaker_id, role_of(we))
        # "went camping": the activity is a verb, so no noun chunk made it a thing
        if gerund.i not in ann.tokens and gerund.i not in in_entity:
            name = gerund.lower_
            eid = registry.named(name) or registry.add(name, "Topic", key=name)
            ann.tokens[gerund.i] = eid
            ann.mention(eid, role_of(gerund))
    appositions(doc, ann, registry, {speaker_id, addressee_id}, fresh)
    return ann
