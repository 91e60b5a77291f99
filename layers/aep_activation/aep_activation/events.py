"""What each step receives from the state machine (the Task's ``Parameters``), as models.

Handlers parse their event with Powertools Parser against these; a malformed event is a bug
in the state machine or a hand-edited execution, and fails with the field that is wrong.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aep_activation.steps.teardown import TeardownStep


class StepEvent(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    request: dict[str, Any]
    execution: str | None = None


class LeaseStepEvent(StepEvent):
    action: Literal["acquire", "release"]
    execution: str = Field(min_length=1)


class ConnectionStepEvent(StepEvent):
    base_connection_id: str = Field(alias="baseConnectionId", min_length=1)


class DestinationStepEvent(StepEvent):
    specs: dict[str, Any]


class TargetConnectionStepEvent(DestinationStepEvent):
    base_connection_id: str = Field(alias="baseConnectionId", min_length=1)


class DataflowStepEvent(DestinationStepEvent):
    connections: dict[str, Any]


class ReadDataflowEvent(StepEvent):
    dataflow_id: str = Field(alias="dataflowId", min_length=1)


class SnapshotStepEvent(StepEvent):
    dataflow: dict[str, Any]


class ResultEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: str = Field(pattern="^(SUCCEEDED|FAILED)$")
    execution: str
    state: dict[str, Any]


class TeardownStepEvent(StepEvent):
    step: TeardownStep
    teardown: dict[str, Any] | None = None


class FirstRunStepEvent(StepEvent):
    dataflow_id: str = Field(alias="dataflowId", min_length=1)
    polls: int = Field(ge=0)
