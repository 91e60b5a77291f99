"""Rules at their boundaries, errors reported together, secrets kept out of messages."""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from datetime import date, timedelta
from typing import Any

import pytest

from aep_activation import fields
from aep_activation.errors import InvalidActivationRequest
from aep_activation.limits import MAX_AUDIENCES, MAX_PROFILE_ATTRIBUTES
from aep_activation.request import ActivationRequest, parse_activation_request
from tests.support.corpus import TODAY, refusals


def _paths(data: Any, today: date = TODAY) -> list[str]:
    return [error["path"] for error in refusals(data, today)]


def _audiences(count: int, template: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**template, "id": str(uuid.UUID(int=index + 1))} for index in range(count)]


# --- guardrails at their limits ----------------------------------------------------------


def test_250_audiences_are_accepted(body: dict[str, Any]) -> None:
    body["audiences"] = _audiences(MAX_AUDIENCES, body["audiences"][0])
    request = parse_activation_request(body, today=TODAY)
    assert len(request.audiences) == 250


def test_251_audiences_are_rejected(body: dict[str, Any]) -> None:
    body["audiences"] = _audiences(MAX_AUDIENCES + 1, body["audiences"][0])
    errors = refusals(body)
    assert errors == [
        {
            "path": "audiences",
            "message": "lists 251 audiences; Adobe allows at most 250 per dataflow "
            "(Adobe's soft limit audiencesPerDataflow; if Adobe raised it for your "
            "organization, add 'audiencesPerDataflow' to overrideSoftLimits)",
        }
    ]


def test_251_audiences_pass_when_the_request_overrides_the_soft_limit(
    body: dict[str, Any],
) -> None:
    body["audiences"] = _audiences(MAX_AUDIENCES + 1, body["audiences"][0])
    body["overrideSoftLimits"] = ["audiencesPerDataflow"]
    request = parse_activation_request(body, today=TODAY)
    assert len(request.audiences) == 251


def test_overriding_one_soft_limit_leaves_the_other(body: dict[str, Any]) -> None:
    body["profileAttributes"] = [f"_acme.field{index}" for index in range(51)]
    body["overrideSoftLimits"] = ["audiencesPerDataflow"]
    errors = refusals(body)
    assert [error["path"] for error in errors] == ["profileAttributes"]
    assert "mappedAttributesPerDataflow" in errors[0]["message"]


def test_only_known_soft_limits_can_be_overridden(body: dict[str, Any]) -> None:
    body["overrideSoftLimits"] = ["destinationsPerSandbox"]
    assert [error["path"] for error in refusals(body)] == ["overrideSoftLimits.0"]


def test_50_profile_attributes_are_accepted(body: dict[str, Any]) -> None:
    body["profileAttributes"] = [f"_acme.field{index}" for index in range(49)]
    body["profileAttributes"].append("personalEmail.address")
    request = parse_activation_request(body, today=TODAY)
    assert len(request.profile_attributes) == MAX_PROFILE_ATTRIBUTES


def test_51_profile_attributes_are_rejected(body: dict[str, Any]) -> None:
    body["profileAttributes"] = [f"_acme.field{index}" for index in range(50)]
    body["profileAttributes"].append("personalEmail.address")
    errors = refusals(body)
    assert [error["path"] for error in errors] == ["profileAttributes"]
    assert "at most 50 mapped attributes" in errors[0]["message"]


def test_the_audience_count_is_checked_even_when_audiences_are_invalid(
    body: dict[str, Any],
) -> None:
    body["audiences"] = _audiences(MAX_AUDIENCES + 1, {"id": "x"})
    assert _paths(body) == ["audiences"]


@pytest.mark.parametrize(("length", "valid"), [(1, True), (64, True), (65, False)])
def test_the_name_is_1_to_64_characters(body: dict[str, Any], length: int, valid: bool) -> None:
    body["name"] = "n" * length
    if valid:
        assert parse_activation_request(body, today=TODAY).name == "n" * length
    else:
        assert _paths(body) == ["name"]


def test_the_name_may_hold_spaces_dots_and_hyphens_inside(body: dict[str, Any]) -> None:
    body["name"] = "Summer sale 2030_v1.2-s3"
    assert parse_activation_request(body, today=TODAY).name == "Summer sale 2030_v1.2-s3"


@pytest.mark.parametrize(
    ("secret_id", "valid"),
    [
        ("a" * 512, True),
        ("a" * 513, False),
        ("aep/destinations/s3_+=.@-", True),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:aep/destinations/s3-AbCdEf", True),
        ("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:s3", True),
        ("arn:aws:ssm:eu-west-1:123456789012:parameter/s3", False),
        ("", False),
    ],
)
def test_secret_ids_are_names_or_arns(body: dict[str, Any], secret_id: str, valid: bool) -> None:
    body["destination"]["auth"]["secretId"] = secret_id
    if valid:
        request = parse_activation_request(body, today=TODAY)
        assert request.destination.auth.secret_id == secret_id
    else:
        assert _paths(body) == ["destination.auth.secretId"]


@pytest.mark.parametrize("start_time", ["00:00", "23:00", "09:00"])
def test_start_times_across_the_day_are_accepted(body: dict[str, Any], start_time: str) -> None:
    body["audiences"][0]["schedule"]["startTime"] = start_time
    request = parse_activation_request(body, today=TODAY)
    assert request.audiences[0].schedule.start_time == start_time


@pytest.mark.parametrize("start_time", ["09:30", "23:59", "00:01", "24:00", "9:00"])
def test_a_start_time_is_a_whole_hour(body: dict[str, Any], start_time: str) -> None:
    # Adobe's destinations API: "The correct format is `HH:MM`. Minutes must be `00`."
    body["audiences"][0]["schedule"]["startTime"] = start_time

    assert _paths(body) == ["audiences.0.schedule.startTime"]


def test_a_start_date_of_today_is_accepted_and_yesterday_is_not(body: dict[str, Any]) -> None:
    schedule = body["audiences"][0]["schedule"]
    schedule["startDate"] = TODAY.isoformat()
    assert parse_activation_request(body, today=TODAY).audiences[0].schedule.start_date == TODAY

    schedule["startDate"] = (TODAY - timedelta(days=1)).isoformat()
    errors = refusals(body)
    assert errors == [
        {
            "path": "audiences.0.schedule.startDate",
            "message": "must not be in the past (today is 2026-01-15 UTC)",
        }
    ]


def test_an_end_date_equal_to_the_start_date_is_accepted(body: dict[str, Any]) -> None:
    schedule = body["audiences"][0]["schedule"]
    schedule["endDate"] = schedule["startDate"]
    request = parse_activation_request(body, today=TODAY)
    assert request.audiences[0].schedule.end_date == date(2030, 6, 1)


def test_today_is_the_injected_date_not_the_real_one(body: dict[str, Any]) -> None:
    body["audiences"] = body["audiences"][:1]
    body["audiences"][0]["schedule"]["startDate"] = "2030-06-01"
    body["audiences"][0]["schedule"]["endDate"] = "2030-06-30"
    assert parse_activation_request(body, today=date(2030, 6, 1)).audiences
    assert _paths(body, today=date(2030, 6, 2)) == ["audiences.0.schedule.startDate"]
    assert _paths(body, today=date(2030, 7, 1)) == [
        "audiences.0.schedule.startDate",
        "audiences.0.schedule.endDate",
    ]


def test_without_an_injected_date_the_module_clock_is_used(
    body: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fields, "utc_today", lambda: date(2030, 7, 1))
    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body)
    assert [error["path"] for error in caught.value.errors] == [
        "audiences.0.schedule.startDate",
        "audiences.1.schedule.startDate",
    ]


# --- the tutorial's rules that accept --------------------------------------------------


@pytest.mark.parametrize(
    ("export_mode", "schedule"),
    [
        (
            "DAILY_FULL_EXPORT",
            {"frequency": "ONCE", "triggerType": "SCHEDULED", "startTime": "17:00"},
        ),
        ("DAILY_FULL_EXPORT", {"frequency": "ONCE", "triggerType": "AFTER_SEGMENT_EVAL"}),
        (
            "DAILY_FULL_EXPORT",
            {"frequency": "DAILY", "triggerType": "AFTER_SEGMENT_EVAL", "endDate": "2030-07-01"},
        ),
        ("FIRST_FULL_THEN_INCREMENTAL", {"frequency": "DAILY", "startTime": "20:00"}),
        (
            "FIRST_FULL_THEN_INCREMENTAL",
            {"frequency": "EVERY_3_HOURS", "triggerType": "SCHEDULED", "startTime": "20:00"},
        ),
        ("FIRST_FULL_THEN_INCREMENTAL", {"frequency": "EVERY_8_HOURS", "startTime": "00:00"}),
        ("FIRST_FULL_THEN_INCREMENTAL", {"frequency": "EVERY_12_HOURS", "startTime": "12:00"}),
    ],
)
def test_schedules_the_seed_allows_are_accepted(
    body: dict[str, Any], export_mode: str, schedule: dict[str, str]
) -> None:
    audience = body["audiences"][0]
    audience["exportMode"] = export_mode
    audience["schedule"] = {"startDate": "2030-06-01", **schedule}
    request = parse_activation_request(body, today=TODAY)
    assert request.audiences[0].schedule.frequency == schedule["frequency"]


@pytest.mark.parametrize(
    "template",
    [
        "%DESTINATION_NAME%_%SEGMENT_ID%",
        "%SEGMENT_ID%-%DESTINATION_NAME%",
        "%DESTINATION_NAME%_%SEGMENT_NAME%_%SEGMENT_ID%_%TIMESTAMP%_summer-sale.v2",
        "acme_%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",
    ],
)
def test_filename_templates_the_seed_allows_are_accepted(
    body: dict[str, Any], template: str
) -> None:
    body["audiences"][0]["filenameTemplate"] = template
    assert parse_activation_request(body, today=TODAY).audiences[0].filename_template == template


def test_the_filename_template_defaults_to_adobes(body: dict[str, Any]) -> None:
    del body["audiences"][0]["filenameTemplate"]
    request = parse_activation_request(body, today=TODAY)
    assert request.audiences[0].filename_template == (
        "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
    )


@pytest.mark.parametrize(
    "attribute", ["homeAddress.countryCode", "_acme.loyalty.tier", "identityMap.email", "a"]
)
def test_xdm_paths_are_accepted(body: dict[str, Any], attribute: str) -> None:
    body["profileAttributes"].append(attribute)
    assert attribute in parse_activation_request(body, today=TODAY).profile_attributes


# --- destinations ------------------------------------------------------------------------


@pytest.mark.parametrize("destination_type", ["Amazon S3", "amazon s3", "AMAZON-S3", "s3"])
def test_destination_type_accepts_names_and_aliases(
    body: dict[str, Any], destination_type: str
) -> None:
    body["destination"]["type"] = destination_type
    request = parse_activation_request(body, today=TODAY)
    entry = request.destination.catalog_entry()
    assert entry is not None
    assert entry.name == "Amazon S3"
    assert request.destination.resolved_connection_spec_id == entry.connection_spec_id


def test_a_known_connection_spec_id_alone_selects_the_card(body: dict[str, Any]) -> None:
    del body["destination"]["type"]
    body["destination"]["connectionSpecId"] = "4890FC95-5A1F-4983-94BB-E060C08E3F81"
    request = parse_activation_request(body, today=TODAY)
    entry = request.destination.catalog_entry()
    assert entry is not None
    assert entry.name == "Amazon S3"
    assert request.destination.connection_spec_id == "4890fc95-5a1f-4983-94bb-e060c08e3f81"


def test_a_known_connection_spec_id_is_still_checked_against_its_card(
    body: dict[str, Any],
) -> None:
    del body["destination"]["type"]
    body["destination"]["connectionSpecId"] = "4890fc95-5a1f-4983-94bb-e060c08e3f81"
    body["destination"]["auth"]["specName"] = "Password"
    assert _paths(body) == ["destination.auth.specName"]


def test_an_unknown_connection_spec_id_is_left_to_runtime_resolution(
    body: dict[str, Any],
) -> None:
    unknown = "11111111-2222-4333-8444-555555555555"
    body["destination"] = {
        "connectionSpecId": unknown,
        "auth": {"specName": "Anything", "secretId": "aep/destinations/other"},
        "target": {"mode": "WHATEVER", "someParam": "x"},
    }
    request = parse_activation_request(body, today=TODAY)
    assert request.destination.catalog_entry() is None
    assert request.destination.resolved_connection_spec_id == unknown
    assert request.destination.target.params == {"mode": "WHATEVER", "someParam": "x"}


def test_an_unknown_connection_spec_id_still_may_not_carry_credentials(
    body: dict[str, Any],
) -> None:
    body["destination"] = {
        "connectionSpecId": "11111111-2222-4333-8444-555555555555",
        "auth": {"specName": "Anything", "secretId": "aep/destinations/other"},
        "target": {"mode": "WHATEVER", "apiToken": "tok-123"},
    }
    assert _paths(body) == ["destination.target.apiToken"]


def test_the_target_params_are_exposed_with_the_mode(body: dict[str, Any]) -> None:
    request = parse_activation_request(body, today=TODAY)
    assert request.destination.target.params == {
        "mode": "S3",
        "bucketName": "acme-exports",
        "path": "aep/summer",
        "format": "CSV",
    }


def test_the_legacy_ftp_mode_takes_format_as_optional(body: dict[str, Any]) -> None:
    body["destination"] = {
        "type": "SFTP",
        "auth": {"specName": "Basic Authentication for sftp", "secretId": "aep/sftp"},
        "target": {"mode": "FTP", "remotePath": "/out"},
    }
    assert parse_activation_request(body, today=TODAY).destination.target.params == {
        "mode": "FTP",
        "remotePath": "/out",
    }
    body["destination"]["target"]["format"] = "CSV"
    parse_activation_request(body, today=TODAY)


@pytest.mark.parametrize(
    ("auth_spec", "mode", "params"),
    [
        ("S3", "S3", {"bucketName": "acme-in", "path": "in", "format": "CSV"}),
        ("SFTP with Password", "FTP", {"remotePath": "/in"}),
        ("SFTP with SSH Key", "FTP", {"remotePath": "/in"}),
        ("Azure Blob", "AZURE_BLOB", {"container": "in", "path": "in", "format": "CSV"}),
    ],
)
def test_adobe_campaign_pairs_each_auth_spec_with_its_mode(
    body: dict[str, Any], auth_spec: str, mode: str, params: dict[str, str]
) -> None:
    body["destination"] = {
        "type": "Adobe Campaign",
        "auth": {"specName": auth_spec, "secretId": "aep/campaign"},
        "target": {"mode": mode, **params},
    }
    request = parse_activation_request(body, today=TODAY)
    assert request.destination.target.mode == mode


# --- several errors at once --------------------------------------------------------------


def test_every_broken_rule_is_reported_together(body: dict[str, Any]) -> None:
    body["sandbox"] = "Prod"
    body["destination"]["auth"]["specName"] = "Password"
    body["destination"]["target"]["format"] = "JSON"
    body["audiences"][0]["schedule"]["startTime"] = "25:00"
    body["audiences"][1]["exportMode"] = "DAILY_FULL_EXPORT"
    body["audiences"][1]["filenameTemplate"] = "%SEGMENT_ID%"
    body["profileAttributes"][2] = "personal email"
    body["deduplicationKeys"] = ["homeAddress.city"]

    paths = _paths(body)

    assert paths == [
        "sandbox",
        "destination.auth.specName",
        "destination.target.format",
        "audiences.0.schedule.startTime",
        "audiences.1.filenameTemplate",
        "audiences.1.schedule.frequency",
        "profileAttributes.2",
    ]


def test_rules_of_one_audience_are_reported_together(body: dict[str, Any]) -> None:
    audience = body["audiences"][0]
    audience["filenameTemplate"] = "%TIMESTAMP%_%DATETIME(YYYYMMdd_HHmmss)%"
    audience["schedule"] = {"frequency": "EVERY_3_HOURS", "startDate": "2030-06-01"}
    errors = refusals(body)
    assert [(error["path"], error["message"]) for error in errors] == [
        ("audiences.0.filenameTemplate", "must contain %DESTINATION_NAME%"),
        ("audiences.0.filenameTemplate", "must contain %SEGMENT_ID%"),
        (
            "audiences.0.filenameTemplate",
            "may contain only one of %DATETIME(YYYYMMdd_HHmmss)% and %TIMESTAMP%",
        ),
        (
            "audiences.0.schedule.frequency",
            "must be one of ONCE, DAILY, WEEKLY, MONTHLY with exportMode DAILY_FULL_EXPORT",
        ),
        (
            "audiences.0.schedule.triggerType",
            "is required with exportMode DAILY_FULL_EXPORT: SCHEDULED or AFTER_SEGMENT_EVAL",
        ),
    ]


def test_the_exception_message_lists_every_error(body: dict[str, Any]) -> None:
    del body["name"]
    del body["sandbox"]
    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)
    assert str(caught.value) == "2 invalid field(s): name: is required; sandbox: is required"
    assert caught.value.to_dict()["errors"] == caught.value.errors


# --- secrets never echoed ----------------------------------------------------------------

_SECRET_VALUES = ("wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE", "hunter2-pw")


def _all_text(error: InvalidActivationRequest) -> str:
    return " ".join(
        (str(error), repr(error), json.dumps(error.to_dict()), json.dumps(error.errors))
    )


def test_credentials_in_the_request_are_rejected_without_echoing_them(
    body: dict[str, Any],
) -> None:
    secret_key, access_key, password = _SECRET_VALUES
    body["destination"]["auth"]["params"] = {"s3AccessKey": access_key, "s3SecretKey": secret_key}
    body["destination"]["auth"]["password"] = password
    body["destination"]["target"]["s3SecretKey"] = secret_key
    body["destination"]["target"]["path"] = 7  # another error: its input must not show either

    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)

    error = caught.value
    assert [e["path"] for e in error.errors] == [
        "destination.auth.params",
        "destination.auth.password",
        "destination.target.path",
        "destination.target.s3SecretKey",
    ]
    assert any("Secrets Manager secret" in e["message"] for e in error.errors)
    text = _all_text(error)
    for value in _SECRET_VALUES:
        assert value not in text
    # No chained pydantic error (it would carry the inputs into tracebacks).
    assert error.__cause__ is None
    assert error.__context__ is None


@pytest.mark.parametrize(
    ("field", "place"),
    [
        (
            "destination.auth.secretId",
            lambda body, v: body["destination"]["auth"].update(secretId=v),
        ),
        (
            "destination.target.bucketName",
            lambda body, v: body["destination"]["target"].update(bucketName=v),
        ),
        (
            "audiences.0.filenameTemplate",
            lambda body, v: body["audiences"][0].update(
                filenameTemplate="%DESTINATION_NAME%_%SEGMENT_ID%_" + v
            ),
        ),
        ("audiences.0.name", lambda body, v: body["audiences"][0].update(name=v * 10)),
        ("sandbox", lambda body, v: body.update(sandbox=v)),
        ("profileAttributes.0", lambda body, v: body["profileAttributes"].__setitem__(0, v)),
    ],
)
def test_a_secret_pasted_into_a_checked_field_is_not_echoed(
    body: dict[str, Any], field: str, place: Any
) -> None:
    place(body, "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjE")

    with pytest.raises(InvalidActivationRequest) as caught:
        parse_activation_request(body, today=TODAY)

    assert [error["path"] for error in caught.value.errors] == [field]
    assert "b3BlbnNzaC1rZXktdjE" not in _all_text(caught.value)


def test_the_credential_errors_have_exact_paths(body: dict[str, Any]) -> None:
    body["destination"]["auth"]["params"] = {"s3SecretKey": _SECRET_VALUES[0]}
    body["destination"]["target"]["secretKey"] = _SECRET_VALUES[0]
    assert _paths(body) == ["destination.auth.params", "destination.target.secretKey"]


# --- inputs --------------------------------------------------------------------------------


def test_json_text_and_bytes_are_parsed(body: dict[str, Any]) -> None:
    text = json.dumps(body)
    assert parse_activation_request(text, today=TODAY) == parse_activation_request(
        text.encode(), today=TODAY
    )


def test_any_mapping_is_accepted(body: dict[str, Any]) -> None:
    assert parse_activation_request(OrderedDict(body), today=TODAY).name == "summer-sale-s3"


def test_malformed_json_is_one_root_error_without_the_text() -> None:
    errors = refusals('{"name": "x", "password": "hunter2-pw",')
    assert len(errors) == 1
    assert errors[0]["path"] == "(root)"
    assert errors[0]["message"].startswith("is not valid JSON: ")
    assert "line 1 column" in errors[0]["message"]
    assert "hunter2" not in errors[0]["message"]


def test_bytes_that_are_not_utf8_are_one_root_error() -> None:
    assert refusals(b'{"name": "\xff"}') == [
        {"path": "(root)", "message": "is not valid JSON: the text is not UTF-8"}
    ]


@pytest.mark.parametrize("document", ["[]", "42", '"text"', "null"])
def test_a_json_document_that_is_not_an_object_is_rejected(document: str) -> None:
    assert refusals(document) == [{"path": "(root)", "message": "must be a JSON object"}]


def test_fields_may_be_given_by_their_python_names(body: dict[str, Any]) -> None:
    body["profile_attributes"] = body.pop("profileAttributes")
    body["audiences"][0]["export_mode"] = body["audiences"][0].pop("exportMode")
    request = parse_activation_request(body, today=TODAY)
    assert request.profile_attributes[0] == "person.name.firstName"
    assert request.to_state()["audiences"][0]["exportMode"] == "DAILY_FULL_EXPORT"


def test_requests_are_frozen(body: dict[str, Any]) -> None:
    request = parse_activation_request(body, today=TODAY)
    with pytest.raises(ValueError, match="frozen"):
        request.name = "other"  # type: ignore[misc]
    assert isinstance(request.audiences, tuple)
    assert isinstance(request.profile_attributes, tuple)


# --- state ---------------------------------------------------------------------------------


def test_to_state_is_json_safe_camel_case_and_round_trips(body: dict[str, Any]) -> None:
    request = parse_activation_request(body, today=TODAY)
    state = request.to_state()

    assert json.loads(json.dumps(state)) == state
    assert state["profileAttributes"] == body["profileAttributes"]
    assert state["audiences"][0]["schedule"]["startDate"] == "2030-06-01"
    assert state["destination"]["target"] == body["destination"]["target"]
    assert state["dataflowId"] is None
    assert ActivationRequest.from_state(state) == request


def test_from_state_does_not_apply_the_clock_rules(body: dict[str, Any]) -> None:
    state = parse_activation_request(body, today=TODAY).to_state()
    state["audiences"][0]["schedule"]["startDate"] = "2020-01-01"
    state["audiences"][0]["schedule"]["endDate"] = "2020-02-01"
    request = ActivationRequest.from_state(state)
    assert request.audiences[0].schedule.start_date == date(2020, 1, 1)


def test_from_state_still_applies_every_other_rule(body: dict[str, Any]) -> None:
    state = parse_activation_request(body, today=TODAY).to_state()
    state["audiences"][0]["schedule"]["startTime"] = "noon"
    with pytest.raises(InvalidActivationRequest) as caught:
        ActivationRequest.from_state(state)
    assert [e["path"] for e in caught.value.errors] == ["audiences.0.schedule.startTime"]


def test_the_flow_spec_override_wins_over_the_catalog(body: dict[str, Any]) -> None:
    request = parse_activation_request(body, today=TODAY)
    assert request.destination.preferred_flow_spec_id == "71471eba-b620-49e4-90fd-23f1fa0174d8"

    body["destination"]["flowSpecId"] = "1A0514A6-33D4-4C7F-AFF8-594799C47549"
    request = parse_activation_request(body, today=TODAY)
    assert request.destination.preferred_flow_spec_id == "1a0514a6-33d4-4c7f-aff8-594799c47549"


def test_adobe_campaign_leaves_the_flow_spec_to_runtime_resolution(body: dict[str, Any]) -> None:
    body["destination"] = {
        "type": "campaign",
        "auth": {"specName": "SFTP with Password", "secretId": "aep/campaign"},
        "target": {"mode": "FTP", "remotePath": "/in"},
    }
    request = parse_activation_request(body, today=TODAY)
    assert request.destination.preferred_flow_spec_id is None
    assert request.destination.resolved_connection_spec_id == (
        "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
    )
