"""Reading a printed Browser guide back: its blocks of ``:param`` lines and queries."""

from __future__ import annotations

import re

_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def cypher_literal(text: str) -> str:
    """The value of a double-quoted Cypher string literal (what Browser's ``:param`` evaluates)."""
    assert text[0] == text[-1] == '"', text
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        assert ch != '"', f"unescaped quote in {text}"
        out.append(ch)
        i += 1
    return "".join(out)


def blocks(guide: str) -> list[tuple[str, dict[str, str], str]]:
    """``(title, {param: literal}, cypher)`` for each query of a printed guide."""
    found = []
    for chunk in guide.split("\n\n"):
        lines = chunk.strip().splitlines()
        title = next((ln for ln in lines if re.match(r"// \d+\. ", ln)), None)
        if title is None:
            continue
        params = {}
        for ln in lines:
            m = re.fullmatch(r":param (\w+) => (.*)", ln)
            if m:
                params[m.group(1)] = m.group(2)
        cypher = "\n".join(ln for ln in lines if not ln.startswith(("//", ":param"))).rstrip(";")
        found.append((title, params, cypher))
    return found
