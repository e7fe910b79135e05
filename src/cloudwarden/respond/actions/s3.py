"""S3 containment for a bucket made public: Block Public Access, policy, ACL.

AWS's "S3 bucket made public" playbook closes the three doors in turn: the
bucket-level Block Public Access switches (which override both of the others
for new and existing grants), the bucket policy statements that allow everyone,
and the ACL grants to the ``AllUsers`` and ``AuthenticatedUsers`` groups. Each
action journals the exact configuration it replaces, so a rollback puts back
what was there, byte for byte where AWS stores text (the policy).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.checks.builtin.s3._public_policy import public_grants, statements
from cloudwarden.respond.actions.base import (
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    exemption,
    mutate,
    read,
    read_or_none,
)

_BUCKET = ParamSpec("bucket", str, required=True, help="bucket name")
_BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
"""ACL grantee groups that mean "anyone" and "anyone with an AWS account"."""


def bucket_region(aws: AwsContext, bucket: str) -> str:
    """The bucket's home region (``GetBucketLocation`` answers None for us-east-1, ``EU`` for eu-west-1)."""
    resp = read(aws, "s3", "GetBucketLocation", aws.default_region, Bucket=bucket)
    location = resp.get("LocationConstraint")
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def bucket_target(aws: AwsContext, bucket: str, region: str) -> Target:
    return Target(aws.account_id, region, f"arn:aws:s3:::{bucket}")


def bucket_exemption(aws: AwsContext, bucket: str, region: str) -> str | None:
    tagging = read_or_none(aws, "s3", "GetBucketTagging", region, Bucket=bucket)
    return exemption((tagging or {}).get("TagSet"), f"bucket {bucket}")


class _BucketAction(Action):
    """What the bucket actions share: the bucket's region, target and exemption tag."""

    params = (_BUCKET,)

    def locate(self, aws: AwsContext, params: Mapping[str, Any]) -> tuple[str, str, Target]:
        bucket = str(params["bucket"])
        region = bucket_region(aws, bucket)
        return bucket, region, bucket_target(aws, bucket, region)

    def rollback_calls(self, aws: AwsContext, result: ActionResult) -> tuple[ApiCall, ...]:
        assert result.undo is not None
        bucket = str(result.undo["params"]["bucket"])
        return self.restore_calls(bucket, result.target.region, result.undo["before"])

    def restore_calls(
        self, bucket: str, region: str, before: Mapping[str, Any]
    ) -> tuple[ApiCall, ...]:
        raise NotImplementedError


# --- Block Public Access ------------------------------------------------------------


def _bpa_state(aws: AwsContext, bucket: str, region: str) -> dict[str, Any]:
    resp = read_or_none(aws, "s3", "GetPublicAccessBlock", region, Bucket=bucket)
    config = (resp or {}).get("PublicAccessBlockConfiguration")
    return {"configuration": dict(config) if config is not None else None}


@action
class BlockPublicAccessAction(_BucketAction):
    """Turn on all four bucket-level Block Public Access settings.

    With them on, S3 ignores public ACLs and refuses public policies, whatever the
    bucket's policy and ACL say, so this is the fastest complete containment
    (AWS Security Hub S3.8). Rollback restores the previous four flags, or removes
    the bucket's configuration when it had none (the account-level block, if any,
    then applies as before).
    """

    name = "s3.block_public_access"
    description = "Turn on the bucket's Block Public Access settings (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
        "s3:GetBucketPublicAccessBlock",
        "s3:PutBucketPublicAccessBlock",
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        bucket, region, target = self.locate(aws, p)
        state = _bpa_state(aws, bucket, region)
        config = state["configuration"] or {}
        calls = []
        if not all(config.get(flag) is True for flag in _BPA_FLAGS):
            calls.append(_put_bpa(bucket, region, dict.fromkeys(_BPA_FLAGS, True)))
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"turn on Block Public Access (all four settings) on bucket {bucket}",
            exempt=bucket_exemption(aws, bucket, region),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _bpa_state(aws, str(params["bucket"]), target.region)

    def restore_calls(
        self, bucket: str, region: str, before: Mapping[str, Any]
    ) -> tuple[ApiCall, ...]:
        config = before.get("configuration")
        if config is None:
            return (mutate("s3", "DeletePublicAccessBlock", region, Bucket=bucket),)
        return (_put_bpa(bucket, region, {f: bool(config.get(f)) for f in _BPA_FLAGS}),)


def _put_bpa(bucket: str, region: str, config: Mapping[str, bool]) -> ApiCall:
    return mutate(
        "s3",
        "PutPublicAccessBlock",
        region,
        Bucket=bucket,
        PublicAccessBlockConfiguration=dict(config),
    )


# --- bucket policy -------------------------------------------------------------------


def public_statement_indexes(policy: Mapping[str, Any]) -> list[int]:
    """Indexes of the statements that make ``policy`` public, as the posture check decides.

    A ``Deny`` never grants, and only deny statements (fences) can neutralise a public
    ``Allow``; so one statement is public exactly when the checks' rule finds a grant
    in a policy made of that statement and every deny of the original.
    """
    stmts = statements(policy)
    denies = [s for s in stmts if s.get("Effect") == "Deny"]
    version = policy.get("Version", "2012-10-17")
    return [
        i
        for i, stmt in enumerate(stmts)
        if stmt.get("Effect") == "Allow"
        and public_grants({"Version": version, "Statement": [stmt, *denies]})
    ]


def _policy_state(aws: AwsContext, bucket: str, region: str) -> dict[str, Any]:
    resp = read_or_none(aws, "s3", "GetBucketPolicy", region, Bucket=bucket)
    text = (resp or {}).get("Policy")
    if text is None:
        return {"policy": None, "public_statements": []}
    try:
        policy = json.loads(text)
    except ValueError:
        raise ActionError(f"bucket {bucket} has a policy that is not JSON") from None
    stmts = statements(policy)
    public = [stmts[i] for i in public_statement_indexes(policy)]
    return {"policy": str(text), "public_statements": public}


@action
class RemovePublicPolicyStatementsAction(_BucketAction):
    """Remove exactly the bucket-policy statements that let anyone in; keep the rest.

    "Public" is the posture check's rule (``s3_bucket_policy_not_public``): an
    ``Allow`` to every principal with no condition pinning the caller to fixed
    identifying values, and not fenced by a ``Deny``. The removed statements are
    kept verbatim in the journal (``before.public_statements``); when none is left
    the policy is deleted, since S3 refuses a policy without statements. Rollback
    puts the original policy text back.
    """

    name = "s3.remove_public_policy_statements"
    description = "Remove the public statements from a bucket policy (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        bucket, region, target = self.locate(aws, p)
        state = _policy_state(aws, bucket, region)
        calls = []
        if state["public_statements"]:
            policy = json.loads(state["policy"])
            drop = set(public_statement_indexes(policy))
            kept = [s for i, s in enumerate(statements(policy)) if i not in drop]
            if kept:
                rest = {**policy, "Statement": kept}
                calls.append(
                    mutate("s3", "PutBucketPolicy", region, Bucket=bucket, Policy=json.dumps(rest))
                )
            else:
                calls.append(mutate("s3", "DeleteBucketPolicy", region, Bucket=bucket))
        count = len(state["public_statements"])
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"remove {count} public statement(s) from the policy of bucket {bucket}",
            exempt=bucket_exemption(aws, bucket, region),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _policy_state(aws, str(params["bucket"]), target.region)

    def restore_calls(
        self, bucket: str, region: str, before: Mapping[str, Any]
    ) -> tuple[ApiCall, ...]:
        text = before.get("policy")
        if text is None:
            return (mutate("s3", "DeleteBucketPolicy", region, Bucket=bucket),)
        return (mutate("s3", "PutBucketPolicy", region, Bucket=bucket, Policy=str(text)),)


# --- ACL -----------------------------------------------------------------------------


def is_public_grant(grant: Mapping[str, Any]) -> bool:
    grantee = grant.get("Grantee") or {}
    return grantee.get("Type") == "Group" and grantee.get("URI") in PUBLIC_GROUPS


def _acl_state(aws: AwsContext, bucket: str, region: str) -> dict[str, Any]:
    acl = read(aws, "s3", "GetBucketAcl", region, Bucket=bucket)
    grants = [dict(g) for g in acl.get("Grants", [])]
    return {
        "owner": dict(acl.get("Owner") or {}),
        "grants": grants,
        "public_grants": [g for g in grants if is_public_grant(g)],
    }


def _put_acl(
    bucket: str, region: str, owner: Mapping[str, Any], grants: list[dict[str, Any]]
) -> ApiCall:
    return mutate(
        "s3",
        "PutBucketAcl",
        region,
        Bucket=bucket,
        AccessControlPolicy={"Owner": dict(owner), "Grants": grants},
    )


@action
class RemovePublicAclGrantsAction(_BucketAction):
    """Remove the bucket ACL's grants to ``AllUsers`` and ``AuthenticatedUsers``.

    ``AuthenticatedUsers`` means any AWS account in the world, not the bucket
    owner's users, so it is as public as ``AllUsers``. Every other grant (the
    owner's, log delivery's, named accounts') stays. Rollback puts the whole
    previous ACL back.
    """

    name = "s3.remove_public_acl_grants"
    description = "Remove the bucket ACL's public grants (reversible)"
    phase = Phase.CONTAINMENT
    reversible = True
    permissions = (
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
        "s3:GetBucketAcl",
        "s3:PutBucketAcl",
    )

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        bucket, region, target = self.locate(aws, p)
        state = _acl_state(aws, bucket, region)
        calls = []
        if state["public_grants"]:
            kept = [g for g in state["grants"] if not is_public_grant(g)]
            calls.append(_put_acl(bucket, region, state["owner"], kept))
        count = len(state["public_grants"])
        return self.make_plan(
            target,
            p,
            calls,
            state,
            f"remove {count} public grant(s) from the ACL of bucket {bucket}",
            exempt=bucket_exemption(aws, bucket, region),
        )

    def observe(self, aws: AwsContext, target: Target, params: Mapping[str, Any]) -> dict[str, Any]:
        return _acl_state(aws, str(params["bucket"]), target.region)

    def restore_calls(
        self, bucket: str, region: str, before: Mapping[str, Any]
    ) -> tuple[ApiCall, ...]:
        grants = [dict(g) for g in before.get("grants", [])]
        return (_put_acl(bucket, region, before.get("owner") or {}, grants),)
