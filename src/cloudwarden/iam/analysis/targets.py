"""What techniques act on, enumerated from the account: users, groups, roles (with and
without instance profiles, per trusted service), policies and who they are attached to,
EC2 instances and Lambda functions with the roles they run as, and the ARN a new
resource of a given action would get."""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any

from cloudwarden.iam.analysis.oracle import Oracle
from cloudwarden.iam.analysis.trust import TrustIndex
from cloudwarden.iam.catalog import UnknownActionError, action_info, resource_type_info
from cloudwarden.model import Resource

__all__ = ["PROBE_NAME", "Targets", "new_resource_arn"]

INSTANCE = "AWS::EC2::Instance"
FUNCTION = "AWS::Lambda::Function"
PROBE_NAME = "cloudwarden-analysis-probe"
_VARIABLE_RE = re.compile(r"\$\{([^}]+)\}")


@cache
def _arn_template(action: str) -> str:
    """The ARN pattern of the resource an action creates or acts on: the resource type
    named in the action (``RunInstances`` → ``instance``), else its first required type."""
    try:
        info = action_info(action)
    except UnknownActionError:
        return "*"
    if not info.resource_types:
        return "*"
    name = info.name.split(":", 1)[1].lower()
    service = info.name.split(":", 1)[0]
    chosen = next(
        (r for r in info.resource_types if r.name.replace("-", "").lower() in name),
        next((r for r in info.resource_types if r.required), info.resource_types[0]),
    )
    try:
        return resource_type_info(service, chosen.name).arn_pattern
    except KeyError:
        return "*"


def new_resource_arn(action: str, partition: str, region: str, account: str) -> str:
    """The ARN a new resource of ``action`` could have: the catalogue's pattern with the
    account, region and partition filled in and every name set to a probe name."""
    values = {"Partition": partition, "Region": region, "Account": account}
    return _VARIABLE_RE.sub(lambda m: values.get(m.group(1), PROBE_NAME), _arn_template(action))


class Targets:
    """Indexes over the account data that the technique rules enumerate."""

    def __init__(self, oracle: Oracle, trust: TrustIndex) -> None:
        self.oracle = oracle
        self.trust = trust
        self.partition = oracle.snapshot.partition
        self._trusting: dict[tuple[str, str], list[Resource]] = {}
        self._by_account: dict[tuple[str, str], list[Resource]] = {}
        self._workloads: dict[tuple[str, str], list[tuple[Resource, Resource]]] = {}

    def region(self, account: str) -> str:
        info = self.oracle.snapshot.account(account)
        return info.regions[0] if info is not None and info.regions else "us-east-1"

    def new_arn(self, action: str, account: str) -> str:
        return new_resource_arn(action, self.partition, self.region(account), account)

    def _of_account(self, kind: str, items: list[Resource], account: str) -> list[Resource]:
        key = (kind, account)
        hit = self._by_account.get(key)
        if hit is None:
            hit = self._by_account[key] = [r for r in items if r.account == account]
        return hit

    def users(self, account: str) -> list[Resource]:
        return self._of_account("user", self.oracle.users, account)

    def roles(self, account: str) -> list[Resource]:
        return self._of_account("role", self.oracle.roles, account)

    def groups(self, account: str) -> list[Resource]:
        return self._of_account("group", self.oracle.groups, account)

    def roles_trusting(self, service: str, account: str) -> list[Resource]:
        """Roles of ``account`` whose trust policy lets ``service`` assume them."""
        key = (service, account)
        hit = self._trusting.get(key)
        if hit is None:
            hit = [r for r in self.roles(account) if self.oracle.trusts_service(r, service)]
            self._trusting[key] = hit
        return hit

    @staticmethod
    def has_instance_profile(role: Resource) -> bool:
        return bool(role.data.get("InstanceProfileList"))

    @cached_property
    def _profile_roles(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for role in self.oracle.roles:
            for profile in role.data.get("InstanceProfileList") or []:
                if profile.get("Arn"):
                    out.setdefault(str(profile["Arn"]), []).append(role)
        return out

    @cached_property
    def _roles_by_arn(self) -> dict[str, Resource]:
        return {r.arn: r for r in self.oracle.roles}

    def instances(self, account: str) -> list[tuple[Resource, Resource]]:
        """(instance, role) for every EC2 instance of ``account`` running with a role."""
        hit = self._workloads.get((INSTANCE, account))
        if hit is not None:
            return hit
        out: list[tuple[Resource, Resource]] = []
        for instance in self.oracle.snapshot.of_type(INSTANCE, account=account):
            profile = (instance.data.get("IamInstanceProfile") or {}).get("Arn")
            out.extend((instance, role) for role in self._profile_roles.get(str(profile), []))
        self._workloads[(INSTANCE, account)] = out
        return out

    def functions(self, account: str) -> list[tuple[Resource, Resource]]:
        """(function, execution role) for every Lambda function of ``account``."""
        hit = self._workloads.get((FUNCTION, account))
        if hit is not None:
            return hit
        out: list[tuple[Resource, Resource]] = []
        for function in self.oracle.snapshot.of_type(FUNCTION, account=account):
            role = self._roles_by_arn.get(str(function.data.get("Role")))
            if role is not None:
                out.append((function, role))
        self._workloads[(FUNCTION, account)] = out
        return out

    def covers(self, rtype: str) -> bool:
        """Whether the data can hold ``rtype``: a collected snapshot (its collectors gather
        EC2 instances and Lambda functions), or any input that has one."""
        return self.oracle.data.origin == "snapshot" or rtype in self.oracle.snapshot.types()

    @cached_property
    def _attachments(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for owner in (*self.oracle.users, *self.oracle.groups, *self.oracle.roles):
            for attached in owner.data.get("AttachedManagedPolicies") or []:
                out.setdefault(str(attached.get("PolicyArn")), []).append(owner)
        return out

    def attached_to(self, policy_arn: str) -> list[Resource]:
        """Users, groups and roles that have the managed policy attached."""
        return self._attachments.get(policy_arn, [])

    def customer_policies(self, who: Resource) -> list[Resource]:
        """Customer-managed policies that act on ``who``: attached to it or to its groups."""
        owners = [who, *self.oracle.user_groups(who)]
        arns = {
            str(a.get("PolicyArn"))
            for o in owners
            for a in o.data.get("AttachedManagedPolicies") or []
        }
        found = [self.oracle.managed[a] for a in sorted(arns) if a in self.oracle.managed]
        return [p for p in found if p.account == who.account]

    @staticmethod
    def other_versions(policy: Resource) -> list[Any]:
        """Documents of a managed policy's non-default versions."""
        default = policy.data.get("DefaultVersionId")
        return [
            v["Document"]
            for v in policy.data.get("PolicyVersionList") or []
            if not v.get("IsDefaultVersion")
            and v.get("VersionId") != default
            and isinstance(v.get("Document"), dict)
        ]

    @staticmethod
    def login_profile(user: Resource) -> bool | None:
        """Whether the user has a console password; ``None`` when the data does not say."""
        if "LoginProfile" not in user.data:
            return None
        return user.data["LoginProfile"] is not None
