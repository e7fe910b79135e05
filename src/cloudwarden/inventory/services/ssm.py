"""SSM Parameter Store parameters, with a redacted verdict on plain-text values.

DescribeParameters gives each parameter's name and ``Type`` but never its value.
Credentials kept as a plain ``String`` are readable by anyone with
``ssm:GetParameter``, unencrypted and without a KMS key policy in the way, so the
collector reads the values of ``String`` parameters (never ``SecureString``: nothing
is decrypted) and keeps only a classification of each value: ``secret`` when it
matches a known credential shape, ``benign`` when it is plainly not a credential
(a number, a boolean, an ARN, a resource id, a URL without credentials), ``opaque``
otherwise. The value itself is dropped at once and never reaches the snapshot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

PARAMETER = "AWS::SSM::Parameter"
CLASSIFICATION = "ValueClassification"
_BATCH = 10  # GetParameters accepts at most ten names

_SECRET_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    (
        "a URL with an embedded password",
        re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE),
    ),
    (
        "a password or key assignment",
        re.compile(
            r"(?:password|passwd|pwd|secret|token|api[_-]?key)[\"']?\s*[=:]\s*[\"']?[^\s\"',}]",
            re.IGNORECASE,
        ),
    ),
    ("a JSON Web Token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,})")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Stripe secret key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
)
_BENIGN_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("empty", re.compile(r"^\s*$")),
    ("a boolean", re.compile(r"^(?:true|false|yes|no|on|off|enabled|disabled)$", re.IGNORECASE)),
    ("a number", re.compile(r"^-?\d+(?:\.\d+)?$")),
    ("an ARN", re.compile(r"^arn:aws[\w-]*:")),
    (
        "an AWS resource id",
        re.compile(r"^(?:ami|vpc|subnet|sg|i|vol|snap|igw|rtb|eni|pl|vpce)-[0-9a-f]{8,17}$"),
    ),
    ("a URL without credentials", re.compile(r"^https?://[^\s@]+$")),
)


def _jsonable(value: Any) -> Any:
    """botocore returns datetimes; a snapshot must be plain JSON."""

    def encode(obj: Any) -> str:
        return obj.isoformat() if isinstance(obj, (datetime, date)) else str(obj)

    return json.loads(json.dumps(value, default=encode))


def classify_value(value: str) -> dict[str, str]:
    """What a plain-text value looks like, without repeating any of it."""
    for reason, pattern in _SECRET_SHAPES:
        if pattern.search(value):
            return {"Category": "secret", "Reason": f"value looks like {reason}"}
    text = value.strip()
    for reason, pattern in _BENIGN_SHAPES:
        if pattern.search(text):
            return {"Category": "benign", "Reason": f"value is {reason}"}
    return {"Category": "opaque", "Reason": "value matches no known credential shape"}


@collector(
    service="ssm",
    resource_types=(PARAMETER,),
    permissions=("ssm:DescribeParameters", "ssm:GetParameters"),
)
def collect_ssm(ctx: CollectContext) -> Iterator[Resource]:
    params = ctx.paginate("ssm", "describe_parameters", "Parameters")
    plain = [str(p["Name"]) for p in params if p.get("Type") == "String"]
    verdicts, failures = _classify_plain(ctx, plain)
    for meta in params:
        name = str(meta["Name"])
        data: dict[str, Any] = _jsonable(meta)
        data[CLASSIFICATION] = verdicts.get(name)
        if name in failures:
            data["_errors"] = {CLASSIFICATION: failures[name]}
        yield ctx.resource(PARAMETER, arn=_arn(ctx, meta), id=name, name=name, data=data)


def _arn(ctx: CollectContext, meta: dict[str, Any]) -> str:
    """``parameter/name``, or ``parameter`` + the name when it already starts with ``/``."""
    if meta.get("ARN"):
        return str(meta["ARN"])
    name = str(meta["Name"])
    return ctx.arn("ssm", f"parameter{name}" if name.startswith("/") else f"parameter/{name}")


def _classify_plain(
    ctx: CollectContext, names: list[str]
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    verdicts: dict[str, dict[str, str]] = {}
    failures: dict[str, str] = {}
    for start in range(0, len(names), _BATCH):
        batch = names[start : start + _BATCH]
        errors: dict[str, str] = {}
        resp = ctx.detail("ssm", "get_parameters", errors, CLASSIFICATION, Names=batch)
        if resp is None:
            failures.update(dict.fromkeys(batch, errors.get(CLASSIFICATION, "not read")))
            continue
        for param in resp.get("Parameters", []):
            verdicts[str(param["Name"])] = classify_value(str(param.get("Value", "")))
        for missing in resp.get("InvalidParameters", []):
            failures[str(missing)] = "parameter disappeared before its value could be read"
    return verdicts, failures
