"""ssm_parameter_secrets_use_securestring: secret-looking plain parameters fail."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.model import Status
from cloudwarden.testing import findings_for, make_resource, make_snapshot

CHECK = "ssm_parameter_secrets_use_securestring"


def param(name: str, kind: str, verdict: dict[str, str] | None = None, **extra: Any) -> Any:
    arn = f"arn:aws:ssm:us-east-1:123456789012:parameter{name}"
    data = {"Name": name, "Type": kind, "ValueClassification": verdict, **extra}
    return make_resource("AWS::SSM::Parameter", arn, data, name=name)


SECRET = {"Category": "secret", "Reason": "value looks like an AWS access key id"}
BENIGN = {"Category": "benign", "Reason": "value is a number"}
OPAQUE = {"Category": "opaque", "Reason": "value matches no known credential shape"}


@pytest.mark.parametrize(
    ("name", "kind", "verdict", "status", "reason_part"),
    [
        ("/app/db/password", "SecureString", None, Status.PASS, "is a SecureString"),
        ("/app/db/password", "String", OPAQUE, Status.FAIL, "named like a secret ('password')"),
        ("/app/db_pwd", "String", OPAQUE, Status.FAIL, "('pwd')"),
        ("/app/bootstrap", "String", SECRET, Status.FAIL, "looks like an AWS access key id"),
        (
            "/app/token_ttl",
            "String",
            BENIGN,
            Status.PASS,
            "named like a secret but value is a number",
        ),
        ("/app/region", "String", OPAQUE, Status.PASS, "neither name nor value"),
        ("/secrets/db/host", "String", OPAQUE, Status.PASS, "neither name nor value"),
        ("/app/api_keys", "StringList", None, Status.FAIL, "('api_key')"),
        ("/app/regions", "StringList", None, Status.PASS, "name does not look secret"),
    ],
    ids=[
        "secure-string",
        "password-name",
        "pwd-name",
        "secret-value",
        "benign-value",
        "innocuous",
        "secret-folder-only",
        "stringlist-secret-name",
        "stringlist-innocuous",
    ],
)
def test_parameters(
    name: str, kind: str, verdict: dict[str, str] | None, status: Status, reason_part: str
) -> None:
    [finding] = findings_for(make_snapshot([param(name, kind, verdict)]), CHECK)
    assert finding.status is status
    assert reason_part in finding.status_reason


def test_unread_value_of_innocuous_name_is_not_assessed_but_secret_name_still_fails() -> None:
    errors = {"_errors": {"ValueClassification": "ssm:get_parameters: AccessDeniedException: no"}}
    snap = make_snapshot(
        [
            param("/app/region", "String", None, **errors),
            param("/app/password", "String", None, **errors),
        ]
    )
    found = {f.resource_arn.rsplit("/", 1)[-1]: f.status for f in findings_for(snap, CHECK)}
    assert found == {"region": Status.NOT_ASSESSED, "password": Status.FAIL}
