"""The ``python:`` escape hatch: resolving references, the fields mapping, the built-in hatches."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.detect.engines.sql import SqlEngine
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules import Match, Rule
from cloudwarden.detect.rules.hatch import (
    EventFields,
    HatchError,
    bucket_policy_public,
    resolve_hatch,
    trust_names_external_account,
)
from cloudwarden.detect.sources.cloudtrail import to_event

OWN = "111122223333"
OTHER = "999988887777"


def trust_event(principal: Any, *, create: bool = False, effect: str = "Allow") -> EventFields:
    doc = json.dumps(
        {"Statement": [{"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}]}
    )
    key = "assumeRolePolicyDocument" if create else "policyDocument"
    return EventFields(
        {
            "eventName": "CreateRole" if create else "UpdateAssumeRolePolicy",
            "recipientAccountId": OWN,
            "requestParameters": {"roleName": "r", key: doc},
        }
    )


@pytest.mark.parametrize(
    ("principal", "external"),
    [
        ({"AWS": f"arn:aws:iam::{OTHER}:root"}, True),
        ({"AWS": OTHER}, True),
        ({"AWS": [f"arn:aws:iam::{OWN}:role/ci", f"arn:aws:iam::{OTHER}:user/x"]}, True),
        ({"AWS": "*"}, True),
        ("*", True),
        ({"AWS": f"arn:aws:iam::{OWN}:role/ci"}, False),
        ({"AWS": OWN}, False),
        ({"Service": "lambda.amazonaws.com"}, False),
        ({"Federated": f"arn:aws:iam::{OWN}:saml-provider/okta"}, False),
    ],
)
def test_trust_names_external_account(principal: Any, external: bool) -> None:
    assert trust_names_external_account(trust_event(principal)) is external
    assert trust_names_external_account(trust_event(principal, create=True)) is external


def test_trust_ignores_deny_and_unreadable_documents() -> None:
    assert not trust_names_external_account(trust_event({"AWS": "*"}, effect="Deny"))
    bad = EventFields({"recipientAccountId": OWN, "requestParameters": {"policyDocument": "{"}})
    assert not trust_names_external_account(bad)
    assert not trust_names_external_account(EventFields({"recipientAccountId": OWN}))


def bucket_event(policy: Any) -> EventFields:
    return EventFields({"requestParameters": {"bucketName": "b", "bucketPolicy": policy}})


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*"}, True),
        ({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject"}, True),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},  # restricts no one
            },
            True,
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c"}},
            },
            False,
        ),
        ({"Effect": "Deny", "Principal": "*", "Action": "s3:*"}, False),
        ({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}}, False),
    ],
)
def test_bucket_policy_public(statement: dict[str, Any], public: bool) -> None:
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    assert bucket_policy_public(bucket_event(policy)) is public
    assert bucket_policy_public(bucket_event(json.dumps(policy))) is public  # as a JSON string


def test_event_fields_read_dotted_paths_of_the_record() -> None:
    record = {"a": {"b": 1, "c": [{"d": "x"}, {"d": "y"}]}, "e.f": 2}
    fields = EventFields(record)
    assert fields["a.b"] == 1
    assert fields["a.c.d"] == ["x", "y"]
    assert fields["e.f"] == 2
    assert fields.get("a.zz") is None and "a.zz" not in fields
    assert sorted(fields) == ["a.b", "a.c", "e.f"]
    assert len(fields) == 3 and fields.raw is record


def test_resolve_hatch() -> None:
    assert (
        resolve_hatch("cloudwarden.detect.rules.hatch:bucket_policy_public") is bucket_policy_public
    )
    for ref, message in [
        ("no colon", "module:function"),
        ("cloudwarden.nope:f", "cannot import"),
        ("cloudwarden.detect.rules.hatch:nope", "no function"),
        ("cloudwarden.detect.rules.hatch:OWN", "no function"),  # not callable
    ]:
        with pytest.raises(HatchError, match=message):
            resolve_hatch(ref)


def test_engines_and_the_python_function() -> None:
    rule = Rule(
        id="trust",
        title="t",
        detection=Match("eventName", "equals", ("UpdateAssumeRolePolicy",)),
        service="cloudtrail",
        python="cloudwarden.detect.rules.hatch:trust_names_external_account",
    )
    raw = dict(trust_event({"AWS": OTHER}).raw)
    benign = dict(trust_event({"AWS": OWN}).raw)
    events = []
    for i, rec in enumerate((raw, benign)):
        ev = to_event({**rec, "eventID": f"e{i}", "eventTime": "2026-11-01T10:00:00Z"})
        assert not isinstance(ev, str)
        events.append(ev)
    assert [h.event_id for h in StreamEngine([rule]).run(events)] == ["e0"]
    assert SqlEngine([rule]).unsupported == {"trust": "python function"}
