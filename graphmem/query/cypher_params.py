"""Query parameters as Cypher literals, for pasting a query into Neo4j Browser or cypher-shell.

``query --explain`` on a Bolt store and ``graphmem browser-guide`` print a query's parameters as
``:param name => literal`` lines: Browser evaluates the literal on the server and binds the result, so
each literal must be the Cypher expression of the value the driver would send. Times are bound as the
driver sends a naive ``datetime`` (a ``LOCAL DATETIME``, what graphmem stores), so they print as
``localdatetime("…")``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

__all__ = ["cypher_literal", "cypher_string", "param_lines"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MIN_INT = -(2**63)


def cypher_string(value: str) -> str:
    """``value`` as a double-quoted Cypher string literal (backslashes, quotes and control characters
    escaped), for text a user pastes after ``:param name =>``."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _float(value: float) -> str:
    if math.isnan(value):
        return "0.0 / 0.0"
    if math.isinf(value):
        return "1.0 / 0.0" if value > 0 else "-1.0 / 0.0"
    return repr(value).replace("e+", "e")  # Cypher's exponent takes no "+"


def _key(name: str) -> str:
    return name if _NAME.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def cypher_literal(value: Any) -> str:
    """The Cypher expression whose value is ``value`` as the driver binds it.

    ``None``, booleans, numbers, text, lists and maps as literals; a naive ``datetime`` as
    ``localdatetime("…")`` (one with a zone as ``datetime("…")``), a ``date`` as ``date("…")``.

    Raises:
        TypeError: a value the driver cannot bind either.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # -2**63 has no literal: its digits without the sign overflow before the minus applies
        return f"({_MIN_INT + 1} - 1)" if value == _MIN_INT else str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return cypher_string(value)
    if isinstance(value, datetime):
        function = "localdatetime" if value.tzinfo is None else "datetime"
        return f"{function}({cypher_string(value.isoformat())})"
    if isinstance(value, date):
        return f"date({cypher_string(value.isoformat())})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(str(k))}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Cypher literal for a {type(value).__name__}: {value!r}")


def param_lines(params: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[str]:
    """One ``:param name => literal`` line per parameter, as Browser and cypher-shell take them."""
    items = params.items() if isinstance(params, Mapping) else params
    return [f":param {name} => {cypher_literal(value)}" for name, value in items]
