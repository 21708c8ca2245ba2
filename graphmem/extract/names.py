"""Name normalisation and deterministic ids shared by every extraction stage.

Ids are unique within a namespace across node kinds, so each kind has its own prefix: sessions keep the
reader's id, events are ``ev:<session>:<seq>``, entities ``ent:<type>:<slug>`` and facts
``fact:<hash>``. The same input always yields the same ids, so re-running an extraction upserts the same
records instead of adding new ones.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime

__all__ = [
    "entity_id",
    "entity_type",
    "event_id",
    "event_place",
    "fact_id",
    "naive_utc",
    "name_key",
    "normalize_name",
    "slug",
    "words",
]

_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "madam", "mister", "st"}
)
_POSSESSIVE = re.compile(r"(?:'s|’s|s'|s’)$")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_SLUG_BAD = re.compile(r"[^a-z0-9]+")


def words(text: str) -> frozenset[str]:
    """The set of whitespace-separated words of ``text`` (for readable word lists in code)."""
    return frozenset(text.split())


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_name(name: str) -> str:
    """Return the comparison key of a name: case, accents, punctuation, possessives and titles removed.

    >>> normalize_name("Dr. Mel's")
    'mel'
    >>> normalize_name("  The  L.G.B.T.Q. Center ")
    'lgbtq center'
    """
    text = _strip_accents(unicodedata.normalize("NFKC", name)).lower().strip()
    words = text.split()
    if words:
        words[-1] = _POSSESSIVE.sub("", words[-1]) if len(words[-1]) > 3 else words[-1]
    text = " ".join(words)
    # Dotted abbreviations ("L.G.B.T.Q.") collapse to one word; other punctuation separates words.
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()
    words = text.split()
    while len(words) > 1 and (words[0] in _TITLES or words[0] == "the"):
        words.pop(0)
    return " ".join(words)


def _short_hash(*parts: str, length: int = 12) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest()[:length]


def slug(text: str, *, limit: int = 48) -> str:
    """A readable ASCII id fragment for ``text``; a short hash is added when letters were lost.

    >>> slug("support group")
    'support-group'
    """
    key = normalize_name(text)
    out = _SLUG_BAD.sub("-", key).strip("-")
    if not out or len(out) > limit or out.replace("-", " ") != key:
        out = f"{out[:limit].strip('-')}-{_short_hash(key, length=8)}".lstrip("-")
    return out


def event_id(session_id: str, seq: int) -> str:
    """The id of the ``seq``-th turn (1-based) of a session."""
    return f"ev:{session_id}:{seq}"


def event_place(event: str) -> tuple[str, int]:
    """The session and turn number of an event id made by :func:`event_id` (turn ``-1`` when it has none),
    to order events of a session by turn ("…:9" before "…:10")."""
    session, _, seq = event.removeprefix("ev:").rpartition(":")
    return session, int(seq) if seq.isdigit() else -1


def entity_id(type_: str, name: str) -> str:
    """The id of the entity of this type and (normalised) name."""
    return f"ent:{type_.lower()}:{slug(name)}"


def entity_type(entity_id: str) -> str:
    """The type part of an entity id made by :func:`entity_id`, lower case (``ent:place:porto`` → ``place``);
    ``""`` for an id of another shape."""
    parts = entity_id.split(":")
    return parts[1] if len(parts) > 2 else ""


def name_key(entity_id: str) -> str:
    """The name part of an entity id, as :func:`entity_id` made it (``ent:organization:globex-corp`` →
    ``globex-corp``): the same for two mentions of a name typed apart."""
    return entity_id.rsplit(":", 1)[-1]


def fact_id(event: str, subject_id: str, predicate: str, object_id: str) -> str:
    """The id of one fact stated by one event."""
    return f"fact:{_short_hash(event, subject_id, predicate, object_id, length=16)}"


def naive_utc(when: datetime | None) -> datetime | None:
    """Return ``when`` as a naive UTC datetime (the store's convention); naive input is kept as is."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(UTC).replace(tzinfo=None)
