"""Edge rules for compute that runs as a role (catalogue rows 20–57).

``PassRoleRule``: ``iam:PassRole`` on a role that trusts the service (the trust decided
by the engine with the service principal as caller), with ``iam:PassedToService`` in the
request context, plus the service's own actions on the resources it would create.
``WorkloadRule``: actions on an existing EC2 instance or Lambda function of the account
that already runs with a role.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cloudwarden.iam.analysis.steps import Found, Step
from cloudwarden.iam.analysis.targets import Targets
from cloudwarden.model import Resource

__all__ = ["PassRoleRule", "WorkloadRule", "swap_lambda_role"]


def _variant(
    t: Targets, who: Resource, variants: tuple[tuple[str, ...], ...]
) -> tuple[Step, ...] | None:
    """The steps of the first variant whose every action the engine allows on the new
    resource it would create."""
    o = t.oracle
    for variant in variants:
        if not all(o.may(who, a) for a in variant):
            continue
        steps = tuple((a, t.new_arn(a, who.account), None) for a in variant)
        if all(o.allowed(who, a, r, c) for a, r, c in steps):
            return steps
    return None


@dataclass(frozen=True, slots=True)
class PassRoleRule:
    """Pass a role that trusts ``service`` to a new resource of that service.

    ``variants``: alternative sets of actions, each needed in full. ``profile``: only
    roles with (``True``) or without (``False``) an instance profile.
    """

    service: str
    variants: tuple[tuple[str, ...], ...]
    profile: bool | None = None

    def __call__(self, t: Targets, who: Resource) -> Iterator[Found]:
        o = t.oracle
        if not o.may(who, "iam:PassRole"):
            return
        roles = [r for r in t.roles_trusting(self.service, who.account) if r.arn != who.arn]
        if self.profile is not None:
            roles = [r for r in roles if t.has_instance_profile(r) == self.profile]
        if not roles:
            return
        steps = _variant(t, who, self.variants)
        if steps is None:
            return
        context = {"iam:PassedToService": self.service}
        for role in roles:
            if o.allowed(who, "iam:PassRole", role.arn, context):
                yield Found(role.arn, (("iam:PassRole", role.arn, context), *steps))


@dataclass(frozen=True, slots=True)
class WorkloadRule:
    """Act on an existing ``kind`` (``instance`` or ``function``) to run code as its role.

    ``agent``: the role must let the SSM agent register (``ssm:UpdateInstanceInformation``),
    as Run Command and Session Manager need. ``document``: an SSM document the action
    also names.
    """

    kind: str
    variants: tuple[tuple[str, ...], ...]
    agent: bool = False
    document: str = ""

    def __call__(self, t: Targets, who: Resource) -> Iterator[Found]:
        o = t.oracle
        if not any(all(o.may(who, a) for a in v) for v in self.variants):
            return
        workloads = (
            t.instances(who.account) if self.kind == "instance" else t.functions(who.account)
        )
        for workload, role in workloads:
            if role.arn == who.arn:
                continue
            if self.agent and not o.allowed(role, "ssm:UpdateInstanceInformation", workload.arn):
                continue
            steps = self._steps(t, who, workload)
            if steps is not None:
                yield Found(role.arn, steps, f"through {workload.name or workload.arn}")

    def _steps(self, t: Targets, who: Resource, workload: Resource) -> tuple[Step, ...] | None:
        o = t.oracle
        for variant in self.variants:
            steps: list[Step] = [(a, workload.arn, None) for a in variant]
            if self.document:
                region = workload.region if workload.region != "global" else t.region(who.account)
                arn = f"arn:{t.partition}:ssm:{region}::document/{self.document}"
                steps.append((variant[0], arn, None))
            if all(o.may(who, a) for a in variant) and all(
                o.allowed(who, a, r, c) for a, r, c in steps
            ):
                return tuple(steps)
        return None


def swap_lambda_role(t: Targets, who: Resource) -> Iterator[Found]:
    """Row 32: give an existing function a role that trusts Lambda, and new code."""
    o = t.oracle
    actions = ("lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "iam:PassRole")
    if not all(o.may(who, a) for a in actions):
        return
    from cloudwarden.iam.analysis.targets import FUNCTION

    functions = o.snapshot.of_type(FUNCTION, account=who.account)
    function = next(
        (
            f
            for f in functions
            if o.allowed(who, actions[0], f.arn) and o.allowed(who, actions[1], f.arn)
        ),
        None,
    )
    if function is None:
        return
    context = {"iam:PassedToService": "lambda.amazonaws.com"}
    for role in t.roles_trusting("lambda.amazonaws.com", who.account):
        if (
            role.arn != who.arn
            and role.arn != function.data.get("Role")
            and o.allowed(who, "iam:PassRole", role.arn, context)
        ):
            steps: tuple[Step, ...] = (
                (actions[0], function.arn, None),
                (actions[1], function.arn, None),
                ("iam:PassRole", role.arn, context),
            )
            yield Found(role.arn, steps, f"through {function.name}")
