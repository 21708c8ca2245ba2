"""Input discovery for ingest: the files a list of paths names (folders walked), or the message dicts given
instead (:func:`inputs_of`), and a check that each file can be opened before a store is touched."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphmem.errors import ConfigError, IngestError
from graphmem.formats import source_key

__all__ = ["FOLDER_SUFFIXES", "Records", "check_readable", "collect_files", "inputs_of"]

#: Extensions picked up when walking a folder (an explicitly named file may have any extension).
FOLDER_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".txt", ".log"})


def collect_files(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Expand paths into input files: folders recursively (sorted, hidden entries and files without a
    transcript extension skipped), files as given, duplicates dropped. One file reached under several
    names (symbolic links) is read once, under the name whose stem is the file's own when one is, else the
    first. Missing paths, and folders holding no transcript file, are kept as they are so that reading
    them reports the error."""
    out: list[str] = []
    seen: dict[str, int] = {}  # source key → its place in out

    def add(p: Path) -> None:
        key = source_key(p)
        if key not in seen:
            seen[key] = len(out)
            out.append(str(p))
        elif Path(key).stem == p.stem != Path(out[seen[key]]).stem:
            # one file under two names (a symlink and its target): the name that picks the namespace is
            # ambiguous, so the file's own name wins, whatever the order the paths came in
            out[seen[key]] = str(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            before = len(out)
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in FOLDER_SUFFIXES:
                        add(Path(root) / name)
            if len(out) == before:
                add(p)
        else:
            add(p)
    return out


def check_readable(paths: Sequence[str | os.PathLike[str]]) -> None:
    """Check that every input named in ``paths`` can be opened: a file as given, a folder listed.

    The CLI calls this before it opens (and maybe creates) a store, so an input named on the command line
    that cannot be read stops the command with nothing written, as a missing path does. A file found in a
    folder is not checked here: one that cannot be read (no permission, a FIFO or a device) fails alone
    when ingested, as a malformed file does, and the folder's other files are ingested.

    Raises:
        IngestError: a named input cannot be opened; the message names it and the reason.
    """
    for path in paths:
        try:
            mode = os.stat(path).st_mode
            if stat.S_ISDIR(mode):
                os.listdir(path)
                continue
            if not stat.S_ISREG(mode):
                # A FIFO, socket or device: opening a FIFO blocks until a writer comes, so never open one.
                raise IngestError("cannot read: not a regular file", path=str(path))
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise IngestError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc


@dataclass(frozen=True, slots=True)
class Records:
    """In-memory message dicts given to ``ingest`` instead of paths."""

    records: list[Any]


def inputs_of(source: Any) -> list[str] | Records:
    """The input files named by ``source``, or the in-memory records it holds.

    Raises:
        ConfigError: ``source`` is neither paths nor message dicts.
    """
    if isinstance(source, dict):
        return Records([source])
    if isinstance(source, str | os.PathLike):
        return collect_files([source])
    if not isinstance(source, Sequence) or isinstance(source, bytes):
        raise ConfigError(f"cannot ingest a {type(source).__name__}: give paths or a list of message dicts")
    items = list(source)
    if items and all(isinstance(item, dict) for item in items):
        return Records(items)
    if not all(isinstance(item, str | os.PathLike) for item in items):
        raise ConfigError("give either paths or message dicts, not a mix")
    return collect_files(items)
