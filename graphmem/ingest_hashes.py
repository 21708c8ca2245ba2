"""What the read stage (:mod:`graphmem.ingest_read`) compares to tell an input already ingested as this
run would write it: content hashes and, for inputs ingested without vectors, whether they carry them since.

An input's source record holds a hash of its bytes and of what made the stored data from them: the
reader, the extractor and its version, whether events were embedded, and, for an input giving a time
without an offset, the memory's clock its relative dates were read on (:func:`content_hash`); every
session's fingerprint (:mod:`graphmem.ingest_prints`) carries the same, without the bytes. An input
ingested without vectors (``embed=False``, ``--no-embed``) therefore differs from one that embeds. Once
every event it wrote carries a vector (``graphmem reembed`` gave each the one ingest would store today),
it holds what an ingest that embeds would write, and counts as such: unchanged, it is skipped
(:func:`is_current`), and a copy of it elsewhere is recognised; edited, each session's unchanged turns
are kept (:func:`embedded_since`). An input any of whose events still lacks a vector is written again
(a session of it, when edited), so they get one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import TYPE_CHECKING

from graphmem.dates import zone_label
from graphmem.formats import PARTICIPANT_FORMATS, READER_VERSION
from graphmem.ingest_prints import SessionPrint

if TYPE_CHECKING:
    from graphmem.extract import Extractor
    from graphmem.ingest_owners import Owners
    from graphmem.store.base import GraphStore

__all__ = ["Hashes", "clock_name", "content_hash", "embedded_since", "is_current"]


def clock_name(zone: tzinfo | None) -> str | None:
    """The name a memory's clock ``zone`` gives the hashes of the inputs it dates
    (:func:`graphmem.extract.clocks.on_memory_clock`): ``Europe/Berlin``, ``+02:00``; ``None`` for UTC's
    (or none), which dates them as inputs were always dated, so their hashes stay as they were."""
    if zone is None:
        return None
    name = zone_label(zone)
    return None if name in ("UTC", "+00:00") else name


def content_hash(digest: str, fmt: str, extractor: Extractor, embed: bool) -> str:
    """The hash a source record stores: the content and how it was read, extracted and (whether) embedded."""
    parts = [digest, fmt, READER_VERSION, extractor.name, extractor.version, "embed" if embed else "noembed"]
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Hashes:
    """The content hashes of a run, from ``(sha256 of the content, format)``: :meth:`run`, what it records;
    :meth:`bare`, what an ingest with the same reader and extractor recorded without vectors, which counts
    as the run's for an input whose events all carry vectors since (``None`` when the run does not embed:
    it records that hash itself)."""

    extractor: Extractor
    embed: bool
    #: ``ingest --participant`` names (sorted pairs): an input of a format that reads them
    #: (:data:`~graphmem.formats.PARTICIPANT_FORMATS`, in-memory records) read with other names is read anew;
    #: the other formats ignore them, so they leave its hash as it is. A file's hashes hold only the names
    #: its messages use (:meth:`using`)
    participants: tuple[tuple[str, str], ...] = ()
    #: The memory's clock (:func:`clock_name`): an input giving a time without an offset says its relative
    #: dates ("yesterday") on that calendar, so one read on another clock is read anew; an input whose times
    #: all carry an offset, or that has none, is read alike on every clock (:meth:`dating`)
    clock: str | None = None
    #: Whether the input names a day alone (:func:`graphmem.extract.clocks.has_calendar_days`), which the
    #: clock reads as that day of its calendar: recorded beside the clock, so an input a zoned memory read
    #: before dates alone were (when they were its UTC midnight) is read anew, once
    days: bool = False

    def using(self, used: Collection[str]) -> Hashes:
        """These hashes with only the participants whose role or speaker is in ``used`` (those an input's
        messages name) and that rename it: a name for a role the input lacks, or a role's own name
        (``Fay=Fay``), reads it the same, so it is no change."""
        return replace(self, participants=tuple((r, n) for r, n in self.participants if r in used and r != n))

    def dating(self, dated: bool, days: bool = False) -> Hashes:
        """These hashes with the clock only when it ``dated`` the input (it gives a time without an offset:
        :func:`graphmem.extract.clocks.has_utc_times`), and with ``days`` when some of those are days alone
        (:func:`graphmem.extract.clocks.has_calendar_days`)."""
        if not dated or self.clock is None:
            return replace(self, clock=None, days=False)
        return replace(self, days=days)

    def _reader(self, fmt: str) -> str:
        clock = f";clock={self.clock}" if self.clock is not None else ""
        clock += ";days" if self.clock is not None and self.days else ""
        if fmt not in PARTICIPANT_FORMATS and fmt != "records":
            return fmt + clock
        return fmt + "".join(f";{role}={name}" for role, name in self.participants) + clock

    def run(self, digest: str, fmt: str) -> str:
        """The hash this run records."""
        return content_hash(digest, self._reader(fmt), self.extractor, self.embed)

    def before_days(self, digest: str, fmt: str) -> str | None:
        """The hash the rule before dates alone were read on the clock gave (a date alone at UTC's midnight,
        no ``;days``), when this run's differs from it; else ``None``. A zoned memory that read an input so
        then finds it renamed takes it as moved (:func:`graphmem.ingest_moved.find_moved`)."""
        return replace(self, days=False).run(digest, fmt) if self.days and self.clock is not None else None

    def bare(self, digest: str, fmt: str) -> str | None:
        """The hash an ingest without vectors recorded, when this run embeds; else ``None``."""
        return content_hash(digest, self._reader(fmt), self.extractor, False) if self.embed else None


def is_current(
    store: GraphStore,
    owners: Owners,
    ns: str,
    key: str,
    hashes: tuple[str, str | None],
    session: str | None = None,
) -> bool:
    """Whether ``ns`` holds the input keyed ``key`` as this run would write it: recorded with the run's hash
    (``hashes[0]``), or with the bare one (``hashes[1]``) and every event it wrote there carrying a vector
    since. With ``session``, the mark of that session (``<key>@<session>``, left by an interrupted run)."""
    record = key if session is None else f"{key}@{session}"
    run, bare = hashes
    if store.has_source(ns, record, run):
        return True
    return bare is not None and store.has_source(ns, record, bare) and owners.embedded(ns, key, session)


def embedded_since(
    old: dict[str, SessionPrint],
    prints: list[SessionPrint],
    bare: list[SessionPrint],
    ids: list[str],
    embedded: Callable[[str], bool],
) -> dict[str, SessionPrint]:
    """``old`` (stored prints by session id) with the print of each session written without vectors (it
    matches its ``bare`` print) whose events all carry one since (``embedded``) given the run's session
    fingerprint (``prints``; its turns' stay), so its unchanged turns are kept as they would be for an
    ingest that embedded. A session whose events lack vectors keeps its print: it is written again whole."""
    out = dict(old)
    for sid, new, without in zip(ids, prints, bare, strict=True):
        was = old.get(sid)
        if was is not None and not was.gone and was.session == without.session != new.session and embedded(sid):
            out[sid] = SessionPrint(new.session, was.turns)
    return out
