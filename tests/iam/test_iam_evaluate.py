"""Policy evaluation logic: one scenario per documented rule, decided on both paths."""

from __future__ import annotations

from typing import Any

import pytest
from iam_helpers import (
    ACCT,
    FED_USER,
    OTHER,
    OTHER_SESSION,
    OTHER_USER,
    ROLE,
    ROOT,
    SESSION,
    SLR_SESSION,
    USER,
    allow,
    decide,
    deny,
    policy,
    request,
)

from cloudwarden.iam import PolicySet, evaluate

EVAL = "Policy evaluation logic"
DENYALLOW = "How AWS enforcement code logic evaluates requests to allow or deny access"
XACCT = "Cross-account policy evaluation logic"
SCP = "AWS Organizations: Service control policies (SCPs)"
RCP = "AWS Organizations: Resource control policies (RCPs)"
PB = "Permissions boundaries for IAM entities"
SESS = "Session policies (Policies and permissions in IAM)"
PRIN = "AWS JSON policy elements: Principal"

OBJ = "arn:aws:s3:::bucket/key"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCT}:q"
OTHER_QUEUE = f"arn:aws:sqs:us-east-1:{OTHER}:q"

FULL = policy(allow())
S3_ALL = policy(allow("s3:*"))
S3_GET = policy(allow("s3:GetObject", OBJ))
EC2_ONLY = policy(allow("ec2:*"))
DENY_S3 = policy(deny("s3:*"))
DENY_ALL = policy(deny())


def bucket(principal: Any, effect: str = "Allow", **extra: Any) -> Any:
    return policy(
        {"Effect": effect, "Principal": principal, "Action": "s3:*", "Resource": "*", **extra}
    )


def queue_policy(principal: Any, effect: str = "Allow") -> Any:
    return policy({"Effect": effect, "Principal": principal, "Action": "sqs:*", "Resource": "*"})


def rcp(*statements: dict[str, Any]) -> Any:
    return policy(*statements)


RCP_DENY_EXTERNAL = rcp(
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    }
)
RCP_DENY_S3 = rcp({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})
RCP_DENY_SQS = rcp({"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*"})
RCP_DENY_EC2 = rcp({"Effect": "Deny", "Principal": "*", "Action": "ec2:*", "Resource": "*"})

# (id, principal, action, resource, policy set kwargs, context, expected, doc)
CASES: list[tuple[str, str, str, str, dict[str, Any], dict[str, Any], str, str]] = [
    # default deny, identity policies
    ("no-policies", USER, "s3:GetObject", OBJ, {}, {}, "implicit_deny", f"{DENYALLOW} — by default every request is implicitly denied"),
    ("identity-allow", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_GET]}, {}, "allowed", f"{DENYALLOW} — an identity-based Allow grants"),
    ("identity-other-action", USER, "s3:PutObject", OBJ, {"identity_policies": [S3_GET]}, {}, "implicit_deny", f"{DENYALLOW} — nothing allows this action"),
    ("identity-deny-wins", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL, DENY_S3]}, {}, "explicit_deny", f"{DENYALLOW} — an explicit deny overrides any allow"),
    ("identity-deny-same-policy", USER, "s3:GetObject", OBJ, {"identity_policies": [policy(allow(), deny("s3:Get*"))]}, {}, "explicit_deny", f"{EVAL} — Deny and Allow in one policy: Deny wins"),
    ("identity-deny-other-resource", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL, policy(deny("s3:*", "arn:aws:s3:::*log*"))]}, {}, "allowed", f"{EVAL} — a Deny on other resources does not apply"),
    ("identity-deny-logs", USER, "s3:GetObject", "arn:aws:s3:::app-logs/k", {"identity_policies": [FULL, policy(deny("s3:*", "arn:aws:s3:::*log*"))]}, {}, "explicit_deny", f"{EVAL} — Carlos example: the DenyS3Logs statement applies"),
    ("notaction-allow", USER, "ec2:RunInstances", "*", {"identity_policies": [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]}, {}, "allowed", "IAM JSON policy elements: NotAction — Allow with NotAction allows everything else"),
    ("notaction-allow-excluded", USER, "iam:CreateUser", "*", {"identity_policies": [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]}, {}, "implicit_deny", "IAM JSON policy elements: NotAction — the listed actions are not allowed"),
    ("notaction-deny", USER, "ec2:RunInstances", "*", {"identity_policies": [FULL, policy({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})]}, {}, "explicit_deny", "IAM JSON policy elements: NotAction — Deny with NotAction denies all other actions (MFA example)"),
    ("notaction-deny-mfa", USER, "ec2:RunInstances", "*", {"identity_policies": [FULL, policy({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})]}, {"aws:MultiFactorAuthPresent": "true"}, "allowed", "IAM JSON policy elements: NotAction — with MFA the condition is false"),
    ("notresource-allow", USER, "s3:GetObject", OBJ, {"identity_policies": [policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret*"})]}, {}, "allowed", "IAM JSON policy elements: NotResource — Allow on everything except"),
    ("notresource-excluded", USER, "s3:GetObject", "arn:aws:s3:::secret/k", {"identity_policies": [policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret*"})]}, {}, "implicit_deny", "IAM JSON policy elements: NotResource — the excluded resource is not allowed"),
    ("notresource-deny", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL, policy({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::public/*"})]}, {}, "explicit_deny", "IAM JSON policy elements: NotResource — Deny everything except"),
    ("resource-variable", USER, "s3:PutObject", "arn:aws:s3:::home/alice/f", {"identity_policies": [policy(allow("s3:PutObject", "arn:aws:s3:::home/${aws:username}/*"))]}, {}, "allowed", "IAM policy elements: Variables and tags — ${aws:username} in the Resource element"),
    ("resource-variable-other-user", USER, "s3:PutObject", "arn:aws:s3:::home/bob/f", {"identity_policies": [policy(allow("s3:PutObject", "arn:aws:s3:::home/${aws:username}/*"))]}, {}, "implicit_deny", "IAM policy elements: Variables and tags — another user's home is not matched"),
    ("resource-variable-session", SESSION, "s3:PutObject", "arn:aws:s3:::home/app/f", {"identity_policies": [policy(allow("s3:PutObject", "arn:aws:s3:::home/${aws:username}/*"))]}, {}, "implicit_deny", "IAM policy elements: Variables and tags — aws:username is absent for role sessions: no match"),
    ("resource-variable-default", SESSION, "s3:PutObject", "arn:aws:s3:::home/shared/f", {"identity_policies": [policy(allow("s3:PutObject", "arn:aws:s3:::home/${aws:username, 'shared'}/*"))]}, {}, "allowed", "IAM policy elements: Variables and tags — default value in the Resource element"),
    ("condition-fails", USER, "s3:GetObject", OBJ, {"identity_policies": [policy(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))]}, {"aws:SourceIp": "192.0.2.1"}, "implicit_deny", f"{EVAL} — a statement whose condition fails does not apply"),
    ("condition-holds", USER, "s3:GetObject", OBJ, {"identity_policies": [policy(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))]}, {"aws:SourceIp": "10.2.3.4"}, "allowed", f"{EVAL} — a statement whose condition holds applies"),
    ("deny-condition-false", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL, policy(deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}))]}, {"aws:SecureTransport": "true"}, "allowed", f"{EVAL} — a Deny whose condition fails does not apply"),
    ("deny-condition-true", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL, policy(deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}))]}, {"aws:SecureTransport": "false"}, "explicit_deny", f"{EVAL} — a Deny whose condition holds applies"),
    ("derived-region", USER, "sqs:SendMessage", QUEUE, {"identity_policies": [policy(allow("sqs:*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}))]}, {}, "allowed", "AWS global condition context keys — aws:RequestedRegion from the resource's region"),
    ("derived-principal-account", USER, "sqs:SendMessage", QUEUE, {"identity_policies": [policy(allow("sqs:*", Condition={"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}))]}, {}, "allowed", "AWS global condition context keys — aws:ResourceAccount / aws:PrincipalAccount"),
    # root user
    ("root-full-access", ROOT, "s3:DeleteBucket", "arn:aws:s3:::b", {}, {}, "allowed", f"{DENYALLOW} — the root user has full access to its own account"),
    ("root-identity-ignored", ROOT, "s3:DeleteBucket", "arn:aws:s3:::b", {"identity_policies": [DENY_ALL]}, {}, "allowed", f"{DENYALLOW} — identity-based policies do not apply to the root user"),
    ("root-scp-deny", ROOT, "s3:DeleteBucket", "arn:aws:s3:::b", {"scps": [[FULL], [DENY_S3]]}, {}, "explicit_deny", f"{SCP} — SCPs restrict the root user of member accounts"),
    ("root-scp-gap", ROOT, "s3:DeleteBucket", "arn:aws:s3:::b", {"scps": [[FULL], [EC2_ONLY]]}, {}, "implicit_deny", f"{SCP} — the root user needs an SCP Allow at every level"),
    ("root-rcp-deny", ROOT, "s3:GetObject", OBJ, {"rcps": [[RCP_DENY_S3]]}, {}, "explicit_deny", f"{RCP} — RCPs restrict the root user"),
    ("root-bucket-deny", ROOT, "s3:GetObject", OBJ, {"resource_policy": bucket("*", "Deny")}, {}, "explicit_deny", f"{DENYALLOW} — an explicit deny in a resource-based policy applies to the root user"),
    ("root-cross-account", f"arn:aws:iam::{OTHER}:root", "sqs:SendMessage", QUEUE, {"resource_policy": queue_policy({"AWS": OTHER})}, {}, "allowed", f"{XACCT} — the other account's root user, granted via the account"),
    ("root-cross-account-no-grant", f"arn:aws:iam::{OTHER}:root", "sqs:SendMessage", QUEUE, {}, {}, "implicit_deny", f"{XACCT} — the root user of another account needs the resource policy"),
    # SCPs
    ("scp-allows", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[FULL], [FULL], [FULL]]}, {}, "allowed", f"{SCP} — an Allow at every level (root, OU, account)"),
    ("scp-level-missing", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[FULL], [EC2_ONLY], [FULL]]}, {}, "implicit_deny", f"{SCP} — a level without an Allow implicitly denies"),
    ("scp-account-level-missing", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[FULL], [FULL], [EC2_ONLY]]}, {}, "implicit_deny", f"{SCP} — the account level needs an Allow too"),
    ("scp-empty-level", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[FULL], []]}, {}, "implicit_deny", f"{SCP} — a level with no policy has no Allow"),
    ("scp-deny", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[FULL, DENY_S3]]}, {}, "explicit_deny", f"{SCP} — a Deny in any SCP wins"),
    ("scp-does-not-grant", USER, "s3:GetObject", OBJ, {"scps": [[FULL]]}, {}, "implicit_deny", f"{SCP} — SCPs never grant permissions"),
    ("scp-allow-list", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL], "scps": [[FULL], [S3_ALL]]}, {}, "allowed", f"{SCP} — allow-list strategy: the OU allows s3"),
    ("scp-allow-list-other", USER, "ec2:RunInstances", "*", {"identity_policies": [FULL], "scps": [[FULL], [S3_ALL]]}, {}, "implicit_deny", f"{SCP} — allow-list strategy: other services are not allowed"),
    ("scp-region-deny", USER, "sqs:SendMessage", f"arn:aws:sqs:ap-south-1:{ACCT}:q", {"identity_policies": [FULL], "scps": [[policy(allow(), {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}})]]}, {}, "explicit_deny", f"{SCP} — region guard with aws:RequestedRegion"),
    ("scp-region-ok", USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "scps": [[policy(allow(), {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}}})]]}, {}, "allowed", f"{SCP} — region guard lets the allowed region through"),
    ("scp-management-exempt", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[DENY_ALL]], "principal_is_management_account": True}, {}, "allowed", f"{SCP} — SCPs do not affect principals of the management account"),
    ("scp-management-gap-exempt", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[EC2_ONLY]], "principal_is_management_account": True}, {}, "allowed", f"{SCP} — management account: no SCP Allow needed"),
    ("scp-slr-exempt", SLR_SESSION, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[DENY_ALL]]}, {}, "allowed", f"{SCP} — SCPs do not affect service-linked roles"),
    ("scp-slr-path", "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport", "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[DENY_ALL]]}, {}, "allowed", f"{SCP} — a role under /aws-service-role/ is service-linked"),
    ("scp-service-principal", "cloudtrail.amazonaws.com", "s3:PutObject", OBJ, {"resource_policy": bucket({"Service": "cloudtrail.amazonaws.com"}), "scps": [[DENY_ALL]]}, {}, "allowed", f"{SCP} — SCPs apply to IAM principals of member accounts, not service principals"),
    ("scp-cross-account-principal", OTHER_USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "resource_policy": queue_policy({"AWS": OTHER}), "scps": [[FULL], [policy(deny("sqs:*"))]]}, {}, "explicit_deny", f"{XACCT} — the SCPs of the principal's account apply"),
    ("scp-session", SESSION, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "scps": [[FULL], [DENY_S3]]}, {}, "explicit_deny", f"{SCP} — SCPs apply to role sessions"),
    ("scp-deny-beats-gap", USER, "s3:GetObject", OBJ, {"identity_policies": [DENY_S3], "scps": [[EC2_ONLY]]}, {}, "explicit_deny", f"{DENYALLOW} — explicit deny is reported before an SCP gap"),
    # RCPs
    ("rcp-full-access-implied", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "rcps": [[], []]}, {}, "allowed", f"{RCP} — RCPFullAWSAccess is attached at every level"),
    ("rcp-deny", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "rcps": [[], [RCP_DENY_S3]]}, {}, "explicit_deny", f"{RCP} — a Deny in an RCP wins"),
    ("rcp-perimeter-inside", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "rcps": [[RCP_DENY_EXTERNAL]]}, {"aws:PrincipalOrgID": "o-1"}, "allowed", f"{RCP} — identity perimeter: principals of the organisation pass"),
    ("rcp-perimeter-outside", OTHER_USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": bucket({"AWS": OTHER}), "resource_account": ACCT, "rcps": [[RCP_DENY_EXTERNAL]]}, {"aws:PrincipalOrgID": "o-2"}, "explicit_deny", f"{RCP} — identity perimeter: external principals are denied"),
    ("rcp-management-resource", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "rcps": [[RCP_DENY_S3]], "principal_is_management_account": True}, {}, "allowed", f"{RCP} — RCPs do not affect resources in the management account"),
    ("rcp-management-flag", OTHER_USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": bucket({"AWS": OTHER}), "resource_account": ACCT, "rcps": [[RCP_DENY_S3]], "resource_is_management_account": True}, {}, "allowed", f"{RCP} — cross-account into the management account: RCPs do not apply"),
    ("rcp-unsupported-service", USER, "ec2:RunInstances", "*", {"identity_policies": [FULL], "rcps": [[RCP_DENY_EC2]]}, {}, "allowed", f"{RCP} — RCPs apply only to the services that support them"),
    ("rcp-sqs", USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "rcps": [[RCP_DENY_SQS]]}, {}, "explicit_deny", f"{RCP} — SQS supports RCPs"),
    ("rcp-service-principal", "cloudtrail.amazonaws.com", "s3:PutObject", OBJ, {"resource_policy": bucket({"Service": "cloudtrail.amazonaws.com"}), "rcps": [[RCP_DENY_S3]]}, {}, "explicit_deny", f"{RCP} — RCPs restrict AWS service principals too (confused-deputy examples)"),
    ("rcp-service-principal-exempted", "cloudtrail.amazonaws.com", "s3:PutObject", OBJ, {"resource_policy": bucket({"Service": "cloudtrail.amazonaws.com"}), "rcps": [[rcp({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:PrincipalIsAWSService": "false"}}})]]}, {}, "allowed", f"{RCP} — aws:PrincipalIsAWSService exempts service principals"),
    ("rcp-slr-exempt", SLR_SESSION, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "rcps": [[RCP_DENY_S3]]}, {}, "allowed", f"{RCP} — service-linked roles are not restricted (choice, see docs)"),
    ("rcp-does-not-grant", USER, "s3:GetObject", OBJ, {"rcps": [[rcp({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})]]}, {}, "implicit_deny", f"{RCP} — RCPs never grant permissions"),
    # permissions boundaries
    ("boundary-intersection", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL], "permission_boundary": S3_ALL}, {}, "allowed", f"{PB} — allowed by both identity policy and boundary"),
    ("boundary-limits", USER, "ec2:RunInstances", "*", {"identity_policies": [FULL], "permission_boundary": S3_ALL}, {}, "implicit_deny", f"{PB} — the boundary limits identity-based permissions"),
    ("boundary-does-not-grant", USER, "s3:GetObject", OBJ, {"permission_boundary": S3_ALL}, {}, "implicit_deny", f"{PB} — a boundary alone grants nothing"),
    ("boundary-deny", USER, "s3:GetObject", OBJ, {"identity_policies": [FULL], "permission_boundary": policy(allow(), deny("s3:Get*"))}, {}, "explicit_deny", f"{PB} — an explicit deny in the boundary wins"),
    ("boundary-role-session", SESSION, "ec2:RunInstances", "*", {"identity_policies": [FULL], "permission_boundary": S3_ALL}, {}, "implicit_deny", f"{PB} — boundaries limit role sessions"),
    ("boundary-resource-user", USER, "s3:GetObject", OBJ, {"permission_boundary": EC2_ONLY, "resource_policy": bucket({"AWS": USER})}, {}, "allowed", f"{DENYALLOW} — resource policy naming the IAM user is not limited by the boundary"),
    ("boundary-resource-session", SESSION, "s3:GetObject", OBJ, {"permission_boundary": EC2_ONLY, "resource_policy": bucket({"AWS": SESSION})}, {}, "allowed", f"{DENYALLOW} — resource policy naming the role session is not limited by the boundary"),
    ("boundary-resource-role", SESSION, "s3:GetObject", OBJ, {"permission_boundary": EC2_ONLY, "resource_policy": bucket({"AWS": ROLE})}, {}, "implicit_deny", f"{DENYALLOW} — resource policy naming the role ARN is limited by the boundary"),
    ("boundary-resource-role-within", SESSION, "s3:GetObject", OBJ, {"permission_boundary": S3_ALL, "resource_policy": bucket({"AWS": ROLE})}, {}, "allowed", f"{DENYALLOW} — role ARN grant inside the boundary needs no identity policy"),
    ("boundary-resource-account", USER, "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": ACCT})}, {}, "implicit_deny", f"{PRIN} — naming the account delegates to its identity-based policies"),
    ("boundary-resource-account-identity", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": bucket({"AWS": ACCT})}, {}, "allowed", f"{PRIN} — account grant plus identity-based Allow"),
    ("boundary-resource-wildcard", USER, "s3:GetObject", OBJ, {"permission_boundary": EC2_ONLY, "resource_policy": bucket("*")}, {}, "allowed", f"{PRIN} — Principal * grants IAM principals of the account without other permissions"),
    ("boundary-notprincipal-quirk", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "permission_boundary": S3_ALL, "resource_policy": policy({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{ACCT}:root"]}, "Action": "s3:*", "Resource": "*"})}, {}, "explicit_deny", f"{PB} — a Deny with NotPrincipal always denies principals with a boundary"),
    ("notprincipal-spared", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": policy({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{ACCT}:root"]}, "Action": "s3:*", "Resource": "*"})}, {}, "allowed", "AWS JSON policy elements: NotPrincipal — the listed principal is not denied"),
    ("notprincipal-denied", SESSION, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": policy({"Effect": "Deny", "NotPrincipal": {"AWS": [USER, f"arn:aws:iam::{ACCT}:root"]}, "Action": "s3:*", "Resource": "*"})}, {}, "explicit_deny", "AWS JSON policy elements: NotPrincipal — everyone else is denied"),
    ("notprincipal-allow", SESSION, "s3:GetObject", OBJ, {"resource_policy": policy({"Effect": "Allow", "NotPrincipal": {"AWS": USER}, "Action": "s3:*", "Resource": "*"})}, {}, "allowed", "AWS JSON policy elements: NotPrincipal — Allow with NotPrincipal grants everyone else"),
    # session policies
    ("session-intersection", SESSION, "s3:GetObject", OBJ, {"identity_policies": [FULL], "session_policy": S3_ALL}, {}, "allowed", f"{SESS} — session permissions: identity ∩ session policy"),
    ("session-limits", SESSION, "ec2:RunInstances", "*", {"identity_policies": [FULL], "session_policy": S3_ALL}, {}, "implicit_deny", f"{SESS} — the session policy limits the session"),
    ("session-does-not-grant", SESSION, "s3:GetObject", OBJ, {"identity_policies": [EC2_ONLY], "session_policy": S3_ALL}, {}, "implicit_deny", f"{SESS} — a session policy cannot grant more than the role"),
    ("session-deny", SESSION, "s3:GetObject", OBJ, {"identity_policies": [FULL], "session_policy": policy(allow(), deny("s3:*"))}, {}, "explicit_deny", f"{SESS} — an explicit deny in the session policy wins"),
    ("session-resource-session-arn", SESSION, "s3:GetObject", OBJ, {"identity_policies": [EC2_ONLY], "session_policy": EC2_ONLY, "resource_policy": bucket({"AWS": SESSION})}, {}, "allowed", f"{SESS} — resource policy naming the session ARN is not limited by the session policy"),
    ("session-resource-role-arn", SESSION, "s3:GetObject", OBJ, {"identity_policies": [EC2_ONLY], "session_policy": EC2_ONLY, "resource_policy": bucket({"AWS": ROLE})}, {}, "implicit_deny", f"{SESS} — resource policy naming the role ARN is limited by the session policy"),
    ("session-resource-role-arn-ok", SESSION, "s3:GetObject", OBJ, {"identity_policies": [EC2_ONLY], "session_policy": S3_ALL, "resource_policy": bucket({"AWS": ROLE})}, {}, "allowed", f"{SESS} — role ARN grant within the session policy"),
    ("session-policy-ignored-for-user", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "session_policy": EC2_ONLY}, {}, "allowed", f"{DENYALLOW} — session policies only apply to session principals"),
    ("federated-no-session-policy", FED_USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL]}, {}, "implicit_deny", f"{DENYALLOW} — a federated user session without a session policy is denied"),
    ("federated-session-policy", FED_USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "session_policy": S3_ALL}, {}, "allowed", f"{DENYALLOW} — federated user: identity ∩ session policy"),
    ("federated-resource-direct", FED_USER, "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": FED_USER})}, {}, "allowed", f"{DENYALLOW} — resource policy naming the federated user session grants directly"),
    ("role-session-no-session-policy", SESSION, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL]}, {}, "allowed", f"{DENYALLOW} — a role session without a session policy is allowed by its role's policies"),
    # resource-based policies, same account
    ("resource-user-alone", USER, "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": USER})}, {}, "allowed", f"{EVAL} — same account: a resource-based Allow alone suffices"),
    ("resource-session-alone", SESSION, "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": SESSION})}, {}, "allowed", f"{DENYALLOW} — same account: grant to the session ARN"),
    ("resource-role-alone", SESSION, "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": ROLE})}, {}, "allowed", f"{DENYALLOW} — same account: grant to the role ARN (no boundary or session policy)"),
    ("resource-other-user", USER, "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": f"arn:aws:iam::{ACCT}:user/bob"})}, {}, "implicit_deny", f"{EVAL} — the resource policy names someone else"),
    ("resource-deny", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": bucket({"AWS": USER}, "Deny")}, {}, "explicit_deny", f"{EVAL} — a Deny in the resource-based policy wins"),
    ("resource-deny-wildcard-condition", USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": bucket("*", "Deny", Condition={"Bool": {"aws:SecureTransport": "false"}})}, {"aws:SecureTransport": "false"}, "explicit_deny", f"{EVAL} — bucket policy denying insecure transport"),
    ("resource-union", USER, "s3:GetObject", OBJ, {"identity_policies": [EC2_ONLY], "resource_policy": bucket({"AWS": USER})}, {}, "allowed", f"{EVAL} — same account: permissions are the union of both"),
    ("resource-anonymous", "anonymous", "s3:GetObject", OBJ, {"resource_policy": bucket("*")}, {}, "allowed", f"{PRIN} — Principal * grants anonymous (public) access"),
    ("resource-anonymous-not-account", "anonymous", "s3:GetObject", OBJ, {"resource_policy": bucket({"AWS": ACCT})}, {}, "implicit_deny", f"{PRIN} — an account grant does not cover anonymous callers"),
    ("service-principal-grant", "cloudtrail.amazonaws.com", "s3:PutObject", OBJ, {"resource_policy": bucket({"Service": "cloudtrail.amazonaws.com"})}, {}, "allowed", f"{PRIN} — service principal named in a resource-based policy"),
    ("service-principal-no-grant", "cloudtrail.amazonaws.com", "s3:PutObject", OBJ, {"identity_policies": [FULL]}, {}, "implicit_deny", f"{PRIN} — a service principal needs a resource-based grant"),
    ("service-principal-condition", "cloudtrail.amazonaws.com", "s3:PutObject", OBJ, {"resource_policy": bucket({"Service": "cloudtrail.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": ACCT}})}, {"aws:SourceAccount": OTHER}, "implicit_deny", "The confused deputy problem — aws:SourceAccount condition on a service principal"),
    # cross-account
    ("xacct-both", OTHER_USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "resource_policy": queue_policy({"AWS": OTHER})}, {}, "allowed", f"{XACCT} — identity policy in the trusted account and resource policy in the trusting account"),
    ("xacct-no-identity", OTHER_USER, "sqs:SendMessage", QUEUE, {"resource_policy": queue_policy({"AWS": OTHER_USER})}, {}, "implicit_deny", f"{XACCT} — the principal's identity-based policy must also allow"),
    ("xacct-no-resource", OTHER_USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL]}, {}, "implicit_deny", f"{XACCT} — without a resource-based policy there is no cross-account access"),
    ("xacct-wrong-account", OTHER_USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "resource_policy": queue_policy({"AWS": "999988887777"})}, {}, "implicit_deny", f"{XACCT} — the resource policy must name the principal or its account"),
    ("xacct-session-role-grant", OTHER_SESSION, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "resource_policy": queue_policy({"AWS": f"arn:aws:iam::{OTHER}:role/ext"})}, {}, "allowed", f"{XACCT} — role ARN named in the resource policy, role allows"),
    ("xacct-boundary", OTHER_USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "permission_boundary": S3_ALL, "resource_policy": queue_policy({"AWS": OTHER_USER})}, {}, "implicit_deny", f"{XACCT} — the principal's boundary still limits cross-account requests"),
    ("xacct-session-policy", OTHER_SESSION, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "session_policy": S3_ALL, "resource_policy": queue_policy({"AWS": OTHER_SESSION})}, {}, "implicit_deny", f"{XACCT} — the session policy still limits cross-account requests"),
    ("xacct-resource-deny", OTHER_USER, "sqs:SendMessage", QUEUE, {"identity_policies": [FULL], "resource_policy": policy({"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sqs:*", "Resource": "*"}, {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"})}, {}, "explicit_deny", f"{XACCT} — an explicit deny in either account wins"),
    ("xacct-resource-account-field", OTHER_USER, "s3:GetObject", OBJ, {"identity_policies": [FULL], "resource_policy": bucket({"AWS": OTHER}), "resource_account": ACCT}, {}, "allowed", f"{XACCT} — S3 ARNs carry no account: the resource account is given"),
    ("xacct-resource-account-no-grant", OTHER_USER, "s3:GetObject", OBJ, {"identity_policies": [FULL], "resource_account": ACCT}, {}, "implicit_deny", f"{XACCT} — cross-account S3 needs the bucket policy"),
    ("xacct-public", OTHER_USER, "s3:GetObject", OBJ, {"identity_policies": [S3_ALL], "resource_policy": bucket("*"), "resource_account": ACCT}, {}, "allowed", f"{PRIN} — Principal *: principals of other accounts also need identity permissions (they have them)"),
    ("xacct-public-no-identity", OTHER_USER, "s3:GetObject", OBJ, {"resource_policy": bucket("*"), "resource_account": ACCT}, {}, "implicit_deny", f"{PRIN} — Principal *: principals of other accounts need identity-based permissions"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "principal", "action", "resource", "policies", "context", "expected", "doc"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_evaluation(
    case: str,
    principal: str,
    action: str,
    resource: str,
    policies: dict[str, Any],
    context: dict[str, Any],
    expected: str,
    doc: str,
) -> None:
    assert decide(request(principal, action, resource, context), **policies) == expected, doc


def test_explanation_reports_layers_and_condition_failure() -> None:
    identity = policy(
        allow("s3:*", Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
        deny("ec2:*"),
    )
    decision = evaluate(
        request(USER, context={"aws:PrincipalTag/team": "red"}),
        PolicySet(identity_policies=[identity], scps=[[FULL]]),
    )
    assert decision.decision == "implicit_deny"
    assert decision.explanation is not None
    layer = decision.explanation.layer("identity")
    first, second = layer.statements
    assert first.reason == "condition"
    assert first.condition is not None
    assert first.condition.actual == ("red",)
    assert second.reason == "action"
    assert decision.explanation.layer("scp").level_allows == (True,)
    assert not decision.explanation.layer("boundary").applies
    as_dict = decision.to_dict()
    assert as_dict["explanation"]["layers"]["identity"]["statements"][0]["condition"]["key"] == (
        "aws:PrincipalTag/team"
    )


def test_explanation_names_resource_grant_kind() -> None:
    decision = evaluate(request(SESSION), PolicySet(resource_policy=bucket({"AWS": ROLE})))
    assert decision.allowed
    assert decision.explanation is not None
    assert decision.explanation.layer("resource").statements[0].grant == "role"


def test_compiled_policy_set_decides_many_requests() -> None:
    from cloudwarden.iam import compile_policy_set

    compiled = compile_policy_set(PolicySet(identity_policies=[S3_GET]))
    assert compiled.decide(request()) == "allowed"
    assert compiled.decide(request(action="s3:PutObject")) == "implicit_deny"
    assert compiled.evaluate(request(), explain=False).explanation is None


def test_policy_set_accepts_lists() -> None:
    policies = PolicySet(identity_policies=[FULL], scps=[[FULL]], rcps=[[policy(allow())]])
    assert isinstance(policies.identity_policies, tuple)
    assert policies.scps == ((FULL,),)
