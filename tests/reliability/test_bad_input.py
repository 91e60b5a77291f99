"""In ``make test``, a slice of the invalid requests through the console
and EventBridge, all of them through SQS, the odd events and bodies, and a secret inlined in
the request; ``make reliability`` runs every file through every trigger and prints totals."""

from __future__ import annotations

import json

import pytest

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.reliability import bad_input
from tests.reliability.bad_input import FILES, BadRequest, load_cases
from tests.reliability.matrix import fresh_machine

CASES = load_cases()
# Every fifth case through the console and EventBridge here; all of them in make reliability.
SLICE = CASES[::5]


def test_at_least_60_invalid_requests_are_kept_as_files() -> None:
    assert len(list(FILES.glob("*.json"))) >= 60
    assert len(CASES) >= 60


def test_the_files_are_the_models_corpus(tmp_path: object) -> None:
    from tests.model.invalid_requests import INVALID_REQUESTS, valid_request

    by_id = {case.id: case for case in CASES}
    assert set(by_id) == {case.id for case in INVALID_REQUESTS}
    for case in INVALID_REQUESTS:
        kept = by_id[case.id]
        assert kept.request == json.loads(json.dumps(case.apply(valid_request()))), case.id
        assert kept.errors == case.expected, case.id


@pytest.mark.slow
@pytest.mark.parametrize("case", SLICE, ids=lambda case: case.id)
def test_console_and_eventbridge_refuse_it_by_name_before_any_call(
    adobe: Emulator, reliability_stack: LocalDeployment, case: BadRequest
) -> None:
    console = bad_input.console(fresh_machine(adobe, reliability_stack), case)
    event = bad_input.eventbridge(fresh_machine(adobe, reliability_stack), case)

    assert console.problems == []
    assert event.problems == []


@pytest.mark.slow
def test_sqs_dead_letters_each_with_its_error_and_runs_the_valid_message_of_its_batch(
    adobe: Emulator, reliability_stack: LocalDeployment
) -> None:
    outcomes = bad_input.sqs_batches(fresh_machine(adobe, reliability_stack), CASES)

    assert len(outcomes) == len(CASES) + len(bad_input.odd_bodies())
    assert [(o.case, o.problems) for o in outcomes if o.problems] == []


@pytest.mark.slow
def test_an_event_without_detail_or_with_a_string_detail_is_refused_by_name(
    adobe: Emulator, reliability_stack: LocalDeployment
) -> None:
    outcomes = bad_input.odd_events(fresh_machine(adobe, reliability_stack))

    assert [o.case for o in outcomes] == ["no detail", "string detail"]
    assert [(o.case, o.problems) for o in outcomes if o.problems] == []


@pytest.mark.slow
def test_a_secret_inlined_in_the_request_is_echoed_nowhere(
    adobe: Emulator, reliability_stack: LocalDeployment
) -> None:
    outcomes = bad_input.inlined_secret(fresh_machine(adobe, reliability_stack))

    assert [o.trigger for o in outcomes] == ["console", "eventbridge", "sqs"]
    assert [(o.trigger, o.problems) for o in outcomes if o.problems] == []
