"""cloudwarden's own least-privilege scanner policy, generated from what collectors declare."""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.collector import all_collectors

# Calls the AWS layer makes outside any collector: identity, region discovery, org walk, role hops.
CORE_PERMISSIONS = (
    "sts:GetCallerIdentity",
    "sts:AssumeRole",
    "ec2:DescribeRegions",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
)


def scanner_actions() -> list[str]:
    actions = set(CORE_PERMISSIONS)
    for col in all_collectors():
        actions.update(col.permissions)
    return sorted(actions)


def scanner_policy() -> dict[str, Any]:
    """An identity policy granting exactly the read-only calls a scan makes."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudwardenReadOnlyScan",
                "Effect": "Allow",
                "Action": scanner_actions(),
                "Resource": "*",
            }
        ],
    }
