"""The check every store call starts with: the namespace's name is legal and the store is still open.

:class:`OpenCheck` is a mixin of the embedded store's reads (:mod:`graphmem.store.embedded_reads`) and of
the Cypher store (:mod:`graphmem.store.cypher.store`), so both refuse alike.
"""

from __future__ import annotations

from graphmem.errors import StoreError
from graphmem.models import validate_namespace

__all__ = ["OpenCheck"]


class OpenCheck:
    """The open and namespace checks of a store that sets ``uri`` (where it is) and ``_closed``."""

    uri: str
    _closed: bool

    def _check_open(self) -> None:
        """Raise :class:`~graphmem.errors.StoreError` once the store is closed."""
        if self._closed:
            raise StoreError(f"the store at {self.uri} is closed")

    def _checked(self, namespace: str) -> str:
        """``namespace``, once its name is legal (else :class:`~graphmem.errors.ConfigError`) and the store
        open (else :class:`~graphmem.errors.StoreError`)."""
        validate_namespace(namespace)
        self._check_open()
        return namespace
