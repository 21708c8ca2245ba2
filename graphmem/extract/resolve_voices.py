"""Who says a name, for entity resolution: a speaker is not the namesake other speakers talk about.

"Ana" is a speaker; Bo says "My new colleague is also called Ana, Ana Lopez" and "Ana Lopez works at
Acme". The subset rule would join "Ana Lopez" to the speaker "Ana" and give her Acme. A full name that
adds a word to a participant's name and that only *other* participants say is a third person to them:
people talk about a participant as "you", or by the name they go by, not by a longer name that they
never use of themselves. So :meth:`Voices.namesakes` keeps such a pair apart; the speaker's own words
("I'm Ana Lopez") still join the full name to her, and names nobody speaks under still merge as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphmem.extract.names import normalize_name
from graphmem.models import Batch, EdgeType

if TYPE_CHECKING:
    from graphmem.store.base import GraphStore

__all__ = ["Voices"]


class Voices:
    """The speakers of a namespace and, for an entity, the speakers whose turns name it."""

    def __init__(self, batch: Batch, history: GraphStore | None = None) -> None:
        """Read the speakers from ``batch`` (its events and mentions) and, lazily, from ``history``."""
        self.namespace = batch.namespace
        self.history = history
        spoken = {e.id: normalize_name(e.speaker) for e in batch.events if e.speaker}
        self.speakers = set(spoken.values())
        self._stored_speakers: dict[str, str | None] = {}  # stored entity id -> the name it speaks under
        self._said: dict[str, set[str]] = {}
        for m in batch.mentions:
            who = spoken.get(m.event_id)
            if who and m.role != "speaker":
                self._said.setdefault(m.entity_id, set()).add(who)
        self._stored_said: dict[str, set[str]] = {}

    def is_speaker(self, eid: str, names: list[str], *, stored: bool) -> str | None:
        """The normalised name ``eid`` speaks under: one of ``names`` (its name and aliases) a turn of the batch
        is spoken by, or (``stored``) any of them when a stored turn is spoken by it."""
        for name in names:
            if normalize_name(name) in self.speakers:
                return normalize_name(name)
        if not stored or self.history is None:
            return None
        if eid not in self._stored_speakers:
            from graphmem.store.base import Direction

            edges = self.history.neighbors(self.namespace, eid, edge_types=[EdgeType.SPOKEN_BY], direction=Direction.IN)
            events = self.history.get_events(self.namespace, [n.node_id for n in edges[:1]])
            self._stored_speakers[eid] = normalize_name(events[0].speaker or "") if events else None
        return self._stored_speakers[eid] or None

    def said_by(self, eid: str, *, stored: bool) -> set[str]:
        """The normalised names of the speakers whose turns name entity ``eid`` (with ``stored``, the
        stored turns too)."""
        found = set(self._said.get(eid, ()))
        if stored and self.history is not None:
            if eid not in self._stored_said:
                from graphmem.store.base import Direction

                edges = self.history.neighbors(
                    self.namespace, eid, edge_types=[EdgeType.MENTIONS], direction=Direction.IN
                )
                events = self.history.get_events(self.namespace, [n.node_id for n in edges if n.role != "speaker"])
                self._stored_said[eid] = {normalize_name(e.speaker) for e in events if e.speaker}
            found |= self._stored_said[eid]
        return found

    def namesakes(self, a: tuple[str, list[str], bool], b: tuple[str, list[str], bool]) -> bool:
        """Whether two people, each ``(id, names, stored)``, are a participant and someone else: the other
        has a longer name with a word none of the participant's names has, and is a participant too or is
        named only in other participants' turns."""
        a_keys = {normalize_name(n) for n in a[1]}
        if a_keys & {normalize_name(n) for n in b[1]}:
            return False  # a name in common: whatever else they are called, one person
        for (sid, s_names, s_stored), (oid, o_names, o_stored) in ((a, b), (b, a)):
            words = {w for n in s_names for w in normalize_name(n).split()}
            if not any(len(k.split()) >= 2 and set(k.split()) - words for k in map(normalize_name, o_names)):
                continue
            speaker = self.is_speaker(sid, s_names, stored=s_stored)
            if speaker is None:
                continue
            if self.is_speaker(oid, o_names, stored=o_stored) is not None:
                return True  # two participants with different names are two people
            said = self.said_by(oid, stored=o_stored)
            if said and speaker not in said:
                return True
        return False
