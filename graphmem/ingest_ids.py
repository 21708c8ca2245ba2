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
  when any of its plain ids is taken, so a new file's ids are all of one kind.
"""

from __future__ import annotations

from dataclasses import replace

from graphmem.ingest_owners import Owners
from graphmem.transcript import RawSession, Transcript

__all__ = ["choose_ids"]


def choose_ids(owners: Owners, key: str, plain: list[Transcript], tagged: list[Transcript]) -> list[Transcript]:
    """The input's transcripts with each session's id chosen (see the module docs).

    Args:
        owners: who wrote which session (the input's own live sessions taken over already handed to it).
        key: the input's key.
        plain: the transcripts read with plain ids.
        tagged: the same transcripts read with tagged ids (same order, same sessions).
    """
    out = []
    for p, t in zip(plain, tagged, strict=True):
        wrote = set(owners.written(p.namespace, key))
        pairs = list(zip(p.sessions, t.sessions, strict=True))
        held_plain = any(ps.id in wrote for ps, _ in pairs)
        held_tagged = any(ts.id in wrote for _, ts in pairs)
        taken = {ps.id for ps, _ in pairs if owners.holds_another(p.namespace, ps.id, key)}
        sessions: list[RawSession] = []
        for ps, ts in pairs:
            if ps.id in wrote:
                sessions.append(ps)
            elif ts.id in wrote:
                sessions.append(ts)
            elif held_plain:
                sessions.append(ts if ps.id in taken else ps)
            elif held_tagged or taken:
                sessions.append(ts)
            else:
                sessions.append(ps)
        out.append(replace(p, sessions=tuple(sessions)))
    return out
