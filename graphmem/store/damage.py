"""SQLite errors met by the embedded store, turned into graphmem errors naming the store.

A store whose ``graphmem.sqlite3`` was damaged after it was written (overwritten in part, truncated) opens
when its first page is intact, and SQLite reports the damage only when a statement reaches a bad page:
``database disk image is malformed`` (``SQLITE_CORRUPT``) or ``file is not a database``
(``SQLITE_NOTADB``). :func:`guard_sqlite` wraps every public method of the store so such an error, and any
other SQLite error, reaches the caller as a :class:`~graphmem.errors.StoreError` naming the store (a
:class:`~graphmem.errors.CorruptStoreError` for damage), and the store remembers the damage to refuse
every later write: nothing is added to a file known to be damaged.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from types import FunctionType
from typing import Any, Protocol, TypeVar

from graphmem.errors import CorruptStoreError, StoreError

__all__ = ["DamageWatch", "guard_sqlite", "is_damage", "store_error"]

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
        return CorruptStoreError(
            f"the store at {where} is damaged (its database file is corrupt or truncated: {exc}); nothing was "
            "written to it. Restore it from a backup, or salvage what still reads with sqlite3's .recover"
        )
    return StoreError(f"the store at {where} failed: {exc}")


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
