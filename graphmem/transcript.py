"""Plain data between the format readers and the extractors.

A reader (``graphmem.formats``) turns an input file into :class:`Transcript` objects, one per namespace;
an extractor (``graphmem.extract``) turns a transcript into a :class:`~graphmem.models.Batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graphmem.models import TimeRef
from graphmem.text import nfc

__all__ = ["KnownEntity", "RawSession", "RawTurn", "Transcript"]


@dataclass(frozen=True, slots=True)
class RawTurn:
    """One turn as read from the input, before extraction.

    ``source_id`` is the input's own id (LoCoMo ``dia_id``, a JSONL ``id``); ``line`` is the 1-based line
    in the source file (or ``None``); ``json_path`` locates it inside a JSON document;
    ``timestamp`` is a per-turn time when the input has one: timezone-aware when the input gave an
    offset (so relative dates resolve against the speaker's local wall clock; the store keeps naive UTC),
    naive otherwise; ``caption`` is an image caption.
    """

    speaker: str
    text: str
    source_id: str | None = None
    line: int | None = None
    json_path: str | None = None
    timestamp: datetime | None = None
    caption: str | None = None

    def __post_init__(self) -> None:
        # Every reader (files of each format, live messages, MCP) makes its turns here: text composed
        # (NFC) once, so a name typed decomposed ("Inês" as e + U+0302) is the name the extractor, the
        # store's CONTAINS and the query's literal all spell the same way.
        for name in ("speaker", "text", "caption"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.isascii():
                object.__setattr__(self, name, nfc(value))


@dataclass(frozen=True, slots=True)
class RawSession:
    """A session as read from the input: its turns in order and its start time when known.

    ``started_at`` is aware or naive as the input gave it (see :attr:`RawTurn.timestamp`). ``first_seq``
    is the position of the first turn in the session: 1 for a file, the next free position when
    messages are appended to a stored session (:func:`graphmem.live.add`).
    """

    id: str
    index: int
    turns: tuple[RawTurn, ...]
    started_at: datetime | None = None
    date_text: str | None = None
    first_seq: int = 1


@dataclass(frozen=True, slots=True)
class KnownEntity:
    """An entity the namespace already stores that the turns to extract may name
    (:func:`graphmem.entity_prior.known_entities`): its stored id, name, aliases and type, and ``backed``
    when stored facts say that type (one works at an organisation, lives in a place; see
    :mod:`graphmem.extract.fact_types`) rather than only NER's guess; ``pet`` when it is the object of a
    stored ``has_pet`` fact (a known pet keeps its type); ``held`` when stored facts keep its type as it is
    (it is the subject of one, or a person's or a pet's end: :func:`graphmem.extract.fact_types.held_type`),
    so the batch's facts do not retype it."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    backed: bool = False
    pet: bool = False
    held: bool = False


@dataclass(frozen=True, slots=True)
class Transcript:
    """One conversation from one input: becomes one namespace (unless the caller chooses one).

    ``participants`` names speakers known beyond these turns (those of the stored session that new
    messages join), so whom a speaker addresses is found as it would be over the whole conversation.
    ``vocabulary`` holds words the namespace already uses in lower case (for messages added to a
    stored conversation), so a capitalised word at a sentence start ("Rock on!") is typed as a common
    word as it would be over the whole conversation. ``antecedents`` holds, for a stored session that
    new turns join, the time its turns talked of last (:mod:`graphmem.extract.antecedents`), so "later
    that month" in a new turn is dated as it would be over the whole conversation. ``forgotten`` lists
    the ids of events of these turns that are not written again (forgotten since a re-ingested file
    was read first): their times are no antecedent, as they are not for messages added later.
    ``known`` holds the stored entities these turns name (a prior, :class:`KnownEntity`), so a name the
    namespace knows keeps its stored type and entity, as it would over the whole conversation.
    ``empty_left_out`` counts the input's messages left out for want of text (``null``, empty or only
    whitespace), which the ingest summary reports. ``context`` holds, for a stored session whose later
    turns are extracted again (a file that grew), the stored turns said just before them (session id,
    turns in order, the last at ``first_seq - 1``): an extractor that reads a turn with the turns before
    it (Claude's) is shown them, read only, as over the whole conversation. ``day_first`` is the order the
    input's numeric dates show (``8/5/2023``: :mod:`graphmem.date_order`), ``None`` when nothing decides.
    """

    namespace: str
    sessions: tuple[RawSession, ...]
    source_file: str | None = None
    format: str = "unknown"
    participants: tuple[str, ...] = ()
    vocabulary: frozenset[str] = frozenset()
    antecedents: tuple[tuple[str, TimeRef], ...] = ()
    forgotten: frozenset[str] = frozenset()
    known: tuple[KnownEntity, ...] = ()
    empty_left_out: int = 0
    context: tuple[tuple[str, tuple[RawTurn, ...]], ...] = ()
    day_first: bool | None = None

    @property
    def turn_count(self) -> int:
        """How many turns the transcript holds."""
        return sum(len(s.turns) for s in self.sessions)
