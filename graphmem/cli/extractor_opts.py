"""``--extractor`` and ``--extractor-option KEY=VALUE``: the extractor of ``ingest``, ``add`` and ``mcp`` with
its settings (the CLI twin of :func:`graphmem.extract.get_extractor`'s options)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graphmem.errors import ConfigError

if TYPE_CHECKING:
    from graphmem.extract import Extractor

__all__ = [
    "OPTION_TYPES",
    "chosen_extractor",
    "extractor_flag",
    "extractor_option_flag",
    "make_extractor",
    "parse_options",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The settings ``--extractor-option`` takes, with their types (the Claude extractor's).
OPTION_TYPES: dict[str, type] = {
    "model": str,
    "base_url": str,
    "max_tokens": int,
    "timeout": float,
    "max_retries": int,
    "backoff": float,
    "max_backoff": float,
    "batch_size": int,
    "cache_dir": str,
}


def extractor_flag(help_text: str) -> Callable[[F], F]:
    """The ``--extractor spacy|claude`` option, with ``help_text``."""
    return click.option("--extractor", type=click.Choice(["spacy", "claude"]), default=None, help=help_text)


def extractor_option_flag(func: F) -> F:
    """The repeatable ``--extractor-option KEY=VALUE`` option."""
    keys = ", ".join(OPTION_TYPES)
    return click.option(
        "--extractor-option",
        "extractor_options",
        multiple=True,
        metavar="KEY=VALUE",
        help=f"A setting of the claude extractor (repeatable): {keys}.",
    )(func)


def parse_options(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as typed extractor options.

    Raises:
        ConfigError: a pair without ``=``, an unknown key, or a value of the wrong type (named).
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--extractor-option {pair!r}: expected KEY=VALUE")
        kind = OPTION_TYPES.get(key)
        if kind is None:
            raise ConfigError(f"--extractor-option {key!r} is not a setting: choose from {', '.join(OPTION_TYPES)}")
        try:
            out[key] = kind(value.strip())
        except ValueError:
            raise ConfigError(f"--extractor-option {key}={value!r}: expected a {kind.__name__}") from None
    return out


def make_extractor(name: str, pairs: tuple[str, ...] | list[str]) -> Extractor:
    """The extractor ``name`` with the ``--extractor-option`` settings ``pairs``; a claude extractor that
    cannot run (no API key, a setting out of range) fails here, before a store is opened.

    Raises:
        ConfigError: a bad option, or one given to the spaCy extractor.
    """
    from graphmem.extract import get_extractor

    options = parse_options(pairs)
    name = name.strip().lower()
    if options and name == "spacy":
        raise ConfigError("--extractor-option sets the claude extractor: add --extractor claude")
    return get_extractor(name, **options)


def chosen_extractor(name: str | None, pairs: tuple[str, ...] | list[str]) -> Extractor | None:
    """The extractor ``--extractor`` (``name``) and ``--extractor-option`` (``pairs``) choose for a memory's
    live adds, made now (:func:`make_extractor`) so one that cannot run fails before a store is opened; the
    flag wins over ``GRAPHMEM_EXTRACTOR``, which names it when only options are given. ``None`` when neither
    is given: the memory then takes ``GRAPHMEM_EXTRACTOR`` (checked when it is opened), else spaCy.

    Raises:
        ConfigError: as :func:`make_extractor`.
    """
    if name is None and not pairs:
        return None
    from graphmem.settings import Settings

    return make_extractor(name or Settings.from_env().extractor or "spacy", pairs)
