"""The Claude extractor's I/O (the half of :mod:`graphmem.extract.claude` that talks to the API): one
Messages request with retries, and the checks of what comes back.

Rate limits (429), server errors (5xx), overload (529), timeouts, connection errors and answers cut short
(the connection closed before the whole body came) are retried with exponential backoff; when every retry
failed that way the service is taken for unavailable (:class:`~graphmem.errors.ExtractorUnavailableError`:
an ingest stops rather than retry in full for every file). So is a rejected or unpermitted API key (401,
403), at once: every later request would be refused alike. Other API errors and an answer without a
complete tool call raise :class:`~graphmem.errors.ExtractionError`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from graphmem.errors import ExtractionError, ExtractorUnavailableError

__all__ = ["CutOffError", "Retries", "describe", "endpoint", "request", "tool_input"]

#: The most output tokens a retry of a cut-off answer asks for (the models' output limit).
MAX_OUTPUT_TOKENS = 64000


class CutOffError(ExtractionError):
    """The answer ran out of ``max_tokens`` before its tool call was complete: its input is partial (a
    list may stop half way) and is neither used nor cached; the caller splits the request or asks for
    more tokens."""


# the jitter's random source and the clock an HTTP date is counted from (tests replace them)
_jitter = random.random
_clock = time.time


@dataclass(frozen=True, slots=True)
class Retries:
    """How a failed request is tried again: ``max_retries`` times, after ``backoff`` · 2ⁿ seconds (with
    jitter), never longer than ``max_backoff``; ``sleep`` waits (tests pass one that records)."""

    max_retries: int
    backoff: float
    max_backoff: float
    sleep: Callable[[float], None]

    def delay(self, attempt: int, exc: Exception) -> float:
        """Seconds to wait before retry ``attempt`` (0 first) after ``exc``: the backoff step, or what the
        answer's ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date) asks if longer, with up to
        10% jitter, and never more than ``max_backoff`` (the cap is applied last)."""
        wait = self.backoff * (2**attempt)
        response = getattr(exc, "response", None)
        asked = retry_after(response.headers) if response is not None else None
        if asked is not None:
            wait = max(wait, asked)
        return float(min(self.max_backoff, wait * (1 + _jitter() * 0.1)))


def retry_after(headers: Any, now: float | None = None) -> float | None:
    """The wait in seconds an answer's headers ask for: ``retry-after-ms`` (milliseconds), else
    ``retry-after`` as seconds or as an HTTP date (counted from ``now``, default the clock); ``None``
    when neither is there or parses."""
    millis = headers.get("retry-after-ms")
    try:
        if millis is not None:
            return max(0.0, float(millis) / 1000)
    except ValueError:
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (_clock() if now is None else now))


def request(
    client: Any,
    params: dict[str, Any],
    retries: Retries,
    *,
    tool_name: str,
    on_attempt: Callable[[], None],
    on_answer: Callable[[Any], None] | None = None,
    timeout: float | None = None,
) -> Any:
    """Send one Messages request (``params``) and return the input of its ``tool_name`` call.

    ``on_answer`` is given every Messages answer (its ``usage`` counts tokens); ``timeout`` is the
    client's, named when a request timed out.

    Raises:
        ExtractorUnavailableError: every attempt failed to connect, timed out, or was refused with a rate
            limit, an overload or a server error.
        ExtractionError: the API refused the request, or answered without the tool call.
    """
    import anthropic

    retryable = (anthropic.RateLimitError, anthropic.InternalServerError, anthropic.APIConnectionError)
    attempt = 0
    while True:
        on_attempt()
        try:
            message = client.messages.create(**params)
        except retryable as exc:
            if _malformed_request(exc):
                break
            if attempt >= retries.max_retries:
                raise _gave_up(exc, attempt + 1, client, timeout) from exc
            retries.sleep(retries.delay(attempt, exc))
            attempt += 1
            continue
        except anthropic.APIStatusError as exc:
            if exc.status_code >= 500 and attempt < retries.max_retries:
                retries.sleep(retries.delay(attempt, exc))
                attempt += 1
                continue
            raise _refused(exc, attempt + 1) from exc
        except anthropic.AnthropicError as exc:
            raise ExtractionError(f"the Claude API call failed: {exc}") from exc
        except ValueError as exc:  # a 200 whose body is not JSON: a proxy's or captive portal's page
            if _cut_json(exc):  # or one cut short: its start is JSON, which ends before it closes
                if attempt < retries.max_retries:
                    retries.sleep(retries.delay(attempt, exc))
                    attempt += 1
                    continue
                raise ExtractorUnavailableError(
                    f"the Claude API at {endpoint(client)} cut its answer short: {attempt + 1} attempt(s) gave a "
                    f"JSON body that stops before its end ({exc}); the connection or a proxy dropped the rest"
                ) from exc
            raise ExtractionError(
                f"{endpoint(client)} answered with a body that is not JSON ({exc}): is base_url the "
                "Anthropic API, or a proxy's page in its place?"
            ) from exc
        if isinstance(message, str | bytes):  # a body of another content type comes back as its text
            raise ExtractionError(
                f"{endpoint(client)} answered with a body that is not a Messages API answer "
                f"(starting {str(message)[:60]!r}): is base_url the Anthropic API, or a proxy's page in its place?"
            )
        if getattr(message, "type", "message") != "message" or not isinstance(getattr(message, "content", None), list):
            # a JSON body of another shape (a proxy's {"error": "blocked"}) parses into an empty answer
            raise ExtractionError(
                f"{endpoint(client)} answered with a body that is not a Messages API answer (no message "
                "content): is base_url the Anthropic API, or a proxy's page in its place?"
            )
        if on_answer is not None:
            on_answer(message)
        return tool_input(message, tool_name)
    # the request itself is bad (a header the HTTP library refuses to send: a key with a newline in an
    # injected client): retrying cannot help, and the library's message quotes the header, key included,
    # so it is raised here, outside the handler, with no exception chained
    raise ExtractionError(
        "the Claude API request could not be sent: the HTTP library refused one of its headers "
        "(a space or control character in the API key?)"
    )


def _refused(exc: Any, attempts: int) -> ExtractionError:
    """The error for an HTTP error answer not retried (again): a server error after every retry and a
    rejected or unpermitted key (401, 403) stop an ingest (:class:`ExtractorUnavailableError`: every later
    request would fail alike); any other is this request's."""
    if exc.status_code >= 500:
        return ExtractorUnavailableError(f"the Claude API kept failing after {attempts} attempts: {describe(exc)}")
    if exc.status_code == 401:  # the key is never shown
        return ExtractorUnavailableError(
            f"the Claude API rejected the API key (HTTP 401, {_error_type(exc)}): check ANTHROPIC_API_KEY "
            "(or api_key=) holds a valid key (the key is not shown)"
        )
    if exc.status_code == 403:  # a key not allowed the model (or the account): every request alike
        return ExtractorUnavailableError(
            f"the Claude API does not permit this key the request (HTTP 403, {_error_type(exc)}): check the key's "
            f"access to the model and the account's standing: {describe(exc)}"
        )
    return ExtractionError(f"the Claude API refused the request: {describe(exc)}")


def _gave_up(exc: Exception, attempts: int, client: Any, timeout: float | None) -> ExtractorUnavailableError:
    """The error for a request whose every attempt failed with ``exc``'s kind of transient error."""
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        waited = f"timeout={timeout:g} s" if timeout is not None else "its timeout"
        return ExtractorUnavailableError(
            f"the Claude API at {endpoint(client)} did not answer within {waited}: {attempts} "
            "attempt(s) timed out; raise the timeout (--extractor-option timeout=SECONDS, or "
            "timeout= in Python)"
        )
    cut = _cut_short(exc)
    if cut is not None:
        return ExtractorUnavailableError(
            f"the Claude API at {endpoint(client)} cut its answer short: {attempts} attempt(s) ended "
            f"before the whole body came ({cut}); the connection or a proxy dropped the rest"
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return ExtractorUnavailableError(
            f"cannot reach the Claude API at {endpoint(client)}: {attempts} attempt(s) failed "
            f"({_cause(exc)}); check the base URL (--extractor-option base_url=URL, base_url= in Python, "
            "or ANTHROPIC_BASE_URL), the network and any proxy"
        )
    return ExtractorUnavailableError(f"the Claude API kept failing after {attempts} attempts: {describe(exc)}")


def _malformed_request(exc: BaseException) -> bool:
    """Whether ``exc`` (a connection error) was caused by a request the HTTP library would not send
    (httpx's or h11's ``LocalProtocolError``), not by the network."""
    seen: BaseException | None = exc
    for _ in range(8):  # the causes, as far as they go
        seen = seen.__cause__ or seen.__context__ if seen is not None else None
        if seen is None:
            return False
        if type(seen).__name__ == "LocalProtocolError":
            return True
    return False


def _cut_short(exc: BaseException) -> str | None:
    """What the network said when ``exc`` (a connection error) is an answer whose body stopped before its
    declared length (httpx's ``RemoteProtocolError``: "peer closed connection without sending complete
    message body"), else ``None``."""
    seen: BaseException | None = exc
    for _ in range(8):  # the causes, as far as they go
        if seen is None:
            return None
        if type(seen).__name__ == "RemoteProtocolError" and "complete message body" in str(seen):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _cut_json(exc: ValueError) -> bool:
    """Whether ``exc`` is JSON that stops before it closes (a body cut short: a string left open, or the
    fault at its very end), not a page of another kind."""
    doc, pos, msg = getattr(exc, "doc", None), getattr(exc, "pos", None), getattr(exc, "msg", "")
    if not isinstance(doc, str) or not isinstance(pos, int) or doc.lstrip()[:1] not in ("{", "["):
        return False
    return pos >= len(doc.rstrip()) or str(msg).startswith("Unterminated string")


def _error_type(exc: Exception) -> str:
    """The ``error.type`` of an API error's body (``authentication_error``), never its message."""
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    return kind if isinstance(kind, str) and kind.isidentifier() else "refused"


def _cause(exc: BaseException) -> str:
    """What a connection error says, with the network error under it ("Connection refused")."""
    under = exc.__cause__
    return f"{exc}: {type(under).__name__}: {under}" if under is not None and str(under) else str(exc)


def endpoint(client: Any) -> str:
    """The URL the Messages requests of ``client`` go to."""
    base = getattr(client, "base_url", None)
    return f"{str(base).rstrip('/')}/v1/messages" if base is not None else "the Messages API endpoint"


def describe(exc: Exception) -> str:
    """An API error in a line: its HTTP status, if any, and its message."""
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}: {exc}" if status is not None else str(exc)


def tool_input(message: Any, tool_name: str) -> Any:
    """The input of the ``tool_name`` call in ``message``."""
    stop = getattr(message, "stop_reason", None)
    if stop == "max_tokens":  # a tool call cut off may still parse, as a prefix of what was meant
        raise CutOffError(
            "Claude's answer was cut off (max_tokens): lower batch_size or raise max_tokens "
            "(--extractor-option batch_size=N / max_tokens=N)"
        )
    for block in getattr(message, "content", None) or ():
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == tool_name:
            return getattr(block, "input", None)
    raise ExtractionError(f"Claude answered without calling the {tool_name} tool (stop_reason={stop!r})")
