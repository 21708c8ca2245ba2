"""The Claude extractor: the Anthropic Messages API with tool-use (structured) output.

Turns are sent in groups (``batch_size`` turns of one session per call) with the session date and the
participants; Claude answers by calling one tool, ``record_memory``, whose JSON schema holds the
entities, and per turn the mentions, facts, closings (told as past or not), corrections ("Sorry, I meant
Globex": a slip, not a change) and time expressions. Events, sessions, speakers and ids are made exactly
as by the spaCy extractor (stage 1 is shared), so both produce the same kind of batch and entity
resolution treats them alike.

Every answer is cached on disk under the sha256 of the prompt version, the model, the system prompt, the
tool schema and the request: re-running an extraction makes no call. Rate limits (429), server errors
(5xx) and overload (529) are retried with exponential backoff; other API errors and malformed tool
output raise :class:`~graphmem.errors.ExtractionError`. The client can be injected (``client=``) and the endpoint
moved (``base_url=``): tests serve recorded answers from a local HTTP stub through the same code path.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from graphmem.errors import ConfigError, ExtractionError, MissingDependencyError
from graphmem.extract.claude_answer import ENTITY_TYPES, GRAINS, parse_iso
from graphmem.extract.claude_answer import validate as _validate
from graphmem.extract.claude_api import MAX_OUTPUT_TOKENS, CutOffError, Retries, request
from graphmem.extract.claude_batch import ROLES, AnswerBuilder
from graphmem.extract.claude_checks import request_place
from graphmem.extract.claude_render import before_group, chunks, render, without_context
from graphmem.extract.events import EventPlan, build_events
from graphmem.extract.temporal import update_facts
from graphmem.extract.times import TimeResolver, anaphoric, to_utc
from graphmem.extract.vocabulary import PREDICATES
from graphmem.models import Batch, Event, TimeRef
from graphmem.transcript import Transcript

__all__ = ["DEFAULT_MODEL", "PROMPT_VERSION", "TOOL", "ClaudeExtractor"]

#: Bump whenever the prompt or the tool schema changes: it is part of every cache key.
PROMPT_VERSION = "6"
# Bumped when what is made of the same answers changes (state facts, wall-clock times, plans); not part of the
# cache key, since the answers themselves do not change.
_BUILD_VERSION = "8"
DEFAULT_MODEL = "claude-haiku-4-5"
TOOL_NAME = "record_memory"

_NULLABLE_STRING = {"type": ["string", "null"]}
_CLOSABLE = [p.name for p in PREDICATES if p.name != "said_about"]
_CORRECTABLE = [p.name for p in PREDICATES if p.single_valued]
_VOCABULARY = "\n".join(f"  {p.name}: {p.description}" for p in PREDICATES)
TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": (
        "Record what the dialogue turns say: entities, and per turn the mentions, facts, closings, corrections "
        "and times."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "entities": {
                "type": "array",
                "description": "Every person, place, organization, thing or topic the turns name.",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"type": "string", "enum": list(ENTITY_TYPES)},
                        "aliases": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["name", "type"],
                },
            },
            "events": {
                "type": "array",
                "description": "One entry per turn that mentions anything, keyed by its turn id (T1, T2...).",
                "items": {
                    "type": "object",
                    "properties": {
                        "turn": {"type": "string"},
                        "mentions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "entity": {"type": "string"},
                                    "role": {"type": "string", "enum": list(ROLES)},
                                },
                                "required": ["entity"],
                            },
                        },
                        "facts": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "subject": {"type": "string"},
                                    "predicate": {"type": "string", "description": "A predicate of the vocabulary."},
                                    "object": {"type": "string"},
                                    "time_phrase": _NULLABLE_STRING,
                                    "until_phrase": _NULLABLE_STRING,
                                },
                                "required": ["subject", "predicate", "object"],
                            },
                        },
                        "closings": {
                            "type": "array",
                            "description": "Facts the turn says ended: a job quit, a move out, a break-up, a death.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "subject": _NULLABLE_STRING,
                                    "predicate": {"type": "string", "enum": _CLOSABLE},
                                    "object": _NULLABLE_STRING,
                                    "time_phrase": _NULLABLE_STRING,
                                    "past": {
                                        "type": "boolean",
                                        "description": "The turn tells the ending as done (past tense or perfect).",
                                    },
                                },
                                "required": ["predicate"],
                            },
                        },
                        "corrections": {
                            "type": "array",
                            "description": "Earlier statements the turn calls a slip ('Sorry, I meant Globex').",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "subject": {"type": "string"},
                                    "predicate": {"type": "string", "enum": _CORRECTABLE},
                                    "wrong": _NULLABLE_STRING,
                                    "corrected": {"type": "string"},
                                },
                                "required": ["subject", "predicate", "corrected"],
                            },
                        },
                        "times": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "phrase": {"type": "string"},
                                    "start": _NULLABLE_STRING,
                                    "end": _NULLABLE_STRING,
                                    "grain": {"type": "string", "enum": list(GRAINS)},
                                },
                                "required": ["phrase"],
                            },
                        },
                    },
                    "required": ["turn"],
                },
            },
        },
        "required": ["entities", "events"],
    },
}

SYSTEM_PROMPT = (
    """You extract long-term memory from dialogue transcripts.
You receive numbered turns (T1, T2, ...) of one session, with the session date and the participants.
Call the record_memory tool once with:
- entities: every person, place, organization, group, occasion, creative work, product, language and
  salient topic (short common-noun phrase such as "support group", "pottery class") the turns name.
  Use a participant's name for "I/me/my" (the speaker) and "you/your" (the addressee). Types: Person,
  Place, Organization, Group, Occasion, Work, Product, Language, Thing, Topic.
- events: for each turn, the entities it mentions (role subject, object or mention), the facts it
  states as subject-predicate-object triples between entity names, and every time expression
  copied exactly as written, resolved against the session date to an ISO date interval (start
  inclusive, end exclusive) with its grain, or start null when it names no definite time ("recently").
  A part of a period is that part: a month in thirds of days 1-10, 11-20 and 21 to its end ("the end
  of February", "mid-March"), a year in thirds of four months ("early 2023").
  A fact's predicate is one of the vocabulary below (said_about when none fits; a family or work role
  as <role>_of, e.g. sister_of); its time_phrase is when it began or happened ("since 2020",
  "yesterday"), also when another clause of the turn by the same subject says when it began ("I work
  at Globex. I started there on 1 March": "1 March"), and its until_phrase when it ends ("until
  June"), if the turn says so.
- closings: for each turn, the facts it says ended ("I quit my job", "we broke up", "I moved out of
  Porto", "Max passed away", "I sold my car", "I don't play guitar anymore", "I no longer ..."): the
  predicate, subject and object as for a fact (null for an end the turn does not name: "I quit my job"
  has no object, "Max passed away" no subject), the time_phrase of the ending, and past true when the
  turn tells the ending as done ("I left", "I've quit"), false for a plan ("I'm leaving in June").
- corrections: for each turn that says an earlier statement was a slip ("Sorry, I meant Globex", "my
  mistake, I live in Porto", "I work at Globex, not Acme", "scratch that"): the subject, the predicate
  corrected, the wrong object if the turn names it (else null) and the corrected object, each named as
  in entities (the full name listed there, never a shorter one); state the corrected value as a fact of
  the turn too, and not the wrong one. News is never a correction: "I work at Globex now", "I
  moved to Porto", "I started at Globex", "Actually, I moved" tell a change (a fact, and a closing if
  the turn says the old value ended). Predicates corrected: """
    + ", ".join(_CORRECTABLE)
    + """.
Vocabulary:
"""
    + _VOCABULARY
    + """
State only what the turns say; questions and negations assert nothing. Never invent entities or dates."""
)


def _cache_root(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    from graphmem.settings import Settings

    return Settings.from_env().extraction_cache_root


def _parse_iso(value: Any) -> datetime | None:
    parsed = parse_iso(value)
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


class ClaudeExtractor:
    """Extracts with Claude through tool use; one API call per ``batch_size`` turns, cached on disk.

    Args:
        model: the Claude model.
        batch_size: turns per call (a call never spans two sessions).
        client: an ``anthropic.Anthropic`` (or compatible) client to use instead of making one.
        base_url: the API endpoint (a local stub in tests).
        api_key: the key; default ``ANTHROPIC_API_KEY``.
        cache_dir: where answers are cached; default ``$GRAPHMEM_CACHE`` or ``~/.cache/graphmem``.
        use_cache: read and write the cache.
        max_retries: retries after a rate limit, server error or overload.
        backoff: first retry delay in seconds (doubled each retry, with jitter), capped by ``max_backoff``.
        max_tokens: the answer budget per call.
        timeout: seconds per request.
        namespace: write every transcript to this namespace instead of its own.
        now: ``recorded_at`` of facts from turns with no time (default: the time of extraction).
        sleep: the sleep function (tests pass one that records instead of waiting).

    Raises:
        ConfigError: no client, no ``api_key`` and ``ANTHROPIC_API_KEY`` unset, or a bad option.
    """

    name = "claude"
    #: The stored turns before a live add's new ones are shown read only (:attr:`Transcript.context`),
    #: never annotated again: see :class:`graphmem.live.ReadsContext`.
    context_read_only = True

    def __init__(
        self,
        *,
        model: str = DEFAULT_MODEL,
        batch_size: int = 20,
        client: Any | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        use_cache: bool = True,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_tokens: int = 8192,
        timeout: float = 120.0,
        namespace: str | None = None,
        now: datetime | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """Check the settings; the client is made on first use.

        Raises:
            ConfigError: an option is out of range (the message names it), or no API key is set.
        """
        _check_int("batch_size", batch_size, 1)
        _check_int("max_retries", max_retries, 0)
        _check_int("max_tokens", max_tokens, 1)
        _check_seconds("backoff", backoff, zero=True)
        _check_seconds("max_backoff", max_backoff, zero=True)
        _check_seconds("timeout", timeout, zero=False)
        if not api_key:
            from graphmem.settings import Settings

            api_key = Settings.from_env().anthropic_api_key
        key = _checked_key(api_key)
        if client is None and not key:
            raise ConfigError(
                "the Claude extractor needs an API key: set ANTHROPIC_API_KEY (or pass api_key=), "
                "or use the offline extractor with --extractor spacy"
            )
        self.model = model
        self.batch_size = batch_size
        self.base_url = base_url
        self.cache_dir = _cache_root(cache_dir)
        self.use_cache = use_cache
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_tokens = max_tokens
        self.timeout = timeout
        self.namespace = namespace
        self.now = now
        self.calls = 0  # API requests made (retries included), for tests and progress
        self.input_tokens = 0  # as the answers' usage counts them
        self.output_tokens = 0
        self.cache_hits = 0  # requests answered from the on-disk cache
        self.dropped_turns = 0  # answer entries whose turn id named no turn of their request (logged)
        #: Answer entries and entities not used (warned about): ``dropped_turns``, names the request never
        #: says, "you" in a turn addressed to no one. A plain count, for the ingest summary.
        self.dropped = 0
        #: Entities whose type Claude gave as none of the declared ones, taken for ``Thing`` (warned about).
        self.untyped = 0
        self._api_key = key
        self._client = client
        self._sleep = sleep or time.sleep
        self._times = TimeResolver()

    @property
    def version(self) -> str:
        """The prompt version, the build version and the model: a change of any changes the output."""
        return f"{PROMPT_VERSION}.{_BUILD_VERSION}:{self.model}"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None  # clients do not pickle: a worker makes its own
        state["_sleep"] = None
        state["_times"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._sleep = time.sleep
        self._times = TimeResolver()

    def __repr__(self) -> str:
        return f"<ClaudeExtractor {self.model} batch_size={self.batch_size}>"

    # -- the API -------------------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The Anthropic client, made on first use."""
        if self._client is None:
            try:
                import anthropic
            except ImportError as exc:
                raise MissingDependencyError("anthropic", extra="llm", purpose="the Claude extractor") from exc
            self._client = anthropic.Anthropic(
                api_key=self._api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout
            )
        return self._client

    def usage(self) -> dict[str, int]:
        """What this extractor asked of the API so far: ``requests`` (retries included), ``input_tokens``,
        ``output_tokens``, ``cache_hits`` (requests the cache answered), ``dropped`` (answer entries
        and names not used: :attr:`dropped`) and ``untyped`` (entities of no declared type, taken for
        ``Thing``: :attr:`untyped`); the ingest summary reports them."""
        return {
            "requests": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_hits": self.cache_hits,
            "dropped": self.dropped,
            "untyped": self.untyped,
        }

    def _cache_path(self, content: str) -> Path:
        payload = json.dumps(
            {"v": PROMPT_VERSION, "model": self.model, "system": SYSTEM_PROMPT, "tool": TOOL, "content": content},
            sort_keys=True,
        )
        key = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        return self.cache_dir / "claude" / key[:2] / f"{key}.json"

    def annotate(self, content: str, *, max_tokens: int | None = None) -> dict[str, Any]:
        """Return the validated tool input for one request, from the cache or from the API.

        Raises:
            CutOffError: the answer ran out of ``max_tokens`` (default: the extractor's). Its partial input
                is never cached, but that it was cut off is (``{"cut_off": max_tokens}``), so a later run
                goes straight to the halves (or asks again only with more tokens).
            ExtractionError: the API failed after retries, or answered without a valid tool call.
        """
        tokens = max_tokens or self.max_tokens
        path = self._cache_path(content)
        if self.use_cache and path.is_file():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(cached, dict) and set(cached) == {"cut_off"} and isinstance(cached["cut_off"], int):
                    if tokens <= cached["cut_off"]:
                        self.cache_hits += 1
                        raise CutOffError(
                            f"Claude's answer was cut off at max_tokens={cached['cut_off']} on an earlier run "
                            "(cached): lower batch_size or raise max_tokens"
                        )
                else:
                    data = _validate(cached)
                    self.cache_hits += 1
                    return data
            except CutOffError:
                raise
            except (OSError, ValueError, ExtractionError):
                pass  # a damaged entry is fetched again and overwritten
        try:
            data = _validate(self._request(content, tokens))
        except CutOffError:
            self._store(path, {"cut_off": tokens})
            raise
        self._store(path, data)
        return data

    def _store(self, path: Path, data: dict[str, Any]) -> None:
        if not self.use_cache:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # the cache is an optimisation: a read-only disk must not fail the extraction

    def _request(self, content: str, max_tokens: int) -> Any:
        params = {
            "model": self.model,
            "max_tokens": max_tokens,
            "system": SYSTEM_PROMPT,
            "tools": [TOOL],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
            "messages": [{"role": "user", "content": content}],
        }
        retries = Retries(self.max_retries, self.backoff, self.max_backoff, self._sleep)
        return request(
            self.client,
            params,
            retries,
            tool_name=TOOL_NAME,
            on_attempt=self._count,
            on_answer=self._used,
            timeout=self.timeout,
        )

    def _count(self) -> None:
        self.calls += 1

    def _used(self, message: Any) -> None:
        usage = getattr(message, "usage", None)
        for name in ("input_tokens", "output_tokens"):
            value = getattr(usage, name, None)
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)

    # -- extraction ----------------------------------------------------------------------------------

    def extract(self, transcript: Transcript) -> Batch:
        """Extract one transcript (one API call per ``batch_size`` turns not yet cached)."""
        plan = build_events(transcript, namespace=self.namespace)
        now = self.now or datetime.now(UTC).replace(tzinfo=None)
        builder = AnswerBuilder(
            plan,
            self.namespace or transcript.namespace,
            now,
            self._time,
            antecedents=transcript.antecedents,
            forgotten=transcript.forgotten,
        )
        for start, end in chunks(plan.events, self.batch_size):
            for data, group in self._answers(plan, list(range(start, end)), transcript):
                shown = before_group(plan, group[0], transcript)  # names said there count as said
                builder.add(data, group, context="\n".join(f"{who}: {text}" for _, who, text in shown))
        self.dropped_turns += builder.dropped_turns
        self.dropped += builder.dropped
        self.untyped += builder.untyped
        return update_facts(builder.batch(), (), corrections=False)

    def _answers(
        self, plan: EventPlan, group: list[int], transcript: Transcript
    ) -> list[tuple[dict[str, Any], list[int]]]:
        """The answers about the events at ``group``, each with the indices it is about.

        An answer cut off at ``max_tokens`` is partial, so it is never used: the group is asked for in
        two halves instead, and a single turn once more with twice the tokens.

        Raises:
            ExtractionError: a single turn's answer was still cut off (names the file, session and turn).
        """
        events = plan.events
        before = before_group(plan, group[0], transcript)
        content = render(
            plan.sessions,
            [events[i] for i in group],
            [plan.addressees[i] for i in group],
            plan.offset(group[0]),
            before,
        )
        try:
            return [(without_context(self.annotate(content), before), group)]
        except CutOffError as exc:
            cut = exc
        except ExtractionError as exc:
            raise _placed(exc, [events[i] for i in group], transcript) from exc
        if len(group) > 1:
            half = len(group) // 2
            return self._answers(plan, group[:half], transcript) + self._answers(plan, group[half:], transcript)
        more = min(MAX_OUTPUT_TOKENS, 2 * self.max_tokens)
        used = self.max_tokens
        if more > self.max_tokens:
            used = more
            try:
                return [(without_context(self.annotate(content, max_tokens=more), before), group)]
            except CutOffError as exc:
                cut = exc
            except ExtractionError as exc:
                raise _placed(exc, [events[i] for i in group], transcript) from exc
        event = events[group[0]]
        where = transcript.source_file or transcript.namespace
        turn = event.source_id or f"turn {event.seq}"
        raise ExtractionError(
            f"{where}: session {event.session}, {turn}: Claude's answer about this one turn was cut off at "
            f"max_tokens={used}; nothing of it was kept (raise max_tokens: --extractor-option max_tokens=N)"
        ) from cut

    def extract_many(self, transcripts: Iterable[Transcript]) -> list[Batch]:
        """Extract several transcripts, one batch each, in order."""
        return [self.extract(t) for t in transcripts]

    def _time(
        self,
        item: dict[str, Any],
        reference: datetime | None,
        offset: timedelta | tzinfo | None = None,
        antecedent: TimeRef | None = None,
    ) -> TimeRef:
        """A time Claude returned; its dates are on the speaker's wall clock unless they carry an offset.

        "Later that month" is dated here, whatever Claude said, against ``antecedent`` (the time the
        session talked of before, on the speaker's clock): a request may not show that time (it was said
        in an earlier request or a stored turn), and file, re-ingest and live add must agree. Which way it
        may point is not read (no tense): ``nearest``."""
        phrase = item["phrase"]
        if anaphoric(phrase):
            return to_utc(self._times.resolve(phrase, reference, prefer="nearest", antecedent=antecedent), offset)
        start = _parse_iso(item.get("start"))
        if start is None:
            # Claude found the phrase but gave no date: resolve it ourselves (or keep it as text)
            return to_utc(self._times.resolve(phrase, reference), offset)
        end = _parse_iso(item.get("end"))
        grain = item.get("grain") if item.get("grain") in GRAINS else "day"
        if end is None and grain == "time":
            end = start  # a clock time is an instant, as the spaCy extractor's (so it can be an antecedent)
        ref = TimeRef(phrase, start, end, str(grain))
        return ref if _has_offset(item.get("start")) else to_utc(ref, offset)


def _placed(exc: ExtractionError, events: Sequence[Event], transcript: Transcript) -> ExtractionError:
    """``exc`` (of its own class: an unreachable endpoint stays one) led by the file, session, turns and
    lines of the request it is about."""
    return type(exc)(f"{request_place(events, transcript.namespace)}: {exc}")


def _check_int(name: str, value: Any, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"the Claude extractor's {name} must be a whole number of at least {least}, not {value!r}")


def _check_seconds(name: str, value: Any, *, zero: bool) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "more than 0"
        raise ConfigError(f"the Claude extractor's {name} must be a number of seconds, {least}, not {value!r}")


def _checked_key(key: str | None) -> str | None:
    """The API key without the spaces or newline around it (``$(cat key.txt)`` keeps one); one holding
    a space or control character inside is a :class:`ConfigError`, which never shows the key."""
    if key is None:
        return None
    key = key.strip()
    bad = next((i for i, ch in enumerate(key) if ch.isspace() or not ch.isprintable() or not ch.isascii()), None)
    if bad is not None:
        raise ConfigError(
            f"the Anthropic API key (ANTHROPIC_API_KEY or api_key=) holds a space, control or non-ASCII "
            f"character at position {bad + 1} of {len(key)}: check how it was set (the key is not shown)"
        )
    return key or None


def _has_offset(value: Any) -> bool:
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False
