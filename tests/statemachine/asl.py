"""What the state machine definition declares, read from statemachine/activation.asl.json.

Tests take retry policies and the 412 bound from here, so a change to the ASL changes what
they expect instead of silently diverging from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]
ASL_PATH = REPOSITORY / "statemachine" / "activation.asl.json"


@cache
def definition() -> dict[str, Any]:
    return dict(json.loads(ASL_PATH.read_text(encoding="utf-8")))


def _walk(states: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _walk(branch["States"])
        if "ItemProcessor" in state:
            yield from _walk(state["ItemProcessor"]["States"])


def states() -> dict[str, dict[str, Any]]:
    """Every state by name, those inside Parallel branches included."""
    return dict(_walk(definition()["States"]))


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float
    backoff_rate: float
    max_attempts: int
    max_delay_seconds: float | None
    jitter: str

    def ceiling(self, retry_index: int) -> float:
        """The longest sleep before retry number ``retry_index`` (0 for the first retry)."""
        delay = self.interval_seconds * self.backoff_rate**retry_index
        return delay if self.max_delay_seconds is None else min(delay, self.max_delay_seconds)

    def allows(self, retry_index: int, seconds: float) -> bool:
        ceiling = self.ceiling(retry_index)
        if self.jitter == "FULL":
            return 0.0 <= seconds <= ceiling
        return abs(seconds - ceiling) < 1e-9


def retrier_for(state_name: str, error: str) -> Retrier:
    """The Retry entry Step Functions applies to ``error`` in that state (the first match)."""
    state = states()[state_name]
    for entry in state.get("Retry", []):
        errors = tuple(entry["ErrorEquals"])
        if error in errors or "States.ALL" in errors:
            return Retrier(
                error_equals=errors,
                # Defaults from the Amazon States Language specification.
                interval_seconds=float(entry.get("IntervalSeconds", 1)),
                backoff_rate=float(entry.get("BackoffRate", 2.0)),
                max_attempts=int(entry.get("MaxAttempts", 3)),
                max_delay_seconds=(
                    float(entry["MaxDelaySeconds"]) if "MaxDelaySeconds" in entry else None
                ),
                jitter=str(entry.get("JitterStrategy", "NONE")),
            )
    raise AssertionError(f"state {state_name} declares no Retry for {error}")


def etag_conflict_bound(state: str = "ActivateAudiences") -> int:
    """How many 412s the machine takes before giving up: the first attempt and each retry the
    state's Retry on EtagMismatch allows."""
    return retrier_for(state, "EtagMismatch").max_attempts + 1
