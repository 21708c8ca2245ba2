"""What the query shell (:mod:`graphmem.repl`) gives prompt_toolkit to read input with: the query
language's Pygments lexer (:func:`make_lexer`), completion (:class:`GraphmemCompleter`) and a history file
that falls back to history in memory where the file fails (:class:`NotingFileHistory`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

from graphmem.text import normalise_name

__all__ = ["COMMANDS", "GraphmemCompleter", "NotingFileHistory", "make_lexer"]

#: The shell's dot commands and what each does (``.help`` lists them; completion offers them).
COMMANDS = {
    ".help": "show this help",
    ".schema": "labels, edge types, properties and what the store holds",
    ".explain on|off": "print the plan before each result",
    ".timing [on|off]": "print how long each query took",
    ".format table|json": "print results as tables or JSON",
    ".namespace [NAME|-]": "show or set the namespace queries run in (- clears it)",
    ".quit": "leave (also Ctrl-D)",
}


def make_lexer() -> type[Any]:
    """A Pygments lexer class for the query language (built on first use: it reads the grammar)."""
    from pygments.lexer import RegexLexer, bygroups  # type: ignore[import-untyped]
    from pygments.token import (  # type: ignore[import-untyped]
        Comment,
        Keyword,
        Name,
        Number,
        Operator,
        Punctuation,
        String,
        Text,
    )

    from graphmem.query.parser import keywords

    words = "|".join(sorted(keywords(), key=len, reverse=True))

    class GraphmemLexer(RegexLexer):  # type: ignore[misc]
        name = "graphmem"
        aliases: ClassVar[list[str]] = ["graphmem", "gmq"]
        flags = re.IGNORECASE | re.MULTILINE
        tokens: ClassVar[dict[str, list[Any]]] = {
            "root": [
                (r"\s+", Text),
                (r"//[^\n]*", Comment.Single),
                (r"/\*[\s\S]*?\*/", Comment.Multiline),
                (r'"(?:[^"\\\n]|\\.)*"', String.Double),
                (r"'(?:[^'\\\n]|\\.)*'", String.Single),
                (r"\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?)?", Number.Other),
                (r"\d+(\.\d+)?", Number),
                (r"\$[^\W\d]\w*", Name.Variable),
                (r"(:)([^\W\d]\w*)", bygroups(Punctuation, Name.Class)),
                (rf"\b({words})\b", Keyword),
                (r"[^\W\d]\w*(?=\s*\()", Name.Function),
                (r"[^\W\d]\w*", Name),
                (r"<-|->|\.\.|<>|!=|<=|>=|[-=<>~*+]", Operator),
                (r"[()\[\]{},.;|]", Punctuation),
            ]
        }

    return GraphmemLexer


class NotingFileHistory(FileHistory):
    """prompt_toolkit's history file, which becomes history in memory (with a note) where the file fails:
    prompt_toolkit printed a traceback and "Press ENTER to continue..." at the first query."""

    def __init__(self, filename: Path) -> None:
        super().__init__(str(filename))
        self.problem: str | None = None  # what failed, for the shell to say
        self.said = False

    def load_history_strings(self) -> Iterable[str]:
        """The file's entries, or none (noting why) where it cannot be read."""
        try:
            return list(super().load_history_strings())
        except OSError as exc:
            self.problem = f"history is not kept: cannot read {self.filename!s} ({exc.strerror or exc})"
            return []

    def store_string(self, string: str) -> None:
        """Append ``string`` to the file; where that fails, note why and keep it in memory only."""
        if self.problem:  # the query stays in this session's history, not in the file
            return
        try:
            super().store_string(string)
        except OSError as exc:
            self.problem = (
                f"history is read but new queries are not saved: cannot write {self.filename!s} ({exc.strerror or exc})"
            )


class GraphmemCompleter(Completer):
    """Completes keywords, labels, edge types, properties, shell commands and entity names."""

    def __init__(self, entity_names: Any) -> None:
        """``entity_names`` is a callable returning the names to offer inside ``~"…"`` and ``{name: "…"}``."""
        from graphmem.query.parser import keywords
        from graphmem.query.plan import EDGE_PROPS, NODE_PROPS
        from graphmem.query.resolve import AGGREGATES, DEFAULT_SCHEMA, SCALAR_FUNCTIONS

        self.entity_names = entity_names
        self.keywords = keywords()
        self.labels = DEFAULT_SCHEMA.labels
        self.edge_types = DEFAULT_SCHEMA.edge_types
        props: list[str] = []
        for keys in (*NODE_PROPS.values(), EDGE_PROPS):
            props.extend(k for k in keys if k not in props)
        self.props = (*props, "why")
        self.functions = (*SCALAR_FUNCTIONS, *AGGREGATES)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        """What fits at the cursor: entity names in quotes after ``~``/``name:``/``MENTIONS``, dot commands,
        properties after ``var.``, labels and edge types after ``:``, else keywords and functions."""
        before = document.text_before_cursor
        quoted = re.search(r'(?:~\s*|name\s*:\s*|MENTIONS\s+~?\s*)"([^"]*)$', before, re.IGNORECASE)
        if quoted:
            prefix = quoted.group(1)
            low = normalise_name(prefix)  # as ~ compares: "Ine" offers Inés, "soren" Søren
            keys = {n: normalise_name(n) for n in self.entity_names()}
            names = sorted((n for n, key in keys.items() if low in key), key=lambda n: (not keys[n].startswith(low), n))
            for name in names[:50]:
                yield Completion(name + '"', start_position=-len(prefix), display=name)
            return
        if re.fullmatch(r"\s*\.\w*", before):
            word = before.strip()
            for cmd in COMMANDS:
                name = cmd.split()[0]
                if name.startswith(word):
                    yield Completion(name, start_position=-len(word), display_meta=COMMANDS[cmd])
            return
        prop = re.search(r"[^\W\d]\w*\.(\w*)$", before)
        if prop:
            yield from _prefixed(prop.group(1), self.props)
            return
        label = re.search(r"([\[(])[^\[\]()]*:\s*(?:\w+\|)*(\w*)$", before)
        if label:
            options = self.edge_types if label.group(1) == "[" else self.labels
            yield from _prefixed(label.group(2), options)
            return
        tail = re.search(r"(\w*)$", before)
        prefix = tail.group(1) if tail else ""
        if not prefix:
            return
        yield from _prefixed(prefix, self.keywords, upper=True)
        yield from _prefixed(prefix, self.functions)


def _prefixed(prefix: str, options: Iterable[str], upper: bool = False) -> Iterator[Completion]:
    low = prefix.lower()
    for option in options:
        if option.lower().startswith(low) and option.lower() != low:
            text = option.upper() if upper else option
            yield Completion(text, start_position=-len(prefix))
