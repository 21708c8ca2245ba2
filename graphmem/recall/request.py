""":class:`RecallRequest`: one recall question and its options, built once at the edge and passed down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from graphmem.errors import ConfigError
from graphmem.models import validate_namespace
from graphmem.store.base import TimeFilter
from graphmem.text import normalise_name

__all__ = ["RecallRequest"]


@dataclass(frozen=True, slots=True)
class RecallRequest:
    """What to recall: the question, where to look, how much, and which events qualify.

    ``Memory.recall``, ``graphmem recall`` and the DSL's ``RECALL`` each build one and hand it to
    :func:`graphmem.recall.recall`; a new recall option is a field here plus the code that uses it.
    Built with :meth:`of` from loose arguments; construction validates the values.

    Attributes:
        text: the question.
        namespace: the namespace to search.
        k: how many hits to return (at least 1).
        hops: how many edges the traversal may follow from a seed (0 = seeds only).
        since: only events at or after this time.
        until: only events at or before this time.
        speakers: only events spoken by one of these (names compared ignoring case); ``None`` = anyone.
        as_of: recall what memory held at this moment: facts recorded and not yet expired then, and
            events that had happened by then.

    Raises:
        ConfigError: an illegal namespace, a non-positive ``k`` or a negative ``hops``.
    """

    text: str
    namespace: str
    k: int = 10
    hops: int = 2
    since: datetime | None = None
    until: datetime | None = None
    speakers: tuple[str, ...] | None = None
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        validate_namespace(self.namespace)
        if self.k < 1:
            raise ConfigError(f"k must be at least 1, not {self.k}")
        if self.hops < 0:
            raise ConfigError(f"hops must be 0 or more, not {self.hops}")

    @classmethod
    def of(
        cls,
        text: str,
        *,
        namespace: str,
        k: int = 10,
        hops: int = 2,
        since: datetime | None = None,
        until: datetime | None = None,
        speakers: Sequence[str] | None = None,
        as_of: datetime | None = None,
    ) -> RecallRequest:
        """Build a request from the keyword arguments ``Memory.recall`` takes (``speakers`` any sequence)."""
        who = tuple(speakers) if speakers is not None else None
        return cls(text, namespace, k, hops, since, until, who, as_of)

    @property
    def window(self) -> TimeFilter:
        """The time filter events must pass: ``since``..``until``, no later than ``as_of``."""
        until = self.until
        if self.as_of is not None:
            until = self.as_of if until is None else min(until, self.as_of)
        return TimeFilter(since=self.since, until=until, as_of=self.as_of)

    @property
    def speaker_names(self) -> frozenset[str] | None:
        """The normalised speaker names events must match, or ``None`` for anyone."""
        return frozenset(normalise_name(s) for s in self.speakers) if self.speakers is not None else None

    @property
    def filtered(self) -> bool:
        """Whether any filter applies (seed sources then search deeper to find enough admitted events)."""
        return not self.window.empty or self.speakers is not None
