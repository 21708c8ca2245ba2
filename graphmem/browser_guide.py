"""Exploring memory in Neo4j Browser: starter Cypher queries and the ``.grass`` style sheet.

``graphmem browser-guide`` prints the queries with ``:param`` lines whose values are taken from the store
the guide is printed for (its busiest conversation, its most talkative speakers, a predicate its facts
use, a session and a month it holds, …), so every query returns rows when pasted; a comment over a query
says so when the store holds no data of its shape (no two speakers who mention a same thing, no turn with
a word to search for, …). ``docs/neo4j-browser.md``
shows the same queries (a test keeps the two in step, and runs every printed query on a Bolt server).
The queries take parameters only; the printed values are Cypher string literals, escaped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from graphmem.errors import ConfigError
from graphmem.models import Event, Fact
from graphmem.query.cypher_params import cypher_string
from graphmem.store.base import GraphStore

__all__ = [
    "EXAMPLE_VALUES",
    "GRASS",
    "STARTER_QUERIES",
    "GuideValues",
    "StarterQuery",
    "cypher_string",
    "guide_text",
    "guide_values",
]


@dataclass(frozen=True)
class StarterQuery:
    """A query to paste into Browser and the names of its parameters (set with ``:param``)."""

    title: str
    cypher: str
    params: tuple[str, ...] = ()
    #: Needs the full-text index (Neo4j only).
    fulltext: bool = False


@dataclass(frozen=True, slots=True)
class GuideValues:
    """The parameter values printed with the starter queries (see :func:`guide_values`)."""

    ns: str
    person: str
    other: str
    session: str
    date: str
    at: str
    predicate: str
    since: str
    until: str
    seed: str
    hit: str
    words: str
    #: ``(parameter, why)`` for each value no data of the store fits: the queries using it find nothing.
    missing: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        """``{parameter name: value}``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "missing"}


#: Printed when no store is at hand: a LoCoMo conversation ingested with the default extractor.
EXAMPLE_VALUES = GuideValues(
    ns="conv-26",
    person="Caroline",
    other="Melanie",
    session="session_1",
    date="2023-07-12T16:33:10",
    at="2023-07-12T16:33:10",
    predicate="have",
    since="2023-05-01T00:00:00",
    until="2023-06-01T00:00:00",
    seed="ent:person:caroline",
    hit="ev:session_1:1",
    words="yesterday powerful",
)

#: Events said at one time in the order the stores list them: by their session's order in the memory (its
#: index; an event whose Session node is missing first, as the stores put it), sessions of one index by the
#: natural order of their ids (``session_2`` before ``session_10``), then position. Cypher cannot compare
#: ids naturally (:func:`~graphmem.models.natural_key`), so graphmem stores the key with each event
#: (``session_order``); a database an older graphmem wrote gets it when upgraded to schema 4; an event
#: without it sorts by its session id as text.
_TIED = "ORDER BY e.occurred_at, coalesce(s.index, -1), coalesce(e.session_order, e.session), e.seq, e.id"

STARTER_QUERIES: tuple[StarterQuery, ...] = (
    StarterQuery(
        "What is in the database: nodes per namespace and label",
        "MATCH (n:Session|Event|Entity)\nRETURN n.namespace AS namespace, labels(n)[0] AS label, count(*) AS nodes\n"
        "ORDER BY namespace, label",
    ),
    StarterQuery(
        "The sessions of a conversation, in order",
        "MATCH (s:Session {namespace: $ns})\nRETURN s.id AS session, s.date_text AS date, s.started_at AS started\n"
        "ORDER BY s.index",
        ("ns",),
    ),
    StarterQuery(
        "A person's timeline: everything they said, in time order",
        "MATCH (e:Event)-[:SPOKEN_BY]->(p:Entity {namespace: $ns})\nWHERE toLower(p.name) = toLower($person)\n"
        "OPTIONAL MATCH (e)-[:IN_SESSION]->(s:Session)\n"
        "RETURN e.occurred_at AS time, e.source_id AS turn, e.text AS said\n" + _TIED,
        ("ns", "person"),
    ),
    StarterQuery(
        "One session as a chain of turns (graph view)",
        "MATCH (s:Session {namespace: $ns, id: $session})<-[:IN_SESSION]-(e:Event)\n"
        "OPTIONAL MATCH (e)-[n:NEXT]->(f:Event)\nRETURN s, e, n, f",
        ("ns", "session"),
    ),
    StarterQuery(
        "What two people both talked about",
        "MATCH (a:Entity {namespace: $ns})<-[:SPOKEN_BY]-(:Event)-[:MENTIONS]->(t:Entity)"
        "<-[:MENTIONS]-(:Event)-[:SPOKEN_BY]->(b:Entity {namespace: $ns})\n"
        "WHERE toLower(a.name) = toLower($person) AND toLower(b.name) = toLower($other)\n"
        "RETURN t.name AS topic, count(*) AS mentions\nORDER BY mentions DESC LIMIT 25",
        ("ns", "person", "other"),
    ),
    StarterQuery(
        "Facts true in the world on a date",
        "MATCH (s:Entity {namespace: $ns})-[f:FACT]->(o:Entity)\n"
        "WHERE f.expired_at IS NULL\n"
        "  AND (f.valid_from IS NULL OR f.valid_from <= localdatetime($date))\n"
        "  AND (f.valid_to IS NULL OR localdatetime($date) < f.valid_to)\n"
        "RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, f.valid_from AS since",
        ("ns", "date"),
    ),
    StarterQuery(
        "What memory believed at a moment (record time)",
        "MATCH (s:Entity {namespace: $ns})-[f:FACT]->(o:Entity)\nWHERE f.recorded_at <= localdatetime($at)\n"
        "  AND (f.expired_at IS NULL OR localdatetime($at) < f.expired_at)\n"
        "  AND (f.valid_from IS NULL OR f.valid_from <= localdatetime($at))\n"
        "  AND (f.valid_to IS NULL OR localdatetime($at) < f.valid_to)\n"
        "RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, f.valid_from AS since,\n"
        "       f.recorded_at AS learned",
        ("ns", "at"),
    ),
    StarterQuery(
        "The events that support a fact",
        "MATCH (s:Entity)-[f:FACT {namespace: $ns}]->(o:Entity)\n"
        "WHERE f.predicate = $predicate AND f.expired_at IS NULL\n"
        "MATCH (e:Event {namespace: $ns}) WHERE e.id IN f.evidence\n"
        "RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, e.source_id AS turn, e.text AS text",
        ("ns", "predicate"),
    ),
    StarterQuery(
        "The most mentioned people and things",
        "MATCH (x:Entity {namespace: $ns})<-[:MENTIONS]-(:Event)\nRETURN x.name AS name, x.type AS type, "
        "count(*) AS mentions\nORDER BY mentions DESC LIMIT 20",
        ("ns",),
    ),
    StarterQuery(
        "Events in a time range",
        "MATCH (e:Event {namespace: $ns})\n"
        "WHERE localdatetime($since) <= e.occurred_at < localdatetime($until)\n"
        "OPTIONAL MATCH (e)-[:IN_SESSION]->(s:Session)\n"
        "RETURN e.occurred_at AS time, e.speaker AS speaker, e.text AS text\n" + _TIED,
        ("ns", "since", "until"),
    ),
    StarterQuery(
        "An entity's neighbourhood, two hops out (graph view)",
        "MATCH p = (x:Entity {namespace: $ns})-[:SPOKEN_BY|MENTIONS|FACT*1..2]-()\n"
        "WHERE toLower(x.name) = toLower($person) AND all(r IN relationships(p) WHERE r.expired_at IS NULL)\n"
        "RETURN p LIMIT 100",
        ("ns", "person"),
    ),
    StarterQuery(
        "The path that explains a recall hit: from a seed to the hit (graph view)",
        "MATCH (seed:Entity {namespace: $ns, id: $seed})\nMATCH (hit:Event {namespace: $ns, id: $hit})\n"
        "MATCH p = shortestPath((seed)-[*..4]-(hit))\nRETURN p",
        ("ns", "seed", "hit"),
    ),
    StarterQuery(
        "Full-text search over what was said (Neo4j's full-text index)",
        "CALL db.index.fulltext.queryNodes('graphmem_event_text', $words) YIELD node, score\n"
        "WHERE node.namespace = $ns\nRETURN node.source_id AS turn, node.text AS text, score LIMIT 10",
        ("ns", "words"),
        fulltext=True,
    ),
)

#: The Browser style sheet (drag the file ``docs/graphmem.grass`` onto Browser, or ``:style`` + paste).
GRASS = """node {
  diameter: 40px;
  color: #A5ABB6;
  border-color: #9AA1AC;
  border-width: 2px;
  text-color-internal: #FFFFFF;
  font-size: 10px;
}
relationship {
  color: #A5ABB6;
  shaft-width: 1px;
  font-size: 8px;
  padding: 3px;
  text-color-external: #000000;
  text-color-internal: #FFFFFF;
  caption: "<type>";
}
node.Event {
  color: #4C8EDA;
  border-color: #2870C2;
  text-color-internal: #FFFFFF;
  diameter: 55px;
  caption: "{caption}";
}
node.Entity {
  color: #F79767;
  border-color: #F36924;
  text-color-internal: #FFFFFF;
  diameter: 65px;
  caption: "{name}";
}
node.Session {
  color: #57C7E3;
  border-color: #23B3D7;
  text-color-internal: #2A2C34;
  diameter: 50px;
  caption: "{caption}";
}
node.Source {
  color: #D9C8AE;
  border-color: #C0A378;
  text-color-internal: #604A0E;
  caption: "{key}";
}
relationship.FACT {
  color: #D9534F;
  shaft-width: 3px;
  caption: "{predicate}";
}
relationship.MENTIONS {
  color: #F79767;
  caption: "{role}";
}
relationship.SPOKEN_BY {
  color: #8DCC93;
  shaft-width: 2px;
  caption: "<type>";
}
relationship.NEXT {
  color: #C0C4CC;
  caption: "";
}
relationship.NEXT_SESSION {
  color: #57C7E3;
  shaft-width: 2px;
  caption: "<type>";
}
relationship.IN_SESSION {
  color: #DDDDDD;
  caption: "";
}
"""


_WORD = re.compile(r"\b[a-z]{5,}\b")  # lower-case words: things said, not names


def _iso(value: datetime) -> str:
    """A moment as ``localdatetime()`` reads it, to the microsecond when it has a fraction of a second: cut
    to the second, a fact recorded by a live add at ``…:06.771292`` would not yet hold at ``…:06``."""
    return value.replace(tzinfo=None).isoformat()


def guide_values(store: GraphStore, namespace: str | None = None) -> GuideValues:
    """Parameter values that select data of ``store``, so each query returns rows when the store holds
    data of its shape: the namespace (``namespace``, or the one with the most events), the two most
    talkative speakers who mention a same thing (query 5; else the two most talkative), a session with
    events, a fact's valid and recorded times, the predicate most facts with evidence use, the month of
    its first dated event, a speaker's entity id and one of their turns, and words of a turn (the
    speaker's, else any) to search for. The date and the predicate are those of facts memory holds now
    (not retired versions), as the queries using them ask. What the store lacks keeps the value of
    :data:`EXAMPLE_VALUES` and is named in :attr:`GuideValues.missing`.

    Raises:
        ConfigError: the store is empty, or ``namespace`` holds no data.
    """
    names = store.namespaces()
    if namespace is None:
        if not names:
            raise ConfigError("the store is empty: ingest something first")
        namespace = max(names, key=lambda ns: (store.stats(ns).events, ns))
    elif namespace not in names:
        raise ConfigError(f"namespace {namespace!r} holds no data")
    values = EXAMPLE_VALUES.as_dict() | {"ns": namespace}
    missing: dict[str, str] = {}
    turns: dict[str, set[str]] = {}  # speaker -> their turns
    topics: dict[str, set[str]] = {}  # event -> what it mentions
    for event_id, entity_id, role in store.iter_mentions(namespace):
        if role == "speaker":
            turns.setdefault(entity_id, set()).add(event_id)
        else:
            topics.setdefault(event_id, set()).add(entity_id)
    ranked = sorted(turns, key=lambda entity_id: (-len(turns[entity_id]), entity_id))
    pair, shared = _pair(ranked, turns, topics)
    found = [e for e in (store.get_entity(namespace, i) for i in pair) if e is not None]
    said: list[Event] = []
    if found:
        person = found[0]
        said = [e for e in store.iter_events(namespace) if e.id in turns[person.id]]
        values |= {"person": person.name, "other": found[-1].name, "seed": person.id, "hit": said[0].id}
        if not shared:
            missing["other"] = f"no two speakers of {namespace!r} mention a same thing"
    else:
        for name in ("person", "other", "seed", "hit"):
            missing[name] = f"no one speaks in {namespace!r}"
    words = _search_words(said) or _search_words(store.iter_events(namespace))
    if words:
        values["words"] = words
    else:
        missing["words"] = f"no turn of {namespace!r} has a word of five letters or more to search for"
    chosen = _session_values(store, namespace) | _fact_values(store, namespace)
    for name, why in _LACKING.items():
        if name not in chosen:
            missing[name] = why.format(ns=namespace)
    values |= chosen
    return GuideValues(**values, missing=tuple(missing.items()))


#: Why a value :func:`_session_values` or :func:`_fact_values` did not find is missing.
_LACKING = {
    "session": "{ns!r} holds no events",
    "since": "no event of {ns!r} has a time",
    "date": "no fact {ns!r} holds now is true at any moment",
    "at": "memory never held a fact of {ns!r} while it was true",
    "predicate": "no fact {ns!r} holds now has evidence",
}


def _pair(ranked: list[str], turns: dict[str, set[str]], topics: dict[str, set[str]]) -> tuple[list[str], bool]:
    """The two most talkative speakers (``ranked``) who mention a same thing in their turns (query 5
    finds what two people both talked about) and ``True``, else the two most talkative and ``False``."""
    rank = {entity_id: n for n, entity_id in enumerate(ranked)}
    talkers: dict[str, set[str]] = {}  # thing -> the speakers who mention it
    for speaker, said in turns.items():
        for event_id in said:
            for thing in topics.get(event_id, ()):
                talkers.setdefault(thing, set()).add(speaker)
    pairs = (sorted(speakers, key=rank.__getitem__)[:2] for speakers in talkers.values() if len(speakers) > 1)
    best = min(pairs, key=lambda pair: (rank[pair[0]] + rank[pair[1]], rank[pair[0]]), default=None)
    return (best, True) if best is not None else (ranked[:2], False)


#: Words of five letters or more that Neo4j's English analyzer drops as stop words (they find nothing).
_STOP_WORDS = frozenset({"their", "there", "these"})


def _search_words(events: Iterable[Event]) -> str | None:
    """Two words of the first of ``events`` that has two (else one word of the first that has one)."""
    single = None
    for event in events:
        words = sorted(set(_WORD.findall(event.text)) - _STOP_WORDS, key=lambda w: (-len(w), w))[:2]
        if len(words) == 2:
            return " ".join(words)
        if words and single is None:
            single = words[0]
    return single


def _session_values(store: GraphStore, namespace: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for event in store.iter_events(namespace):
        values.setdefault("session", event.session)
        if event.occurred_at is not None:
            first = event.occurred_at.replace(tzinfo=None, day=1, hour=0, minute=0, second=0, microsecond=0)
            after = (first + timedelta(days=32)).replace(day=1)
            return values | {"since": _iso(first), "until": _iso(after)}
    return values


def _believed_and_true(fact: Fact) -> datetime | None:
    """The first moment memory held ``fact`` and it was true (query 7 finds it then), or ``None``."""
    at = max(fact.recorded_at, fact.valid_from) if fact.valid_from is not None else fact.recorded_at
    if fact.expired_at is not None and fact.expired_at <= at:
        return None
    if fact.valid_to is not None and fact.valid_to <= at:
        return None
    return at


def _fact_values(store: GraphStore, namespace: str) -> dict[str, str]:
    values: dict[str, str] = {}
    predicates: Counter[str] = Counter()
    believed = (_believed_and_true(fact) for fact in store.iter_facts(namespace, history=True))
    if (at := next((moment for moment in believed if moment is not None), None)) is not None:
        values["at"] = _iso(at)
    for fact in store.iter_facts(namespace):
        if fact.expired_at is not None:
            continue  # the queries on a date and on evidence show the versions memory holds now
        if fact.evidence:
            predicates[fact.predicate] += 1
        if "date" not in values and fact.valid_from is not None:
            if fact.valid_to is None or fact.valid_to > fact.valid_from:
                values["date"] = _iso(fact.valid_from)
        elif "date" not in values and fact.valid_to is not None:
            values["date"] = _iso(fact.valid_to - timedelta(seconds=1))
        elif "date" not in values and fact.valid_from is None:
            values["date"] = EXAMPLE_VALUES.date  # true at every moment: any date finds it
    if predicates:
        values["predicate"] = predicates.most_common(1)[0][0]
    return values


def guide_text(values: GuideValues = EXAMPLE_VALUES, *, source: str | None = None) -> str:
    """The starter queries as text to paste into Browser: ``:param`` lines, then the query.

    Args:
        values: the parameter values (from :func:`guide_values`, or the examples).
        source: where the values were taken from, named in the header.
    """
    where = f"values from {source}" if source else "example values (pass --db to take them from your store)"
    parts = [
        "// graphmem starter queries for Neo4j Browser; " + where + ".",
        "// Style: drag docs/graphmem.grass onto Browser (or `graphmem browser-guide --grass > graphmem.grass`).",
        "",
    ]
    chosen = values.as_dict()
    missing = dict(values.missing)
    for number, q in enumerate(STARTER_QUERIES, 1):
        parts.append(f"// {number}. {q.title}" + (" (needs the full-text index: Neo4j only)" if q.fulltext else ""))
        whys = dict.fromkeys(missing[name] for name in q.params if name in missing)
        parts.extend(f"// Finds nothing in this store: {why}." for why in whys)
        parts.extend(f":param {name} => {cypher_string(chosen[name])}" for name in q.params)
        parts.append(q.cypher + ";")
        parts.append("")
    return "\n".join(parts)
