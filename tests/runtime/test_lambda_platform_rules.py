"""Rules Lambda applies on AWS that the local runtime does not, held by the real template.

- Log-level filtering (Lambda, "Log-level filtering"): "If the "level" value field is invalid
  or missing, Lambda will assign the log output the level INFO", and a function at WARN
  "doesn't send log outputs at the INFO and DEBUG levels". Metric lines (Embedded Metric
  Format) carry no level, so the filter must stay at INFO or below whatever LogLevel says.
- Reserved concurrency: Lambda keeps 100 executions of the account unreserved, so a
  reservation that serves nothing (a watch that is off) only narrows where the stack deploys.
- Asynchronous invocation: a throttled event is retried "for up to 6 hours by default"
  whatever MaximumRetryAttempts says; a watch pass must not run hours late.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.runtime.template import parse_template_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = parse_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
WATCHES = {"ExportWatchFunction": "ExportWatchOn", "DriftWatchFunction": "DriftWatchOn"}


@pytest.mark.parametrize("level", TEMPLATE["Parameters"]["LogLevel"]["AllowedValues"])
def test_lambdas_log_filter_never_drops_a_line_without_a_level(level: str) -> None:
    lambda_level = TEMPLATE["Mappings"]["LambdaLogLevel"][level]["Level"]

    assert lambda_level in ("TRACE", "DEBUG", "INFO"), (level, lambda_level)


def test_every_function_takes_its_log_filter_from_the_mapping() -> None:
    logging_config = TEMPLATE["Globals"]["Function"]["LoggingConfig"]
    assert logging_config["ApplicationLogLevel"] == {
        "Fn::FindInMap": ["LambdaLogLevel", {"Ref": "LogLevel"}, "Level"]
    }
    for name, resource in RESOURCES.items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert "ApplicationLogLevel" not in resource["Properties"].get("LoggingConfig", {}), (
                name
            )


@pytest.mark.parametrize(("function", "condition"), sorted(WATCHES.items()))
def test_a_watch_reserves_concurrency_only_while_it_runs(function: str, condition: str) -> None:
    reserved = RESOURCES[function]["Properties"]["ReservedConcurrentExecutions"]

    assert reserved == {"Fn::If": [condition, 1, {"Ref": "AWS::NoValue"}]}


@pytest.mark.parametrize("function", sorted(WATCHES))
def test_a_throttled_watch_pass_is_dropped_not_run_hours_late(function: str) -> None:
    config = RESOURCES[function]["Properties"]["EventInvokeConfig"]

    assert config["MaximumRetryAttempts"] == 0
    assert config["MaximumEventAgeInSeconds"] == 60  # Lambda's minimum


_PROBE = """
import logging, sys
from aep_activation.observability import logger, metrics
logger.info("info-line")
logger.warning("warning-line")
logger.error("error-line")
child = logging.getLogger("aep-activation.module")
child.info("child-info-line")
print("effective", logging.getLevelName(logging.getLogger(logger.name).getEffectiveLevel()))
"""


@pytest.mark.parametrize(
    ("stack_level", "info_logged", "warning_logged"),
    [("INFO", True, True), ("WARNING", False, True), ("ERROR", False, False)],
)
def test_the_stack_log_level_is_applied_by_the_functions_logger(
    stack_level: str, info_logged: bool, warning_logged: bool
) -> None:
    # As Lambda runs a function: its filter level in AWS_LAMBDA_LOG_LEVEL (from the mapping),
    # the stack's LogLevel in LOG_LEVEL / POWERTOOLS_LOG_LEVEL.
    lambda_level = TEMPLATE["Mappings"]["LambdaLogLevel"][stack_level]["Level"]
    env = {
        **os.environ,
        "AWS_LAMBDA_LOG_LEVEL": lambda_level,
        "LOG_LEVEL": stack_level,
        "POWERTOOLS_LOG_LEVEL": stack_level,
        "POWERTOOLS_SERVICE_NAME": "aep-activation",
        "PYTHONPATH": str(ROOT / "layers" / "aep_activation"),
    }

    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )

    output = probe.stdout + probe.stderr
    assert ("info-line" in output) is info_logged
    assert ("child-info-line" in output) is info_logged
    assert ("warning-line" in output) is warning_logged
    assert "error-line" in output
    assert f"effective {stack_level}" in probe.stdout
