"""Extraction: from a :class:`~graphmem.transcript.Transcript` to a :class:`~graphmem.models.Batch`.

One module per stage: :mod:`~graphmem.extract.events` (turns → events, sessions in date order),
:mod:`~graphmem.extract.entities` (NER, speakers, pronouns, topics, appositions → entities and
mentions; "she"/"he" for the one person meant: :mod:`~graphmem.extract.pronouns`),
:mod:`~graphmem.extract.facts`, :mod:`~graphmem.extract.readings` and
:mod:`~graphmem.extract.relations` (dependency parse → facts in the declared vocabulary of
:mod:`~graphmem.extract.vocabulary`, closings, roles and states; bounds from
:mod:`~graphmem.extract.bounds`; corrections from :mod:`~graphmem.extract.corrections`),
:mod:`~graphmem.extract.times` (time expressions resolved against the session date, with
:mod:`~graphmem.extract.spans`, :mod:`~graphmem.extract.tense`, :mod:`~graphmem.extract.periods`,
:mod:`~graphmem.extract.antecedents` and :mod:`~graphmem.extract.dateparsing`),
:mod:`~graphmem.extract.resolve` (entity resolution against what is stored),
:mod:`~graphmem.extract.correction_targets` (corrections that name only their value, bound to what
they correct) and :mod:`~graphmem.extract.temporal` (facts closed by newer values, ending statements and
corrections, across the namespace). Two
extractors run the stages: ``spacy`` (offline, the default) and ``claude`` (the Anthropic API with
tool-use output). Nothing heavy is imported until an extractor is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from graphmem.errors import ConfigError

if TYPE_CHECKING:
    from graphmem.models import Batch
    from graphmem.transcript import Transcript

__all__ = ["EXTRACTORS", "Extractor", "ReportsUsage", "get_extractor"]

#: The extractor names :func:`get_extractor` accepts.
EXTRACTORS = ("spacy", "claude")


@runtime_checkable
class Extractor(Protocol):
    """Turns transcripts into batches. Implementations are picklable (they load models lazily)."""

    @property
    def name(self) -> str:
        """The extractor's name (``spacy``, ``claude``)."""
        ...

    @property
    def version(self) -> str:
        """Changes whenever the output for the same input changes (part of the ingest content hash)."""
        ...

    def extract(self, transcript: Transcript) -> Batch:
        """Extract one transcript."""
        ...

    def extract_many(self, transcripts: Iterable[Transcript]) -> list[Batch]:
        """Extract several transcripts, one batch each, in order."""
        ...


@runtime_checkable
class ReportsUsage(Protocol):
    """An extractor that calls a paid service and counts what it asked (Claude's): the ingest summary
    reports it."""

    def usage(self) -> dict[str, int]:
        """Counters so far (``requests``, ``input_tokens``, ``output_tokens``, ``cache_hits``, ``dropped``,
        ``untyped``)."""
        ...


def get_extractor(name: str = "spacy", *, nlp: Any | None = None, **options: Any) -> Extractor:
    """Return the extractor called ``name``.

    Args:
        name: ``"spacy"`` (offline, default) or ``"claude"`` (needs ``ANTHROPIC_API_KEY``).
        nlp: a loaded spaCy pipeline for the spaCy extractor to reuse (others ignore it); ``None``
            loads one on first use (worker processes load their own).
        **options: passed to the extractor (``batch_size``, ``namespace``; for Claude also ``model``,
            ``client``, ``base_url``, ``cache_dir``, ``max_retries`` ...).

    Raises:
        ConfigError: unknown name or option, or (Claude) no API key.
        MissingDependencyError: the extractor's package is not installed.
    """
    key = (name or "spacy").strip().lower()
    try:
        if key == "spacy":
            from graphmem.extract.pipeline import SpacyExtractor

            return SpacyExtractor(nlp=nlp, **options)
        if key == "claude":
            from graphmem.extract.claude import ClaudeExtractor

            return ClaudeExtractor(**options)
    except TypeError as exc:
        raise ConfigError(f"bad option for the {key!r} extractor: {exc}") from exc
    raise ConfigError(f"unknown extractor {name!r}: choose one of {', '.join(EXTRACTORS)}")
