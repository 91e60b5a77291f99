"""Bad input through every trigger: console, EventBridge and SQS, on the real state machine.

The invalid requests are files under ``tests/reliability/invalid_requests/`` (one per case of
the model's corpus, :mod:`tests.model.invalid_requests`; ``python -m
tests.reliability.bad_input --write`` writes them again after the corpus changes, and a test
keeps both in step). Each names the errors it must produce: a field path and a phrase of the
rule.

- Console and EventBridge: the execution FAILED at ValidateRequest, its cause names every
  expected path and rule, the emulator saw no call at all (neither Flow Service nor IMS), one
  ActivationFailed event names ValidateRequest, and the event started one execution only.
- SQS: invalid messages travel in batches with one valid message each; every invalid one ends
  in the dead-letter queue with ``errorName`` and an ``errorMessage`` naming its paths, no
  execution starts for it, and the valid one of the batch runs to SUCCEEDED (partial batch
  response). Also bodies that are not JSON, a JSON array, a number and one over 256 KB.
- EventBridge without ``detail`` and with a string ``detail``: named errors, nothing started
  twice.
- A secret inlined by mistake in ``destination.auth`` is echoed by no output, log line, result
  event or dead-letter attribute (the caller's own copy of the request, as it was given, is
  not an echo).
"""

from __future__ import annotations

import json
import secrets
import string
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.stepfunctions.parser.asl.utils.json_path import extract_json

from local.emulator import Emulator
from local.runtime import ExecutionResult, LocalDeployment
from tests.reliability.matrix import fresh_machine
from tests.statemachine.harness import Machine, example

FILES = Path(__file__).resolve().parent / "invalid_requests"
REQUEST_SOURCE = "aep.activation"
REQUEST_DETAIL_TYPE = "ActivationRequested"
SQS_BATCH = 10  # the template's BatchSize: nine invalid messages and one valid per batch
TRIGGERS = ("console", "eventbridge", "sqs")


@dataclass(frozen=True)
class BadRequest:
    id: str
    request: Any
    errors: tuple[tuple[str, str], ...]
    """(exact field path, phrase of the rule's message) for every error it must produce."""


def write_files() -> int:
    """(Re)write one file per case of the model's corpus; returns how many."""
    from tests.model.invalid_requests import INVALID_REQUESTS, valid_request

    FILES.mkdir(exist_ok=True)
    for old in FILES.glob("*.json"):
        old.unlink()
    for case in INVALID_REQUESTS:
        document = {
            "id": case.id,
            "request": case.apply(valid_request()),
            "errors": [{"path": path, "rule": phrase} for path, phrase in case.expected],
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        (FILES / f"{case.id}.json").write_text(text, encoding="utf-8")
    return len(INVALID_REQUESTS)


def load_cases() -> list[BadRequest]:
    cases = []
    for path in sorted(FILES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        errors = tuple((e["path"], e["rule"]) for e in document["errors"])
        cases.append(BadRequest(document["id"], document["request"], errors))
    return cases


# ------------------------------------------------------------------------------ outcomes


@dataclass
class Outcome:
    trigger: str
    case: str
    problems: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and all(o.holds for o in self.outcomes)

    def lines(self) -> list[str]:
        lines = [f"{'trigger':<12} {'runs':>5} {'held':>5}"]
        for trigger in sorted({o.trigger for o in self.outcomes}):
            mine = [o for o in self.outcomes if o.trigger == trigger]
            lines.append(f"{trigger:<12} {len(mine):>5} {sum(o.holds for o in mine):>5}")
        held = sum(o.holds for o in self.outcomes)
        lines.append(f"{'total':<12} {len(self.outcomes):>5} {held:>5}")
        for outcome in self.outcomes:
            if not outcome.holds:
                lines.append(f"  FAILS {outcome.trigger} {outcome.case}: {outcome.problems}")
        return lines


# ------------------------------------------------------------------------------ console, events


def names(message: str, path: str, rule: str) -> bool:
    """Whether ``message`` names the field ``path`` ("path: ...") with the rule right after."""
    start = message.find(f"{path}: ")
    while start != -1:
        if message.find(rule, start) - start in range(len(path) + 2, len(path) + 2 + 200):
            return True
        start = message.find(f"{path}: ", start + 1)
    return False


def _expect_validation_failure(
    machine: Machine, result: ExecutionResult, errors: Iterable[tuple[str, str]]
) -> list[str]:
    problems = []
    if (result.status, result.error) != ("FAILED", "InvalidActivationRequest"):
        problems.append(f"{result.status} {result.error}, expected FAILED InvalidActivationRequest")
    events = machine.result_events(result.arn)
    if len(events) != 1 or events[0]["detail-type"] != "ActivationFailed":
        problems.append(f"result events {[e['detail-type'] for e in events]}")
        return problems
    failure = events[0]["detail"]["failure"]
    if (failure.get("state"), failure.get("error")) != (
        "ValidateRequest",
        "InvalidActivationRequest",
    ):
        problems.append(f"failure event names {failure.get('state')} {failure.get('error')}")
    message = str(failure.get("message"))
    for path, rule in errors:
        if not names(message, path, rule):
            problems.append(f"no '{path}: ...{rule}...' in {message[:300]!r}")
    if [visit.attempts for visit in result.visits_of("ValidateRequest")] != [1]:
        problems.append("ValidateRequest was retried")
    if machine.emulator.requests:
        problems.append(f"{len(machine.emulator.requests)} Adobe calls before the refusal")
    return problems


def console(machine: Machine, case: BadRequest) -> Outcome:
    result = machine.run(case.request)
    return Outcome("console", case.id, _expect_validation_failure(machine, result, case.errors))


def eventbridge(machine: Machine, case: BadRequest) -> Outcome:
    started = machine.stack.send_event(
        case.request, source=REQUEST_SOURCE, detail_type=REQUEST_DETAIL_TYPE
    )
    outcome = Outcome("eventbridge", case.id)
    if len(started) != 1:
        outcome.problems.append(f"{len(started)} executions started, expected 1")
        return outcome
    result = machine.wait(started[0])
    outcome.problems += _expect_validation_failure(machine, result, case.errors)
    if machine.stack.deliver_events() or machine.new_executions() != [result.arn]:
        outcome.problems.append("the event started more than one execution")
    return outcome


def odd_events(machine: Machine) -> list[Outcome]:
    """An event without ``detail``, and one whose ``detail`` is a string.

    EventBridge refuses the first (``InvalidArgument``). moto 5.2.5 cannot carry the second as
    AWS would: it decodes a string holding JSON into an object, and fails on any other string.
    So the string is handed to the state machine exactly as the template's rule would hand it
    (its ``InputPath`` applied to the event): what our code must refuse by name.
    """
    stack = machine.stack
    outcomes = []
    no_detail = Outcome("eventbridge", "no detail")
    answer = stack.events.put_events(
        Entries=[
            {
                "Source": REQUEST_SOURCE,
                "DetailType": REQUEST_DETAIL_TYPE,
                "EventBusName": stack.physical("AudienceRequestBus"),
            }
        ]
    )
    refused = answer["Entries"][0].get("ErrorCode")
    if not refused:
        no_detail.problems.append("PutEvents accepted an event without detail")
    if stack.deliver_events() or machine.new_executions():
        no_detail.problems.append("an execution started")
    outcomes.append(no_detail)

    string_detail = Outcome("eventbridge", "string detail")
    (rule,) = stack.template.event_rules
    event = {"source": REQUEST_SOURCE, "detail-type": REQUEST_DETAIL_TYPE, "detail": "activate it"}
    handed_over = extract_json(rule.input_path, event) if rule.input_path else event
    result = machine.wait(stack.start_execution(handed_over))
    if (result.status, result.error) != ("FAILED", "InvalidActivationRequest"):
        string_detail.problems.append(f"{result.status} {result.error}")
    if "request: Input should be a valid dictionary" not in (result.cause or ""):
        string_detail.problems.append(f"the cause does not say what is wrong: {result.cause}")
    if stack.deliver_events() or machine.new_executions() != [result.arn]:
        string_detail.problems.append("more than one execution started")
    outcomes.append(string_detail)
    for outcome in outcomes:
        if machine.emulator.requests:
            outcome.problems.append("Adobe was called")
    return outcomes


# ------------------------------------------------------------------------------ SQS


def odd_bodies() -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(name, body, the errors its errorMessage must name)."""
    big = example("amazon-s3")
    big["audiences"][0]["description"] = "x" * (300 * 1024)
    return [
        ("body not JSON", '{"name": "half a request', (("(root)", "is not valid JSON"),)),
        ("body a JSON array", json.dumps([example("amazon-s3")]), (("(root)", "JSON object"),)),
        ("body a number", "42", (("(root)", "JSON object"),)),
        ("body over 256 KB", json.dumps(big), (("audiences.0.description", "at most 1024"),)),
    ]


def sqs_batches(machine: Machine, cases: Sequence[BadRequest]) -> list[Outcome]:
    """Send the invalid messages nine to a batch with one valid message, drain, judge."""
    stack = machine.stack
    items: list[tuple[str, str, Sequence[tuple[str, str]]]] = [
        (c.id, json.dumps(c.request), c.errors) for c in cases
    ] + odd_bodies()
    outcomes = []
    for start in range(0, len(items), SQS_BATCH - 1):
        chunk = items[start : start + SQS_BATCH - 1]
        sent = {stack.send_sqs(body): (name, errors) for name, body, errors in chunk}
        valid_id = stack.send_sqs(example("amazon-s3"))
        drained = stack.drain_queue()
        dead = {m.attributes.get("sourceMessageId"): m for m in machine.dead_letters()}
        batch_problem = None
        if [b.failed_ids for b in drained.batches] != [()] * len(drained.batches):
            batch_problem = f"batch item failures {[b.failed_ids for b in drained.batches]}"
        valid_ran = _valid_message_ran(machine, drained.executions, valid_id in dead)
        for message_id, (name, errors) in sent.items():
            outcome = Outcome("sqs", name)
            if batch_problem:
                outcome.problems.append(batch_problem)
            if valid_ran:
                outcome.problems.append(valid_ran)
            letter = dead.get(message_id)
            if letter is None:
                outcome.problems.append("not in the dead-letter queue")
            else:
                if letter.attributes.get("errorName") != "InvalidActivationRequest":
                    outcome.problems.append(f"errorName {letter.attributes.get('errorName')}")
                said = letter.attributes.get("errorMessage", "")
                for path, rule in errors:
                    if not names(said, path, rule):
                        outcome.problems.append(f"no '{path}: ...{rule}...' in {said[:200]!r}")
            outcomes.append(outcome)
        _empty_dead_letters(machine)
    return outcomes


def _valid_message_ran(machine: Machine, executions: Sequence[str], dead: bool) -> str | None:
    if dead:
        return "the valid message of the batch was dead-lettered"
    if len(executions) != 1:
        return f"{len(executions)} executions started for the batch, expected 1 (the valid one)"
    result = machine.wait(executions[0])
    if result.status != "SUCCEEDED":
        return f"the valid message's execution {result.status}: {result.error}"
    return None


def _empty_dead_letters(machine: Machine) -> None:
    sqs = machine.stack.sqs
    url = machine.stack.physical("RejectedRequestQueue")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


# ------------------------------------------------------------------------------ inlined secret

_SECRET_CHARS = string.ascii_letters + string.digits + "/+"


def inlined_secret(machine: Machine) -> list[Outcome]:
    """A request carrying an S3 secret key inside destination.auth, through all three triggers:
    refused, and the value echoed nowhere."""
    secret = "".join(secrets.choice(_SECRET_CHARS) for _ in range(40))
    access = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
    request = example("amazon-s3")
    request["destination"]["auth"].update({"s3SecretKey": secret, "s3AccessKey": access})
    expected = [("destination.auth.s3SecretKey", "credentials must not be in the request")]
    outcomes = []
    log_mark = len(machine.stack.captured_logs)
    console_result = machine.run(request)
    started = machine.stack.send_event(
        request, source=REQUEST_SOURCE, detail_type=REQUEST_DETAIL_TYPE
    )
    results = {"console": console_result}
    if len(started) == 1:
        results["eventbridge"] = machine.wait(started[0])
    for trigger, result in results.items():
        outcome = Outcome(trigger, "secret inlined in destination.auth")
        outcome.problems += _expect_validation_failure(machine, result, expected)
        texts = {
            "output, error, cause": json.dumps([result.output, result.error, result.cause]),
            "history (the request as given left out)": json.dumps(
                _history_without_the_request(result, request), default=str
            ),
            "result events": json.dumps(machine.result_events(result.arn)),
        }
        outcome.problems += _echoes((secret, access), texts)
        if secret not in json.dumps(list(result.events), default=str):
            outcome.problems.append("the request as given is not in the history: scan is blind")
        outcomes.append(outcome)
    if len(started) != 1:
        outcomes[-1].problems.append(f"the event started {len(started)} executions")
    message_id = machine.stack.send_sqs(request)
    drained = machine.stack.drain_queue()
    sqs = Outcome("sqs", "secret inlined in destination.auth")
    dead = {m.attributes.get("sourceMessageId"): m for m in machine.dead_letters()}
    if drained.executions or message_id not in dead:
        sqs.problems.append("the message was not dead-lettered before any execution")
    else:
        attributes = {k: v for k, v in dead[message_id].attributes.items()}
        sqs.problems += _echoes(
            (secret, access), {"dead-letter attributes": json.dumps(attributes)}
        )
    _empty_dead_letters(machine)
    outcomes.append(sqs)
    logs = "\n".join(line.text for line in machine.stack.captured_logs[log_mark:])
    if "InvalidActivationRequest" not in logs:
        outcomes[0].problems.append("the handlers logged nothing: the log scan is blind")
    for outcome in outcomes:
        outcome.problems += _echoes((secret, access), {"log lines": logs})
    return outcomes


def _history_without_the_request(result: ExecutionResult, request: Any) -> list[Any]:
    """Every history event, with each copy of the request exactly as the caller gave it
    taken out: what is left is what the workflow itself wrote."""

    def strip(value: Any) -> Any:
        if value == request:
            return "<the request as given>"
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, str) and value[:1] in "{[":
            try:
                return strip(json.loads(value))
            except ValueError:
                return value
        return value

    return [strip(event) for event in result.events]


def _echoes(values: Iterable[str], texts: dict[str, str]) -> list[str]:
    return [
        f"{where} echoes the inlined secret {value[:4]}…"
        for where, text in texts.items()
        for value in values
        if value in text
    ]


# ------------------------------------------------------------------------------ all of it


def run_all(
    emulator: Emulator,
    stack: LocalDeployment,
    cases: Sequence[BadRequest] | None = None,
    progress: Callable[[Outcome], None] | None = None,
) -> Report:
    cases = load_cases() if cases is None else cases
    report = Report()

    def add(outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            report.outcomes.append(outcome)
            if progress is not None:
                progress(outcome)

    for case in cases:
        add([console(fresh_machine(emulator, stack), case)])
        add([eventbridge(fresh_machine(emulator, stack), case)])
    add(odd_events(fresh_machine(emulator, stack)))
    add(sqs_batches(fresh_machine(emulator, stack), cases))
    add(inlined_secret(fresh_machine(emulator, stack)))
    return report


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        print(f"wrote {write_files()} files to {FILES}")
    else:
        sys.exit("usage: python -m tests.reliability.bad_input --write")
