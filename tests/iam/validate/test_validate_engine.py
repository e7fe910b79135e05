"""The engine around the checks: paths, positions, input forms and ordering."""

from __future__ import annotations

import pytest

from cloudwarden.iam.validate import ValidationInputError, resolve_resource_type, validate_policy
from cloudwarden.iam.validate.arns import globs_intersect
from cloudwarden.iam.validate.model import render_path
from cloudwarden.iam.validate.positions import json_positions, locate

TEXT = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:Get*"],
      "Resource": "arn:aws:s3:::b/*",
      "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "x"}}
    }
  ]
}"""


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        (("Statement", 0, "Action", 1), "Statement[0].Action[1]"),
        (
            ("Statement", "Condition", "StringLike", "a.b:sub"),
            'Statement.Condition.StringLike["a.b:sub"]',
        ),
        ((), ""),
    ],
)
def test_render_path(path: tuple[str | int, ...], rendered: str) -> None:
    assert render_path(path) == rendered


@pytest.mark.parametrize(
    ("path", "line", "column"),
    [
        (("Version",), 2, 3),
        (("Statement", 0), 4, 5),
        (("Statement", 1, "Action", 1), 7, 34),
        (
            ("Statement", 1, "Condition", "StringLike", "token.actions.githubusercontent.com:sub"),
            9,
            36,
        ),
        (("Statement", 1, "Missing", 3), 5, 5),
    ],
)
def test_positions_locate_members_at_their_key(
    path: tuple[str | int, ...], line: int, column: int
) -> None:
    assert locate(TEXT, json_positions(TEXT), path) == (line, column)


def test_text_input_gets_line_and_column_of_the_finding() -> None:
    assert [(f.code, f.line, f.column) for f in validate_policy(TEXT)] == [
        ("REDUNDANT_ACTION", 7, 18)
    ]


def test_findings_are_in_document_order() -> None:
    text = '{"Statement": [\n{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    assert [(f.code, f.line) for f in validate_policy(text)] == [
        ("MISSING_VERSION", 1),
        ("EMPTY_SID_VALUE", 2),
    ]


def test_dict_and_bytes_input() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    [finding] = validate_policy(policy)
    assert finding.code == "MISSING_VERSION" and finding.line is None
    assert [f.code for f in validate_policy(b'{"Version": "2012-10-17"}')] == ["MISSING_STATEMENT"]


def test_syntax_error_is_the_only_finding() -> None:
    [finding] = validate_policy('{"Version": "2012-10-17",\n  "Statement": [}')
    assert finding.code == "JSON_SYNTAX_ERROR" and finding.line == 2


def test_checks_are_scoped_by_policy_type() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    assert "MISSING_PRINCIPAL" in {f.code for f in validate_policy(doc, "resource")}
    assert "MISSING_PRINCIPAL" not in {f.code for f in validate_policy(doc, "identity")}


def test_resource_types_accept_catalogue_and_cloudformation_names() -> None:
    assert resolve_resource_type("s3:bucket") == resolve_resource_type("AWS::S3::Bucket")
    assert resolve_resource_type("kms:key").service == "kms"
    with pytest.raises(ValidationInputError):
        resolve_resource_type("s3")
    with pytest.raises(ValidationInputError):
        validate_policy("{}", "identity", "s3:bucket")
    with pytest.raises(ValidationInputError):
        validate_policy("{}", "session")


def test_findings_carry_a_fix_and_a_link() -> None:
    [finding] = validate_policy(
        {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    )
    assert finding.fix.startswith("Add")
    assert finding.learn_more.startswith("https://docs.aws.amazon.com/")


@pytest.mark.parametrize(
    ("pattern", "fmt", "meets"),
    [
        ("example-bucket", "${BucketName}", True),
        ("example-bucket/*", "${BucketName}", False),  # bucket names hold no "/"
        ("example-bucket/*", "${BucketName}/${ObjectName}", True),
        ("*", "${BucketName}", True),
        ("role/team/app", "role/${RoleNameWithPath}", True),
        ("roles/app", "role/${RoleNameWithPath}", False),
        ("", "${Region}", False),  # a placeholder is never empty
        ("*", "", True),
        ("log-group:/app:*", "log-group:${LogGroupName}:log-stream:${LogStreamName}", True),
    ],
)
def test_policy_patterns_meet_catalogue_formats(pattern: str, fmt: str, meets: bool) -> None:
    assert globs_intersect(pattern, fmt) is meets


def test_an_unknown_action_is_not_reported_as_redundant() -> None:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:GetObjekt"], "Resource": "*"}]}  # fmt: skip
    assert [f.code for f in validate_policy(doc)] == ["INVALID_ACTION"]
