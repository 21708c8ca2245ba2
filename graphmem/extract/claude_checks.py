"""Checking a Claude answer against the request it answers (no I/O): pronouns, grounding, places.

- A pronoun Claude gives as a name ("I", "me", "you") is the turn's speaker or addressee, as on the spaCy
  path (:mod:`graphmem.extract.pronouns`); "you" in a turn addressed to no one names nobody, and the
  entry is dropped (counted).
- A name the request never says (:func:`said_in`) is no entity: Claude invented it. It is dropped with
  every entry naming it, counted, and warned about once per request.
- :func:`request_place` names a request in errors and warnings: file, session, turns and lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from graphmem.extract.names import normalize_name
from graphmem.models import Event

if TYPE_CHECKING:
    from graphmem.extract.registry import EntityRegistry

__all__ = [
    "ADDRESSEE_WORDS",
    "SPEAKER_WORDS",
    "Saying",
    "holds",
    "listing",
    "pronoun_of",
    "request_place",
    "request_text",
    "said_in",
    "voiced",
]

SPEAKER_WORDS = frozenset({"i", "me", "my", "myself", "mine"})
ADDRESSEE_WORDS = frozenset({"you", "your", "yours", "yourself"})
# Words a name holds that need not be said: "Melanie's kids" for "my kids" said by Melanie
_FILLERS = frozenset({"of", "the", "a", "an", "and", "&", "de", "da", "do", "del", "la", "le", "van", "von"})
#: The rapidfuzz ``partial_ratio`` (0-100) at which a whole name is said, in another inflection or spelling.
NAME_SAID = 90.0
_POSSESSIVE = re.compile(r"['’]s?\b")


def pronoun_of(name: str) -> str | None:
    """``"speaker"`` or ``"addressee"`` when ``name`` is a pronoun for one, else ``None``."""
    key = name.strip().casefold()
    if key in SPEAKER_WORDS:
        return "speaker"
    if key in ADDRESSEE_WORDS:
        return "addressee"
    return None


def _fold(text: str) -> str:
    return " ".join(_POSSESSIVE.sub("", text.casefold()).split())


def request_text(events: Sequence[Event], addressees: Sequence[str | None], context: str = "") -> str:
    """What a request says (its speakers, addressees and turns, and the ``context`` turns it showed before
    them), folded for :func:`said_in`."""
    parts = [f"{e.speaker or ''} {a or ''} {e.text}" for e, a in zip(events, addressees, strict=True)]
    return _fold("\n".join([*parts, context] if context else parts))


def _word_said(word: str, said: Sequence[str]) -> bool:
    """Whether ``word`` or an inflection of it ("painting" for "painted", "kid" for "kids") is among ``said``."""
    from rapidfuzz import fuzz

    for other in said:
        shorter = min(len(word), len(other))
        common = len(_common_prefix(word, other))
        if common == shorter >= 3 or (common >= 5 and common >= shorter - 2) or fuzz.ratio(word, other) >= 85:
            return True
    return False


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def said_in(name: str, text: str) -> bool:
    """Whether the request ``text`` (from :func:`request_text`) says ``name``: as it is (case, spaces and
    possessives aside), spelt or inflected a little otherwise (rapidfuzz ``partial_ratio`` at least
    :data:`NAME_SAID`), or word by word ("Melanie's kids" for Melanie's "my kids", "sunset painting" for
    "I painted a sunset"; linking words such as "of" need not be said)."""
    from rapidfuzz import fuzz

    key = _fold(name)
    if not key:
        return False
    if key in text or (len(key) > 4 and fuzz.partial_ratio(key, text) >= NAME_SAID):
        return True
    needed = [w for w in re.findall(r"\w+", key) if w not in _FILLERS]
    said = re.findall(r"\w+", text)
    return bool(needed) and all(w in said or _word_said(w, said) for w in needed)


_NAME_FIELDS = {
    "mentions": ("entity",),
    "facts": ("subject", "object"),
    "closings": ("subject", "object"),
    "corrections": ("subject", "corrected", "wrong"),
}
# The fields whose name must be said by the request: a denied ``wrong`` value may be one said before it
_SAID_FIELDS = {"mentions": ("entity",), "facts": ("subject", "object"), "closings": ("subject", "object"),
                "corrections": ("subject", "corrected")}  # fmt: skip


class Saying:
    """Which names of one answer its request says (:func:`~graphmem.extract.claude_checks.said_in`); a
    listed entity is said when its name or an alias is, or it is a participant."""

    def __init__(self, registry: EntityRegistry, text: str, listed: Sequence[dict[str, Any]]) -> None:
        self.registry = registry
        self.text = text
        self.unsaid: set[str] = set()  # the names given that the request never says
        self.unsaid_listed = 0  # listed entities never said
        self.dropped = 0  # entries dropped for naming one
        self._known: dict[str, bool] = {}
        said: set[str] = set()
        for item in listed:
            names = [item["name"], *(a for a in item.get("aliases") or () if a.strip())]
            if any(self._said(n) for n in names):
                said.update(normalize_name(n) for n in names)
            else:
                self.unsaid.add(item["name"].strip())
                self.unsaid_listed += 1
        self._listed = said

    def _said(self, name: str) -> bool:
        key = normalize_name(name)
        if key not in self._known:
            self._known[key] = self.registry.speaker_for(name) is not None or said_in(name, self.text)
        return self._known[key]

    def grounded(self, item: dict[str, Any]) -> bool:
        """Whether the listed entity ``item`` is said."""
        return normalize_name(item["name"]) in self._listed

    def name_said(self, name: str) -> bool:
        """Whether a name an entry gives is said, or is a listed entity that is, or part of one."""
        key = normalize_name(name)
        if key in self._listed or self._said(name):
            return True
        return any(holds(listed.split(), key.split()) for listed in self._listed)

    def keep(self, item: dict[str, Any]) -> dict[str, Any]:
        """``item`` without the entries naming what the request never says."""
        out = dict(item)
        for kind, fields in _SAID_FIELDS.items():
            entries = []
            for entry in item.get(kind) or ():
                unsaid = [
                    entry[f]
                    for f in fields
                    if isinstance(entry.get(f), str) and entry[f].strip() and not self.name_said(entry[f])
                ]
                if unsaid:
                    self.unsaid.update(n.strip() for n in unsaid)
                    self.dropped += 1
                else:
                    entries.append(entry)
            out[kind] = entries
        return out


def holds(name: Sequence[str], part: Sequence[str]) -> bool:
    """Whether the words ``part`` stand in a row in ``name`` (and are fewer)."""
    n = len(part)
    return 0 < n < len(name) and any(list(name[i : i + n]) == list(part) for i in range(len(name) - n + 1))


def listing(items: Sequence[Any]) -> str:
    """The first few of ``items``, quoted, for a message."""
    return ", ".join(repr(t) for t in items[:5]) + (", …" if len(items) > 5 else "")


def voiced(item: dict[str, Any], speaker: str | None, addressee: str | None) -> tuple[dict[str, Any], int]:
    """An answer's entry about one turn with each pronoun given as a name ("I", "me", "you") replaced by
    the turn's ``speaker`` or ``addressee``, and how many of its entries were dropped for naming an
    addressee (or speaker) the turn has not."""
    who = {"speaker": speaker, "addressee": addressee}
    out, lost = dict(item), 0
    for kind, fields in _NAME_FIELDS.items():
        entries = []
        for entry in item.get(kind) or ():
            entry = dict(entry)
            roles = {f: pronoun_of(entry[f]) for f in fields if isinstance(entry.get(f), str)}
            if any(role is not None and who[role] is None for role in roles.values()):
                lost += 1
                continue
            entry.update({f: who[role] for f, role in roles.items() if role is not None})
            entries.append(entry)
        out[kind] = entries
    return out, lost


def request_place(events: Sequence[Event], namespace: str) -> str:
    """Where a request's turns are: ``"chat.txt, session session_2, turns T1–T4 (chat.txt:5–9)"``; a
    live add has no file and is named by its namespace."""
    first, last = events[0], events[-1]
    turns = f"turn T{first.seq}" if len(events) == 1 else f"turns T{first.seq}–T{last.seq}"
    lines = ""
    if first.source_file and first.source_line is not None:
        end = f"–{last.source_line}" if last.source_line not in (None, first.source_line) else ""
        lines = f" ({first.source_file}:{first.source_line}{end})"
    return f"{first.source_file or namespace}, session {first.session}, {turns}{lines}"
