"""Every Lambda Task retries the transient Lambda service errors AWS recommends handling
(the Step Functions developer guide's "Handle transient Lambda service exceptions")."""

from __future__ import annotations

from tests.statemachine.asl import states

AWS_RECOMMENDED = {
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
}


def test_every_lambda_task_retries_aws_recommended_lambda_errors() -> None:
    # A Lambda Task's Resource is its function's placeholder; native integrations (the lease's
    # and the registry's DynamoDB calls) name arn:aws:states:::<service>:<action> and call no
    # Lambda.
    tasks = {
        name: s
        for name, s in states().items()
        if s["Type"] == "Task" and not s["Resource"].startswith("arn:aws:states:::")
    }
    assert len(tasks) >= 12
    for name, task in tasks.items():
        retried = {error for retrier in task.get("Retry", []) for error in retrier["ErrorEquals"]}
        assert retried >= AWS_RECOMMENDED or "States.ALL" in retried, (
            name,
            AWS_RECOMMENDED - retried,
        )


def test_native_lease_tasks_retry_dynamodb_s_transient_errors() -> None:
    native = {
        name: s
        for name, s in states().items()
        if s["Type"] == "Task" and s["Resource"].startswith("arn:aws:states:::dynamodb:")
    }
    assert len(native) >= 4  # the acquire, three releases (and the registry's writes)
    for name, task in native.items():
        retried = {error for retrier in task.get("Retry", []) for error in retrier["ErrorEquals"]}
        assert {
            "DynamoDB.ProvisionedThroughputExceededException",
            "DynamoDB.ThrottlingException",
            "DynamoDB.InternalServerError",
        } <= retried, name
