"""The lab organisation: a management account, two member accounts, OUs and SCPs.

    Root
    ├── management account           (the organisation's payer; SCPs don't apply to it)
    ├── OU Security
    └── OU Workloads
        ├── OU Prod  ── account "prod"
        └── OU Dev   ── account "dev"

moto chooses member account ids itself, so seeders and the manifest name
accounts by role (``management``, ``prod``, ``dev``) and the :class:`LabEnv`
maps roles to ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from cloudwarden.lab.server import LAB_ACCESS_KEY, LAB_REGION, LAB_REGIONS, LAB_SECRET_KEY

ORG_ROLE = "OrganizationAccountAccessRole"
MEMBER_ROLES = ("prod", "dev")

DENY_LEAVE_ORG_SCP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyLeaveOrg",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        },
        {
            "Sid": "ProtectSecurityServices",
            "Effect": "Deny",
            "Action": [
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "guardduty:DeleteDetector",
                "config:StopConfigurationRecorder",
            ],
            "Resource": "*",
        },
    ],
}
REGION_GUARD_SCP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsideLabRegions",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(LAB_REGIONS)}},
        }
    ],
}


@dataclass
class LabEnv:
    """Clients into any lab account, by role name."""

    endpoint: str
    accounts: dict[str, str] = field(default_factory=dict)
    regions: tuple[str, ...] = LAB_REGIONS
    ous: dict[str, str] = field(default_factory=dict)
    # ARNs whose ids AWS picks at random (KMS keys, ...), published by seeders for the manifest
    refs: dict[str, str] = field(default_factory=dict)
    _creds: dict[str, dict[str, str]] = field(default_factory=dict)

    def client(self, account: str, service: str, region: str = LAB_REGION) -> Any:
        creds = self._creds.get(account) or {
            "aws_access_key_id": LAB_ACCESS_KEY,
            "aws_secret_access_key": LAB_SECRET_KEY,
        }
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            config=Config(retries={"max_attempts": 1}),
            **creds,
        )

    def account_id(self, role: str) -> str:
        return self.accounts[role]

    def arn_vars(self, role: str, region: str = LAB_REGION) -> dict[str, str]:
        return {"account": self.accounts[role], "region": region, "partition": "aws"}


def create_organization(endpoint: str) -> LabEnv:
    env = LabEnv(endpoint=endpoint)
    org = env.client("management", "organizations")
    mgmt = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    env.accounts["management"] = mgmt
    root_id = org.list_roots()["Roots"][0]["Id"]
    env.ous["root"] = root_id
    org.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    env.ous["security"] = _ou(org, root_id, "Security")
    env.ous["workloads"] = _ou(org, root_id, "Workloads")
    env.ous["prod"] = _ou(org, env.ous["workloads"], "Prod")
    env.ous["dev"] = _ou(org, env.ous["workloads"], "Dev")
    for role in MEMBER_ROLES:
        status = org.create_account(Email=f"{role}@lab.cloudwarden.invalid", AccountName=role)
        acct = status["CreateAccountStatus"]["AccountId"]
        env.accounts[role] = acct
        org.move_account(AccountId=acct, SourceParentId=root_id, DestinationParentId=env.ous[role])
        env._creds[role] = _assume(env, acct)
    _attach_scp(org, "cw-lab-guardrails", DENY_LEAVE_ORG_SCP, env.ous["workloads"])
    _attach_scp(org, "cw-lab-region-guard", REGION_GUARD_SCP, env.ous["prod"])
    return env


def _ou(org: Any, parent: str, name: str) -> str:
    return str(
        org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
    )


def _attach_scp(org: Any, name: str, doc: dict[str, Any], target: str) -> None:
    pol = org.create_policy(
        Content=json.dumps(doc), Description=name, Name=name, Type="SERVICE_CONTROL_POLICY"
    )
    org.attach_policy(PolicyId=pol["Policy"]["PolicySummary"]["Id"], TargetId=target)


def _assume(env: LabEnv, account: str) -> dict[str, str]:
    sts = env.client("management", "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ORG_ROLE}", RoleSessionName="cloudwarden-lab"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }
