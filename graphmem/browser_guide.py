"""Exploring memory in Neo4j Browser: starter Cypher queries and the ``.grass`` style sheet.

``graphmem browser-guide`` prints these; ``docs/neo4j-browser.md`` shows the same queries (a test keeps
the two in step and runs every query against the Bolt test server).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GRASS", "STARTER_QUERIES", "StarterQuery", "guide_text"]


@dataclass(frozen=True)
class StarterQuery:
    """A query to paste into Browser, with example parameter values (set with ``:param``)."""

    title: str
    cypher: str
    params: tuple[tuple[str, str], ...] = ()
    #: Needs the full-text index (Neo4j only).
    fulltext: bool = False


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
        (("ns", '"conv-26"'),),
    ),
    StarterQuery(
        "A person's timeline: everything they said, in time order",
        "MATCH (e:Event)-[:SPOKEN_BY]->(p:Entity {namespace: $ns})\nWHERE toLower(p.name) = toLower($person)\n"
        "RETURN e.occurred_at AS time, e.source_id AS turn, e.text AS said\nORDER BY e.occurred_at, e.seq",
        (("ns", '"conv-26"'), ("person", '"Caroline"')),
    ),
    StarterQuery(
        "One session as a chain of turns (graph view)",
        "MATCH (s:Session {namespace: $ns, id: $session})<-[:IN_SESSION]-(e:Event)\n"
        "OPTIONAL MATCH (e)-[n:NEXT]->(f:Event)\nRETURN s, e, n, f",
        (("ns", '"conv-26"'), ("session", '"session_1"')),
    ),
    StarterQuery(
        "What two people both talked about",
        "MATCH (a:Entity {namespace: $ns})<-[:SPOKEN_BY]-(:Event)-[:MENTIONS]->(t:Entity)"
        "<-[:MENTIONS]-(:Event)-[:SPOKEN_BY]->(b:Entity {namespace: $ns})\n"
        "WHERE toLower(a.name) = toLower($person) AND toLower(b.name) = toLower($other)\n"
        "RETURN t.name AS topic, count(*) AS mentions\nORDER BY mentions DESC LIMIT 25",
        (("ns", '"conv-26"'), ("person", '"Caroline"'), ("other", '"Melanie"')),
    ),
    StarterQuery(
        "Facts true in the world on a date",
        "MATCH (s:Entity {namespace: $ns})-[f:FACT]->(o:Entity)\n"
        "WHERE (f.valid_from IS NULL OR f.valid_from <= localdatetime($date))\n"
        "  AND (f.valid_to IS NULL OR localdatetime($date) < f.valid_to)\n"
        "RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, f.valid_from AS since",
        (("ns", '"conv-26"'), ("date", '"2023-05-07T12:00:00"')),
    ),
    StarterQuery(
        "What memory believed at a moment (record time)",
        "MATCH (s:Entity {namespace: $ns})-[f:FACT]->(o:Entity)\nWHERE f.recorded_at <= localdatetime($at)\n"
        "  AND (f.expired_at IS NULL OR localdatetime($at) < f.expired_at)\n"
        "RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, f.recorded_at AS learned",
        (("ns", '"conv-26"'), ("at", '"2023-05-20T00:00:00"')),
    ),
    StarterQuery(
        "The events that support a fact",
        "MATCH (s:Entity)-[f:FACT {namespace: $ns}]->(o:Entity)\nWHERE f.predicate = $predicate\n"
        "MATCH (e:Event {namespace: $ns}) WHERE e.id IN f.evidence\n"
        "RETURN s.name AS subject, f.predicate AS predicate, o.name AS object, e.source_id AS turn, e.text AS text",
        (("ns", '"conv-26"'), ("predicate", '"go"')),
    ),
    StarterQuery(
        "The most mentioned people and things",
        "MATCH (x:Entity {namespace: $ns})<-[:MENTIONS]-(:Event)\nRETURN x.name AS name, x.type AS type, "
        "count(*) AS mentions\nORDER BY mentions DESC LIMIT 20",
        (("ns", '"conv-26"'),),
    ),
    StarterQuery(
        "Events in a time range",
        "MATCH (e:Event {namespace: $ns})\n"
        "WHERE localdatetime($since) <= e.occurred_at < localdatetime($until)\n"
        "RETURN e.occurred_at AS time, e.speaker AS speaker, e.text AS text\nORDER BY e.occurred_at, e.seq",
        (("ns", '"conv-26"'), ("since", '"2023-05-01T00:00:00"'), ("until", '"2023-06-01T00:00:00"')),
    ),
    StarterQuery(
        "An entity's neighbourhood, two hops out (graph view)",
        "MATCH p = (x:Entity {namespace: $ns})-[:SPOKEN_BY|MENTIONS|FACT*1..2]-()\n"
        "WHERE toLower(x.name) = toLower($person)\nRETURN p LIMIT 100",
        (("ns", '"conv-26"'), ("person", '"Melanie"')),
    ),
    StarterQuery(
        "The path that explains a recall hit: from a seed to the hit (graph view)",
        "MATCH (seed:Entity {namespace: $ns, id: $seed}), (hit:Event {namespace: $ns, id: $hit})\n"
        "MATCH p = shortestPath((seed)-[*..4]-(hit))\nRETURN p",
        (("ns", '"conv-26"'), ("seed", '"melanie"'), ("hit", '"e4"')),
    ),
    StarterQuery(
        "Full-text search over what was said (Neo4j's full-text index)",
        "CALL db.index.fulltext.queryNodes('graphmem_event_text', $words) YIELD node, score\n"
        "WHERE node.namespace = $ns\nRETURN node.source_id AS turn, node.text AS text, score LIMIT 10",
        (("ns", '"conv-26"'), ("words", '"camping kids"')),
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
  caption: "{date_text}";
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


def guide_text() -> str:
    """The starter queries as text to paste into Browser: ``:param`` lines, then the query."""
    parts = [
        "// graphmem starter queries for Neo4j Browser.",
        "// Style: drag docs/graphmem.grass onto Browser (or `graphmem browser-guide --grass > graphmem.grass`).",
        "",
    ]
    for number, q in enumerate(STARTER_QUERIES, 1):
        parts.append(f"// {number}. {q.title}" + (" (needs the full-text index: Neo4j only)" if q.fulltext else ""))
        parts.extend(f":param {name} => {value}" for name, value in q.params)
        parts.append(q.cypher + ";")
        parts.append("")
    return "\n".join(parts)
