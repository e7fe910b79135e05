"""The role-assumption graph: who each role's trust policy names, and who can assume it.

Trust policies are read statement by statement (``Allow`` statements whose actions match
``sts:AssumeRole``, ``sts:AssumeRoleWithSAML`` or ``sts:AssumeRoleWithWebIdentity``);
whether a principal of the data can actually assume a role is the engine's decision
(trust policy, the caller's identity policies, boundary and SCPs, as in AWS).
"""

from __future__ import annotations

from functools import cached_property

from cloudwarden.iam.analysis.oracle import Oracle
from cloudwarden.iam.analysis.records import TrustEdge
from cloudwarden.iam.matching import action_matches
from cloudwarden.iam.policy import Statement
from cloudwarden.model import Resource

__all__ = ["TrustIndex"]

_TRUST_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")


def _account_of(arn: str) -> str:
    if arn.isdigit():
        return arn
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _trust_action(st: Statement) -> str | None:
    for action in _TRUST_ACTIONS:
        hit = any(action_matches(p, action) for p in st.actions or ())
        if st.not_actions is not None:
            hit = not any(action_matches(p, action) for p in st.not_actions)
        if hit:
            return action
    return None


class TrustIndex:
    """Per role, whom its trust policy names; per principal, the roles it can assume."""

    def __init__(self, oracle: Oracle) -> None:
        self.oracle = oracle
        self.by_arn: dict[str, list[Resource]] = {}
        self.by_account: dict[str, list[Resource]] = {}
        self.everyone: list[Resource] = []
        self.edges: list[TrustEdge] = []
        self._assumable: dict[str, list[Resource]] = {}
        for role in oracle.roles:
            self._index(role)

    @cached_property
    def principals(self) -> dict[str, Resource]:
        return {r.arn: r for r in (*self.oracle.users, *self.oracle.roles)}

    def _index(self, role: Resource) -> None:
        document = role.data.get("AssumeRolePolicyDocument")
        try:
            policy = self.oracle.policy(document) if document else None
        except ValueError:
            policy = None
        for st in policy.statements if policy is not None else ():
            action = _trust_action(st)
            if st.effect != "Allow" or st.principal is None or action is None:
                continue
            spec = st.principal
            conditional = bool(st.conditions)
            named: list[tuple[str, str]] = [("*", "everyone")] if spec.wildcard else []
            for value in spec.aws:
                kind = "everyone" if value == "*" else (
                    "account" if value.isdigit() or value.endswith(":root") else "principal"
                )  # fmt: skip
                named.append((value, kind))
            named += [(v, "service") for v in spec.service]
            named += [(v, "federated") for v in spec.federated]
            for value, kind in named:
                self._add(role, value, kind, action, conditional)

    def _add(self, role: Resource, value: str, kind: str, action: str, conditional: bool) -> None:
        account = _account_of(value)
        cross = kind in ("account", "principal", "everyone") and account != role.account
        if kind == "everyone":
            self.everyone.append(role)
            cross = True
        elif kind == "account" and action == "sts:AssumeRole":
            self.by_account.setdefault(account, []).append(role)
        elif kind == "principal" and action == "sts:AssumeRole":
            self.by_arn.setdefault(value, []).append(role)
        edge = TrustEdge(role.arn, value, kind, action, cross, conditional)
        known = self.principals.get(value) if kind == "principal" else None
        if known is not None and action == "sts:AssumeRole":
            edge.source = known.arn
            edge.allowed = self.oracle.allowed(known, "sts:AssumeRole", role.arn)
        self.edges.append(edge)

    def assumable(self, who: Resource) -> list[Resource]:
        """Roles ``who`` can assume now, as the engine decides.

        Roles of one account with the same trust policy are asked together: the
        statements that can take part are the same for all of them, so roles that every
        such statement's ``Resource`` matches alike share one decision
        (``Oracle.resource_statements``).
        """
        hit = self._assumable.get(who.arn)
        if hit is not None:
            return hit
        direct = self.by_arn.get(who.arn, [])
        broad = [*self.by_account.get(who.account, []), *self.everyone]
        if broad and not self.oracle.may(who, "sts:AssumeRole"):
            broad = []
        seen: set[str] = {who.arn}
        groups: dict[tuple[str, int | None], list[Resource]] = {}
        for role in (*direct, *broad):
            if role.arn not in seen:
                seen.add(role.arn)
                groups.setdefault((role.account, self.oracle.trust_id(role)), []).append(role)
        found: set[str] = set()
        for roles in groups.values():
            found.update(self._decide_group(who, roles))
        hit = [r for r in (*direct, *broad) if r.arn in found]
        hit = list({r.arn: r for r in hit}.values())
        self._assumable[who.arn] = hit
        return hit

    def _decide_group(self, who: Resource, roles: list[Resource]) -> list[str]:
        o = self.oracle
        statements = o.resource_statements(who, roles[0])
        if statements is None:
            return [r.arn for r in roles if o.allowed(who, "sts:AssumeRole", r.arn)]
        decided: dict[tuple[bool, ...], bool] = {}
        out: list[str] = []
        for role in roles:
            key = tuple(
                (st.resource_patterns is not None and st.resource_patterns.matches(role.arn))
                != st.resource_negated
                for st in statements
            )
            allowed = decided.get(key)
            if allowed is None:
                allowed = decided[key] = o.allowed(who, "sts:AssumeRole", role.arn)
            if allowed:
                out.append(role.arn)
        return out
