"""SQLite errors met by the embedded store, turned into graphmem errors naming the store.

A store whose ``graphmem.sqlite3`` was damaged after it was written (overwritten in part, truncated) opens
when its first page is intact, and SQLite reports the damage only when a statement reaches a bad page:
``database disk image is malformed`` (``SQLITE_CORRUPT``) or ``file is not a database``
(``SQLITE_NOTADB``). :func:`guard_sqlite` wraps every public method of the store so such an error, and any
other SQLite error, reaches the caller as a :class:`~graphmem.errors.StoreError` naming the store (a
:class:`~graphmem.errors.CorruptStoreError` for damage), and the store remembers the damage to refuse
every later write: nothing is added to a file known to be damaged.

A write may touch only pages that are intact (re-embedding rewrites vectors and reads no event page, say),
so meeting damage is not enough: before its first write a store opened for writing checks the whole file
once (:func:`check_file`, SQLite's ``PRAGMA quick_check``: about 0.1 s for 50,000 events, a 28 MB file),
and refuses the write when the file is damaged anywhere. A command that may write nothing (``reembed``
with nothing stale, ``reembed --check``, ``stats`` and :meth:`Memory.stats <graphmem.Memory.stats>`) checks it the
same way first (:func:`refuse_damaged`).
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from types import FunctionType
from typing import Any, Protocol, TypeVar

from graphmem.errors import CorruptStoreError, StoreError

__all__ = ["DamageWatch", "check_file", "guard_sqlite", "is_damage", "refuse_damaged", "store_error"]

#: The primary result codes that mean the file itself is damaged: SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGE_CODES = frozenset({11, 26})

_C = TypeVar("_C", bound=type)


def is_damage(exc: BaseException | None) -> bool:
    """Whether ``exc`` is SQLite saying the database file is damaged (corrupt, truncated, not a database)."""
    if not isinstance(exc, sqlite3.Error):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGE_CODES
    text = str(exc)
    return "malformed" in text or "not a database" in text


def store_error(where: object, exc: sqlite3.Error) -> StoreError:
    """The graphmem error for ``exc``, met reading or writing the store at ``where``."""
    if is_damage(exc):
        return _damaged(where, str(exc))
    return StoreError(f"the store at {where} failed: {exc}")


def _damaged(where: object, detail: str) -> CorruptStoreError:
    return CorruptStoreError(
        f"the store at {where} is damaged (its database file is corrupt or truncated: {detail}); nothing was "
        "written to it. Restore it from a backup, or salvage what still reads with sqlite3's .recover"
    )


def check_file(conn: sqlite3.Connection, where: object) -> CorruptStoreError | None:
    """The damage SQLite's ``PRAGMA quick_check`` finds anywhere in the database of ``conn`` (every page of
    every table and index read; ``None``: none). O(file size); run once before a store's first write."""
    try:
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.Error as exc:
        if is_damage(exc):
            return _damaged(where, str(exc))
        raise
    if rows == [("ok",)]:
        return None
    # "*** in database main ***\nTree 23 page 23: btreeInitPage() returns error code 11": one line
    detail = "; ".join(line for (text,) in rows for line in str(text).splitlines() if not line.startswith("***"))
    return _damaged(where, detail or "malformed")


class DamageWatch(Protocol):
    """What a guarded store has: where it is, and the damage it met (``None`` until then)."""

    directory: Any
    damage: CorruptStoreError | None


def _converted(store: DamageWatch, exc: BaseException) -> BaseException | None:
    """The error to raise instead of ``exc`` (``None``: raise ``exc`` as it is), noting damage on ``store``."""
    if isinstance(exc, CorruptStoreError):
        return None
    if isinstance(exc, sqlite3.Error):
        out = store_error(store.directory, exc)
    elif isinstance(exc, StoreError) and is_damage(exc.__cause__):  # a write transaction rolled back
        assert isinstance(exc.__cause__, sqlite3.Error)
        out = store_error(store.directory, exc.__cause__)
    else:
        return None
    if isinstance(out, CorruptStoreError) and store.damage is None:
        store.damage = out
    return out


def _guard(method: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def rows(self: DamageWatch, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except (sqlite3.Error, StoreError) as exc:
                out = _converted(self, exc)
                if out is None:
                    raise
                raise out from exc

        return rows

    @functools.wraps(method)
    def run(self: DamageWatch, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, StoreError) as exc:
            out = _converted(self, exc)
            if out is None:
                raise
            raise out from exc

    return run


def refuse_damaged(store: object) -> None:
    """Raise :class:`~graphmem.errors.CorruptStoreError` when ``store`` can check its file
    (:class:`~graphmem.store.base.ChecksDamage`) and finds it damaged: for commands that may read or
    write nothing on a bad page (``reembed`` with nothing stale, ``reembed --check``, ``stats``), which
    would otherwise report a damaged store as one with nothing to do."""
    from graphmem.store.base import ChecksDamage

    if isinstance(store, ChecksDamage):
        store.check_damage()


def guard_sqlite(cls: _C) -> _C:
    """Wrap every public method of ``cls`` (its own and inherited; not properties or class methods) so an
    SQLite error becomes a :class:`~graphmem.errors.StoreError` naming the store (see the module's docstring)."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        method = inspect.getattr_static(cls, name)
        if isinstance(method, FunctionType):
            setattr(cls, name, _guard(method))
    return cls
