"""Risky capabilities: what a principal may do on every resource (``*``), by category.

Categories follow the usual split of IAM risk (Cloudsplaining's, among others):

- ``privilege_escalation``: the principal has a path to admin (the actions of its
  first hop are listed);
- ``data_exfiltration``: reading objects, parameters and secrets;
- ``resource_exposure``: every action the IAM catalogue files under "Permissions
  management" (changing who may access a resource);
- ``credentials_exposure``: actions that return or create credentials;
- ``infrastructure_modification``: write actions that change the attack surface or the
  defences of an account (network openings, compute code, logging, detection, keys).

Candidate actions come from the principal's Allow statements, expanded with the
catalogue; each candidate is then decided by the engine on ``*`` (so denies,
boundaries, SCPs and conditions count). Effective admins hold every category in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from cloudwarden.iam.analysis.oracle import Oracle
from cloudwarden.iam.analysis.records import EscalationPath, RiskyCapability
from cloudwarden.iam.catalog import action_info, expand_action, service_actions, services
from cloudwarden.iam.evaluate import PolicySet
from cloudwarden.iam.policy import Policy, Statement
from cloudwarden.iam.request import Request
from cloudwarden.model import Resource

__all__ = ["CATEGORIES", "category_actions", "find_risky"]

CATEGORIES = (
    "privilege_escalation",
    "data_exfiltration",
    "resource_exposure",
    "credentials_exposure",
    "infrastructure_modification",
)
_DATA_EXFILTRATION = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "secretsmanager:GetSecretValue",
    "dynamodb:Scan",
    "rds:CopyDBSnapshot",
    "ec2:CreateSnapshot",
    "ec2:ModifySnapshotAttribute",
)
_CREDENTIALS_EXPOSURE = (
    "chime:CreateApiKey",
    "codepipeline:PollForJobs",
    "cognito-identity:GetOpenIdToken",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    "cognito-identity:GetCredentialsForIdentity",
    "connect:GetFederationToken",
    "ec2:GetPasswordData",
    "ecr:GetAuthorizationToken",
    "gamelift:RequestUploadCredentials",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UpdateAccessKey",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "rds-db:Connect",
    "redshift:GetClusterCredentials",
    "sso:GetRoleCredentials",
    "mediapackage:RotateChannelCredentials",
    "mediapackage:RotateIngestEndpointCredentials",
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:GetFederationToken",
    "sts:GetSessionToken",
)
# Write actions that change an account's attack surface or its defences
_INFRASTRUCTURE = (
    "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "ec2:ModifyInstanceAttribute", "ec2:CreateRoute", "ec2:ReplaceRoute",
    "ec2:CreateVpcPeeringConnection", "ec2:AttachInternetGateway", "ec2:ModifySnapshotAttribute",
    "ec2:ModifyImageAttribute", "ec2:DeleteFlowLogs", "ec2:TerminateInstances",
    "ec2:RunInstances", "ec2:ModifyVpcEndpoint", "ec2:CreateNetworkAclEntry",
    "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:CreateFunction",
    "lambda:DeleteFunction", "cloudformation:CreateStack", "cloudformation:UpdateStack",
    "cloudformation:DeleteStack", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors", "config:StopConfigurationRecorder",
    "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
    "guardduty:DeleteDetector", "guardduty:UpdateDetector", "securityhub:DisableSecurityHub",
    "kms:ScheduleKeyDeletion", "kms:DisableKey", "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
    "rds:ModifyDBSnapshotAttribute", "s3:DeleteBucket", "s3:PutBucketPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
    "route53:ChangeResourceRecordSets", "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:ModifyListener", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL",
    "organizations:LeaveOrganization", "organizations:DetachPolicy",
    "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy",
)  # fmt: skip


@cache
def category_actions(category: str) -> frozenset[str]:
    """The catalogue actions of one category (lower-case names)."""
    if category == "data_exfiltration":
        return frozenset(a.lower() for a in _DATA_EXFILTRATION)
    if category == "credentials_exposure":
        return frozenset(a.lower() for a in _CREDENTIALS_EXPOSURE)
    if category == "resource_exposure":
        pool = (a for s in services() for a in service_actions(s))
        return frozenset(
            a.lower() for a in pool if "Permissions management" in action_info(a).access_level
        )
    if category == "infrastructure_modification":
        return frozenset(a.lower() for a in _INFRASTRUCTURE)
    return frozenset()


@cache
def _expand(patterns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(a.lower() for p in patterns for a in expand_action(p))


@cache
def _every_action() -> frozenset[str]:
    return _expand(("*",))


def _allowed_patterns(statements: Iterable[Statement]) -> frozenset[str]:
    """Catalogue actions some Allow statement names (before any engine decision)."""
    found: set[str] = set()
    for st in statements:
        if st.effect != "Allow":
            continue
        if st.not_actions is not None:
            found |= _every_action() - _expand(tuple(st.not_actions))
        else:
            found |= _expand(tuple(st.actions or ()))
    return frozenset(found)


Found = list[tuple[str, list[str]]]


def _signature(who: Resource, policies: PolicySet) -> tuple[object, ...] | None:
    """Principals with the same parsed policies, kind and account get the same answers on
    ``*`` unless a statement has a condition or a policy variable (which may read the
    principal's own name, tags or ARN); those are decided one by one."""
    every: list[Policy] = [*policies.identity_policies]
    if policies.permission_boundary is not None:
        every.append(policies.permission_boundary)
    every += [p for level in policies.scps or () for p in level]
    for policy in every:
        for st in policy.statements:
            resources = st.resources or st.not_resources or ()
            if st.conditions or any("${" in r for r in resources):
                return None
    return (
        who.type,
        who.account,
        tuple(id(p) for p in policies.identity_policies),
        id(policies.permission_boundary),
        tuple(tuple(id(p) for p in level) for level in policies.scps or ()),
    )


def _decide(oracle: Oracle, who: Resource, policies: PolicySet) -> Found:
    statements = [st for p in policies.identity_policies for st in p.statements]
    candidates = _allowed_patterns(statements)
    compiled = oracle.identity_set(who)
    context = oracle.context(who)
    out: Found = []
    for category in CATEGORIES[1:]:
        pool = sorted(candidates & category_actions(category))
        allowed = [
            a for a in pool if compiled.decide(Request(who.arn, a, "*", context)) == "allowed"
        ]
        if allowed:
            out.append((category, [_canonical(a) for a in allowed]))
    return out


def _for_principal(
    oracle: Oracle, who: Resource, cache: dict[tuple[object, ...], Found]
) -> list[RiskyCapability]:
    policies = oracle.base_set(who)
    key = _signature(who, policies)
    found = cache.get(key) if key is not None else None
    if found is None:
        found = _decide(oracle, who, policies)
        if key is not None:
            cache[key] = found
    return [RiskyCapability(who.arn, c, names[:50], len(names)) for c, names in found]


@cache
def _canonical(action: str) -> str:
    try:
        return action_info(action).name
    except KeyError:
        return action


def find_risky(
    oracle: Oracle, principals: Sequence[Resource], paths: Sequence[EscalationPath]
) -> list[RiskyCapability]:
    """Risky capabilities of every principal, by category."""
    escalation: dict[str, set[str]] = {}
    for path in paths:
        escalation.setdefault(path.principal, set()).update(a for a, _ in path.hops[0].permissions)
    out: list[RiskyCapability] = []
    cache: dict[tuple[object, ...], Found] = {}
    for who in principals:
        if oracle.is_admin(who):
            out.extend(
                RiskyCapability(who.arn, c, ["*"], len(category_actions(c)) or 1)
                for c in CATEGORIES
            )
            continue
        actions = sorted(escalation.get(who.arn, ()))
        if actions:
            out.append(RiskyCapability(who.arn, CATEGORIES[0], actions, len(actions)))
        out.extend(_for_principal(oracle, who, cache))
    return out
