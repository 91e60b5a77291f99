"""Lambda's context object as the step handlers (and Powertools) read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "Step"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "request"
    remaining_millis: int = 60_000

    @property
    def invoked_function_arn(self) -> str:
        """Qualified by the version unless it is $LATEST, as Lambda passes it."""
        qualifier = "" if self.function_version == "$LATEST" else f":{self.function_version}"
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}{qualifier}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis
