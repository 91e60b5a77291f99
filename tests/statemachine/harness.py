"""One test's view of the shared LocalDeployment and emulator: run, then look at what happened.

The LocalDeployment is deployed once for the package (it takes seconds); a :class:`Machine` is made
per test after the emulator was reset, and everything it reports (log lines, result events,
executions, requests) is limited to what happened since then.
"""

from __future__ import annotations

import copy
import datetime
import fnmatch
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from local.emulator import Emulator, RecordedRequest
from local.runtime import ExecutionResult, LocalDeployment
from tests.support.flows import (
    flow_attributes,
    flow_audiences,
    flow_mandatory_fields,
    flow_primary_fields,
    general_params,
)

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = REPOSITORY / "examples"
RESULT_SOURCE = "aep.activation"
PROFILE_STORE_SPEC_ID = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
FLOW_SERVICE_BASE = "/data/foundation/flowservice"
IMS_TOKEN_PATH = "/ims/token/v3"
RESOLVED_MAPPING_SET = "__mappingSet"  # test-only key Machine.only_flow adds to new-card flows
# Names of the resource kinds a run makes, as the census counts them.
ONE_OF_EACH = {
    "profileBaseConnections": 1,
    "destinationBaseConnections": 1,
    "sourceConnections": 1,
    "targetConnections": 1,
    "flows": 1,
}
EXECUTION_TIMEOUT = 120.0


@cache
def _example_text(name: str) -> str:
    return (EXAMPLES / f"{name}.json").read_text(encoding="utf-8")


def example(name: str) -> dict[str, Any]:
    """A fresh copy of ``examples/<name>.json`` (tests may change it)."""
    return dict(json.loads(_example_text(name)))


def example_names() -> list[str]:
    return sorted(path.stem for path in EXAMPLES.glob("*.json"))


class Machine:
    def __init__(self, emulator: Emulator, stack: LocalDeployment) -> None:
        self.emulator = emulator
        self.stack = stack
        self._log_mark = len(stack.captured_logs)
        self._executions_before = set(self.all_executions())

    # ---------------------------------------------------------------- running

    def start(self, request: Any, name: str | None = None) -> str:
        return self.stack.start_execution(request, name)

    def wait(self, execution_arn: str) -> ExecutionResult:
        return self.stack.wait(execution_arn, timeout=EXECUTION_TIMEOUT, poll=0.05)

    def run(self, request: Any, name: str | None = None) -> ExecutionResult:
        return self.wait(self.start(request, name))

    def forget_shared_token(self) -> None:
        """Empty the stack's shared IMS token secret, as on a first deployment."""
        names = {
            self.stack.function_environment(function).get("IMS_TOKEN_CACHE_SECRET")
            for function in self.stack.template.functions
        } - {None}
        for name in names:
            self.stack.secretsmanager.put_secret_value(SecretId=str(name), SecretString="{}")

    def cold(self) -> None:
        """New containers and no token anywhere: the first step to call Adobe fetches one."""
        self.stack.cold_start()
        self.forget_shared_token()

    # ---------------------------------------------------------------- AWS side

    def all_executions(self) -> list[str]:
        paginator = self.stack.stepfunctions.get_paginator("list_executions")
        return [
            execution["executionArn"]
            for page in paginator.paginate(stateMachineArn=self.stack.state_machine_arn())
            for execution in page["executions"]
        ]

    def new_executions(self) -> list[str]:
        """Executions started since this test began."""
        return [arn for arn in self.all_executions() if arn not in self._executions_before]

    def result_events(self, execution_arn: str | None = None) -> list[dict[str, Any]]:
        """Result events put on the bus (read back through a rule), of one execution or all
        of this test's."""
        mine = set(self.new_executions()) if execution_arn is None else {execution_arn}
        return [
            event
            for event in self.stack.published_events()
            if event.get("source") == RESULT_SOURCE
            and isinstance(event.get("detail"), dict)
            and event["detail"].get("execution") in mine
        ]

    def log_lines(self) -> list[str]:
        return [line.text for line in self.stack.captured_logs[self._log_mark :]]

    def dead_letters(self) -> list[Any]:
        return self.stack.queue_messages("RejectedRequestQueue")

    # ---------------------------------------------------------------- Adobe side

    def calls(self, method: str = "*", path: str = "*") -> list[RecordedRequest]:
        """Recorded requests matching a method and a glob over the path relative to the
        Flow Service base (IMS keeps its full path)."""
        return [
            r
            for r in self.emulator.requests
            if method in ("*", r.method) and fnmatch.fnmatchcase(r.relative_path, path)
        ]

    def flow_service_calls(self) -> list[RecordedRequest]:
        return [r for r in self.emulator.requests if r.path.startswith(FLOW_SERVICE_BASE)]

    def sandboxes_addressed(self) -> set[str]:
        return {(r.header("x-sandbox-name") or "prod") for r in self.flow_service_calls()} | {
            "prod"
        }

    def census(self) -> dict[str, dict[str, int]]:
        """Resources per sandbox and kind, in every sandbox any call addressed; sandboxes
        holding nothing are left out."""
        counts = {}
        for sandbox in sorted(self.sandboxes_addressed()):
            connections = self.emulator.list_resources("connections", sandbox)
            profile = [c for c in connections if _spec_id(c) == PROFILE_STORE_SPEC_ID]
            here = {
                "profileBaseConnections": len(profile),
                "destinationBaseConnections": len(connections) - len(profile),
                "sourceConnections": len(
                    self.emulator.list_resources("sourceConnections", sandbox)
                ),
                "targetConnections": len(
                    self.emulator.list_resources("targetConnections", sandbox)
                ),
                "flows": len(self.emulator.list_resources("flows", sandbox)),
            }
            if any(here.values()):
                counts[sandbox] = here
        return counts

    def resource_ids(self, sandbox: str = "prod") -> dict[str, str]:
        """The ids of the one resource of each kind (fails if there is not exactly one)."""
        (flow,) = self.emulator.list_resources("flows", sandbox)
        return {**self.resource_ids_without_flow(sandbox), "dataflowId": flow["id"]}

    def resource_ids_without_flow(self, sandbox: str = "prod") -> dict[str, str]:
        """The ids of the one connection of each kind (fails if there is not exactly one)."""
        connections = self.emulator.list_resources("connections", sandbox)
        (profile,) = [c for c in connections if _spec_id(c) == PROFILE_STORE_SPEC_ID]
        (destination,) = [c for c in connections if _spec_id(c) != PROFILE_STORE_SPEC_ID]
        (source,) = self.emulator.list_resources("sourceConnections", sandbox)
        (target,) = self.emulator.list_resources("targetConnections", sandbox)
        return {
            "profileBaseConnectionId": profile["id"],
            "sourceConnectionId": source["id"],
            "destinationBaseConnectionId": destination["id"],
            "targetConnectionId": target["id"],
        }

    def only_flow(self, sandbox: str = "prod") -> dict[str, Any]:
        """The one flow of the sandbox; a new-card flow comes with the mapping set version
        its ``profileMapping`` names, under ``RESOLVED_MAPPING_SET`` (for assert_flow_holds)."""
        (flow,) = self.emulator.list_resources("flows", sandbox)
        reference = general_params(flow).get("profileMapping")
        if isinstance(reference, dict) and reference.get("mappingId"):
            flow[RESOLVED_MAPPING_SET] = self.mapping_set(
                reference["mappingId"], reference["mappingVersion"], sandbox
            )
        return flow

    def mapping_set(self, mapping_id: str, version: int, sandbox: str = "prod") -> dict[str, Any]:
        """One version of a mapping set as the emulator stores it."""
        (stored,) = [
            m for m in self.emulator.list_resources("mappingSets", sandbox) if m["id"] == mapping_id
        ]
        (found,) = [v for v in stored["_versions"] if v["version"] == version]
        return dict(found)


def _spec_id(resource: Mapping[str, Any]) -> str | None:
    spec = resource.get("connectionSpec") or {}
    return spec.get("id") if isinstance(spec, dict) else None


# -------------------------------------------------------------------- what a flow holds


def assert_flow_holds(flow: Mapping[str, Any], request: Mapping[str, Any]) -> None:
    """Every requested audience exactly once with the requested export settings, and every
    requested attribute exactly once (mandatory and deduplication fields included)."""
    stored = flow_audiences(flow)
    ids = [audience["id"] for audience in stored]
    for wanted in request["audiences"]:
        assert ids.count(wanted["id"]) == 1, (wanted["id"], ids)
        (value,) = [a for a in stored if a["id"] == wanted["id"]]
        for key in ("name", "exportMode", "filenameTemplate"):
            assert value.get(key) == wanted[key], (wanted["id"], key, value.get(key))
        wanted_schedule = {k: v for k, v in wanted["schedule"].items() if v is not None}
        stored_schedule = {k: v for k, v in (value.get("schedule") or {}).items() if v is not None}
        assert stored_schedule == wanted_schedule, (wanted["id"], stored_schedule)
    if "profileMapping" in general_params(flow):
        assert_mapping_holds(flow, request)
        return
    attributes = flow_attributes(flow)
    for path in request["profileAttributes"]:
        assert attributes.count(path) == 1, (path, attributes)
    assert set(request.get("mandatoryFields") or []) <= set(flow_mandatory_fields(flow))
    assert set(request.get("deduplicationKeys") or []) <= set(flow_primary_fields(flow))


def assert_mapping_holds(flow: Mapping[str, Any], request: Mapping[str, Any]) -> None:
    """A new-card flow: no profile selectors; its mapping set maps exactly the request's
    attributes and identity to columns without dots (Adobe: a mapping destination "does not
    accept dots"; each dot becomes '_'), an identity read from ``identityMap`` with a dot in
    its namespace escaped as ``//.``; its mandatory/primary fields name those columns."""
    params = general_params(flow)
    assert "profileSelectors" not in params, params
    mapping = flow.get(RESOLVED_MAPPING_SET)
    assert mapping is not None, "no mapping set attached (or flow not read by Machine.only_flow)"
    identity = request.get("identityNamespace")
    pairs = [(m["source"], m["destination"]) for m in mapping["mappings"]]
    expected = [(path, path.replace(".", "_")) for path in request["profileAttributes"]]
    if identity is not None:
        expected.append(("identityMap." + identity.replace(".", "//."), identity.replace(".", "_")))
    assert pairs == expected, (pairs, expected)
    assert params["mandatoryFields"] == [
        name.replace(".", "_") for name in request.get("mandatoryFields") or []
    ]
    primary = [
        {"identityNamespace": key, "fieldType": "IDENTITY"}
        if key == identity
        else {"fieldType": "ATTRIBUTE", "attributePath": key.replace(".", "_")}
        for key in request.get("deduplicationKeys") or []
    ]
    assert params["primaryFields"] == primary, params["primaryFields"]


def daily_audience(audience_id: str, name: str) -> dict[str, Any]:
    """A request audience exported in full daily after segment evaluation."""
    return {
        "id": audience_id,
        "name": name,
        "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%",
        "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {
            "frequency": "DAILY",
            "triggerType": "AFTER_SEGMENT_EVAL",
            "startDate": "2030-06-01",
        },
    }


def with_dataflow(request: Mapping[str, Any], dataflow_id: str) -> dict[str, Any]:
    changed = copy.deepcopy(dict(request))
    changed["dataflowId"] = dataflow_id
    return changed


def lease_items(leases: tuple[Any, str]) -> list[dict[str, Any]]:
    """Every item of the lease table (the ``leases`` fixture's client and table name)."""
    client, table = leases
    return list(client.scan(TableName=table)["Items"])


def scheduled_daily_from(request: dict[str, Any], start: datetime.datetime) -> dict[str, Any]:
    """``request`` with every audience a full export, daily from the first whole hour at or
    after ``start`` (UTC): Adobe takes a startTime with minutes 00 only."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    start = hour if hour == start else hour + datetime.timedelta(hours=1)
    for audience in request["audiences"]:
        audience["exportMode"] = "DAILY_FULL_EXPORT"
        audience["schedule"] = {
            "frequency": "DAILY",
            "triggerType": "SCHEDULED",
            "startDate": start.date().isoformat(),
            "startTime": start.strftime("%H:%M"),
        }
    return request


def transitions(result: ExecutionResult, states: set[str] | None = None) -> int:
    """State transitions as Step Functions bills them: each state entered, and each retry of
    it (of ``states`` only, when given)."""
    return sum(
        1 + visit.retries for visit in result.visits if states is None or visit.name in states
    )


def lambda_calls(result: ExecutionResult) -> int:
    """Lambda invocations the execution made (every attempt; native integrations call none)."""
    return sum(1 for event in result.events if event["type"] == "LambdaFunctionScheduled")
