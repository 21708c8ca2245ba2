"""Which session ids an input writes: its plain ids (``session_1``), or ids carrying its source tag
(``chat-1f2e3d4c/session_1``) where another input or a live add holds the plain ones.

:mod:`graphmem.ingest_read` reads an input plainly and, when any of its sessions is taken in a namespace
it writes, tagged as well; :func:`choose_ids` then picks each session's id:

- a session the input wrote before keeps the id it wrote it under (plain or tagged), so its stored turns
  are diffed as for any edit: kept turns stay as stored, forgotten ones stay forgotten;
- a new session of an input that wrote plain sessions before is tagged only when its plain id is taken
  (an agent's live add made ``session_3`` before the file grew one);
- a new session of an input that wrote only tagged sessions is tagged, as its other sessions are;
- an input that holds no session in the namespace (new, or whose sessions are all gone) is tagged whole
  when any of its plain ids is taken, so a new file's ids are all of one kind;
- a session whose chosen id would give, at one of its places, the event id of a message added live there
  and forgotten since (:meth:`~graphmem.store.base.KeepsPositions.forgotten_live`: an agent's retried
  ``forget`` of that id would delete the file's turn) is written under the first other id that gives
  none: the one the input wrote it under before, else its tagged id, else the tagged id with ``~2``,
  ``~3``… A file's turn takes its place's id, so the whole session moves; turns of the input's own that
  were removed and added again keep taking their old ids (only places given live are avoided);
- so is a session whose chosen id would give the id of a message added live there, which the input holds
  as its own at another place, to another of its turns (:func:`graphmem.ingest_held.moves_live`); the
  live message's place is then recorded as a forgotten one's (:func:`graphmem.ingest_held.live_in_the_way`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import replace

from graphmem.ingest_owners import Owners
from graphmem.transcript import RawSession, Transcript

__all__ = ["choose_ids", "former_ids", "needs_other_ids"]


def choose_ids(
    owners: Owners,
    key: str,
    plain: list[Transcript],
    tagged: list[Transcript],
    moves_live: Callable[[str, RawSession], bool],
) -> list[Transcript]:
    """The input's transcripts with each session's id chosen (see the module docs).

    Args:
        owners: who wrote which session (the input's own live sessions taken over already handed to it).
        key: the input's key.
        plain: the transcripts read with plain ids.
        tagged: the same transcripts read with tagged ids (same order, same sessions).
        moves_live: whether a session of a namespace, written under its id, would give the id of a
            message added live there to another of its turns
            (:func:`graphmem.ingest_held.moves_live`); such an id is avoided as a forgotten one is.
    """
    out = []
    for p, t in zip(plain, tagged, strict=True):
        wrote = set(owners.written(p.namespace, key))
        pairs = list(zip(p.sessions, t.sessions, strict=True))
        held_plain = any(ps.id in wrote for ps, _ in pairs)
        held_tagged = any(ts.id in wrote or _variants(ts.id, wrote) for _, ts in pairs)
        taken = {ps.id for ps, _ in pairs if owners.holds_another(p.namespace, ps.id, key)}
        sessions: list[RawSession] = []
        for ps, ts in pairs:
            if ps.id in wrote:
                sessions.append(ps)
            elif ts.id in wrote:
                sessions.append(ts)
            elif own := _variants(ts.id, wrote):
                sessions.append(replace(ts, id=own[0]))
            elif held_plain:
                sessions.append(ts if ps.id in taken else ps)
            elif held_tagged or taken:
                sessions.append(ts)
            else:
                sessions.append(ps)
        ids = {s.id for pair in pairs for s in pair}
        ns = p.namespace

        def gives(sid: str, session: RawSession, ns: str = ns) -> bool:
            turns = len(session.turns)
            return owners.gives_forgotten(ns, sid, turns) or moves_live(ns, replace(session, id=sid))

        cleared = [
            _clear_of_forgotten(owners, key, p.namespace, s, ts, wrote, ids, gives)
            for s, (_, ts) in zip(sessions, pairs, strict=True)
        ]
        out.append(replace(p, sessions=tuple(cleared)))
    return out


def _clear_of_forgotten(
    owners: Owners,
    key: str,
    ns: str,
    chosen: RawSession,
    tagged: RawSession,
    wrote: set[str],
    ids: set[str],
    gives: Callable[[str, RawSession], bool],
) -> RawSession:
    """``chosen``, or, when it would give the id of a forgotten live message or a live message's id to
    another turn (``gives``), the session under the first id that gives none (see the module docs);
    ``ids``: every id the input's sessions read as, not to take."""
    if not gives(chosen.id, chosen):
        return chosen
    for sid in (tagged.id, *_variants(tagged.id, wrote)):
        if sid in wrote and not gives(sid, tagged):
            return replace(tagged, id=sid)
    for n in itertools.count(1):
        sid = tagged.id if n == 1 else f"{tagged.id}~{n}"
        if sid == chosen.id or (sid in ids and sid != tagged.id):
            continue
        if not owners.holds_another(ns, sid, key) and not gives(sid, tagged):
            return replace(tagged, id=sid)
    raise AssertionError("unreachable")  # pragma: no cover


def _variants(tagged_id: str, wrote: set[str]) -> list[str]:
    """The ids ``tagged_id~N`` among those the input wrote, by ``N``."""
    variant = re.compile(re.escape(tagged_id) + r"~([0-9]+)")
    found = [(int(m.group(1)), sid) for sid in wrote if (m := variant.fullmatch(sid))]
    return [sid for _, sid in sorted(found)]


def needs_other_ids(
    owners: Owners,
    key: str,
    transcripts: list[Transcript],
    plain: list[Transcript],
    moves_live: Callable[[str, RawSession], bool],
) -> bool:
    """Whether any session of the input read with plain ids may have to be written under another: another
    input or a live add holds its id (``transcripts``: what the input writes, its turns stored live left
    out), or its id would give a forgotten live message's id or a live message's id to another turn
    (``plain``: the whole sessions it writes)."""
    return any(owners.taken(t, key) for t in transcripts) or any(
        owners.gives_forgotten(t.namespace, s.id, len(s.turns)) or moves_live(t.namespace, s)
        for t in plain
        for s in t.sessions
    )


def former_ids(
    owners: Owners, key: str, plain: list[Transcript], tagged: list[Transcript], chosen: list[Transcript]
) -> dict[tuple[str, str], list[str]]:
    """Per (namespace, session id chosen), the other ids the input wrote that session under before (its
    plain id, its tagged id, a ``~N`` of it): where it moved from, whose live messages are looked at too
    (:func:`graphmem.ingest_held.live_in_the_way`)."""
    out: dict[tuple[str, str], list[str]] = {}
    for p, t, c in zip(plain, tagged, chosen, strict=True):
        wrote = set(owners.written(p.namespace, key))
        for ps, ts, cs in zip(p.sessions, t.sessions, c.sessions, strict=True):
            before = [sid for sid in (ps.id, ts.id, *_variants(ts.id, wrote)) if sid in wrote and sid != cs.id]
            if before:
                out[(p.namespace, cs.id)] = list(dict.fromkeys(before))
    return out
