"""cloudwarden's own least-privilege responder policy, generated from the actions.

Every response action declares the IAM actions its plan, apply and rollback need
(:attr:`~cloudwarden.respond.actions.base.Action.permissions`); the responder
policy is their union and nothing else. Adding an action adds its permissions
here, with no list to edit.

Scoping, in the IAM catalogue's terms:

* no wildcard action: each permission is named;
* each permission is granted on the resource types the catalogue lists for it
  (``arn:aws:iam::*:user/*`` for ``iam:UpdateAccessKey``), on the service's ARNs in
  the account when that is more than a few types (``ec2:CreateTags``), and on ``*``
  only for the actions that have no resource type (``ec2:DescribeInstances``);
* ``iam:PassRole`` — needed only to re-attach an instance profile when an EC2
  isolation is rolled back — is granted on the roles named in ``passable_roles``
  and only towards EC2; with none named it is left out, and that rollback fails
  with access denied rather than letting the responder pass any role;
* the responder may not change its own role's policies (an explicit deny), so
  ``iam:AttachRolePolicy`` — needed to roll back a detach — cannot make it an
  administrator of itself.

What remains wide is inherent to incident response: any user, role, key or bucket
a finding names can be the target, so resource names are wildcards. The exemption
tag and the approval gate, not the policy, keep a run on its target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from cloudwarden.iam import catalog
from cloudwarden.respond.actions.base import Action, all_actions

POLICY_VERSION = "2012-10-17"
PASS_ROLE = "iam:PassRole"
DEFAULT_RESPONDER_ROLE = "cloudwarden-responder"
SELF_PROTECTED = (
    "iam:AttachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
)

MAX_PATTERNS = 4
_GLOBAL_SERVICES = frozenset({"iam", "organizations", "route53", "cloudfront"})
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def responder_permissions(actions: Iterable[Action] | None = None) -> list[str]:
    """Every IAM action the response actions need, sorted, without duplicates."""
    chosen = all_actions() if actions is None else list(actions)
    perms = {perm for act in chosen for perm in act.permissions}
    for perm in perms:
        service, sep, name = perm.partition(":")
        if not sep or not service or not name or "*" in perm or "?" in perm:
            raise ValueError(f"response action permission {perm!r} is not service:Action")
    return sorted(perms)


def resource_patterns(permission: str, partition: str = "aws", account: str = "*") -> list[str]:
    """The ARN patterns of the resource types ``permission`` acts on, or ``["*"]``."""
    service = permission.partition(":")[0]
    info = catalog.action_info(permission)
    patterns: set[str] = set()
    for ref in info.resource_types:
        arn = catalog.resource_type_info(service, ref.name).arn_pattern
        patterns.add(_PLACEHOLDER.sub(lambda m: _fill(m.group(1), partition, account), arn))
    if len(patterns) > MAX_PATTERNS:
        # tagging and the like reach dozens of types: name the service and account instead
        region = "" if service in _GLOBAL_SERVICES else "*"
        return [f"arn:{partition}:{service}:{region}:{account}:*"]
    return sorted(patterns) or ["*"]


def _fill(name: str, partition: str, account: str) -> str:
    if name == "Partition":
        return partition
    if name == "Account":
        return account
    return "*"


def responder_policy(
    actions: Iterable[Action] | None = None,
    *,
    partition: str = "aws",
    account: str = "*",
    passable_roles: Sequence[str] = (),
    responder_role: str = DEFAULT_RESPONDER_ROLE,
) -> dict[str, Any]:
    """An identity policy allowing exactly what the (registered) response actions need.

    ``account`` narrows every ARN to one account (the responder role lives in each
    account it acts on); ``passable_roles`` are the role ARNs (patterns allowed) that
    an EC2 rollback may pass; ``responder_role`` is the role this policy is attached
    to, which it may not modify.
    """
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    needs_pass_role = False
    for perm in responder_permissions(actions):
        if perm == PASS_ROLE:
            needs_pass_role = True
            continue
        key = (perm.partition(":")[0], tuple(resource_patterns(perm, partition, account)))
        grouped.setdefault(key, []).append(perm)
    statements: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for (service, resources), perms in sorted(grouped.items()):
        counts[service] = counts.get(service, 0) + 1
        statements.append(
            {
                "Sid": f"Responder{_sid(service)}{counts[service]}",
                "Effect": "Allow",
                "Action": perms,
                "Resource": list(resources) if len(resources) > 1 else resources[0],
            }
        )
    if needs_pass_role and passable_roles:
        statements.append(
            {
                "Sid": "ResponderPassInstanceRoles",
                "Effect": "Allow",
                "Action": PASS_ROLE,
                "Resource": list(passable_roles),
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            }
        )
    statements.append(
        {
            "Sid": "ResponderNeverChangesItself",
            "Effect": "Deny",
            "Action": list(SELF_PROTECTED),
            "Resource": f"arn:{partition}:iam::{account}:role/{responder_role}",
        }
    )
    return {"Version": POLICY_VERSION, "Statement": statements}


def _sid(service: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", service) if part)
