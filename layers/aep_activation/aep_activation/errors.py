"""One error taxonomy for the whole project.

Every failure a step can meet is one of these classes. The class name is the error name
that Step Functions sees (``errorType``), so ``Retry`` and ``Catch`` in the ASL match on it:
renaming a class is a change to the state machine's contract.

Transient errors (:class:`TransientError`) are retried by the state machine; permanent ones
never are. Messages are written for the operator and never contain a secret or a token.
"""

from __future__ import annotations

from typing import Any


class ActivationError(Exception):
    """Base of every error this project raises on purpose."""

    transient: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """A small, secret-free description (used in result events and the local runner)."""
        return {"error": type(self).__name__, "message": self.message}


class TransientError(ActivationError):
    """Worth retrying: the same call may well succeed later."""

    transient = True


# --- Request and configuration: found before any API call ------------------------------


class InvalidActivationRequest(ActivationError):
    """The activation request breaks a rule; ``errors`` lists every field error by path."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        lines = "; ".join(f"{e['path']}: {e['message']}" for e in errors)
        super().__init__(f"{len(errors)} invalid field(s): {lines}")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "errors": self.errors}


class RequestTooLarge(InvalidActivationRequest):
    """The request, serialised, exceeds what the state machine can carry (Step Functions'
    256 KiB limit on a state's input, shared with what the steps add)."""


class RequestNestedTooDeeply(InvalidActivationRequest):
    """The request nests arrays/objects deeper than any valid request does."""


class UnknownDestination(ActivationError):
    """The request names a destination that neither the catalog nor Adobe knows."""


class DestinationSpecMismatch(ActivationError):
    """The request does not fit the destination's connection spec (auth spec, target params)."""


class SecretUnavailable(ActivationError):
    """A secret is missing, unreadable, not JSON, or lacks a key. Names the secret, never its value."""


class ConfigurationError(ActivationError):
    """The deployment itself is misconfigured (a missing environment variable, for example)."""


# --- Flow Service and IMS answers ----------------------------------------------------


class FlowServiceError(ActivationError):
    """An error answer (or no answer) from Flow Service or IMS.

    Keeps what an operator needs to chase it with Adobe: the HTTP status, Adobe's error code
    and the request id (``x-request-id``) of the failed call.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method and path else ""
        extras = ", ".join(
            f"{k}={v}"
            for k, v in (("status", status), ("code", code), ("requestId", request_id))
            if v is not None
        )
        super().__init__(f"{where}{message}" + (f" ({extras})" if extras else ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "status": self.status,
            "code": self.code,
            "requestId": self.request_id,
        }


class FlowServiceThrottled(FlowServiceError, TransientError):
    """429 Too Many Requests. ``retry_after`` holds Adobe's ``Retry-After`` seconds, if sent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class FlowServiceUnavailable(FlowServiceError, TransientError):
    """5xx, a timeout, a reset connection or an unreadable answer to a read.

    ``outcome_unknown``: the request may have reached Adobe and been applied although no
    usable answer came back (a timeout, a reset, a gateway 502/504, an unreadable 2xx).
    """

    outcome_unknown: bool = False


class PagingLimitExceeded(FlowServiceError):
    """A list kept offering a next page beyond the bound (aep_activation.budget.MAX_PAGES)."""


class EtagMismatch(FlowServiceError):
    """412: the flow changed since its etag was read. Handled by re-reading, not by retrying."""


class AuthenticationFailed(FlowServiceError):
    """401, or IMS refusing the client credentials."""


class PermissionDenied(FlowServiceError):
    """403: the credentials lack a permission, or the org/api key headers are wrong."""


class ResourceNotFound(FlowServiceError):
    """404: the id does not exist in this sandbox."""


class FlowServiceRejected(FlowServiceError):
    """400 or 422: Adobe refused the request as malformed or invalid."""


# --- Ad-hoc activation ("export now") refusals, named after what Adobe says --------------


class AdhocRunAlreadyRunning(FlowServiceError):
    """An ad-hoc run is already going on for an audience of the dataflow: wait for it."""


class AudienceNotExportable(FlowServiceError):
    """An audience is not part of the dataflow, or today is outside its schedule range."""


class FirstScheduledRunTooRecent(FlowServiceError):
    """An audience's first scheduled activation was less than an hour ago (or is to come)."""


# --- Workflow outcomes ------------------------------------------------------------------


class ResourceConflict(ActivationError):
    """A resource with the deterministic name exists but is not the one this request would make
    (another connection spec, base connection or flow spec): renaming is for a person to decide."""


class GuardrailExceeded(ActivationError):
    """The change would take a dataflow past one of Adobe's limits (named in the message)."""


class EtagConflictsExhausted(ActivationError):
    """The flow kept changing under us: every bounded re-read still met a 412."""


class DataflowNotConverged(ActivationError):
    """After activation, the flow still lacks requested audiences or attributes."""


class DeletionNotConfirmed(TransientError):
    """A deleted resource still reads back (Flow Service deletes asynchronously): read again."""


# --- One execution per activation at a time ---------------------------------------------


class ActivationLeaseHeld(ActivationError):
    """Another execution holds this activation's lease. The state machine waits and asks
    again (bounded); once its attempts are spent the execution fails with this name."""


class ActivationLeaseExpired(ActivationError):
    """The activation's lease has run out (or is about to): a step holding it may not start
    writing any more, since another execution of the activation may now take it. Not retried:
    the execution fails with this name; a new request picks the work up where it stopped."""


class ActivationLeaseUnavailable(TransientError):
    """The lease table did not answer (throttled, unreachable): worth asking again."""


def error_name(exc: BaseException) -> str:
    """The error name Step Functions matches on."""
    return type(exc).__name__


# --- Whose failure it is -------------------------------------------------------------------


class TeardownNotConfirmed(ActivationError):
    """A teardown's ``confirmDataflowId`` is not the id of the dataflow it would delete."""


REQUESTER_ERRORS = frozenset(
    {
        "InvalidActivationRequest",
        "RequestTooLarge",
        "RequestNestedTooDeeply",
        "UnknownDestination",
        "DestinationSpecMismatch",
        "TeardownNotConfirmed",
        "GuardrailExceeded",
        "ResourceConflict",
        "ResourceNotFound",
        "FlowServiceRejected",
        "AdhocRunAlreadyRunning",
        "AudienceNotExportable",
        "FirstScheduledRunTooRecent",
    }
)
"""Failures the requester can fix by changing or re-timing the request (a rule broken, an id
that does not exist, Adobe refusing the request as invalid). Anything else, from Adobe being
unreachable or refusing our credentials to a missing secret, a lease or a bug, needs the
people who run the stack."""


def failure_kind(error: str | None) -> str:
    """``"input"`` for a requester's error, ``"system"`` for any other (unknown names, AWS's
    own ``States.*`` and ``Lambda.*`` errors included): the dimension of ActivationsFailed."""
    return "input" if error in REQUESTER_ERRORS else "system"
