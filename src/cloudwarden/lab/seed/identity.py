"""Identity & incident-response weaknesses, each beside a compliant twin.

Resource-level weaknesses (users, policies, trust policies) live in the ``dev``
account next to their twins. Account-level ones are missing in ``dev`` and set up
correctly in ``prod``: password policy, security contact, support role,
incident-response role, break-glass role and Identity Center access. The
management account keeps the security team's responder role, and an
incident-response role whose trust names a whole account instead of the responders.

What moto cannot show is not planted: root MFA and root keys (moto has no root user
to configure), credential age and last use (moto cannot backdate), and Access
Analyzer (no backend). Those checks FAIL or are NOT_ASSESSED everywhere in the lab.
"""

from __future__ import annotations

import json
from typing import Any

from cloudwarden.lab.org import LabEnv

AWS_POLICY = "arn:aws:iam::aws:policy/{}"
RESPONDER = "cw-lab-security-responder"
GITHUB = "token.actions.githubusercontent.com"
VENDOR_ACCOUNT = "999988887777"
PURPOSE = "cloudwarden:purpose"
#: users with a long-term access key, as developers' scripts use them: the keys the attack
#: simulator's leaked-key and policy-version scenarios sign with (``lab/attacks``)
KEY_USERS = ("cw-lab-admin-user", "cw-lab-direct-policy")

ADMIN_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
REPORTS_DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::cw-lab-reports/*",
        }
    ],
}


def seed(env: LabEnv) -> None:
    _dev_users(env)
    _dev_policies(env)
    _dev_trusts(env)
    _responders(env)
    _account_settings(env)
    _identity_center(env)


def _trust(
    principal: Any, condition: dict[str, Any] | None = None, action: str = "sts:AssumeRole"
) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _role(
    iam: Any, name: str, trust: str, *policies: str, tags: dict[str, str] | None = None
) -> None:
    tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust, Tags=tag_list)
    for arn in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)


def _dev_users(env: LabEnv) -> None:
    iam = env.client("dev", "iam")
    iam.create_group(GroupName="cw-lab-readers")
    iam.attach_group_policy(
        GroupName="cw-lab-readers", PolicyArn=AWS_POLICY.format("ReadOnlyAccess")
    )
    iam.create_group(GroupName="cw-lab-admins")
    iam.attach_group_policy(
        GroupName="cw-lab-admins", PolicyArn=AWS_POLICY.format("AdministratorAccess")
    )
    for name, group in (
        ("cw-lab-console-no-mfa", "cw-lab-readers"),
        ("cw-lab-console-mfa", "cw-lab-readers"),
        ("cw-lab-group-member", "cw-lab-readers"),
        ("cw-lab-admin-user", "cw-lab-admins"),
        ("cw-lab-direct-policy", None),
    ):
        iam.create_user(UserName=name)
        if group:
            iam.add_user_to_group(GroupName=group, UserName=name)
    for name in ("cw-lab-console-no-mfa", "cw-lab-console-mfa"):
        iam.create_login_profile(UserName=name, Password="Lab-Only-Passw0rd!")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="cw-lab-console-mfa")
    iam.enable_mfa_device(
        UserName="cw-lab-console-mfa",
        SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.attach_user_policy(
        UserName="cw-lab-direct-policy", PolicyArn=AWS_POLICY.format("ReadOnlyAccess")
    )
    for name in KEY_USERS:
        iam.create_access_key(UserName=name)


def _dev_policies(env: LabEnv) -> None:
    iam = env.client("dev", "iam")
    lambda_trust = _trust({"Service": "lambda.amazonaws.com"})
    for policy, role in (
        ("cw-lab-full-admin", "cw-lab-legacy-automation"),
        ("cw-lab-scoped-writer", "cw-lab-report-writer"),
    ):
        doc = ADMIN_DOC if policy == "cw-lab-full-admin" else REPORTS_DOC
        arn = iam.create_policy(PolicyName=policy, PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
        _role(iam, role, lambda_trust, arn)
    for role, doc in (("cw-lab-inline-admin", ADMIN_DOC), ("cw-lab-inline-scoped", REPORTS_DOC)):
        _role(iam, role, lambda_trust)
        iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps(doc))


def _dev_trusts(env: LabEnv) -> None:
    iam = env.client("dev", "iam")
    org_id = env.client("management", "organizations").describe_organization()["Organization"]["Id"]
    _role(iam, "cw-lab-open-trust", _trust({"AWS": "*"}))
    _role(
        iam,
        "cw-lab-org-trust",
        _trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": org_id}}),
    )
    provider = iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["1" * 40]
    )["OpenIDConnectProviderArn"]
    web = "sts:AssumeRoleWithWebIdentity"
    audience = {f"{GITHUB}:aud": "sts.amazonaws.com"}
    _role(
        iam,
        "cw-lab-github-no-sub",
        _trust({"Federated": provider}, {"StringEquals": audience}, web),
    )
    subject = {**audience, f"{GITHUB}:sub": "repo:cw-lab/app:ref:refs/heads/main"}
    _role(
        iam,
        "cw-lab-github-with-sub",
        _trust({"Federated": provider}, {"StringEquals": subject}, web),
    )
    vendor = {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"}
    _role(iam, "cw-lab-vendor-no-external-id", _trust(vendor))
    external_id = {"StringEquals": {"sts:ExternalId": "cw-lab-7f3a9c"}}
    _role(iam, "cw-lab-vendor-external-id", _trust(vendor, external_id))


def _responders(env: LabEnv) -> None:
    """The security team's role in management, and the roles it relies on in prod."""
    management = env.account_id("management")
    mgmt_iam = env.client("management", "iam")
    _role(mgmt_iam, RESPONDER, _trust({"AWS": f"arn:aws:iam::{management}:root"}))
    responder = _trust({"AWS": f"arn:aws:iam::{management}:role/{RESPONDER}"})
    audit = AWS_POLICY.format("SecurityAudit")
    _role(
        mgmt_iam,
        "cw-lab-incident-response",
        _trust({"AWS": f"arn:aws:iam::{management}:root"}),
        audit,
        tags={PURPOSE: "incident-response"},
    )
    prod_iam = env.client("prod", "iam")
    _role(
        prod_iam, "cw-lab-incident-response", responder, audit, tags={PURPOSE: "incident-response"}
    )
    _role(prod_iam, "cw-lab-support", responder, AWS_POLICY.format("AWSSupportAccess"))
    _role(
        prod_iam,
        "cw-lab-break-glass",
        responder,
        AWS_POLICY.format("AdministratorAccess"),
        tags={PURPOSE: "break-glass"},
    )


def _account_settings(env: LabEnv) -> None:
    env.client("dev", "iam").update_account_password_policy(MinimumPasswordLength=8)
    env.client("prod", "iam").update_account_password_policy(
        MinimumPasswordLength=14,
        PasswordReusePrevention=24,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )
    env.client("prod", "account").put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress="security@lab.cloudwarden.invalid",
        Name="cw-lab security team",
        PhoneNumber="+1-555-0100",
        Title="Security operations",
    )


def _identity_center(env: LabEnv) -> None:
    """Operators reach prod through an Identity Center permission set; dev has no assignment."""
    sso = env.client("management", "sso-admin")
    instance = sso.list_instances()["Instances"][0]
    store = env.client("management", "identitystore")
    group = store.create_group(
        IdentityStoreId=instance["IdentityStoreId"], DisplayName="cw-lab-prod-operators"
    )["GroupId"]
    permission_set = sso.create_permission_set(
        InstanceArn=instance["InstanceArn"], Name="cw-lab-ReadOnly", SessionDuration="PT1H"
    )["PermissionSet"]["PermissionSetArn"]
    sso.attach_managed_policy_to_permission_set(
        InstanceArn=instance["InstanceArn"],
        PermissionSetArn=permission_set,
        ManagedPolicyArn=AWS_POLICY.format("ReadOnlyAccess"),
    )
    sso.create_account_assignment(
        InstanceArn=instance["InstanceArn"],
        TargetId=env.account_id("prod"),
        TargetType="AWS_ACCOUNT",
        PermissionSetArn=permission_set,
        PrincipalType="GROUP",
        PrincipalId=group,
    )
