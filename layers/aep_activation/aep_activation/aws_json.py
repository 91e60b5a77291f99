"""The few AWS calls the functions on an activation's path make, without the AWS SDK:
JSON-protocol requests (Secrets Manager, DynamoDB, Step Functions, SQS, EventBridge) and
Lambda's REST ``Invoke``, signed with Signature Version 4 over ``requests``.

Why not boto3 and Powertools Parameters, which the project otherwise prefers: their measured
cold-start cost. On the init of EnsureDestinationBaseConnection (CPU medians of 11 fresh
interpreters laid out as Lambda's), importing boto3 and Powertools Parameters cost 0.06 s and
making the Secrets Manager client 0.10 to 0.12 s more (botocore reads its endpoints file and
the service model): 0.33 to 0.39 s in all, against 0.21 to 0.29 s with this module. Across the
functions on an activation's path the median init went from 0.36 s to 0.20-0.27 s of CPU
(README, Performance). Every function on that path starts cold on nearly every activation,
so they sign their handful of calls here, on the HTTP client they already load for Adobe, and
import no SDK (the SQS starter, ValidateRequest and PublishResult, which call no Adobe API,
likewise). The AWS Parameters and Secrets Lambda Extension was no alternative: it needs a
layer and a local endpoint, and serves no ``PutSecretValue`` (the shared IMS token cache
writes with it).

What the SDK would do, done the same way:

- credentials: the execution role's session credentials, from the environment
  (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``) or, where Lambda
  serves them from its container endpoint instead (SnapStart:
  ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` with ``AWS_CONTAINER_AUTHORIZATION_TOKEN``), from
  there, kept until shortly before they expire. Looked up on each call, never at import, so a
  snapshot holds none;
- the region from ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``); the endpoint
  ``https://<service>.<region>.amazonaws.com`` unless ``AWS_ENDPOINT_URL_<SERVICE>`` or
  ``AWS_ENDPOINT_URL`` names another (the local runtime points its containers at moto with
  ``AWS_ENDPOINT_URL``);
- the SDK's standard retry mode: at most 3 attempts; throttling codes, 500/502/503/504 and
  failed connections are retried after ``rand(0, 1) x 2**n`` seconds (n = 0, 1);
- ``PutSecretValue`` carries a ``ClientRequestToken``, so a retried write makes no second version.

A failure is :class:`AwsCallError`: the operation, AWS's error code and the HTTP status, never
AWS's message or anything of the request. As in the SDK, a redirect is not followed: it fails
the call (``Redirected``), not retried. Nothing here logs: the signing key, the session token
and the bodies (secret values) stay out of every log line and exception.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from aep_activation.http import Timeout, shared_session

DEFAULT_TIMEOUT: Timeout = (3.05, 10.0)
"""(connect, read) seconds per attempt; these services answer in milliseconds."""

MAX_ATTEMPTS = 3
"""The SDK's standard retry mode: the first attempt and two retries."""

_MAX_BACKOFF_SECONDS = 20.0
_RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
_RETRYABLE_CODES = frozenset(
    {
        # Transient errors and throttling, as the SDK's standard retry mode lists them.
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
    }
)
# The SDK's own credential refresh starts this long before the credentials expire.
_CREDENTIALS_REFRESH_SECONDS = 15 * 60
_UNSIGNED_HEADERS = frozenset({"expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"})


@dataclass(frozen=True)
class Service:
    """One AWS service's JSON protocol: its signing name, endpoint, target and media type."""

    signing_name: str
    endpoint_variable: str  # AWS_ENDPOINT_URL_<this>, as the SDKs name it (its service id)
    target_prefix: str  # X-Amz-Target: <prefix>.<Operation>
    content_type: str


SECRETS_MANAGER = Service(
    "secretsmanager", "SECRETS_MANAGER", "secretsmanager", "application/x-amz-json-1.1"
)
DYNAMODB = Service("dynamodb", "DYNAMODB", "DynamoDB_20120810", "application/x-amz-json-1.0")
EVENTBRIDGE = Service("events", "EVENTBRIDGE", "AWSEvents", "application/x-amz-json-1.1")
# Step Functions signs as "states" and is named SFN in AWS_ENDPOINT_URL_SFN (its service id).
STEP_FUNCTIONS = Service("states", "SFN", "AWSStepFunctions", "application/x-amz-json-1.0")
SQS = Service("sqs", "SQS", "AmazonSQS", "application/x-amz-json-1.0")
# Lambda's API is REST (rest_call): no target, and the body is the function's payload.
LAMBDA = Service("lambda", "LAMBDA", "", "application/json")


@dataclass(frozen=True)
class AwsCredentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


class AwsCallError(Exception):
    """An AWS call failed: its operation, AWS's error code (or the transport failure's class)
    and the HTTP status when there was an answer. Never AWS's message, never the request."""

    def __init__(self, operation: str, code: str, status: int | None = None) -> None:
        shown = f"{code}, HTTP {status}" if status is not None else code
        super().__init__(f"{operation} failed ({shown})")
        self.operation = operation
        self.code = code
        self.status = status


def error_code(exc: BaseException) -> str | None:
    """AWS's error code of a failed call, made here (:class:`AwsCallError`) or by the SDK
    (botocore's ``ClientError``, read by shape so the SDK need not be imported); None for
    any other failure."""
    if isinstance(exc, AwsCallError):
        return exc.code
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return None


# --- Signature Version 4 ---------------------------------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _host(url: str) -> str:
    """The Host header as sent: the default port left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None and parts.port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _canonical_query(query: str) -> str:
    """The query's pairs sorted, as already URL-encoded in the URL."""
    if not query:
        return ""
    pairs = [pair.partition("=") for pair in query.split("&")]
    return "&".join(f"{key}={value}" for key, _, value in sorted(pairs))


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: AwsCredentials,
    *,
    service: str,
    region: str,
    now: datetime,
) -> dict[str, str]:
    """``headers`` with ``X-Amz-Date``, ``X-Amz-Security-Token`` (with a session token) and
    ``Authorization`` added: Signature Version 4 over every header given, the host and the
    SHA-256 of ``body``. ``now`` is a UTC time."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    signed = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date")}
    signed["X-Amz-Date"] = stamp
    if credentials.token:
        signed["X-Amz-Security-Token"] = credentials.token
    canonical = {k.lower(): " ".join(v.split()) for k, v in signed.items()}
    canonical = {k: v for k, v in canonical.items() if k not in _UNSIGNED_HEADERS}
    canonical.setdefault("host", _host(url))
    names = sorted(canonical)
    parts = urlsplit(url)
    request = "\n".join(
        [
            method.upper(),
            quote(parts.path or "/", safe="/~"),
            _canonical_query(parts.query),
            "".join(f"{name}:{canonical[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(request.encode()).hexdigest()]
    )
    key = _hmac(f"AWS4{credentials.secret_key}".encode(), stamp[:8])
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed


# --- Where and as whom ---------------------------------------------------------------------


def region(environ: Mapping[str, str] = os.environ) -> str:
    found = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not found:
        raise AwsCallError("signing", "NoRegion")
    return found


def endpoint(service: Service, environ: Mapping[str, str] = os.environ) -> str:
    """The service's URL: the configured endpoint if any (as the SDKs read it), else AWS's."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        configured = environ.get(f"AWS_ENDPOINT_URL_{service.endpoint_variable}") or environ.get(
            "AWS_ENDPOINT_URL"
        )
        if configured:
            return configured.rstrip("/") + "/"
    where = region(environ)
    suffix = "amazonaws.com.cn" if where.startswith("cn-") else "amazonaws.com"
    return f"https://{service.signing_name}.{where}.{suffix}/"


_container_credentials: tuple[AwsCredentials, float] | None = None
_container_lock = threading.Lock()


def credentials(
    environ: Mapping[str, str] = os.environ, *, session: requests.Session | None = None
) -> AwsCredentials:
    """The execution role's credentials: from the environment, else the container endpoint."""
    access_key = environ.get("AWS_ACCESS_KEY_ID")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY")
    if access_key and secret_key:
        return AwsCredentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None)
    uri = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    if not uri:
        raise AwsCallError("signing", "NoCredentials")
    global _container_credentials
    with _container_lock:
        if _container_credentials is not None:
            found, expires_at = _container_credentials
            if time.time() < expires_at - _CREDENTIALS_REFRESH_SECONDS:
                return found
        found, expires_at = _from_container(uri, environ, session or shared_session())
        _container_credentials = (found, expires_at)
        return found


def forget_credentials() -> None:
    """Drop credentials kept from the container endpoint (tests)."""
    global _container_credentials
    with _container_lock:
        _container_credentials = None


def _from_container(
    uri: str, environ: Mapping[str, str], session: requests.Session
) -> tuple[AwsCredentials, float]:
    headers = {"Accept": "application/json"}
    token = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN")
    if token:
        headers["Authorization"] = token
    try:
        answer = session.get(uri, headers=headers, timeout=(1.0, 2.0), allow_redirects=False)
    except requests.RequestException as exc:
        raise AwsCallError("container credentials", type(exc).__name__) from None
    if answer.status_code != 200:
        raise AwsCallError("container credentials", "Refused", answer.status_code)
    try:
        document = json.loads(answer.content)
        found = AwsCredentials(
            str(document["AccessKeyId"]),
            str(document["SecretAccessKey"]),
            str(document["Token"]) if document.get("Token") else None,
        )
        expiration = document.get("Expiration")
        expires_at = (
            datetime.fromisoformat(str(expiration).replace("Z", "+00:00")).timestamp()
            if expiration
            else time.time() + _CREDENTIALS_REFRESH_SECONDS
        )
    except (ValueError, KeyError, TypeError):  # the document is never quoted: it holds the key
        raise AwsCallError("container credentials", "Unreadable", 200) from None
    return found, expires_at


# --- Calls ---------------------------------------------------------------------------------


def call(
    service: Service,
    operation: str,
    payload: Mapping[str, Any],
    *,
    environ: Mapping[str, str] = os.environ,
    session: requests.Session | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """One operation of ``service``'s JSON protocol; its answer, decoded.

    Retried as the SDK's standard mode retries; :class:`AwsCallError` once it fails for good."""
    headers = {
        "Content-Type": service.content_type,
        "X-Amz-Target": f"{service.target_prefix}.{operation}",
    }
    answer = _send(
        service,
        operation,
        "POST",
        endpoint(service, environ),
        headers,
        json.dumps(payload).encode(),
        ok=200,
        environ=environ,
        session=session,
        timeout=timeout,
        sleep=sleep,
        now=now,
    )
    return _answer(operation, answer)


def rest_call(
    service: Service,
    operation: str,
    method: str,
    path: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    ok: int,
    environ: Mapping[str, str] = os.environ,
    session: requests.Session | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> requests.Response:
    """One operation of a REST-protocol service: ``method`` on ``path`` (relative to the
    service's endpoint, its labels already encoded with :func:`uri_label`), answered ``ok``.

    Signed and retried as :func:`call` is; the answer is left to the caller."""
    url = endpoint(service, environ) + path.lstrip("/")
    return _send(
        service,
        operation,
        method,
        url,
        headers,
        body,
        ok=ok,
        environ=environ,
        session=session,
        timeout=timeout,
        sleep=sleep,
        now=now,
    )


def uri_label(value: str) -> str:
    """A value in a REST path, encoded as the SDK encodes a ``{label}`` (every ``:`` and ``/``
    too); the signature then encodes the path once more, as it does for every service but S3."""
    return quote(value, safe="-_.~")


def _send(
    service: Service,
    operation: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    ok: int,
    environ: Mapping[str, str],
    session: requests.Session | None,
    timeout: Timeout,
    sleep: Callable[[float], None] | None,
    now: Callable[[], datetime],
) -> requests.Response:
    http = session or shared_session()
    for attempt in range(MAX_ATTEMPTS):
        signed = sign(
            method,
            url,
            headers,
            body,
            credentials(environ, session=http),
            service=service.signing_name,
            region=region(environ),
            now=now(),
        )
        try:
            # As in the SDK, a redirect is not followed: requests would replay the session
            # token and the body (a secret's value) to wherever the answer points.
            answer = http.request(
                method, url, data=body, headers=signed, timeout=timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            # A connection refused, reset or timed out: worth another attempt, as in the SDK.
            failure = AwsCallError(operation, type(exc).__name__)
            retryable = True
        else:
            if answer.status_code == ok:
                return answer
            failure = AwsCallError(operation, _error_code(answer), answer.status_code)
            retryable = answer.status_code in _RETRYABLE_STATUS or failure.code in _RETRYABLE_CODES
        if not retryable or attempt + 1 == MAX_ATTEMPTS:
            raise failure
        wait = random.random() * min(2.0**attempt, _MAX_BACKOFF_SECONDS)  # noqa: S311 - jitter
        (sleep or time.sleep)(wait)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _answer(operation: str, answer: requests.Response) -> dict[str, Any]:
    try:
        decoded = json.loads(answer.content, object_hook=_without_nulls) if answer.content else {}
    except ValueError:  # never quoted: the answer may hold a secret's value
        raise AwsCallError(operation, "UnreadableAnswer", answer.status_code) from None
    return decoded if isinstance(decoded, dict) else {}


def _without_nulls(members: dict[str, Any]) -> dict[str, Any]:
    """A member answered as null is left out, as the SDK's parser leaves it out (moto answers
    ``"DeletedDate": null`` for a secret not scheduled for deletion; AWS omits the member)."""
    return {name: value for name, value in members.items() if value is not None}


def _error_code(answer: requests.Response) -> str:
    """AWS's error code: ``__type`` (``namespace#Code`` or ``Code``), else the header; a
    redirect (never followed, and never from these services) is ``Redirected``."""
    if 300 <= answer.status_code < 400:
        return "Redirected"
    code = ""
    try:
        document = json.loads(answer.content) if answer.content else {}
    except ValueError:
        document = {}
    if isinstance(document, dict):
        code = str(document.get("__type") or document.get("code") or "")
    code = code or answer.headers.get("x-amzn-ErrorType", "")
    return code.rpartition("#")[2].partition(":")[0] or f"HTTP{answer.status_code}"
