"""What an ingestion run did (:class:`IngestSummary`), as :func:`graphmem.ingest.ingest` returns it and the CLI
prints it; and the stages its time is split by (:data:`STAGES`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphmem.ingest_extract import Parts
    from graphmem.ingest_read import Job

__all__ = ["STAGES", "WAITING", "IngestSummary", "stopped_at", "until_stopped"]

#: The timed stages, in pipeline order.
STAGES = ("read", "extract", "resolve", "embed", "write")


@dataclass(slots=True)
class IngestSummary:
    """What an ingestion run did.

    ``seconds`` is wall time for the whole run; ``timings`` splits it by stage (with ``workers > 1``,
    ``extract`` sums the workers' time). ``errors`` holds ``(path, message)`` for every failed input.
    ``files_skipped`` counts the inputs left as they are, unchanged or a copy of another (with a note);
    ``files_empty`` the files skipped because they are empty or only whitespace, with a note each (a log
    created but not written yet; what such a file wrote before stays stored). ``turns`` counts the turns
    written (extracted, embedded and stored); ``turns_kept`` the turns of changed inputs left as stored,
    each session's unchanged leading turns (:mod:`graphmem.ingest_diff`);
    ``events_retracted`` the events of earlier versions of edited inputs that were deleted (the changed
    rest of a session, and sessions the input no longer holds); ``turns_live`` the turns not written because
    the namespace holds them already, added live with the same id in the same session (a live session the
    input holds whole is taken over instead: its events are retracted and written again from the input).
    ``messages_empty`` counts the messages of the inputs read that were left out for want of text
    (``"text": null``, ``""`` or only whitespace). ``usage`` is what an extractor calling a paid service
    asked of it (Claude: ``requests``, ``input_tokens``, ``output_tokens``, ``cache_hits``, ``dropped``
    answer entries, ``untyped`` entities taken for ``Thing``), empty for spaCy.
    """

    files_ok: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    files_empty: int = 0
    turns: int = 0
    messages_empty: int = 0
    turns_kept: int = 0
    turns_live: int = 0
    events: int = 0
    entities: int = 0
    facts: int = 0
    events_retracted: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: Why the run stopped before its last input (the extractor's service could not be reached), or
    #: ``None``; the inputs before were ingested, those after it not read.
    stopped: str | None = None
    #: The unit a second Ctrl-C (or SIGTERM) abandoned, rolled back (its input, where the unit starts and
    #: the sessions not written), or ``None``; set on a run stopped so (:mod:`graphmem.ingest_stop`).
    abandoned: str | None = None
    #: ``(path, message)`` for inputs skipped for a reason worth telling: a copy of an input already
    #: ingested from another path (the message names that path).
    notes: list[tuple[str, str]] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    extractor: str = ""
    workers: int = 1
    #: Helper processes started beside the workers (the embedding helper of :mod:`graphmem.embed_pool`).
    helpers: int = 0
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def turns_per_s(self) -> float:
        """Turns ingested per second of wall time."""
        return self.turns / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Whether no input failed."""
        return self.files_failed == 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return {
            "files_ok": self.files_ok,
            "files_failed": self.files_failed,
            "files_skipped": self.files_skipped,
            "files_empty": self.files_empty,
            "turns": self.turns,
            "messages_empty": self.messages_empty,
            "turns_kept": self.turns_kept,
            "turns_live": self.turns_live,
            "events": self.events,
            "entities": self.entities,
            "facts": self.facts,
            "events_retracted": self.events_retracted,
            "seconds": round(self.seconds, 3),
            "turns_per_s": round(self.turns_per_s, 1),
            "errors": [{"path": p, "message": m} for p, m in self.errors],
            "stopped": self.stopped,
            "notes": [{"path": p, "message": m} for p, m in self.notes],
            "namespaces": self.namespaces,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "extractor": self.extractor,
            "workers": self.workers,
            "helpers": self.helpers,
            "usage": dict(self.usage),
        }


#: Why a run stopped before it began (a signal while it waited for another writer).
WAITING = "while waiting for another writer to release the store's write lock (nothing was read or written)"

#: Sessions named in the message of an input that stopped part way (the rest are counted).
_NAMED_SESSIONS = 6


def stopped_at(job: Job, index: int, error: str) -> str:
    """The error of an input stopped at its unit ``index``: ``error``, then where that unit starts in the
    file (``path:line``, when its reader knows lines) and the sessions not written."""
    rest = [(t.transcript.namespace, s) for t in job.todo[index:] for s in t.transcript.sessions]
    lines = (turn.line for _, s in rest[:1] for turn in s.turns if turn.line is not None)
    line = next(lines, None)
    where = f"{job.path}:{line}" if line is not None else job.path
    several = len({ns for ns, _ in rest}) > 1
    names = [f"{ns}/{s.id}" if several else s.id for ns, s in rest]
    listed = ", ".join(names[:_NAMED_SESSIONS]) + (f", … ({len(names)} in all)" if len(names) > _NAMED_SESSIONS else "")
    kept = sum(len(t.transcript.sessions) for t in job.todo[:index])
    return (
        f"{error} (the unit starting at {where}, session {names[0]}; not written: {listed}; "
        f"{kept} session(s) of this run committed before it; ingesting the same content again resumes there)"
    )


def until_stopped(
    stream: Iterator[tuple[Job, Parts | None]], summary: IngestSummary, inputs: int
) -> Iterator[tuple[Job, Parts | None]]:
    """The jobs of ``stream`` until one sets ``summary.stopped`` (the extractor's service cannot be
    reached: every later input would wait out its retries and fail alike); that message is completed
    with where the run stopped and how many of the ``inputs`` were not read."""
    for done, (job, parts) in enumerate(stream, start=1):
        yield job, parts
        if summary.stopped is not None:
            left = inputs - done
            rest = f"{left} later input(s) not read" if left > 0 else "no later input"
            summary.stopped = f"{summary.stopped} — the run stopped at {job.path}: {rest}; ingest again to resume"
            return
