"""awslambda_function_env_no_secrets: reads the collector's redacted scan, never raw values."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.inventory.services.awslambda import scan_environment
from cloudwarden.model import Status
from cloudwarden.testing import ACCOUNT, REGION, findings_for, make_resource, make_snapshot

FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:payments"


def function(environment: dict[str, Any] | None) -> Any:
    env, secrets = scan_environment(environment)
    data = {"FunctionName": "payments", "Environment": env, "EnvironmentSecrets": secrets}
    return make_resource("AWS::Lambda::Function", FN, data)


@pytest.mark.parametrize(
    ("variables", "status", "reason"),
    [
        (
            {"TABLE": "orders", "LOG_LEVEL": "INFO"},
            Status.PASS,
            "none of the 2 environment variables",
        ),
        (
            {"DB_PASSWORD_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"},
            Status.PASS,
            "looks secret",
        ),
        ({}, Status.PASS, "none of the 0"),
        (
            {"PAYMENTS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"},
            Status.FAIL,
            "PAYMENTS_KEY_ID (aws-access-key-id: AKIA********)",
        ),
        (
            {"PAYMENTS_AWS_SECRET": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
            Status.FAIL,
            "aws-secret-access-key",
        ),
        ({"DB_PASSWORD": "hunter2hunter2"}, Status.FAIL, "password"),
    ],
    ids=[
        "plain-config",
        "secret-reference",
        "no-variables",
        "access-key",
        "secret-key",
        "password",
    ],
)
def test_environment(variables: dict[str, str], status: Status, reason: str) -> None:
    [finding] = findings_for(
        make_snapshot([function({"Variables": variables})]), "awslambda_function_env_no_secrets"
    )
    assert (finding.resource_arn, finding.status) == (FN, status)
    assert reason in finding.status_reason


def test_the_snapshot_never_holds_the_secret_value() -> None:
    resource = function(
        {"Variables": {"PAYMENTS_AWS_SECRET": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}
    )
    assert "wJalrXUtnFEMI" not in resource.model_dump_json()


def test_variables_lambda_could_not_decrypt_are_not_assessed() -> None:
    error = {"ErrorCode": "AccessDeniedException", "Message": "Lambda was unable to decrypt"}
    [finding] = findings_for(
        make_snapshot([function({"Error": error})]), "awslambda_function_env_no_secrets"
    )
    assert finding.status is Status.NOT_ASSESSED
    assert "unable to decrypt" in finding.status_reason
