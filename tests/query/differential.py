"""Differential testing of the DSL: a fixed graph and a seeded generator of valid queries over it.

The same query over the same data must give the same rows on the embedded store (the networkx
executor) and pushed down to Cypher on a Bolt server (:mod:`tests.neo4j.test_differential` runs both).
The graph is small but awkward on purpose: two namespaces sharing ids, non-ASCII and quoted names,
an event without a speaker, an undated session, an entity type outside the built-in ones, and facts
that are current, closed in the world, expired in memory, or without a start.

:func:`generate` draws a query (text and parameters) from a :class:`random.Random`; the queries are
valid by construction (every name exists), so a run compares results, not errors. A query whose ORDER BY
is not total has no LIMIT, and its rows compare as a multiset.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from graphmem import Entity, Event, Fact, Memory, Mention
from graphmem.models import Batch, TimeRef

NS = "d1"
OTHER_NS = "d2"


def _t(*parts: int) -> datetime:
    return datetime(*parts)  # type: ignore[arg-type]


def graph_events() -> list[Event]:
    """The events of namespace ``d1`` (and ``d2``, which reuses some ids)."""
    rows: list[tuple[str, str, int, str | None, str, datetime | None]] = [
        ("e1", "s1", 0, "Inês", "Olá! I adopted a dog called Bolt", _t(2024, 3, 3, 16, 12)),
        ("e2", "s1", 1, "Tomás", 'Bolt? Like the "lightning" bolt?', _t(2024, 3, 3, 16, 13)),
        ("e3", "s1", 2, "Inês", "Yes. We went camping near Zürich", _t(2024, 3, 3, 16, 14)),
        ("e4", "s1", 3, "O'Brien", "I'm moving to São Paulo for Müller & Söhne", _t(2024, 3, 3, 16, 15)),
        ("e5", "s2", 0, "Tomás", "My café job at Müller & Söhne ended last week", _t(2024, 3, 24, 19, 30)),
        ("e6", "s2", 1, None, "[system] the call dropped", _t(2024, 3, 24, 19, 31)),
        ("e7", "s2", 2, "Inês", 'Dr. "Doc" Almeida says Bolt is fine', _t(2024, 3, 24, 19, 32)),
        ("e8", "s2", 3, "O'Brien", "日本語 lessons start in May", _t(2024, 3, 24, 23, 59, 59)),
        ("e9", "s3", 0, "Tomás", "Back from Zürich, camping again", None),
        ("e10", "s3", 1, "Inês", "Inês here: ÉTÉ plans?", None),
        ("e11", "s4", 0, "Zoë", "Happy new year from Zoë", _t(2025, 1, 1, 0, 0)),
    ]
    last_week = (TimeRef("last week", _t(2024, 3, 11), _t(2024, 3, 18), "week"),)
    may = (TimeRef("in May", _t(2024, 5, 1), _t(2024, 6, 1), "month"),)
    times = {"e5": last_week, "e8": may}
    events = [
        Event(NS, eid, s, seq, who, text, when, source_id=f"D{s[1]}:{seq + 1}", times=times.get(eid, ()))
        for eid, s, seq, who, text, when in rows
    ]
    # a moment with microseconds (live ingestion stamps turns with the clock) and an empty speaker
    events.append(Event(NS, "e13", "s4", 2, "", "", _t(2025, 1, 1, 0, 1, 0, 123456)))
    events.append(Event(NS, "e12", "s4", 1, "Zoë", "Reminder: Straße 5", _t(2025, 1, 1, 0, 1), kind="note"))
    return events


def graph_entities() -> list[Entity]:
    """The entities of ``d1``."""
    return [
        Entity(NS, "p:ines", "Inês", "Person", ("Ines", "Nês")),
        Entity(NS, "p:tomas", "Tomás", "Person"),
        Entity(NS, "p:obrien", "O'Brien", "Person"),
        Entity(NS, "p:zoe", "Zoë", "Person", ("Zoe",)),
        Entity(NS, "p:doc", 'Dr. "Doc" Almeida', "Person", ("Almeida",)),
        Entity(NS, "x:bolt", "Bolt", "Pet"),
        Entity(NS, "w:bolt", "Bolt", "Work"),
        Entity(NS, "g:zurich", "Zürich", "Place", ("Zurich",)),
        Entity(NS, "g:saopaulo", "São Paulo", "Place"),
        Entity(NS, "o:muller", "Müller & Söhne", "Organization"),
        Entity(NS, "t:cafe", "café", "Topic"),
        Entity(NS, "t:camping", "camping", "Topic"),
        Entity(NS, "l:ja", "日本語", "Language"),
        Entity(NS, "c:newyear", "New Year", "Occasion"),
        Entity(NS, "g:strasse", "Straße", "Place", ("Strasse",)),
    ]


SPEAKERS = {"Inês": "p:ines", "Tomás": "p:tomas", "O'Brien": "p:obrien", "Zoë": "p:zoe"}
MENTIONS = {
    "e1": ["x:bolt"],
    "e2": ["x:bolt", "w:bolt"],
    "e3": ["t:camping", "g:zurich"],
    "e4": ["g:saopaulo", "o:muller"],
    "e5": ["t:cafe", "o:muller"],
    "e7": ["p:doc", "x:bolt"],
    "e8": ["l:ja"],
    "e9": ["g:zurich", "t:camping"],
    "e10": ["p:ines"],
    "e12": ["g:strasse"],
    "e11": ["c:newyear", "p:zoe"],
}


def graph_facts() -> list[Fact]:
    """Facts of ``d1``: current, closed in the world, expired in memory, open-ended, low-confidence."""
    return [
        Fact(NS, "f1", "p:ines", "owns", "x:bolt", _t(2024, 3, 3, 16, 12), valid_from=_t(2024, 3, 1), evidence=("e1",)),
        Fact(
            NS,
            "f2",
            "p:obrien",
            "work_at",
            "o:muller",
            _t(2024, 3, 3, 16, 15),
            valid_from=_t(2024, 4, 1),
            evidence=("e4",),
            time_phrase="from April",
        ),
        Fact(
            NS,
            "f3",
            "p:tomas",
            "work_at",
            "o:muller",
            _t(2024, 1, 5),
            valid_from=_t(2023, 9, 1),
            valid_to=_t(2024, 3, 17),
            evidence=("e5",),
            confidence=0.6,
        ),
        Fact(
            NS,
            "f4",
            "p:tomas",
            "lives_in",
            "g:saopaulo",
            _t(2024, 1, 5),
            valid_from=_t(2020, 1, 1),
            expired_at=_t(2024, 3, 24, 19, 30),
        ),
        Fact(NS, "f5", "p:tomas", "lives_in", "g:zurich", _t(2024, 3, 24, 19, 30), evidence=("e9",)),
        Fact(NS, "f6", "p:obrien", "learns", "l:ja", _t(2024, 3, 24, 23, 59, 59), valid_from=_t(2024, 5, 1)),
        Fact(NS, "f7", "x:bolt", "visits", "p:doc", _t(2024, 3, 24, 19, 32), confidence=0.3, time_phrase="Sunday"),
        Fact(NS, "f8", "p:ines", "knows", "p:tomas", _t(2024, 3, 3), valid_from=_t(2019, 6, 1)),
        Fact(NS, "f9", "p:tomas", "knows", "p:ines", _t(2024, 3, 3), valid_from=_t(2019, 6, 1)),
        Fact(NS, "f10", "p:zoe", "visits", "g:zurich", _t(2025, 1, 1), valid_to=_t(2025, 1, 10)),
        # with f2 and f6 a triangle, a cycle only when edges are followed both ways
        Fact(NS, "f11", "o:muller", "teaches", "l:ja", _t(2024, 3, 24, 23, 59, 59)),
    ]


def load_graph(mem: Memory) -> None:
    """Write the differential graph into ``mem`` (namespaces ``d1`` and ``d2``)."""
    events = graph_events()
    mentions = [Mention(NS, e.id, SPEAKERS[e.speaker], "speaker") for e in events if e.speaker in SPEAKERS]
    mentions += [Mention(NS, eid, ent) for eid, ents in MENTIONS.items() for ent in ents]
    mem.add_events(events, namespace=NS, entities=graph_entities(), mentions=mentions, facts=graph_facts())
    # memory learns on 24 March that f1 ended on 20 March: a new version, and the old one expires as f1@…
    f1 = graph_facts()[0]
    closed = replace(f1, recorded_at=_t(2024, 3, 24, 19, 32), valid_to=_t(2024, 3, 20), evidence=("e7",))
    with mem.writing():
        mem.store.write(Batch(NS, facts=(closed,)))
    other = [
        Event(OTHER_NS, "e1", "s1", 0, "Inês", "Another namespace, same ids", _t(2024, 3, 3, 16, 12)),
        Event(OTHER_NS, "e2", "s1", 1, "Inês", "Still the other namespace", _t(2024, 3, 3, 16, 20)),
    ]
    mem.add_events(
        other,
        namespace=OTHER_NS,
        entities=[Entity(OTHER_NS, "p:ines", "Inês", "Person"), Entity(OTHER_NS, "x:bolt", "Bolt", "Pet")],
        mentions=[Mention(OTHER_NS, "e1", "p:ines", "speaker"), Mention(OTHER_NS, "e1", "x:bolt")],
        facts=[Fact(OTHER_NS, "f1", "p:ines", "owns", "x:bolt", _t(2024, 3, 3))],
    )


# -- the generator --------------------------------------------------------------------------------------

SPEAKER_NAMES = ["Inês", "Tomás", "O'Brien", "Zoë", "Ines", "tomás", "Nobody"]
ENTITY_NAMES = ["Inês", "ines", "Bolt", "Zürich", "zurich", "São Paulo", "Müller & Söhne", "café", "日本語", "Almeida"]
ENTITY_NAMES += ['Dr. "Doc" Almeida', "O'Brien", "camping", "New Year", "Straße", "STRASSE"]
FUZZY = ["Ines", "Tomas", "Bolt", "Zurich", "Sao Paulo", "Muller", "cafe", "Doc Almeida", "OBrien", "Zoe"]
WORDS = ["bolt", "Bolt", "é", "É", "camping", "Zürich", "ü", "'", '"', "S", "", "日本", "ção", "&", "ss", "ß", "SS"]
TYPES = ["Person", "Place", "Organization", "Topic", "Pet", "Work", "Language", "Occasion", "Thing"]
PREDICATES = ["owns", "work_at", "lives_in", "learns", "visits", "knows", "teaches"]
DATES = ["2024-03-03", "2024-03", "2024", "2024-03-24T19:31", "2024-03-24T23:59:59", "2025-01-01", "2020"]
DATES += ['"24 March 2024"', '"March 2024"', "2024-03-01 + 2 weeks", "2024-04 - 1 month", "2023-09-01 + 6 months"]
DATE_PARAMS: list[Any] = [date(2024, 3, 3), datetime(2024, 3, 24, 19, 31), "2024-03", "3 March 2024", date(2024, 5, 1)]
DATE_PARAMS += [
    datetime(2024, 3, 17),
    "2025",
    datetime(2025, 1, 1, 0, 1, 0, 123456),
    datetime(2024, 3, 24, 15, 31, tzinfo=timezone(timedelta(hours=-4))),
]
UNITS = ["1 day", "2 hours", "30 minutes", "1 week", "1 month", "1 year", "2 days"]


def q(text: str) -> str:
    """``text`` as a DSL string literal (double quotes, escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Query:
    """A generated query under construction: text pieces, parameters and the variables of the match."""

    rng: random.Random
    params: dict[str, Any] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # single FACT edge variables
    paths: list[str] = field(default_factory=list)  # hop-range edge variables
    edges: list[str] = field(default_factory=list)  # other single edge variables
    has_fact: bool = False
    scored: list[str] = field(default_factory=list)  # variables with a score (ABOUT, ~)
    anys: list[str] = field(default_factory=list)  # nodes of any kind

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return "$" + name

    def lit_or_param(self, value: Any, text: str) -> str:
        return self.param(value) if self.rng.random() < 0.3 else text

    def pick(self, seq: list[Any]) -> Any:
        return self.rng.choice(seq)


def _node(qy: Query, var: str, kind: str, *, extra: str = "") -> str:
    r = qy.rng
    if kind == "event":
        qy.events.append(var)
        props = ""
        if r.random() < 0.08:
            qy.scored.append(var)
            top = f" TOP {r.choice([1, 3])}" if r.random() < 0.5 else ""
            props = f" ABOUT {q(r.choice(['Bolt the dog', 'camping in Zürich', 'café job', 'nothing at all']))}{top}"
        elif r.random() < 0.15:
            props = f" {{speaker: {qy.lit_or_param(s := qy.pick(SPEAKER_NAMES), q(s))}}}"
        elif r.random() < 0.05:
            props = f" {{source: {q(qy.pick(['D1:1', 'D2:3', 'D3:1', 'D9:9']))}}}"
        return f"({var}:Event{props}{extra})"
    if kind == "session":
        qy.sessions.append(var)
        return f"({var}:Session)"
    qy.entities.append(var)
    label = ""
    roll = r.random()
    if roll < 0.3:
        label = ":" + qy.pick(TYPES)
    elif roll < 0.4:
        label = ":" + qy.pick(TYPES) + "|" + qy.pick(TYPES)
    elif roll < 0.55:
        label = ":Entity"
    matcher = ""
    roll = r.random()
    if roll < 0.12:
        qy.scored.append(var)
        matcher = f" ~{qy.lit_or_param(s := qy.pick(FUZZY), q(s))}"
    elif roll < 0.25:
        matcher = f" {{name: {qy.lit_or_param(s := qy.pick(ENTITY_NAMES), q(s))}}}"
    elif roll < 0.28:
        matcher = f" {{id: {q(qy.pick(['p:ines', 'x:bolt', 'g:zurich', 'nope']))}}}"
    return f"({var}{label}{matcher})"


def _hops(r: random.Random) -> str:
    return r.choice(["*1..2", "*2", "*0..2", "*..3", "*1..3", "*0..1"])


def pattern(qy: Query) -> str:
    """One or two path patterns over the graph's edge types."""
    r = qy.rng
    shape = r.randrange(17)
    if shape == 0:
        return _node(qy, "e", "event")
    if shape == 1:
        return f"{_node(qy, 'p', 'entity')}-[:SAID]->{_node(qy, 'e', 'event')}"
    if shape == 2:
        return f"{_node(qy, 'e', 'event')}-[m:MENTIONS]->{_node(qy, 'x', 'entity')}".replace(
            "[m:", "[" + _edge(qy, "m")
        )
    if shape == 3:
        return f"{_node(qy, 'e', 'event')}<-[:SPOKEN_BY]-{_node(qy, 'p', 'entity')}".replace(":SPOKEN_BY", ":SAID")
    if shape == 4:
        hop = _hops(r)
        qy.paths.append("r")
        etype = r.choice(["NEXT", "PREV", "NEXT|IN_SESSION"])
        return f"{_node(qy, 'e', 'event')}-[r:{etype}{hop}]->{_node(qy, 'n', 'event')}"
    if shape == 5:
        qy.has_fact = True
        qy.facts.append("f")
        arrow = r.choice(["-[f:FACT]->", "<-[f:FACT]-", "-[f:FACT]-"])
        return f"{_node(qy, 'a', 'entity')}{arrow}{_node(qy, 'b', 'entity')}"
    if shape == 6:
        qy.has_fact = True
        qy.paths.append("f")
        return f"{_node(qy, 'a', 'entity')}-[f:FACT{_hops(r)}]->{_node(qy, 'b', 'entity')}"
    if shape == 7:
        return f"{_node(qy, 's', 'session')}<-[:IN_SESSION]-{_node(qy, 'e', 'event')}"
    if shape == 8:
        return f"{_node(qy, 's', 'session')}-[:NEXT_SESSION]->{_node(qy, 't', 'session')}"
    if shape == 9:
        return (
            f"{_node(qy, 'e', 'event')}-[:MENTIONS]->{_node(qy, 'x', 'entity')}, "
            f"{_node(qy, 'n', 'event')}-[:MENTIONS]->(x)"
        )
    if shape == 10:
        qy.has_fact = True
        qy.facts.append("f")
        return (
            f"{_node(qy, 'p', 'entity')}-[:SAID]->{_node(qy, 'e', 'event')}, (p)-[f:FACT]->{_node(qy, 'x', 'entity')}"
        )
    if shape == 11:
        return f"{_node(qy, 'e', 'event')}-[:NEXT]->{_node(qy, 'n', 'event')}-[:MENTIONS]->{_node(qy, 'x', 'entity')}"
    if shape == 12:
        qy.entities.append("x")
        return f"{_node(qy, 'e', 'event')}-->(x)" if r.random() < 0.5 else f"(x:Entity)<--{_node(qy, 'e', 'event')}"
    return _ranged(qy, shape)


def _ranged(qy: Query, shape: int) -> str:
    """Hop ranges from an event, and patterns that bind one variable at both ends: a cycle back to its
    start (f8 and f9 make one, and so do the SPOKEN_BY and MENTIONS edges of an event that mentions its
    own speaker)."""
    r = qy.rng
    if shape == 13:
        qy.paths.append("r")
        if r.random() < 0.3:
            qy.anys.append("x")
            return f"{_node(qy, 'e', 'event')}-[r*{r.choice(['1..2', '2', '0..1'])}]->(x)"
        return f"{_node(qy, 'e', 'event')}-[r:MENTIONS|SPOKEN_BY*1..2]-{_node(qy, 'x', 'entity')}"
    qy.has_fact = shape != 15
    if shape == 14:
        qy.paths.append("f")
        return f"{_node(qy, 'a', 'entity')}-[f:FACT{_hops(r)}]{r.choice(['->', '-'])}(a)"
    if shape == 15:
        qy.paths.append("r")
        return f"{_node(qy, 'x', 'entity')}-[r:MENTIONS|SPOKEN_BY*{r.choice(['1..2', '2', '2..3'])}]-(x)"
    qy.facts.append("f")
    return f"{_node(qy, 'a', 'entity')}-[f:FACT]->{_node(qy, 'b', 'entity')}-[:FACT]-(a)"


def _edge(qy: Query, var: str) -> str:
    qy.edges.append(var)
    return var + ":"


def _time(qy: Query) -> str:
    r = qy.rng
    if r.random() < 0.25:
        return qy.param(qy.pick(DATE_PARAMS))
    return str(qy.pick(DATES))


def _window(qy: Query, subject: str) -> str:
    r = qy.rng
    op = r.randrange(9)
    if op == 0:
        return f"{subject} BEFORE {_time(qy)}"
    if op == 1:
        return f"{subject} AFTER {_time(qy)}"
    if op == 2:
        return f"{subject} ON {_time(qy)}"
    if op == 3:
        low, high = sorted([qy.pick(DATES[:7]), qy.pick(DATES[:7])])
        return f"{subject} BETWEEN {low} AND {high}"
    if op == 4:
        return f"{subject} WITHIN {qy.pick(UNITS)} OF {_time(qy)}"
    cmp = r.choice(["=", "<>", "<", "<=", ">", ">="])
    value = qy.param(qy.pick(DATE_PARAMS)) if r.random() < 0.25 else qy.pick(DATES[:9])  # no shifts here
    return f"{subject} {cmp} {value}"


def _event_atom(qy: Query, e: str) -> str:
    r = qy.rng
    k = r.randrange(18)
    if k == 0:
        return f"{e}.speaker = {qy.lit_or_param(s := qy.pick(SPEAKER_NAMES), q(s))}"
    if k == 1:
        names = r.sample(SPEAKER_NAMES, 2)
        if r.random() < 0.3:
            return f"{e}.speaker IN {qy.param(names)}"
        return f"{e}.speaker IN [{', '.join(q(n) for n in names)}]"
    if k == 2:
        op = r.choice(["CONTAINS", "STARTS WITH", "ENDS WITH"])
        return f"{e}.{r.choice(['text', 'speaker', 'source'])} {op} {qy.lit_or_param(w := qy.pick(WORDS), q(w))}"
    if k == 3:
        return f"{e}.seq {r.choice(['=', '<>', '<', '<=', '>', '>='])} {r.choice(['0', '1', '2', '1.5', '-1'])}"
    if k in (4, 5, 6):
        return _window(qy, r.choice([f"{e}.time", e, f"{e}.happened", f"{e}.happened_end"]))
    if k == 7:
        return f"{e}.{r.choice(['time', 'speaker', 'happened', 'source'])} IS {r.choice(['', 'NOT '])}NULL"
    if k == 8:
        return f"{e} MENTIONS {qy.lit_or_param(s := qy.pick(ENTITY_NAMES), q(s))}"
    if k == 9:
        return f"{e} MENTIONS ~{q(qy.pick(FUZZY))}"
    if k == 10 and qy.entities:
        return f"{e} MENTIONS {qy.pick(qy.entities)}"
    return _event_atom_more(qy, e, k)


def _event_atom_more(qy: Query, e: str, k: int) -> str:
    r = qy.rng
    if k == 11:
        return f"{e}.session {r.choice(['=', '<>'])} {q(r.choice(['s1', 's2', 's3']))}"
    if k == 12:
        return f"{e}.kind = {q(r.choice(['utterance', 'note']))}"
    if k == 13:
        return f"year({e}.time) = {r.choice(['2024', '2025'])}"
    if k == 14:
        return f"month({e}.time) {r.choice(['=', '>', '<'])} 3"
    if k == 15:
        return f"size({e}.text) {r.choice(['>', '<'])} {r.choice(['20', '30', '40'])}"
    if k == 16:
        lowered = r.choice(["inês", "tomás", "ines", "o'brien"])
        return f"lower({e}.speaker) = {q(lowered)}"
    if k == 17 and qy.sessions and r.random() < 0.5:
        t = qy.sessions[0]
        return r.choice(
            [
                f"{e} ON {t}",
                f"{e} AFTER {t} + 1 hour",
                f"{e}.time WITHIN 30 minutes OF {t}.time",
                f"{e}.time >= {t}.time",
                f"{e}.happened <> {e}.time",
                f"{e}.time BETWEEN {t} AND {t} + 1 day",
            ]
        )
    if k == 17 and len(qy.events) > 1 and r.random() < 0.3:
        return f"{qy.events[0]} {r.choice(['=', '<>'])} {qy.events[1]}"
    if k == 17 and len(qy.events) > 1:
        a, b = qy.events[0], qy.events[1]
        return r.choice(
            [f"{a} AFTER {b}", f"{a}.time WITHIN 1 hour OF {b}.time", f"{a} ON {b}", f"{a} BEFORE {b} - 1 day"]
        )
    if r.random() < 0.5:
        return f"{e}.time IN [{qy.pick(DATES[:6])}, {qy.param(qy.pick(DATE_PARAMS))}]"
    return f"{e}.id IN [{q('e1')}, {q('e3')}, {q('e9')}]"


def _entity_atom(qy: Query, x: str) -> str:
    r = qy.rng
    k = r.randrange(11)
    if k == 0:
        return f"{x}.name = {qy.lit_or_param(s := qy.pick(ENTITY_NAMES), q(s))}"
    if k == 1:
        op = r.choice(["CONTAINS", "STARTS WITH", "ENDS WITH"])
        return f"{x}.{r.choice(['name', 'aliases', 'type'])} {op} {qy.lit_or_param(w := qy.pick(WORDS), q(w))}"
    if k == 2:
        types = r.sample(TYPES, 2)
        return f"{x}.type IN [{', '.join(q(t) for t in types)}]"
    if k == 3:
        return f"{x}.type {r.choice(['=', '<>'])} {q(qy.pick(TYPES))}"
    if k == 4:
        return f"size({x}.aliases) {r.choice(['>', '=', '>='])} {r.choice(['0', '1'])}"
    if k == 5:
        return f"lower({x}.name) {r.choice(['=', '<', '>='])} {q(r.choice(['bolt', 'zürich', 'm', 'café']))}"
    if k == 6:
        return f"{x}.name {r.choice(['<', '>', '<='])} {q(r.choice(['M', 'b', 'Zoë', 'É']))}"
    if k == 7:
        return f"{x}.name IN {qy.param(r.sample(ENTITY_NAMES, 3))}"
    if k == 8:
        return f"{x}.aliases IS {r.choice(['', 'NOT '])}NULL"
    if k == 9:
        return f"{q(r.choice(['Ines', 'Zurich', 'Almeida']))} IN {x}.aliases"
    return f"upper({x}.name) STARTS WITH {q(r.choice(['B', 'Z', 'S', 'É']))}"


def _fact_atom(qy: Query, f: str) -> str:
    r = qy.rng
    k = r.randrange(7)
    if k == 0:
        return f"{f}.predicate {r.choice(['=', '<>'])} {q(qy.pick(PREDICATES))}"
    if k == 1:
        return _window(qy, f"{f}.{r.choice(['valid_from', 'valid_to', 'recorded_at', 'expired_at'])}")
    if k == 2:
        return f"{f}.{r.choice(['valid_from', 'valid_to', 'expired_at', 'phrase'])} IS {r.choice(['', 'NOT '])}NULL"
    if k == 3:
        return f"{f}.confidence {r.choice(['<', '>=', '='])} {r.choice(['0.5', '1', '0.3'])}"
    if k == 4:
        return f"{f}.predicate IN [{q('knows')}, {q('visits')}]"
    if k == 5:
        return f"{q(r.choice(['e1', 'e5', 'e9']))} IN {f}.evidence"
    return f"{f}.phrase CONTAINS {q(r.choice(['April', 'day', 'x']))}"


def _atom(qy: Query) -> str:
    r = qy.rng
    choices = (
        [("event", v) for v in qy.events]
        + [("entity", v) for v in qy.entities]
        + [("fact", v) for v in qy.facts]
        + [("session", v) for v in qy.sessions]
        + [("path", v) for v in qy.paths]
    )
    kind, var = r.choice(choices)
    if r.random() < 0.12:
        return _odd_atom(qy, var, kind)
    if kind == "event":
        return _event_atom(qy, var)
    if kind == "entity":
        return _entity_atom(qy, var)
    if kind == "fact":
        return _fact_atom(qy, var)
    if kind == "path":
        return f"{var}.hops {r.choice(['=', '>', '<='])} {r.choice(['0', '1', '2'])}"
    k = r.randrange(4)
    if k == 0:
        return f"{var}.index {r.choice(['=', '>', '<'])} {r.choice(['0', '1', '2'])}"
    if k == 1:
        return _window(qy, f"{var}.time")
    if k == 2:
        return f"{var}.time IS NULL"
    return f"{var}.date CONTAINS {q('2024')}"


def _odd_atom(qy: Query, var: str, kind: str) -> str:
    """Comparisons across types, with nulls and booleans: where three-valued logic differs most easily."""
    r = qy.rng
    prop = {
        "event": ["seq", "speaker", "time", "text", "id"],
        "entity": ["name", "aliases", "type", "id"],
        "fact": ["confidence", "valid_to", "predicate"],
        "session": ["index", "time", "date"],
        "path": ["hops"],
    }[kind]
    subject = f"{var}.{r.choice(prop)}"
    other = r.choice(
        ['"1"', "1", "1.0", "0", "TRUE", "FALSE", "NULL", '""', "[1, NULL]", '["Inês", NULL]', "2024-03-03"]
    )
    op = r.choice(["=", "<>", "<", ">=", "IN", "CONTAINS", "STARTS WITH"])
    if op == "IN" and not other.startswith("["):
        other = f"[{other}]"
    if op in ("CONTAINS", "STARTS WITH") and other[0] not in '"N':
        other = '"1"'
    if r.random() < 0.2:
        return r.choice(["1 = 1", "NULL = NULL", "TRUE <> FALSE", f"NULL IN [{subject}]", f"{subject} = {subject}"])
    if r.random() < 0.2:
        return f"{other} {op if op != 'IN' else '='} {subject}"
    return f"{subject} {op} {other}"


def condition(qy: Query, depth: int = 0) -> str:
    """A WHERE condition: atoms joined by AND/OR/NOT, nested a little."""
    r = qy.rng
    roll = r.random()
    if depth >= 2 or roll < 0.5:
        atom = _atom(qy)
        return f"NOT {atom}" if r.random() < 0.15 else atom
    op = r.choice(["AND", "OR"])
    inner = f"{condition(qy, depth + 1)} {op} {condition(qy, depth + 1)}"
    return f"NOT ({inner})" if r.random() < 0.15 else f"({inner})"


# Returnable values per kind: (expression, unique per node?).
def _props(qy: Query) -> list[tuple[str, str]]:
    """``(expression, kind)`` of values a RETURN may list."""
    out: list[tuple[str, str]] = []
    for e in qy.events:
        out += [(f"{e}.id", "id"), (f"{e}.speaker", "str"), (f"{e}.time", "time"), (f"{e}.text", "str")]
        out += [(f"{e}.seq", "num"), (f"{e}.happened", "time"), (f"{e}.source", "str"), (f"date({e}.time)", "time")]
        out += [(f"{e}.kind", "str"), (f"{e}.session", "str"), (f"{e}.namespace", "str")]
    for x in qy.entities:
        out += [(f"{x}.id", "id"), (f"{x}.name", "str"), (f"{x}.type", "str"), (f"{x}.aliases", "list")]
        out += [(f"upper({x}.name)", "str"), (f"size({x}.aliases)", "num")]
    for f in qy.facts:
        out += [(f"{f}.id", "id"), (f"{f}.predicate", "str"), (f"{f}.valid_from", "time"), (f"{f}.valid_to", "time")]
        out += [(f"{f}.confidence", "num"), (f"{f}.recorded_at", "time"), (f"{f}.phrase", "str"), (f"{f}.type", "str")]
        out += [(f"{f}.evidence", "list")]
    for s in qy.sessions:
        out += [(f"{s}.id", "id"), (f"{s}.index", "num"), (f"{s}.time", "time"), (f"{s}.date", "str")]
    for pth in qy.paths:
        out += [(f"{pth}.hops", "num"), (f"{pth}.type", "list")]
    for m in qy.edges:
        out += [(f"{m}.role", "str"), (f"{m}.type", "str")]
    for v in qy.scored:
        out += [(f"{v}.score", "num"), (f"{v}.why", "str"), ("RELEVANCE", "num")]
    return out


@dataclass(frozen=True)
class Generated:
    """A generated query: its text, parameters, and whether its row order is defined."""

    text: str
    params: dict[str, Any]
    ordered: bool
    collect_columns: tuple[int, ...] = ()


def _clauses(qy: Query) -> str:
    """The clauses between the patterns and RETURN, in a random order."""
    rng = qy.rng
    clauses = []
    ns = rng.random()
    if ns < 0.15:
        clauses.append(f"IN {q(OTHER_NS)}")
    elif ns < 0.5:
        clauses.append(f"IN {q(NS)}")
    if rng.random() < 0.75:
        clauses.append("WHERE " + condition(qy))
    if qy.has_fact:
        roll = rng.random()
        if roll < 0.2:
            clauses.append(f"AS OF {_time(qy)}")
        elif roll < 0.4:
            clauses.append(f"VALID AT {_time(qy)}")
        elif roll < 0.5:
            clauses.append(f"AS OF {_time(qy)} VALID AT {_time(qy)}")
        elif roll < 0.6:
            clauses.append("ALL TIME")
    rng.shuffle(clauses)
    return " ".join(clauses)


def _plain_return(qy: Query, props: list[tuple[str, str]], ids: list[str]) -> tuple[str, bool]:
    """RETURN values, maybe DISTINCT, maybe ORDER BY a total key (the ids of the match) and LIMIT."""
    rng = qy.rng
    items = [e for e, _ in rng.sample(props, min(len(props), rng.randint(1, 3)))]
    if rng.random() < 0.15:
        items.append(rng.choice(['"k"', "1.5", "NULL", "[1, 2]", "TRUE", qy.param(rng.choice(["x", 3, None]))]))
    distinct = rng.random() < 0.3
    text = " RETURN " + ("DISTINCT " if distinct else "") + ", ".join(items)
    if rng.random() >= 0.6:
        return text, False
    keys = [rng.choice(items)] if rng.random() < 0.6 else []
    if distinct:  # after DISTINCT only returned columns sort, and all of them make the order total
        order = [f"{k} {rng.choice(['', 'DESC'])}".strip() for k in dict.fromkeys(keys + items)]
    else:
        order = [f"{k} {rng.choice(['', 'ASC', 'DESC'])}".strip() for k in dict.fromkeys(keys + ids)]
    text += " ORDER BY " + ", ".join(order)
    if rng.random() < 0.5:
        text += f" LIMIT {rng.randint(1, 5) if rng.random() < 0.7 else qy.param(rng.randint(1, 5))}"
    return text, True


def _aggregate_return(qy: Query, props: list[tuple[str, str]], ids: list[str]) -> tuple[str, bool, list[int]]:
    """RETURN groups and aggregates (maybe GROUP BY, ORDER BY, LIMIT); the collect() columns."""
    rng = qy.rng
    groups = [e for e, _ in rng.sample(props, min(len(props), rng.randint(0, 2)))]
    of = {kind: [e for e, k in props if k == kind] for kind in ("num", "time", "str")}
    anyvals = [e for e, k in props if k != "list"]
    aggs = ["count(*)", f"count({rng.choice(anyvals)})", f"collect({rng.choice(anyvals)})"]
    if ids:
        aggs += [f"count(DISTINCT {rng.choice(ids)})", f"collect(DISTINCT {rng.choice(ids)})"]
    for name in ("num", "time", "str"):
        if of[name]:
            aggs += [f"min({rng.choice(of[name])})", f"max(DISTINCT {rng.choice(of[name])})"]
    if of["num"]:
        aggs += [f"sum({rng.choice(of['num'])})", f"avg({rng.choice(of['num'])})"]
    if of["str"]:
        aggs.append(f"count(DISTINCT {rng.choice(of['str'])})")
    items = groups + rng.sample(aggs, rng.randint(1, min(3, len(aggs))))
    collect = [i for i, item in enumerate(items) if item.startswith("collect(")]
    text = " RETURN " + ", ".join(items)
    if rng.random() < 0.3 and groups:
        text += " GROUP BY " + ", ".join(groups)
    sortable = [i for i in items if not i.startswith("collect(")]
    ordered = False
    if sortable and rng.random() < 0.5:
        text += " ORDER BY " + ", ".join(f"{i} {rng.choice(['', 'DESC'])}".strip() for i in sortable)
        ordered = not collect  # the groups and aggregates make the order total
        if ordered and rng.random() < 0.4:
            text += f" LIMIT {rng.randint(1, 4)}"
    return text, ordered, collect


def timeline(qy: Query) -> Generated:
    """A TIMELINE of an entity, a session or ABOUT events; the events are ``event`` in its WHERE."""
    rng = qy.rng
    roll = rng.random()
    if roll < 0.5:
        node = _node(qy, "x", "entity")
    elif roll < 0.8:  # a session by its id, labelled or not (an unlabelled id is an entity's or a session's)
        label = ":Session" if roll < 0.7 else ""
        node = f"(s{label} {{id: {q(rng.choice(['s1', 's2', 's3', 's4']))}}})"
    else:
        node = f"(:Event ABOUT {q(rng.choice(['Bolt the dog', 'camping in Zürich']))})"
    text = f"TIMELINE {node}"
    if rng.random() < 0.3:
        text += f" IN {q(rng.choice([NS, NS, OTHER_NS]))}"
    if rng.random() < 0.5:
        qy.events, qy.entities, qy.facts, qy.paths, qy.sessions = ["event"], [], [], [], []
        text += " WHERE " + condition(qy)
    if rng.random() < 0.4:
        text += f" LIMIT {rng.randint(1, 4)}"
    return Generated(text, dict(qy.params), True)  # in time order, then turn order: total here


def generate(rng: random.Random) -> Generated:
    """One valid query over the differential graph, drawn from ``rng``."""
    qy = Query(rng)
    if rng.random() < 0.08:
        return timeline(qy)
    text = f"FIND {pattern(qy)} {_clauses(qy)}"
    props = _props(qy)
    ids = [f"{v}.id" for v in qy.events + qy.entities + qy.sessions + qy.facts + qy.anys]
    mode = rng.randrange(10)
    if mode < 4:
        tail, ordered = _plain_return(qy, props, ids)
        return Generated(text + tail, dict(qy.params), ordered)
    if mode < 7:
        tail, ordered, collect = _aggregate_return(qy, props, ids)
        return Generated(text + tail, dict(qy.params), ordered, tuple(collect))
    if mode < 8 and qy.events:  # ties on time make FIRST/LAST partial: only the times are compared
        which = rng.choice(["FIRST", "LAST"]) + rng.choice(["", " 2", " 3"])
        text = text.replace("FIND ", f"FIND {which} ", 1) + f" RETURN {qy.events[0]}.id, {qy.events[0]}.time"
        return Generated(text, dict(qy.params), False)
    if mode < 9:  # whole nodes and edges
        varnames = qy.events + qy.entities + qy.sessions + qy.facts + qy.paths + qy.edges
        text += " RETURN " + ", ".join(rng.sample(varnames, min(len(varnames), rng.randint(1, 2))))
    return Generated(text, dict(qy.params), False)  # without RETURN: the named variables


def corrupt(rng: random.Random, text: str) -> str:
    """``text`` made malformed or semantically invalid: a misspelt word, a lost or doubled character, a
    name that does not exist, an unbound parameter, a bad date or a hop range without a bound."""
    edits = [
        lambda t: t.replace(":Event", ":Evnt", 1),
        lambda t: t.replace(":Person", ":Persn", 1),
        lambda t: t.replace("RETURN", "RETRUN", 1),
        lambda t: t.replace("WHERE", "WHERE WHERE", 1),
        lambda t: t.replace(".speaker", ".speakr", 1),
        lambda t: t.replace(".name", ".nam", 1),
        lambda t: t.replace("MENTIONS", "MENTION", 1),
        lambda t: t.replace("FACT", "FACTS", 1),
        lambda t: t.replace("*1..2", "*", 1),
        lambda t: t.replace("*1..3", "*2..", 1),
        lambda t: t.replace("(e:Event", "(e:Event {nope: 1}", 1),
        lambda t: t.replace("count(", "cnt(", 1),
        lambda t: t.replace("2024-03-03", "2024-13-03", 1),
        lambda t: t.replace('"24 March 2024"', '"24 Marsh 2024"', 1),
        lambda t: t.replace("$p0", "$unbound", 1),
        lambda t: t.replace('IN "d1"', 'IN "d3"', 1),
        lambda t: t + " LIMIT 0" if " LIMIT" not in t else t.replace(" LIMIT", " LIMIT LIMIT", 1),
        lambda t: t + " AS OF 2024" if "FACT" not in t and " AS OF" not in t else t + ")",
    ]
    for _ in range(4):
        new = rng.choice(edits)(text)
        if new != text:
            return new
    at = rng.randrange(len(text))
    return text[:at] + text[at + 1 :] if rng.random() < 0.5 else text[:at] + text[at] + text[at:]
