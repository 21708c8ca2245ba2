"""Settings: everything graphmem reads from the environment, read in one place.

:meth:`Settings.from_env` reads the variables below when it is called (never at import); the edges
(``Memory.open``, the CLI) build one and pass it, or the values they need, down. No module writes the
environment.

=========================  ============================================================================
``GRAPHMEM_DB``            the store: a directory or a ``neo4j://``/``bolt://`` URI
``NEO4J_URI``              the store when ``GRAPHMEM_DB`` is unset
``NEO4J_USERNAME``         Bolt user name (with ``NEO4J_PASSWORD``) when no ``auth`` is given
``NEO4J_PASSWORD``         Bolt password
``NEO4J_DATABASE``         Bolt database when none is given
``GRAPHMEM_EMBEDDER``      ``onnx``, ``onnx-int8``, ``sentence-transformers`` or ``sentence-transformers:<model>``
``GRAPHMEM_CACHE``         where the Claude extractor caches responses (default ``~/.cache/graphmem``)
``GRAPHMEM_CACHE_DIR``     where vector indexes of server stores are cached
``XDG_CACHE_HOME``         the user's cache folder (default ``~/.cache``)
``GRAPHMEM_HISTORY``       the REPL's history file (default ``~/.graphmem_history``)
``GRAPHMEM_LOCK_TIMEOUT``  seconds a writer waits for another to release a store (default 30): another
                           process's on a store directory, another thread's of this process on a server
``GRAPHMEM_CACHE_MB``      memory budget (MiB) for namespaces loaded from a store directory (default 2048)
``GRAPHMEM_MIRROR_MAX_EVENTS``  a namespace with more events is read from SQLite, never loaded (default
                           200000; 0: every namespace)
``GRAPHMEM_EXTRACTOR``     the extractor of a memory's live adds and ingests (``spacy``, the default, or
                           ``claude``): ``Memory.add``, ``graphmem add``, MCP ``add_messages``
``GRAPHMEM_ZONE``          the clock dates are read on when they give no offset (an IANA name such as
                           ``Europe/Lisbon``; default UTC): query dates, ``--since``, "yesterday" in a question
``ANTHROPIC_API_KEY``      the Claude extractor's API key
``ANTHROPIC_BASE_URL``     where the Claude extractor sends its requests when no ``base_url`` is given
                           (read by the Anthropic SDK; a proxy or a recorded-answer stub)
=========================  ============================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_CACHE_MB", "DEFAULT_MIRROR_MAX_EVENTS", "Settings", "neo4j_login", "parse_cache_mb"]

#: The default memory budget (MiB) for namespaces loaded into memory (graph mirrors and vectors).
DEFAULT_CACHE_MB = 2048.0
#: Namespaces with more events than this are read from SQLite instead of loaded into memory: loading a
#: 1M-event namespace took 134 s and 5.9 GB (docs/scale.md), and recall reads a few hundred nodes of it.
DEFAULT_MIRROR_MAX_EVENTS = 200_000


def parse_cache_mb(value: str | float, where: str) -> float:
    """A cache budget in MiB from text or a number; ``where`` names its source in the error.

    Raises:
        ConfigError: not a positive number.
    """
    from graphmem.errors import ConfigError

    try:
        mb = float(value)
    except ValueError:
        raise ConfigError(f"{where} must be a number of MiB, not {value!r}") from None
    if not mb > 0 or mb != mb or mb == float("inf"):
        raise ConfigError(f"{where} must be a positive number of MiB, not {value!r}")
    return mb


@dataclass(frozen=True, slots=True)
class Settings:
    """The environment graphmem reads, as one frozen value (fields named after the variables)."""

    db: str | None = None
    neo4j_uri: str | None = None
    neo4j_username: str | None = None
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str | None = None
    embedder: str | None = None
    extraction_cache: str | None = None
    cache_dir: str | None = None
    xdg_cache_home: str | None = None
    history: str | None = None
    lock_timeout: str | None = None
    cache_mb: str | None = None
    mirror_max_events: str | None = None
    anthropic_api_key: str | None = field(default=None, repr=False)
    extractor: str | None = None
    zone: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (default: the process environment), now.

        Empty values count as unset.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return env.get(name) or None

        return cls(
            db=get("GRAPHMEM_DB"),
            neo4j_uri=get("NEO4J_URI"),
            neo4j_username=env.get("NEO4J_USERNAME"),
            neo4j_password=env.get("NEO4J_PASSWORD"),
            neo4j_database=get("NEO4J_DATABASE"),
            embedder=get("GRAPHMEM_EMBEDDER"),
            extraction_cache=get("GRAPHMEM_CACHE"),
            cache_dir=get("GRAPHMEM_CACHE_DIR"),
            xdg_cache_home=get("XDG_CACHE_HOME"),
            history=get("GRAPHMEM_HISTORY"),
            lock_timeout=get("GRAPHMEM_LOCK_TIMEOUT"),
            cache_mb=get("GRAPHMEM_CACHE_MB"),
            mirror_max_events=get("GRAPHMEM_MIRROR_MAX_EVENTS"),
            anthropic_api_key=get("ANTHROPIC_API_KEY"),
            extractor=get("GRAPHMEM_EXTRACTOR"),
            zone=get("GRAPHMEM_ZONE"),
        )

    @property
    def store_location(self) -> str | None:
        """The store named by the environment: ``GRAPHMEM_DB``, else ``NEO4J_URI``, else ``None``."""
        return self.db or self.neo4j_uri

    @property
    def cache_home(self) -> Path:
        """The user's cache folder: ``XDG_CACHE_HOME``, else ``~/.cache``."""
        return Path(self.xdg_cache_home) if self.xdg_cache_home else Path.home() / ".cache"

    @property
    def vector_cache_root(self) -> Path:
        """Where indexes of server stores are cached: ``GRAPHMEM_CACHE_DIR``, else ``<cache home>/graphmem``."""
        return Path(self.cache_dir) if self.cache_dir else self.cache_home / "graphmem"

    @property
    def extraction_cache_root(self) -> Path:
        """Where the Claude extractor caches responses: ``GRAPHMEM_CACHE``, else ``~/.cache/graphmem``."""
        return Path(self.extraction_cache) if self.extraction_cache else Path.home() / ".cache" / "graphmem"

    @property
    def history_path(self) -> Path:
        """The REPL history file: ``GRAPHMEM_HISTORY``, else ``~/.graphmem_history``."""
        return Path(self.history) if self.history else Path.home() / ".graphmem_history"

    @property
    def cache_budget_mb(self) -> float:
        """The memory budget in MiB for loaded namespaces: ``GRAPHMEM_CACHE_MB``, else 2048.

        Raises:
            ConfigError: the value is not a positive number.
        """
        if self.cache_mb is None:
            return DEFAULT_CACHE_MB
        return parse_cache_mb(self.cache_mb, "GRAPHMEM_CACHE_MB")

    @property
    def mirror_event_limit(self) -> int:
        """``GRAPHMEM_MIRROR_MAX_EVENTS``, else 200,000: above it a namespace is read from SQLite.

        Raises:
            ConfigError: the value is not a whole number >= 0.
        """
        if self.mirror_max_events is None:
            return DEFAULT_MIRROR_MAX_EVENTS
        from graphmem.errors import ConfigError

        text = self.mirror_max_events.strip().replace("_", "")
        if not text.isdigit():
            raise ConfigError(
                f"GRAPHMEM_MIRROR_MAX_EVENTS must be a whole number of events >= 0, not {self.mirror_max_events!r}"
            )
        return int(text)

    def bolt_login(
        self, auth: tuple[str, str] | None, database: str | None
    ) -> tuple[tuple[str, str] | None, str | None]:
        """The Bolt ``(auth, database)``: the given values, else ``NEO4J_USERNAME``/``PASSWORD``/``DATABASE``."""
        if auth is None and (self.neo4j_username is not None or self.neo4j_password is not None):
            auth = (self.neo4j_username or "neo4j", self.neo4j_password or "")
        if database is None:
            database = self.neo4j_database
        return auth, database


def neo4j_login(
    auth: tuple[str, str] | None, database: str | None, settings: Settings | None = None
) -> tuple[tuple[str, str] | None, str | None]:
    """What a Bolt store opener connects with: see :meth:`Settings.bolt_login` (environment read now)."""
    return (settings or Settings.from_env()).bolt_login(auth, database)
