"""Recognising the roles an account keeps ready for bad days: incident response, break-glass.

A role's purpose is read from the tag ``cloudwarden:purpose`` (``incident-response``,
``break-glass``) when the owner set it, and otherwise inferred: an incident-response
role is one that people can assume and that carries AWS's read-only investigation
policies (``SecurityAudit`` or ``ReadOnlyAccess``); a break-glass role is named so
(``break-glass``, ``breakglass``, ``emergency-access``). Roles only AWS services can
assume are never counted: they cannot serve a responder.
"""

from __future__ import annotations

import re

from cloudwarden.checks.builtin.iam._policy import attached_policy_arns
from cloudwarden.checks.builtin.iam._trust import trusted_principals
from cloudwarden.model import Resource

PURPOSE_TAG = "cloudwarden:purpose"
INCIDENT_RESPONSE = "incident-response"
BREAK_GLASS = "break-glass"
INVESTIGATION_POLICIES = ("SecurityAudit", "ReadOnlyAccess")
_BREAK_GLASS_NAME = re.compile(r"break[-_ ]?glass|emergency[-_ ]?access", re.IGNORECASE)


def tag(resource: Resource, key: str) -> str | None:
    for item in resource.data.get("Tags") or []:
        if isinstance(item, dict) and item.get("Key") == key:
            return str(item.get("Value", ""))
    return None


def assumable_by_people(role: Resource) -> bool:
    """True when an AWS or federated principal (not only a service) can assume the role."""
    document = role.data.get("AssumeRolePolicyDocument")
    return any(p.kind in ("AWS", "Federated", "NotPrincipal") for p in trusted_principals(document))


def aws_managed(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


def incident_response_basis(role: Resource, partition: str) -> str | None:
    """Why ``role`` counts as an incident-response role, or None when it does not."""
    if not assumable_by_people(role):
        return None
    if tag(role, PURPOSE_TAG) == INCIDENT_RESPONSE:
        return f"tagged {PURPOSE_TAG}={INCIDENT_RESPONSE}"
    attached = set(attached_policy_arns(role))
    for name in INVESTIGATION_POLICIES:
        if aws_managed(partition, name) in attached:
            return f"has the AWS managed {name} policy attached"
    return None


def is_break_glass(role: Resource) -> bool:
    if not assumable_by_people(role):
        return False
    return tag(role, PURPOSE_TAG) == BREAK_GLASS or bool(_BREAK_GLASS_NAME.search(role.name))
