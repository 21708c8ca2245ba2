"""Prompt-ready context: what memory knows about a question, as a compact block within a token budget.

:func:`build_context` (behind ``Memory.context``, ``graphmem context`` and the MCP ``recall`` tool) puts
together three things:

* the entities the question is about (the people and things it names, found as recall's entity seeds);
* the facts about them (:class:`FactWindow`): by default the *current* ones, true in the world now and
  still held by memory (not expired); when the recall is bounded in time (``since``/``until``), those
  that held at some moment inside that window; in the versions memory held at ``as_of`` (else now);
  those sharing the question's words, then those backed by a recalled event, first;
* the recalled events, best first, each with its date, speaker and the reason it is there (a short
  form of :class:`~graphmem.recall.Why`).

The heading says which facts the block holds (``facts current at 2026-12-04``, ``facts valid up to
2024-07-01``, ``facts valid between 2024-03-01 and 2024-07-01``): an agent reading a bounded block must
not take a fact of later times for one of the window's.

The block is cut to ``budget_tokens`` as counted by a real tokenizer: by default the embedding model's
own ``tokenizer.json`` (WordPiece, loaded once through ``tokenizers``), never characters / 4. Lines are
added in priority order while they fit; the count of the final text is checked again, so the budget
holds for the text as a whole.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from graphmem.errors import ConfigError
from graphmem.lookup import StatedFact, entity_facts
from graphmem.models import Entity, Event
from graphmem.recall.hit import Hit, Why, event_fields

if TYPE_CHECKING:
    from graphmem.recall import RecallRequest
    from graphmem.store.base import GraphStore

__all__ = [
    "Context",
    "ContextEvent",
    "FactWindow",
    "TokenCounter",
    "WordPieceCounter",
    "build_context",
    "default_token_counter",
    "fact_window",
    "reason",
]

#: Counts the tokens of a text.
TokenCounter = Callable[[str], int]

#: At most this share of the budget goes to facts, so events always get room.
FACT_SHARE = 0.35

_FACT_CHUNK = 24  # fact lines counted per tokenizer call
_MIN_LINE = 4  # no fact line is shorter than this many tokens ("- a p b")
_TEXT_LIMIT = 400  # characters of one event's text shown; longer turns are cut with an ellipsis


class WordPieceCounter:
    """Counts tokens with a ``tokenizers`` WordPiece tokenizer, remembering the counts of recent lines.

    WordPiece splits on whitespace before anything else, so the count of lines joined by newlines is
    the sum of their counts (:attr:`additive`): a context is counted line by line, and lines that come
    back (the same person's facts, question after question) are not tokenised again.
    """

    #: The count of texts joined by whitespace is the sum of their counts.
    additive = True

    def __init__(self, tokenizer: Any, *, remember: int = 50_000) -> None:
        self._tokenizer = tokenizer
        self._known: dict[str, int] = {}
        self._remember = remember

    def __call__(self, text: str) -> int:
        return self.many([text])[0]

    def many(self, texts: Sequence[str]) -> list[int]:
        """The token count of each text; the unknown ones are tokenised in one batch call."""
        known = self._known
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            if len(known) + len(missing) > self._remember:
                known.clear()
            encode = getattr(self._tokenizer, "encode_batch_fast", None) or self._tokenizer.encode_batch  # no offsets
            for text, encoding in zip(missing, encode(missing, add_special_tokens=False), strict=True):
                known[text] = len(encoding.ids)
        return [known[t] if t in known else self.many([t])[0] for t in texts]


#: What an empty block says: memory held something but not one line of it fitted (a shorter note when
#: the longer does not fit either), or memory holds nothing about the question.
_DID_NOT_FIT = "(what memory holds about this did not fit the budget)"
_NOTHING_FITTED = "(nothing fitted the budget)"
_HOLDS_NOTHING = "(memory holds nothing about this)"


@functools.cache
def default_token_counter() -> WordPieceCounter:
    """The embedding model's WordPiece tokenizer (all-MiniLM-L6-v2's ``tokenizer.json``, packaged with
    graphmem, so the light install counts with it too), loaded once through ``tokenizers``."""
    from tokenizers import Tokenizer

    from graphmem.embed import packaged_tokenizer_json

    tokenizer = Tokenizer.from_str(packaged_tokenizer_json())
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return WordPieceCounter(tokenizer)


def _count_all(count: TokenCounter, texts: Sequence[str]) -> list[int]:
    return count.many(texts) if isinstance(count, WordPieceCounter) else [count(t) for t in texts]


@dataclass(frozen=True, slots=True)
class ContextEvent:
    """One recalled event in a context: the event, its recall score and why it is there."""

    event: Event
    score: float
    reason: str

    def line(self) -> str:
        """The event as one line: ``- [2024-09-06 17:07] Riley: text (why: …)``."""
        ev = self.event
        when = ev.occurred_at.strftime("%Y-%m-%d %H:%M") if ev.occurred_at else "undated"
        flat = " ".join(ev.text.split())  # a list in a message must not read as more lines of the block
        text = flat if len(flat) <= _TEXT_LIMIT else flat[: _TEXT_LIMIT - 1] + "…"
        who = " ".join((ev.speaker or "").split()) or "?"
        return f"- [{when}] {who}: {text} (why: {self.reason})"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**event_fields(self.event), "score": self.score, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class FactWindow:
    """The valid time a context's facts answer for, and the moment memory's versions are read at.

    Attributes:
        start: the first moment of the window (``None``: open).
        end: its last moment (``None``: open); ``start == end`` is one moment.
        as_of: memory as it held the facts at this moment (``None``: as it holds them now).
        label: what the block's heading says, e.g. ``facts current at 2026-12-04``, ``facts valid up to
            2024-07-01``, ``facts valid between 2024-03-01 and 2024-07-01, as memory knew them at 2024-08-01``.
    """

    start: datetime | None
    end: datetime | None
    as_of: datetime | None
    label: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``valid_from``/``valid_to``: the window's ends)."""
        return {
            "label": self.label,
            "valid_from": _iso(self.start),
            "valid_to": _iso(self.end),
            "as_of": _iso(self.as_of),
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _shown(when: datetime, *, end: bool = False) -> str:
    """A bound as a heading shows it: the day alone when it is that day's first moment (its last for an
    ``end``: an ``until`` given as a date), else with the time."""
    if when.time() == (time.max if end else time.min):
        return f"{when:%Y-%m-%d}"
    return f"{when:%Y-%m-%d %H:%M:%S}" if when.second or when.microsecond else f"{when:%Y-%m-%d %H:%M}"


def fact_window(request: RecallRequest, *, now: datetime) -> FactWindow:
    """Which facts a context of ``request`` shows, read at ``now`` (``request.as_of`` when given).

    * no ``since``/``until``: the facts current at ``now`` (valid then, in the versions held then);
    * ``valid_at``: those that held at that moment (it names the facts' time; the window bounds events);
    * ``since`` and ``until``: those that held at some moment between them (valid-time overlap);
    * ``until`` alone: those that held at some moment up to it (however long ago they began or ended);
    * ``since`` alone: those that held at some moment from it to ``now``; from it on, when it is later;
    * ``all_time``: every version of every fact, whatever its times, as recall then traverses them (a window
      ``since``/``until`` still bounds the events, not the facts).

    With a window or ``valid_at``, the versions are those memory held at ``request.as_of`` (else now); the
    label says so. ``time_axis`` does not change the facts: a fact has one world time, its valid time.
    """
    if request.all_time:  # RecallRequest refuses it with as_of and valid_at
        return FactWindow(None, None, None, "facts of all time, every version")
    known = f", as memory knew them at {_shown(request.as_of, end=True)}" if request.as_of is not None else ""
    if request.valid_at is not None:
        return FactWindow(
            request.valid_at, request.valid_at, request.as_of, f"facts valid at {_shown(request.valid_at)}{known}"
        )
    since, until = request.since, request.until
    if since is None:
        if until is None:
            return FactWindow(now, now, request.as_of, f"facts current at {now:%Y-%m-%d}")
        return FactWindow(None, until, request.as_of, f"facts valid up to {_shown(until, end=True)}{known}")
    if until is not None:
        label = f"facts valid between {_shown(since)} and {_shown(until, end=True)}"
        return FactWindow(since, until, request.as_of, label + known)
    if since > now:
        return FactWindow(since, None, request.as_of, f"facts valid from {_shown(since)} on{known}")
    upto = _shown(now, end=True) if request.as_of is not None and now == request.as_of else f"{now:%Y-%m-%d}"
    return FactWindow(since, now, request.as_of, f"facts valid between {_shown(since)} and {upto}{known}")


@dataclass(frozen=True, slots=True)
class Context:
    """What memory holds about a question, rendered as ``text`` within ``budget_tokens``.

    Attributes:
        question: the question asked.
        namespace: where memory looked.
        entities: names of the entities the question is about.
        facts: the facts about them that fit the budget: those of :attr:`fact_window`.
        events: the recalled events that fit the budget, best first.
        text: the block to paste into a prompt.
        tokens: the token count of ``text``.
        budget_tokens: the budget it was cut to.
        fact_window: which facts the block shows (the current ones, or those of the recall's time
            window); its label is what the heading says.
        omitted_facts: facts of the window left out for want of room.
        omitted_events: recalled events left out for want of room.
    """

    question: str
    namespace: str
    entities: tuple[str, ...]
    facts: tuple[StatedFact, ...]
    events: tuple[ContextEvent, ...]
    text: str
    tokens: int
    budget_tokens: int
    fact_window: FactWindow
    omitted_facts: int = 0
    omitted_events: int = 0

    def __str__(self) -> str:
        return self.text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the text and every structured field)."""
        return {
            "question": self.question,
            "namespace": self.namespace,
            "entities": list(self.entities),
            "fact_window": self.fact_window.as_dict(),
            "facts": [f.as_dict() for f in self.facts],
            "events": [e.as_dict() for e in self.events],
            "text": self.text,
            "tokens": self.tokens,
            "budget_tokens": self.budget_tokens,
            "omitted_facts": self.omitted_facts,
            "omitted_events": self.omitted_events,
        }


_SEED_WORDS = {"dense": "similar meaning", "text": "shares words"}
_LIFT_WORDS = {"speaker": "said by someone asked about", "answer_type": "names the asked kind", "time": "says when"}


def reason(why: Why) -> str:
    """A short, readable form of :class:`~graphmem.recall.Why` for a prompt.

    >>> from graphmem.recall.hit import Seed, Why
    >>> reason(Why((Seed("text", "e1", 7.0, 1), Seed("dense", "e1", 0.6, 3))))
    'shares words (#1), similar meaning (#3)'
    """
    bits: list[str] = []
    own = [s for s in why.seeds if s is not why.origin]
    for seed in own[:2]:
        if seed.kind == "entity":
            bits.append(f"names {seed.label or seed.node_id}")
        else:
            bits.append(f"{_SEED_WORDS.get(seed.kind, seed.kind)} (#{seed.rank})")
    if why.path and why.origin is not None:
        edges = "/".join(dict.fromkeys(step.edge.lower() for step in why.path))
        start = why.origin.label or why.origin.node_id
        bits.append(f"linked to {start} via {edges}")
    bits.extend(label for key, label in _LIFT_WORDS.items() if why.parts.get(key))
    return ", ".join(bits) or "recalled"


_WORD = re.compile(r"[^\W_]+")


def _fact_order(facts: Sequence[StatedFact], recalled: set[str], terms: Sequence[str]) -> list[StatedFact]:
    """Facts that share words with the question first (``work`` finds ``works_at``, compared on the first
    four letters), then those backed by a recalled event, then the most recent."""
    keys = {t[:4] for t in terms if len(t) >= 3}

    def key(item: StatedFact) -> tuple[int, int, float]:
        f = item.fact
        words = _WORD.findall(f"{f.predicate} {item.subject} {item.object}".lower())
        overlap = len({w[:4] for w in words if len(w) >= 3} & keys)
        backed = any(ev in recalled for ev in f.evidence)
        when = f.valid_from or f.recorded_at
        return (-overlap, 0 if backed else 1, -when.timestamp() if when.year > 1 else 0.0)

    return sorted(facts, key=key)


def _fact_line(fact: StatedFact, history: bool) -> str:
    """A fact's line in the block; every version's (``history``) says which were later replaced."""
    return f"- {fact.describe(history=history)}"


def _fit_facts(
    ordered: Sequence[StatedFact], count: TokenCounter, *, room: int, history: bool = False
) -> tuple[list[StatedFact], int]:
    """The facts, in order, whose lines (under a ``Facts:`` title) fit in ``room`` tokens, and what they take.

    Lines are counted a chunk at a time and counting stops once the room is full, so a person with
    hundreds of facts costs no more than the few dozen that fit.
    """
    title = count("Facts:")
    if not ordered or title >= room:
        return [], 0
    kept: list[StatedFact] = []
    spent = title
    for start in range(0, len(ordered), _FACT_CHUNK):
        chunk = ordered[start : start + _FACT_CHUNK]
        for fact, cost in zip(chunk, _count_all(count, [_fact_line(f, history) for f in chunk]), strict=True):
            if spent + cost <= room:
                kept.append(fact)
                spent += cost
        if room - spent < _MIN_LINE:
            break
    return (kept, spent) if kept else ([], 0)


def _window_facts(
    store: GraphStore, request: RecallRequest, entities: Sequence[Entity], window: FactWindow, moment: datetime
) -> list[StatedFact]:
    """The facts about ``entities`` that ``window`` shows."""
    ns = request.namespace
    if request.all_time:
        return entity_facts(store, ns, entities, all_time=True)
    if request.valid_at is None and request.since is None and request.until is None:
        return entity_facts(store, ns, entities, valid_at=moment, as_of=moment)  # current at moment
    known = request.as_of or moment
    if request.valid_at is not None:
        return entity_facts(store, ns, entities, valid_at=request.valid_at, as_of=known)
    return entity_facts(store, ns, entities, valid_during=(window.start, window.end), as_of=known)


def build_context(
    request: RecallRequest,
    *,
    store: GraphStore,
    recall: Callable[[RecallRequest], list[Hit]],
    budget_tokens: int = 1500,
    count_tokens: TokenCounter | None = None,
    now: datetime | None = None,
) -> Context:
    """Recall ``request`` and render what memory holds about it within ``budget_tokens``.

    Args:
        request: the question and its recall options (built once at the edge).
        store: the store holding ``request.namespace``.
        recall: runs a recall request (``Memory.recall_request``).
        budget_tokens: the most tokens the text may take.
        count_tokens: the tokenizer count to use (default: :func:`default_token_counter`).
        now: the moment facts must be current at (default: ``request.as_of``, else the present, UTC);
            with ``since``/``until``, the facts are those of the window instead, with ``all_time`` every
            version (:func:`fact_window`).

    Raises:
        ConfigError: the budget is no whole number, or cannot hold even the heading.
    """
    from graphmem.recall.query import analyse
    from graphmem.recall.seeds import entity_seeds

    if isinstance(budget_tokens, bool) or not isinstance(budget_tokens, int):
        raise ConfigError(
            f"budget_tokens must be a whole number, not {budget_tokens!r} ({type(budget_tokens).__name__})"
        )
    count = count_tokens or default_token_counter()
    moment = now or request.as_of or datetime.now(UTC).replace(tzinfo=None)
    window = fact_window(request, now=moment)
    heading = f"Memory of {request.namespace!r} for the question ({window.label}):"
    used = count(heading)
    if used > budget_tokens:
        raise ConfigError(  # in words that fit budget_tokens= and the CLI's --budget alike
            f"a budget of {budget_tokens} tokens cannot hold the context heading ({used} tokens): give at least {used}"
        )

    hits = recall(request)
    terms = analyse(request.text)
    people, things = entity_seeds(store, terms, request.namespace)
    entities: list[Entity] = [*people, *things]
    current = _window_facts(store, request, entities, window, moment) if entities else []
    named = {w for e in entities for n in (e.name, *e.aliases) for w in _WORD.findall(n.lower())}
    topic = [t for t in terms.terms if t not in named]
    ordered = _fact_order(current, {h.event.id for h in hits}, topic)

    lines = [heading]
    history = request.all_time
    room = min(int(budget_tokens * FACT_SHARE), budget_tokens - used)
    fact_lines, spent = _fit_facts(ordered, count, room=room, history=history)
    if fact_lines:
        lines.append("Facts:")
        lines.extend(_fact_line(fact, history) for fact in fact_lines)
        used += spent

    items = [ContextEvent(hit.event, hit.score, reason(hit.why)) for hit in hits]
    event_texts = [item.line() for item in items]
    event_title = "Events (best first):"
    costs = _count_all(count, [event_title, *event_texts])
    event_costs = costs[1:]

    events: list[ContextEvent] = []
    if items and used + costs[0] <= budget_tokens:
        lines.append(event_title)
        spent = costs[0]
        for item, line, cost in zip(items, event_texts, event_costs, strict=True):
            if used + spent + cost > budget_tokens:
                continue
            lines.append(line)
            events.append(item)
            spent += cost
        if events:
            used += spent
        else:
            lines.pop()
    if not fact_lines and not events:
        held = bool(ordered or items)  # found, but not one line fitted the budget
        notes = (_DID_NOT_FIT, _NOTHING_FITTED) if held else (_HOLDS_NOTHING,)
        # the longer note may not fit where the shorter one does: the block still says why it is empty
        note = next((n for n in notes if count("\n".join([*lines, n])) <= budget_tokens), notes[-1])
        lines.append(note)
        used += count(note)
    text = "\n".join(lines)
    additive = isinstance(count, WordPieceCounter) and count.additive
    tokens = used if additive else count(text)
    while tokens > budget_tokens and len(lines) > 1:  # joins can tokenise differently: re-check the whole
        dropped = lines.pop()
        if events and dropped == events[-1].line():
            events.pop()
        elif fact_lines and dropped == _fact_line(fact_lines[-1], history):
            fact_lines.pop()
        text = "\n".join(lines)
        tokens = count(text)
    return Context(
        question=request.text,
        namespace=request.namespace,
        entities=tuple(e.name for e in entities),
        facts=tuple(fact_lines),
        events=tuple(events),
        text=text,
        tokens=tokens,
        budget_tokens=budget_tokens,
        fact_window=window,
        omitted_facts=len(ordered) - len(fact_lines),
        omitted_events=len(hits) - len(events),
    )
