"""The Lambda collector: configuration and policy kept, environment values never stored."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from refusals import refuse

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.inventory.api import COLLECTORS, CollectContext, run_collector
from cloudwarden.model import Resource
from cloudwarden.registry import load_builtin

ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())


def collect(aws: AwsContext, region: str = "us-east-1") -> tuple[list[Resource], CollectContext]:
    load_builtin("cloudwarden.inventory.services")
    cctx = CollectContext(aws=aws, account=ACCOUNT, region=region)
    return list(run_collector(COLLECTORS.get("awslambda"), cctx)), cctx


def deny(aws: AwsContext, operation: str, code: str = "AccessDeniedException") -> None:
    """Refuse one operation, as IAM refuses a call the role has no permission for."""
    refuse(aws, "lambda", operation, "us-east-1", code=code)


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def zipped() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def make_function(name: str, variables: dict[str, str]) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = boto3.client("iam", region_name="us-east-1")
    try:
        role = iam.get_role(RoleName="fn")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zipped()},
        Environment={"Variables": variables},
    )


def test_function_with_secret_env_and_public_policy(aws: AwsContext) -> None:
    make_function("leaky", {"PAYMENTS_AWS_SECRET": SECRET, "STAGE": "prod"})
    boto3.client("lambda", region_name="us-east-1").add_permission(
        FunctionName="leaky", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*"
    )
    [fn], cctx = collect(aws)
    assert cctx.errors == []
    assert fn.arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:leaky"
    assert fn.data["Runtime"] == "python3.12"
    assert fn.data["Environment"] == {"VariableNames": ["PAYMENTS_AWS_SECRET", "STAGE"]}
    [hit] = fn.data["EnvironmentSecrets"]
    assert (hit["Name"], hit["Pattern"]) == ("PAYMENTS_AWS_SECRET", "aws-secret-access-key")
    assert SECRET not in json.dumps(fn.data)
    assert "prod" not in json.dumps(fn.data["Environment"])
    assert fn.data["Policy"]["Statement"][0]["Principal"] == "*"


def test_function_without_policy(aws: AwsContext) -> None:
    make_function("tidy", {"TABLE": "orders"})
    [fn], _ = collect(aws)
    assert fn.data["Policy"] is None
    assert fn.data["EnvironmentSecrets"] == []
    assert "_errors" not in fn.data


def test_denied_policy_is_kept_beside_the_function(aws: AwsContext) -> None:
    make_function("tidy", {})
    deny(aws, "GetPolicy")
    [fn], _ = collect(aws)
    assert fn.data["Policy"] is None
    assert "AccessDeniedException" in fn.data["_errors"]["Policy"]


def test_denied_listing_is_recorded(aws: AwsContext) -> None:
    deny(aws, "ListFunctions")
    found, cctx = collect(aws)
    assert found == []
    assert [e.resource_types for e in cctx.errors] == [("AWS::Lambda::Function",)]
