"""A :class:`~graphmem.store.cypher.session.CypherSession` wrapper that counts the read statements sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from graphmem.store.cypher.session import CypherSession, CypherTx, Row

T = TypeVar("T")


class CountingSession:
    """A session that passes everything on and remembers the read statements sent (``reads``)."""

    def __init__(self, inner: CypherSession) -> None:
        self._inner = inner
        self.uri = inner.uri
        self.reads: list[str] = []

    def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        action: str = "reading",
        timeout: float | None = None,
    ) -> list[Row]:
        self.reads.append(cypher)
        return self._inner.read(cypher, params, action=action, timeout=timeout)

    def reading(self) -> AbstractContextManager[None]:
        return self._inner.reading()

    def write(self, work: Callable[[CypherTx], T], *, action: str) -> T:
        return self._inner.write(work, action=action)

    def run(self, cypher: str, params: Mapping[str, Any] | None = None, *, action: str) -> list[Row]:
        return self._inner.run(cypher, params, action=action)

    def close(self) -> None:
        self._inner.close()
