"""Every question an analysis asks, answered by the engine.

``Oracle`` wraps ``AccountPolicies`` for one ``AccountData``: decisions with the context
an attacker holding a principal's credentials would present, a cheap pre-filter ("does
any identity statement of this principal allow the action at all?") so that only
plausible requests reach the engine, hypothetical policy sets ("what if this principal
also had that policy / that trust?") and statement-level explanations.

The request context of every decision: the keys AWS derives from the principal's record
(tags, organisation), ``aws:SecureTransport = true``, ``aws:TokenIssueTime`` = now (so a
condition on an old issue time is judged as it would be for fresh credentials), plus the
keys a technique sets (``iam:PassedToService``, ``iam:PolicyARN``). Keys an attacker may
not control (``aws:MultiFactorAuthPresent``, ``aws:SourceIp``) are absent, so conditions
on them are not met: the analysis reports what the credentials alone allow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import orjson

from cloudwarden.iam.account import _principal_context
from cloudwarden.iam.analysis.data import ADMIN_POLICY_ARN, AccountData
from cloudwarden.iam.compiled import CompiledStatement
from cloudwarden.iam.evaluate import CompiledPolicySet, PolicySet, compile_policy_set
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.iam.request import ContextValue, Request
from cloudwarden.iam.snapshot_policies import GROUP, MANAGED, ROLE, USER, AccountDataError
from cloudwarden.model import Resource

__all__ = ["ADMIN_ACTIONS", "ADMIN_DOCUMENT", "Oracle", "admin_policy_arn"]

# "Effective admin": allowed every one of these on "*". They span identity, compute,
# data and keys, so a principal that passes can grant itself anything else; a NotAction
# or service-restricted policy (PowerUserAccess, IAMFullAccess) fails at least one.
ADMIN_ACTIONS = (
    "iam:CreateUser",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:CreateAccessKey",
    "iam:PassRole",
    "sts:AssumeRole",
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "s3:GetObject",
    "s3:PutBucketPolicy",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "dynamodb:Scan",
    "cloudformation:CreateStack",
)
ADMIN_DOCUMENT: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
Context = Mapping[str, ContextValue]


def admin_policy_arn(partition: str = "aws") -> str:
    return ADMIN_POLICY_ARN.replace("arn:aws:", f"arn:{partition}:")


class Oracle:
    """Engine decisions about the principals of one ``AccountData``."""

    def __init__(self, data: AccountData, now: datetime | None = None) -> None:
        self.data = data
        self.accounts = data.policies
        self.snapshot = data.snapshot
        self.now = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.admin_policy = parse_policy(ADMIN_DOCUMENT)
        self._contexts: dict[str, dict[str, ContextValue]] = {}
        self._admin: dict[tuple[object, ...], bool] = {}
        self._parsed: dict[int, Policy] = {}
        self._trusting: dict[tuple[str, str], CompiledPolicySet] = {}
        self._bases: dict[tuple[str, str], PolicySet] = {}
        self._sets: dict[tuple[str, str], CompiledPolicySet] = {}
        self._trust_sets: dict[tuple[str, str, int], CompiledPolicySet] = {}
        self._trust_ids: dict[bytes, int] = {}
        self._role_trust: dict[str, int | None] = {}

    # -- indexes -------------------------------------------------------------------
    @cached_property
    def users(self) -> list[Resource]:
        return sorted(self.snapshot.of_type(USER), key=lambda r: r.arn)

    @cached_property
    def roles(self) -> list[Resource]:
        return sorted(self.snapshot.of_type(ROLE), key=lambda r: r.arn)

    @cached_property
    def groups(self) -> list[Resource]:
        return sorted(self.snapshot.of_type(GROUP), key=lambda r: r.arn)

    @cached_property
    def managed(self) -> dict[str, Resource]:
        return {r.arn: r for r in self.snapshot.of_type(MANAGED)}

    @cached_property
    def groups_by_name(self) -> dict[tuple[str, str], Resource]:
        return {(g.account, str(g.data.get("GroupName", g.name))): g for g in self.groups}

    def user_groups(self, who: Resource) -> list[Resource]:
        names = who.data.get("GroupList") or []
        return [g for n in names if (g := self.groups_by_name.get((who.account, n))) is not None]

    # -- context -------------------------------------------------------------------
    def context(self, who: Resource, extra: Context | None = None) -> dict[str, ContextValue]:
        base = self._contexts.get(who.arn)
        if base is None:
            base = _principal_context(self.snapshot, who)
            base.setdefault("aws:SecureTransport", "true")
            base.setdefault("aws:TokenIssueTime", self.now)
            self._contexts[who.arn] = base
        return {**base, **extra} if extra else base

    # -- decisions -----------------------------------------------------------------
    def base_for(self, who: Resource, account: str) -> PolicySet:
        """``who``'s policies for a resource of ``account`` that has no resource policy."""
        key = (who.arn, account)
        hit = self._bases.get(key)
        if hit is None:
            root = f"arn:{self.snapshot.partition}:iam::{account}:root"
            hit = self._bases[key] = self.accounts.policy_set(who.arn, root)
        return hit

    def identity_set(self, who: Resource, account: str | None = None) -> CompiledPolicySet:
        """The compiled set for resources without a resource policy (IAM users, roles,
        groups, policies, "*" and new resources) of ``account`` (default: the principal's)."""
        key = (who.arn, account or who.account)
        hit = self._sets.get(key)
        if hit is None:
            hit = self._sets[key] = compile_policy_set(self.base_for(who, key[1]))
        return hit

    def trust_set(self, who: Resource, role: Resource) -> CompiledPolicySet | None:
        """The compiled set for ``who`` assuming ``role``: shared by every role of the same
        account whose trust policy is the same document (trust policies name no resource)."""
        trust_id = self.trust_id(role)
        if trust_id is None:
            return None
        key = (who.arn, role.account, trust_id)
        hit = self._trust_sets.get(key)
        if hit is None:
            try:
                trust = self.policy(role.data["AssumeRolePolicyDocument"])
            except ValueError:
                return None
            base = self.base_for(who, role.account)
            hypothetical = replace(base, resource_policy=trust, resource_account=role.account)
            hit = self._trust_sets[key] = compile_policy_set(hypothetical)
        return hit

    def trust_id(self, role: Resource) -> int | None:
        """A number shared by roles whose trust policies are the same document."""
        hit = self._role_trust.get(role.arn, -1)
        if hit == -1:
            document = role.data.get("AssumeRolePolicyDocument")
            hit = None
            if document:
                text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
                hit = self._trust_ids.setdefault(text, len(self._trust_ids))
            self._role_trust[role.arn] = hit
        return hit

    def resource_statements(self, who: Resource, role: Resource) -> list[CompiledStatement] | None:
        """The statements of ``who`` assuming ``role`` whose ``Resource`` is not ``*``:
        the only part of the decision that differs between roles of one account with the
        same trust policy (conditions and Principal do not depend on the role). ``None``
        when one holds a policy variable, or the trust policy is unreadable."""
        compiled = self.trust_set(who, role)
        if compiled is None:
            return None
        out: list[CompiledStatement] = []
        for *_, st in compiled.plan("sts:assumerole"):
            if st.resource_any:
                continue
            if st.resource_templates:
                return None
            out.append(st)
        return out

    def _compiled_for(self, who: Resource, action: str, resource: str) -> CompiledPolicySet | None:
        """The compiled set that decides one request; ``None`` when the resource has its
        own policy (S3, KMS, Lambda, …): then ``AccountPolicies`` assembles it."""
        if _is_trust(action, resource):
            role = self._roles_by_arn.get(resource)
            return None if role is None else self.trust_set(who, role)
        if _has_resource_policy(resource):
            return None
        return self.identity_set(who, _arn_account(resource))

    @cached_property
    def _roles_by_arn(self) -> dict[str, Resource]:
        return {r.arn: r for r in self.roles}

    def may(self, who: Resource, action: str) -> bool:
        """Whether any identity statement of ``who`` allows ``action`` on some resource
        (the pre-filter; the engine still decides every request that passes)."""
        layer = self.identity_set(who).identity
        return any(not st.deny for st in layer.candidates(action.lower()))

    def allowed(
        self, who: Resource, action: str, resource: str = "*", extra: Context | None = None
    ) -> bool:
        """The engine's decision for ``who`` doing ``action`` on ``resource``."""
        ctx = self.context(who, extra)
        compiled = self._compiled_for(who, action, resource)
        if compiled is None:
            return self.accounts.decide(who.arn, action, resource, ctx) == "allowed"
        return compiled.decide(Request(who.arn, action, resource, ctx)) == "allowed"

    # -- effective admin -----------------------------------------------------------
    def _admin_probe(self, compiled: CompiledPolicySet, arn: str, ctx: Context) -> bool:
        return all(
            compiled.decide(Request(arn, action, "*", ctx)) == "allowed" for action in ADMIN_ACTIONS
        )

    def is_admin(self, who: Resource) -> bool:
        key: tuple[object, ...] = (who.arn,)
        hit = self._admin.get(key)
        if hit is None:
            if not self.may(who, "iam:PutRolePolicy"):
                hit = False
            else:
                hit = self._admin_probe(self.identity_set(who), who.arn, self.context(who))
            self._admin[key] = hit
        return hit

    def base_set(self, who: Resource) -> PolicySet:
        return self.base_for(who, who.account)

    def admin_with(self, who: Resource, extra: Sequence[Any] = (), tag: str = "admin") -> bool:
        """Whether ``who`` would be an effective admin with ``extra`` identity policies
        (documents) added to its own, within its boundary and SCPs. ``extra`` defaults to
        ``*`` on ``*`` (what an attacker would attach or write)."""
        key: tuple[object, ...] = (who.arn, tag, tuple(id(d) for d in extra))
        hit = self._admin.get(key)
        if hit is None:
            docs = [self.policy(d) for d in extra] or [self.admin_policy]
            base = self.base_set(who)
            hypothetical = replace(base, identity_policies=(*base.identity_policies, *docs))
            compiled = compile_policy_set(hypothetical)
            hit = self._admin_probe(compiled, who.arn, self.context(who))
            self._admin[key] = hit
        return hit

    def new_role_admin(self, who: Resource) -> bool:
        """Whether a new role in ``who``'s account with ``*`` on ``*`` (no boundary) would
        be an effective admin under the account's SCPs."""
        key: tuple[object, ...] = (who.account, "new-role")
        hit = self._admin.get(key)
        if hit is None:
            base = self.base_set(who)
            hypothetical = replace(
                base, identity_policies=(self.admin_policy,), permission_boundary=None
            )
            arn = self.new_role_arn(who.account)
            hit = self._admin_probe(compile_policy_set(hypothetical), arn, {})
            self._admin[key] = hit
        return hit

    def new_role_arn(self, account: str) -> str:
        return f"arn:{self.snapshot.partition}:iam::{account}:role/cloudwarden-analysis-new-role"

    def assumable_with_trust(self, who: Resource, role_arn: str, account: str) -> bool:
        """Whether ``who`` could assume the role ``role_arn`` of ``account`` once its trust
        policy names ``who`` (after ``iam:UpdateAssumeRolePolicy``, or a role ``who``
        creates): the engine decides with that trust policy in place."""
        key = (who.arn, account)
        compiled = self._trusting.get(key)
        if compiled is None:
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": who.arn}, "Action": "sts:AssumeRole"}
                ],
            }
            base = self.base_for(who, account)
            hypothetical = replace(
                base, resource_policy=parse_policy(trust), resource_account=account
            )
            compiled = self._trusting[key] = compile_policy_set(hypothetical)
        request = Request(who.arn, "sts:AssumeRole", role_arn, self.context(who))
        return compiled.decide(request) == "allowed"

    def policy(self, document: Any) -> Policy:
        hit = self._parsed.get(id(document))
        if hit is None:
            hit = self._parsed[id(document)] = parse_policy(document)
        return hit

    # -- trust of service principals -------------------------------------------------
    @cached_property
    def _service_trust(self) -> dict[str, CompiledPolicySet | None]:
        out: dict[str, CompiledPolicySet | None] = {}
        for role in self.roles:
            document = role.data.get("AssumeRolePolicyDocument")
            try:
                policy = None if not document else self.policy(document)
            except ValueError:
                policy = None
            out[role.arn] = (
                None
                if policy is None
                else compile_policy_set(
                    PolicySet(resource_policy=policy, resource_account=role.account)
                )
            )
        return out

    def trusts_service(self, role: Resource, service: str) -> bool:
        compiled = self._service_trust.get(role.arn)
        if compiled is None:
            return False
        request = Request(service, "sts:AssumeRole", role.arn)
        return compiled.decide(request) == "allowed"

    # -- explanations --------------------------------------------------------------
    def statements(
        self, who: Resource, action: str, resource: str, extra: Context | None = None
    ) -> str:
        """The identity (and resource / trust) statements that allowed one request."""
        ctx = self.context(who, extra)
        try:
            compiled = self._compiled_for(who, action, resource)
            if compiled is None:
                decision = self.accounts.evaluate(who.arn, action, resource, ctx)
            else:
                decision = compiled.evaluate(Request(who.arn, action, resource, ctx))
        except AccountDataError:
            return ""
        if decision.explanation is None:
            return ""
        names = self.identity_names(who)
        found: list[str] = []
        for layer in decision.explanation.layers:
            if layer.layer not in ("identity", "resource") or not layer.applies:
                continue
            for s in layer.statements:
                if not s.applies or s.effect != "Allow":
                    continue
                if layer.layer == "identity":
                    owner = names[s.policy] if s.policy < len(names) else f"policy {s.policy}"
                else:
                    kind = "trust" if _is_trust(action, resource) else "resource"
                    owner = f"{kind} policy of {resource.rsplit(':', 1)[-1]}"
                found.append(f"{owner}#{s.sid or s.statement}")
        return ", ".join(found)

    def identity_names(self, who: Resource) -> list[str]:
        """Names of ``who``'s identity policies, in the order the engine evaluates them."""
        data = who.data
        names = _inline_names(data.get("UserPolicyList") or data.get("RolePolicyList"))
        names += _attached_names(data)
        for group in self.user_groups(who):
            group_name = group.data.get("GroupName", group.name)
            names += [f"{group_name}/{n}" for n in _inline_names(group.data.get("GroupPolicyList"))]
            names += [f"{group_name}/{n}" for n in _attached_names(group.data)]
        return names


def _inline_names(items: list[dict[str, Any]] | None) -> list[str]:
    return [
        f"inline:{item.get('PolicyName', '?')}"
        for item in items or []
        if item.get("PolicyDocument")
    ]


def _attached_names(data: dict[str, Any]) -> list[str]:
    return [
        str(a.get("PolicyName") or a["PolicyArn"])
        for a in data.get("AttachedManagedPolicies") or []
    ]


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4].isdigit() else None


def _has_resource_policy(resource: str) -> bool:
    return any(
        marker in resource
        for marker in (":s3:::", ":kms:", ":lambda:", ":secretsmanager:", ":sns:")
    )


def _is_trust(action: str, resource: str) -> bool:
    return action.lower().startswith("sts:assumerole") and ":role/" in resource
