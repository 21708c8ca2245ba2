"""Reading an input file safely: size and encoding checks, JSON with positions, shared helpers.

Every reader goes through :func:`load_source`, so every format rejects the same bad inputs the same
way: empty files, binary files, text that is not UTF-8, absurdly long lines.
"""

from __future__ import annotations

import bisect
import codecs
import errno
import hashlib
import json
import linecache
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphmem.errors import EmptyInputError, IngestError, IngestWarning
from graphmem.formats._names import INVISIBLE, ascii_namespace_from, clean_speaker, namespace_from
from graphmem.formats._times import EARLIEST, LATEST, looks_dated, naive_utc, parse_date_text, parse_timestamp
from graphmem.text import clean_text

__all__ = [
    "EARLIEST",
    "INVISIBLE",
    "LATEST",
    "MAX_FILE_BYTES",
    "MAX_JSON_LINE_CHARS",
    "MAX_LINE_CHARS",
    "MAX_TURN_CHARS",
    "DuplicateKeyError",
    "JsonIndex",
    "Source",
    "check_turn_text",
    "clean_speaker",
    "json_type",
    "load_source",
    "loads_json",
    "looks_dated",
    "naive_utc",
    "namespace_from",
    "parse_date_text",
    "parse_timestamp",
    "physical_lines",
    "source_key",
    "source_tag",
    "warn_input",
]

#: Inputs larger than this are refused (a transcript is text; 256 MiB is far beyond any real one).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Longest line accepted in line-oriented text formats (plain text, WhatsApp).
MAX_LINE_CHARS = 65_536
#: Longest JSONL line: a record may carry fields the reader ignores (attachments, tool payloads), so its
#: raw line is bounded far above a turn; the turn's text is still held to :data:`MAX_TURN_CHARS`.
MAX_JSON_LINE_CHARS = 16 * 1024 * 1024
#: Longest single turn accepted in any format.
MAX_TURN_CHARS = 32_768

_BINARY_MAGIC = (
    b"\x89PNG",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x7fELF",
    b"SQLite format 3",
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: The earliest and (exclusive) latest UTC times a reader accepts.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


_LINE_BREAK = re.compile("\r\n|\r|\n")
_BYTE_BREAK = re.compile(b"\r\n|\r|\n")


def physical_lines(text: str) -> list[str]:
    """``text`` split where a line ends in the file: ``\\r\\n``, ``\\n`` or a lone ``\\r``, as editors count.

    Not ``str.splitlines``, which also splits at a form feed, U+0085 and U+2028/U+2029: those stay inside
    their line (U+2028 is valid inside a JSON string), so line numbers name the file's own lines.
    """
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()  # the break ending the last line starts no line
    return lines


@dataclass(slots=True)
class Source:
    """An input file read into memory and checked: its bytes, its text and (lazily) its lines and JSON.

    ``path`` is the file as named by the caller (used in error messages); ``key`` identifies the input
    for good (the absolute path, see :func:`source_key`) and becomes every event's ``source_file``.
    """

    path: str
    data: bytes
    text: str
    key: str = ""
    _json: Any = field(default=None, repr=False)
    _json_loaded: bool = field(default=False, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    _index: JsonIndex | None = field(default=None, repr=False)
    _text_lines: list[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.key:
            self.key = source_key(self.path)

    @property
    def suffix(self) -> str:
        """The lower-case file extension, with its dot (``""`` for in-memory input)."""
        return Path(self.path).suffix.lower()

    def lines(self, limit: int = MAX_LINE_CHARS) -> list[str]:
        """The text split into its physical lines (:func:`physical_lines`; split once, then cached), each
        checked against ``limit``
        (:data:`MAX_LINE_CHARS`; JSONL passes :data:`MAX_JSON_LINE_CHARS`).

        Raises:
            IngestError: a line is too long; names it.
        """
        if self._lines is None:
            self._lines = self._text_lines if self._text_lines is not None else physical_lines(self.text)
        for number, line in enumerate(self._lines, 1):
            if len(line) > limit:
                raise IngestError(
                    f"line is {len(line):,} characters long (the limit is {limit:,})", path=self.path, line=number
                )
        return self._lines

    def json_index(self) -> JsonIndex:
        """Where JSON paths start in the text (see :class:`JsonIndex`), built once and kept."""
        if self._index is None:
            self._index = JsonIndex(self.text)
        return self._index

    def text_lines(self) -> list[str]:
        """The text split into lines as they are, however long (split once, then cached): what a warning
        quotes. :meth:`lines` checks their length."""
        if self._text_lines is None:
            self._text_lines = self._lines if self._lines is not None else physical_lines(self.text)
        return self._text_lines

    def json(self) -> Any:
        """The whole text parsed as one JSON document (parsed once, then cached).

        Raises:
            IngestError: the text is not valid JSON; names the line of the fault.
        """
        if not self._json_loaded:
            try:
                self._json = loads_json(self.text)
            except json.JSONDecodeError as exc:
                raise IngestError(
                    f"malformed JSON: {exc.msg} (column {exc.colno})", path=self.path, line=exc.lineno
                ) from exc
            except RecursionError as exc:
                raise IngestError("malformed JSON: nested too deeply", path=self.path) from exc
            except DuplicateKeyError as exc:
                first = self.text.count("\n", 0, exc.first) + 1
                raise IngestError(
                    f"{exc} (first at line {first}; JSON would keep only the last): give each key once",
                    path=self.path,
                    line=self.text.count("\n", 0, exc.offset) + 1,
                ) from exc
            self._json_loaded = True
        return self._json


def _clean_strings(doc: Any) -> Any:
    """``doc`` (parsed JSON) with lone surrogates in every string replaced (iteratively: JSON may nest deep)."""
    if isinstance(doc, str):
        return clean_text(doc)
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        updates = []
        for key, value in items:
            if isinstance(value, str):
                updates.append((key, clean_text(value)))
            elif isinstance(value, dict | list):
                stack.append(value)
        for key, value in updates:
            node[key] = value
        if isinstance(node, dict):
            for key in [k for k in node if isinstance(k, str) and clean_text(k) != k]:
                node[clean_text(key)] = node.pop(key)
    return doc


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type (``null``, ``boolean``, ``number``, ``string``, ``array``,
    ``object``), what an error about a record of the wrong type says it found."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


class DuplicateKeyError(ValueError):
    """A JSON object gives one key twice (``json.loads`` would keep the last value without a word).

    ``offset`` is where the second is written in the text, ``first`` where the first is."""

    def __init__(self, key: str, offset: int, first: int) -> None:
        super().__init__(f"key {key!r} is given twice in one object")
        self.key, self.offset, self.first = key, offset, first


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _one_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        raise _Repeated(next(k for k, _ in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
    return obj


def _space_at(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _find_repeated(text: str) -> tuple[str, int, int] | None:
    """The first key an object of ``text`` (valid JSON) gives twice: ``(key, its second offset, its first)``.
    Walked only once a parse has found one (the parse itself does not say where)."""
    decoder = json.JSONDecoder()
    stack: list[dict[str, int] | None] = []  # per open container: an object's keys so far, None for an array
    pos = _space_at(text, 0)
    while True:
        c = text[pos : pos + 1]
        if c in ("{", "["):
            stack.append({} if c == "{" else None)
            pos = _space_at(text, pos + 1)
            if text[pos : pos + 1] in ("}", "]"):
                stack.pop()
                pos = _space_at(text, pos + 1)
            elif c == "{":
                found = _key(text, pos, stack)
                if isinstance(found, tuple):
                    return found
                pos = found
                continue
            else:
                continue
        else:
            _, end = decoder.raw_decode(text, pos)
            pos = _space_at(text, end)
        # after a value: a comma (then the next member), or the end of containers
        while True:
            if not stack:
                return None
            if text[pos : pos + 1] == ",":
                pos = _space_at(text, pos + 1)
                if stack[-1] is not None:
                    found = _key(text, pos, stack)
                    if isinstance(found, tuple):
                        return found
                    pos = found
                break
            stack.pop()  # a closing bracket
            pos = _space_at(text, pos + 1)


def _key(text: str, pos: int, stack: list[dict[str, int] | None]) -> int | tuple[str, int, int]:
    """Read the key at ``pos`` into the open object's keys; the position of its value, or the repeat."""
    key, after = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
    keys = stack[-1]
    assert keys is not None
    if key in keys:
        return key, pos, keys[key]
    keys[key] = pos
    return _space_at(text, _space_at(text, after) + 1)


def loads_json(text: str) -> Any:
    """``json.loads``, with lone surrogates (from ``\\ud800`` escapes) replaced by U+FFFD in every string.

    Raises:
        DuplicateKeyError: an object gives a key twice.
    """
    try:
        doc = json.loads(text, object_pairs_hook=_one_each)
    except _Repeated as exc:
        found = _find_repeated(text)
        key, offset, first = found if found is not None else (exc.key, 0, 0)
        raise DuplicateKeyError(key, offset, first) from None
    return _clean_strings(doc) if _SURROGATE_ESCAPE.search(text) else doc


def load_source(path: str | os.PathLike[str]) -> Source:
    """Read ``path`` and check it is a non-empty UTF-8 text file of sane size.

    A UTF-8 byte-order mark is dropped. Windows line ends are normalised by the readers (:func:`physical_lines`).

    Raises:
        IngestError: the file is missing, unreadable, too large, empty, binary or not UTF-8; the
            encoding error names the line where the first bad byte sits.
    """
    where = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if not p.is_file():
            raise IngestError("not a regular file", path=where)
        if size > MAX_FILE_BYTES:
            raise IngestError(f"file is {size:,} bytes (the limit is {MAX_FILE_BYTES:,})", path=where)
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise IngestError("no such file", path=where) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError("symbolic link loop: the link never reaches a file", path=where) from exc
        raise IngestError(f"cannot read file: {exc.strerror or exc}", path=where) from exc
    return source_from_bytes(data, where)


def source_key(path: str | os.PathLike[str]) -> str:
    """The lasting identity of an input file: its absolute path (``<name>`` stands for itself).

    Ingestion keys its source records with it and writes it as every event's ``source_file``, so an
    edited file is recognised (and its earlier version retracted) however it is named on the command line.
    """
    text = str(path)
    if text.startswith("<") and text.endswith(">"):
        return text
    try:
        return str(Path(path).resolve())
    except (OSError, RuntimeError):  # a symlink loop: reading it reports the error
        return os.path.abspath(text)


def source_tag(key: str, stem: str) -> str:
    """A short, stable tag for one input: ``<stem>-<8 hex digits of its key's hash>``.

    Prefixed to session ids when a conversation would otherwise reuse ids another input wrote into the
    same namespace (two ``chat.txt`` files in different folders).
    """
    return f"{_ascii_name(stem, 'input')}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _line_at(data: bytes, offset: int) -> int:
    """The physical line (see :func:`physical_lines`) holding byte ``offset`` of ``data``."""
    return len(_BYTE_BREAK.findall(data, 0, offset)) + 1


def source_from_bytes(data: bytes, path: str, *, key: str | None = None) -> Source:
    """Check raw bytes as :func:`load_source` does and wrap them in a :class:`Source`.

    ``key`` defaults to :func:`source_key` of ``path``.
    """
    if not data.strip():
        raise EmptyInputError("empty file", path=path)
    if data.startswith(_UTF16_BOMS):
        raise IngestError("file is UTF-16 encoded; save it as UTF-8", path=path)
    if data.startswith(_BINARY_MAGIC):
        raise IngestError("binary file, not a text transcript", path=path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise IngestError(
            f"binary file, not a text transcript (a NUL byte at offset {nul})",
            path=path,
            line=_line_at(data, nul),
        )
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + bom  # offsets count from the start of the file, byte-order mark included
        raise IngestError(
            f"not UTF-8 text (byte 0x{data[at]:02x} at offset {at}); save the file as UTF-8",
            path=path,
            line=_line_at(data, at),
        ) from exc
    if not text.strip():  # a byte-order mark and whitespace, or Unicode spaces
        raise EmptyInputError("empty file", path=path)
    return Source(path, data, text, key or source_key(path))


def check_turn_text(text: str, *, path: str, line: int | None = None, json_path: str | None = None) -> str:
    """Return ``text`` stripped, refusing turns longer than :data:`MAX_TURN_CHARS`."""
    if len(text) > MAX_TURN_CHARS:
        raise IngestError(
            f"turn is {len(text):,} characters long (the limit is {MAX_TURN_CHARS:,})",
            path=path,
            line=line,
            json_path=json_path,
        )
    return clean_text(text).strip()


def _ascii_name(name: str, fallback: str) -> str:
    """``name`` in the characters ids were made of before namespaces took any script (a tag stays stable)."""
    return ascii_namespace_from(name, fallback)


_PATH_STEP = re.compile(r"\.(?P<key>[^.\[]+)|\[(?P<index>\d+)\]")


@dataclass(slots=True)
class _Frontier:
    """How far one container (an object or a list) of a JSON document has been scanned."""

    kind: str  # "{" or "["
    pos: int  # where the next member (or the closing bracket) starts, once ``pending`` is skipped
    seen: int = 0
    pending: str | None = None  # a member whose value starts at ``pos`` and is not skipped yet
    end: int | None = None  # just past the closing bracket, once reached


class JsonIndex:
    """The lines where JSON paths start in one document, each container scanned at most once.

    Walking from the start of the text for each path (a warning per bad LoCoMo session date) would rescan
    the document each time. This index remembers where every member seen so far starts and how far each
    container has been scanned, and resumes from there: the characters read over any number of lookups
    stay within a small multiple of the text.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: dict[str, int] = {}
        self._containers: dict[str, _Frontier] = {}
        self._newlines: list[int] | None = None
        self._decoder = json.JSONDecoder()

    def line(self, json_path: str) -> int | None:
        """The 1-based line where the value at ``json_path`` starts; ``None`` when the path is not there."""
        pos = self.start(json_path)
        if pos is None:
            return None
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self._newlines, pos) + 1

    def start(self, json_path: str) -> int | None:
        """The offset where the value at ``json_path`` starts; ``None`` when the path is not there."""
        if not json_path.startswith("$"):
            return None
        steps = list(_PATH_STEP.finditer(json_path, 1))
        if "".join(m.group(0) for m in steps) != json_path[1:]:
            return None
        here, pos = "$", self._space(0)
        try:
            for step in steps:
                child = here + step.group(0)
                if child not in self._starts and not self._scan(here, pos, child, step["key"] is not None):
                    return None
                here, pos = child, self._starts[child]
        except (IndexError, ValueError):  # JSONDecodeError is a ValueError
            return None
        return pos if pos < len(self.text) else None

    def _space(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def _scan(self, container: str, pos: int, wanted: str, keyed: bool) -> bool:
        """Scan ``container`` (its value starts at ``pos``) on from where it was left, until ``wanted``."""
        text = self.text
        front = self._containers.get(container)
        if front is None:
            if text[pos] not in "{[":
                return False
            front = self._containers[container] = _Frontier(text[pos], self._space(pos + 1))
        if (front.kind == "{") != keyed:
            return False
        closing = "}" if keyed else "]"
        while front.end is None:
            if front.pending is not None:
                done = self._containers.get(front.pending)
                end = done.end if done is not None and done.end is not None else None
                if end is None:
                    _, end = self._decoder.raw_decode(text, front.pos)
                front.pos, front.pending = self._space(end), None
                if text[front.pos] == ",":
                    front.pos = self._space(front.pos + 1)
                continue
            if text[front.pos] == closing:
                front.end = front.pos + 1
                break
            if keyed:
                name, at = json.decoder.scanstring(text, front.pos + 1)  # type: ignore[attr-defined]
                at = self._space(at)
                if text[at] != ":":
                    raise ValueError("expected ':'")
                member, front.pos = f"{container}.{name}", self._space(at + 1)
            else:
                member = f"{container}[{front.seen}]"
            front.seen += 1
            front.pending = member
            self._starts.setdefault(member, front.pos)
            if member == wanted:
                return True
        return False


def warn_input(
    message: str,
    *,
    path: str,
    line: int | None = None,
    json_path: str | None = None,
    lines: list[str] | None = None,
) -> None:
    """Warn (:class:`~graphmem.errors.IngestWarning`) that something in an input is not kept.

    The warning is attributed to the input's own ``path:line``, not to graphmem's code, and with no
    registry, so the default filter shows it on every read (a long-running agent re-reading an edited
    file sees it again). ``lines``, the input's lines already in memory, are what the default display
    quotes; without them it reads the file again for each warning.
    """
    where = path or "<input>"
    linecache.cache.pop(where, None)  # the default display prints the line as the file is now, and
    if lines is not None:  # (from the text read, not the file read again for each warning)
        linecache.cache[where] = (0, None, lines, where)
    try:  # keeps no copy of a long chat log afterwards
        warnings.warn_explicit(
            IngestWarning(message, path=path, line=line, json_path=json_path), IngestWarning, where, line or 0
        )
    finally:
        linecache.cache.pop(where, None)
