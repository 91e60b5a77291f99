"""What each step receives from the state machine (the Task's ``Parameters``), as models.

Handlers parse their event with Powertools Parser against these; a malformed event is a bug
in the state machine or a hand-edited execution, and fails with the field that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aep_activation.errors import InvalidActivationRequest


@dataclass(frozen=True)
class LookedUp:
    """What ResolveSpecs' look-up found for this step's resource, before any step ran.

    ``id`` None: there was none then. On a first attempt the step creates it without finding
    again; on a retry (``retry``) it finds first, as its earlier create may have landed.
    """

    id: str | None
    retry: bool


class StepInput(BaseModel):
    # defer_build: each handler parses one of these models; the others are never built.
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True, defer_build=True)

    request: dict[str, Any]
    execution: str | None = None
    # What ResolveSpecs' look-up found (resource ids by kind) and this attempt's retry count.
    existing: dict[str, str | None] | None = None
    retry_count: int = Field(default=0, alias="retryCount", ge=0)

    def looked_up(self, kind: str) -> LookedUp | None:
        """The look-up's answer for ``kind``; None when the state machine passed none."""
        if self.existing is None or kind not in self.existing:
            return None
        return LookedUp(id=self.existing[kind], retry=self.retry_count > 0)


class ConnectionStepInput(StepInput):
    base_connection_id: str = Field(alias="baseConnectionId", min_length=1)


class MappingSetStepInput(StepInput):
    """``data_prep``: ResolveSpecs' answer to whether the card takes its attributes from a
    Data Prep mapping set (the new cards do; the legacy ones have none to make)."""

    data_prep: bool = Field(alias="dataPrep")


class DestinationStepInput(StepInput):
    specs: dict[str, Any]


class TargetConnectionStepInput(DestinationStepInput):
    base_connection_id: str = Field(alias="baseConnectionId", min_length=1)


class DataflowStepInput(DestinationStepInput):
    connections: dict[str, Any]


class SnapshotStepInput(StepInput):
    dataflow: dict[str, Any]


class ActivateStepInput(SnapshotStepInput):
    """``dataflow``: EnsureDataflow's answer (``created`` when it made the flow), or just the
    ``id`` of the flow the request names."""

    mapping_set: dict[str, Any] | None = Field(default=None, alias="mappingSet")
    """New cards: the EnsureMappingSet step's version (None on a request naming its flow)."""

    @property
    def created_etag(self) -> str | None:
        """The etag EnsureDataflow's create answered with, when that create is all that
        happened to the flow as far as this execution knows: a first attempt (every retry,
        after a 412 or anything else, reads the flow afresh)."""
        if self.retry_count or self.dataflow.get("created") is not True:
            return None
        etag = self.dataflow.get("etag")
        return etag if isinstance(etag, str) else None


class ValidateStepInput(SnapshotStepInput):
    activation: dict[str, Any] | None = None

    @property
    def confirmed_mapping_set(self) -> dict[str, Any] | None:
        """The mapping set version ActivateAudiences attached (new cards), found to map the
        request's mappings."""
        mapping = (self.activation or {}).get("mappingSet")
        return mapping if isinstance(mapping, dict) else None


class ResultInput(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    status: Literal["SUCCEEDED", "FAILED"]
    execution: str
    state: dict[str, Any]
    # $$.State.EnteredTime: the registry item's updatedAt, the same on every retry.
    entered_time: str | None = Field(default=None, alias="enteredTime")


class RunWatchStepInput(StepInput):
    dataflow_id: str = Field(alias="dataflowId", min_length=1)
    polls: int = Field(ge=0)
    timeout_minutes: int = Field(alias="timeoutMinutes", ge=1)
    run_ids: list[str] | None = Field(default=None, alias="runIds")  # None: the first run
    waited_seconds: int = Field(default=0, alias="waitedSeconds", ge=0)


InputModel = TypeVar("InputModel", bound=BaseModel)
StepInputModel = TypeVar("StepInputModel", bound=StepInput)


def parse_step_input(event: dict[str, Any], model: type[InputModel]) -> InputModel:
    """The event as ``model``. Validated by pydantic directly, as Powertools' ``parse`` would:
    importing Powertools Parser loads every event model it ships (~0.2 s of cold start)."""
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidActivationRequest(
            [
                {"path": ".".join(str(p) for p in err["loc"]) or "(event)", "message": err["msg"]}
                for err in exc.errors(include_input=False)
            ]
        ) from None
