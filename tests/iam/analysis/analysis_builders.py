"""Build small accounts in memory for the analysis tests: users, groups, roles and managed
policies in the shapes of ``GetAccountAuthorizationDetails``, plus EC2 instances and
Lambda functions with their roles."""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.snapshot import AccountInfo, Snapshot
from cloudwarden.model import Resource

ACCT = "111122223333"
OTHER = "444455556666"
GLOBAL = "global"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(principal: dict[str, Any], action: str = "sts:AssumeRole") -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action})


def arn(kind: str, name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


class Account:
    """A mutable account under construction; ``snapshot()`` freezes it."""

    def __init__(self) -> None:
        self.resources: list[Resource] = []
        self.accounts = [ACCT]
        self.org: dict[str, Any] = {}
        self.ou_paths: dict[str, tuple[str, ...]] = {}

    def _add(
        self, rtype: str, arn_: str, data: dict[str, Any], account: str, region: str = GLOBAL
    ) -> str:
        name = arn_.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        self.resources.append(
            Resource(
                arn=arn_, type=rtype, account=account, region=region, id=name, name=name, data=data
            )
        )
        return arn_

    def managed(
        self, name: str, *versions: dict[str, Any], default: int = 0, account: str = ACCT
    ) -> str:
        a = ADMIN_ARN if name == "AdministratorAccess" else arn("policy", name, account)
        data = {
            "Arn": a, "PolicyName": name, "DefaultVersionId": f"v{default + 1}",
            "PolicyVersionList": [
                {"VersionId": f"v{i + 1}", "IsDefaultVersion": i == default, "Document": d}
                for i, d in enumerate(versions)
            ],
        }  # fmt: skip
        return self._add(
            "AWS::IAM::ManagedPolicy", a, data, "aws" if name == "AdministratorAccess" else account
        )

    def user(
        self, name: str, *inline: dict[str, Any], attached: tuple[str, ...] = (),
        groups: tuple[str, ...] = (), boundary: str | None = None, account: str = ACCT,
        login: bool | None = None,
    ) -> str:  # fmt: skip
        a = arn("user", name, account)
        data: dict[str, Any] = {
            "Arn": a, "UserName": name, "Path": "/", "GroupList": list(groups),
            "UserPolicyList": [{"PolicyName": f"p{i}", "PolicyDocument": d} for i, d in enumerate(inline)],
            "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[-1], "PolicyArn": p} for p in attached],
        }  # fmt: skip
        if boundary:
            data["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        if login is not None:
            data["LoginProfile"] = {"UserName": name} if login else None
        return self._add("AWS::IAM::User", a, data, account)

    def group(
        self,
        name: str,
        *inline: dict[str, Any],
        attached: tuple[str, ...] = (),
        account: str = ACCT,
    ) -> str:
        a = arn("group", name, account)
        data = {
            "Arn": a, "GroupName": name, "Path": "/",
            "GroupPolicyList": [{"PolicyName": f"g{i}", "PolicyDocument": d} for i, d in enumerate(inline)],
            "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[-1], "PolicyArn": p} for p in attached],
        }  # fmt: skip
        return self._add("AWS::IAM::Group", a, data, account)

    def role(
        self, name: str, trust_doc: dict[str, Any], *inline: dict[str, Any],
        attached: tuple[str, ...] = (), profile: bool = False, boundary: str | None = None,
        account: str = ACCT,
    ) -> str:  # fmt: skip
        a = arn("role", name, account)
        data: dict[str, Any] = {
            "Arn": a, "RoleName": name, "Path": "/", "AssumeRolePolicyDocument": trust_doc,
            "RolePolicyList": [{"PolicyName": f"r{i}", "PolicyDocument": d} for i, d in enumerate(inline)],
            "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[-1], "PolicyArn": p} for p in attached],
            "InstanceProfileList": (
                [{"Arn": arn("instance-profile", name, account), "InstanceProfileName": name}] if profile else []
            ),
        }  # fmt: skip
        if boundary:
            data["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            }
        return self._add("AWS::IAM::Role", a, data, account)

    def instance(self, instance_id: str, role_name: str, account: str = ACCT) -> str:
        a = f"arn:aws:ec2:us-east-1:{account}:instance/{instance_id}"
        data = {
            "InstanceId": instance_id,
            "IamInstanceProfile": {"Arn": arn("instance-profile", role_name, account)},
        }
        return self._add("AWS::EC2::Instance", a, data, account, "us-east-1")

    def function(self, name: str, role_arn: str, account: str = ACCT) -> str:
        a = f"arn:aws:lambda:us-east-1:{account}:function:{name}"
        data = {"FunctionName": name, "FunctionArn": a, "Role": role_arn}
        return self._add("AWS::Lambda::Function", a, data, account, "us-east-1")

    def scp(self, name: str, content: dict[str, Any], *targets: str) -> None:
        self.org = {"id": "o-example111"}
        self.ou_paths.setdefault(ACCT, ("r-root",))
        a = f"arn:aws:organizations::999988887777:policy/o-example111/service_control_policy/{name}"
        data = {"Type": "SERVICE_CONTROL_POLICY", "Content": content,
                "Targets": [{"TargetId": t} for t in targets]}  # fmt: skip
        self._add("AWS::Organizations::Policy", a, data, "999988887777")

    def snapshot(self) -> Snapshot:
        if self.org:
            full = doc(allow("*"))
            a = "arn:aws:organizations::999988887777:policy/o-example111/service_control_policy/p-FullAWSAccess"
            data = {"Type": "SERVICE_CONTROL_POLICY", "Content": full,
                    "Targets": [{"TargetId": "r-root"}, {"TargetId": ACCT}]}  # fmt: skip
            self._add("AWS::Organizations::Policy", a, data, "999988887777")
        return Snapshot(
            organization=self.org,
            accounts=tuple(
                AccountInfo(id=a, regions=("us-east-1",), ou_path=self.ou_paths.get(a, ()))
                for a in self.accounts
            ),
            resources=tuple(self.resources),
        )
