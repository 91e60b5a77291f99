"""The transport both Adobe clients (IMS and Flow Service) share.

One ``requests.Session`` per process, so warm Lambda invocations reuse TLS connections; no
hidden retries in the adapter (the state machine's ``Retry`` owns retrying); every failure to
get an answer becomes :class:`FlowServiceUnavailable`. TLS verification is never turned off.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

import requests
from requests.adapters import HTTPAdapter

from aep_activation import budget
from aep_activation.errors import FlowServiceUnavailable

Timeout = tuple[float, float]
"""(connect, read) seconds, as ``requests`` takes them."""

DEFAULT_TIMEOUT: Timeout = (3.05, 30.0)

_shared_session: requests.Session | None = None

# What requests reads from the environment on every request when ``trust_env`` is on: proxies,
# their exceptions and CA bundles (and ~/.netrc, whose Basic auth would replace the bearer and
# SigV4 headers every call here sets itself).
_ENVIRONMENT_SETTINGS = frozenset(
    {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "requests_ca_bundle", "curl_ca_bundle"}
)


def environment_configures_http(environ: Iterable[str] | None = None) -> bool:
    """Whether a proxy or CA bundle is set in the environment (any case, as requests reads it)."""
    names = os.environ if environ is None else environ
    return any(name.lower() in _ENVIRONMENT_SETTINGS for name in names)


def new_session() -> requests.Session:
    """A session whose adapters never retry on their own.

    It reads proxy and CA settings from the environment only where one is set. Otherwise
    requests scans every variable on each call to find none: 0.2-0.3 ms of CPU per call here
    (15-20% of a call to a local server), on a seventh of a core in a cold first call.
    """
    session = requests.Session()
    session.verify = True
    session.trust_env = environment_configures_http()
    adapter = HTTPAdapter(max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def shared_session() -> requests.Session:
    """The process-wide session (created on first use, kept across warm invocations)."""
    global _shared_session
    if _shared_session is None:
        _shared_session = new_session()
    return _shared_session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: Timeout,
    service: str,
    path: str,
    **kwargs: Any,
) -> requests.Response:
    """Send one request; a timeout, reset or refused connection becomes FlowServiceUnavailable.

    The body is read inside the guarded block (``stream`` stays off), so a connection dropped
    mid-body is caught here too. Messages name the exception class only: ``requests`` messages
    are harmless today, but the request they carry holds credentials, so nothing of it is kept.
    The timeouts are shortened to what the step's budget has left (:mod:`aep_activation.budget`).
    A request that may have reached Adobe without an answer coming back is marked
    ``outcome_unknown``: a write may have been applied.
    """
    timeout = budget.clamp(timeout, service=service, method=method, path=path)
    outcome_unknown = True
    try:
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.ConnectTimeout as exc:
        reason = f"{service} could not be reached within the timeout ({type(exc).__name__})"
        outcome_unknown = False
    except requests.Timeout as exc:
        reason = f"{service} did not answer within the timeout ({type(exc).__name__})"
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        reason = f"the connection to {service} failed ({type(exc).__name__})"
    except requests.RequestException as exc:
        reason = f"the request to {service} failed ({type(exc).__name__})"
    error = FlowServiceUnavailable(reason, method=method, path=path)
    error.outcome_unknown = outcome_unknown
    raise error from None


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body, or ``None`` when the body is empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both
        return None


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date; None if unparsable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(time.time() if now is None else now, tz=UTC)
    return max(0.0, (when - current).total_seconds())


# --- Adobe error answers -> the error taxonomy --------------------------------------------

_MAX_MESSAGE = 500
REDACTED = "***"
_REQUEST_ID_KEYS = ("request-id", "requestId", "request_id", "x-request-id")
_ADOBE_CODE = re.compile(r"[A-Z][A-Z0-9]*-\d+(?:-\d+)?")


@dataclass(frozen=True)
class ErrorDetails:
    """What an Adobe error answer says, whichever of its shapes it came in."""

    code: str | None = None
    message: str | None = None
    request_id: str | None = None


def error_details(
    response: requests.Response, *, redact: Iterable[str] = (), request_had_secrets: bool = False
) -> ErrorDetails:
    """Read Adobe's three error shapes (and IMS's) into code, message and request id.

    ``redact`` lists strings (the token, secret auth params just sent) that must not appear
    even if Adobe quoted them back, in any form (see :func:`redacted`); they are masked
    before the message is shortened, so no prefix of one survives a cut. With
    ``request_had_secrets``, any echo of the request body (JSON in the message) is left out
    altogether: masking is then only the second line of defence.

    - Flow Service problem details: ``{type, title, status, detail?, report{detailed-message,
      request-id, ...}}`` where ``type`` ends in a ``FLOW-1439-404`` style code (often with
      ``errorMessage``/``errorDetails`` beside them);
    - the API gateway: ``{error_code, message}``;
    - Flow Service: ``{errorMessage, errorDetails, errorCode?}``;
    - IMS: ``{error, error_description}``.
    """
    body = json_body(response)
    header_id = response.headers.get("x-request-id")
    if not isinstance(body, dict):
        return ErrorDetails(request_id=header_id)
    raw_report = body.get("report")
    report: dict[str, Any] = raw_report if isinstance(raw_report, dict) else {}
    code = _first_text(body, "code", "errorCode", "error_code", "error") or _code_from_type(
        body.get("type")
    )
    # The specific text first; a problem's generic title ("Bad Request") only as a last resort.
    message = (
        _first_text(body, "detail", "errorMessage", "message", "error_description")
        or _first_text(report, "detailed-message", "detail", "message")
        or _first_text(body, "title")
    )
    details = _first_text(body, "errorDetails")
    if details and details != message:
        message = f"{message}: {details}" if message else details
    request_id = (
        header_id or _first_text(body, *_REQUEST_ID_KEYS) or _first_text(report, *_REQUEST_ID_KEYS)
    )
    if request_had_secrets:
        message = _without_echoed_body(message)
    return ErrorDetails(
        code=code, message=_shorten(redacted(message, redact)), request_id=request_id
    )


def _first_text(mapping: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def _code_from_type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    found = _ADOBE_CODE.findall(value.rsplit("/", 1)[-1])
    return found[-1] if found else None


_MIN_FRAGMENT = 8
"""A run of at least this many characters of a secret is masked wherever it appears."""
_ECHO_LEFT_OUT = "[the echoed request was left out]"


def _without_echoed_body(text: str | None) -> str | None:
    """Adobe's words up to the first JSON it quotes: an echo of the request's body."""
    if text is None or not any(mark in text for mark in "{["):
        return text
    cut = min(i for i in (text.find("{"), text.find("[")) if i >= 0)
    kept = text[:cut].rstrip(" :=,")
    return f"{kept} {_ECHO_LEFT_OUT}" if kept else _ECHO_LEFT_OUT


def _fold(text: str) -> str:
    """Lower case, character by character (so indexes still match ``text``)."""
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _forms(secret: str) -> set[str]:
    """The secret as it may come back: as sent, JSON-escaped (once or twice), URL-encoded."""
    once = json.dumps(secret)[1:-1]
    forms = {
        secret,
        once,
        json.dumps(once)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret),
    }
    return {_fold(form) for form in forms}


def redacted(text: str | None, secrets: Iterable[str]) -> str | None:
    """``text`` with every secret masked in every form: exact, JSON-escaped, URL-encoded, in
    any letter case, and any fragment of at least 8 characters (a truncated or partly quoted
    secret). Values shorter than 4 characters are left alone: they would mask ordinary words."""
    if text is None:
        return None
    folded = _fold(text)
    masked = bytearray(len(text))
    for secret in secrets:
        if len(secret) < 4:
            continue
        for form in _forms(secret):
            if len(form) <= _MIN_FRAGMENT:
                start = folded.find(form)
                while start != -1:
                    masked[start : start + len(form)] = b"\x01" * len(form)
                    start = folded.find(form, start + 1)
                continue
            grams = {form[i : i + _MIN_FRAGMENT] for i in range(len(form) - _MIN_FRAGMENT + 1)}
            for start in range(len(folded) - _MIN_FRAGMENT + 1):
                if folded[start : start + _MIN_FRAGMENT] in grams:
                    masked[start : start + _MIN_FRAGMENT] = b"\x01" * _MIN_FRAGMENT
    if not any(masked):
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        if not masked[index]:
            out.append(char)
        elif index == 0 or not masked[index - 1]:
            out.append(REDACTED)
    return "".join(out)


def _shorten(text: str | None) -> str | None:
    if text is None or len(text) <= _MAX_MESSAGE:
        return text
    return text[: _MAX_MESSAGE - 1] + "…"
