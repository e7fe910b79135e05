"""S3: the bucket policy, the bucket ACL and Block Public Access, combined as S3 does.

S3 grants a request when the bucket policy or an ACL allows it and no ``Deny`` of the
bucket policy applies ("How Amazon S3 authorizes a request"). Block Public Access
changes what the collected policy and ACL mean ("Blocking public access to your Amazon
S3 storage"; the account setting and the bucket setting combine, the most restrictive
wins):

* ``RestrictPublicBuckets``: when the bucket policy is public, only AWS service
  principals and principals of the bucket owner's account keep access — every
  cross-account grant of that policy stops working, named accounts included.
* ``IgnorePublicAcls``: ACL grants to ``AllUsers`` and ``AuthenticatedUsers`` are
  ignored. Grants to other accounts' canonical ids are not public and stay.
* ``BlockPublicAcls`` and ``BlockPublicPolicy`` only refuse *new* public ACLs and
  policies; what is already there is judged as is.

Object Ownership ``BucketOwnerEnforced`` disables ACLs altogether ("Controlling
ownership of objects and disabling ACLs"). Whether the policy is public is S3's own
verdict (``GetBucketPolicyStatus``) when it was collected, else S3's documented rule
as cloudwarden's posture checks apply it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from cloudwarden.iam.access.external import (
    ExternalAccess,
    Organization,
    ResourceAccess,
    Scope,
    Witness,
    analyse_policy,
    outsider_policy_set,
)
from cloudwarden.iam.access.grantees import FRESH_ACCOUNTS
from cloudwarden.iam.evaluate import compile_policy_set
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.model import Resource

__all__ = ["ACL_ACTIONS", "BlockPublicAccess", "analyse_bucket", "effective_block"]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
# "Access control list (ACL) overview": mapping of bucket ACL permissions to actions.
ACL_ACTIONS: dict[str, tuple[str, ...]] = {
    "READ": ("s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"),
    "WRITE": ("s3:PutObject",),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
}
ACL_ACTIONS["FULL_CONTROL"] = tuple(sorted({a for v in ACL_ACTIONS.values() for a in v}))
_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

BlockPublicAccess = dict[str, bool]


def effective_block(
    account_setting: Mapping[str, Any] | None, bucket_setting: Mapping[str, Any] | None
) -> BlockPublicAccess:
    """Each flag is on when the account or the bucket turns it on."""
    return {
        flag: bool((account_setting or {}).get(flag)) or bool((bucket_setting or {}).get(flag))
        for flag in _FLAGS
    }


def _policy_is_public(bucket: Resource, document: Any) -> bool:
    status = bucket.data.get("PolicyStatus")
    if isinstance(status, dict) and "IsPublic" in status:
        return bool(status["IsPublic"])
    from cloudwarden.checks.builtin.s3._public_policy import public_grants

    return bool(public_grants(document if isinstance(document, dict) else None))


def analyse_bucket(
    bucket: Resource,
    *,
    account_block: Mapping[str, Any] | None,
    account_block_known: bool = True,
    organization: Organization | None = None,
    rcps: Sequence[Sequence[Policy]] | None = None,
) -> ResourceAccess:
    """External access to one bucket through its policy and its ACL, after Block Public
    Access."""
    data = bucket.data
    errors = data.get("_errors") or {}
    document = data.get("Policy")
    unknown: list[str] = []
    notes: list[str] = []
    if document:
        result = analyse_policy(document, arn=bucket.arn, resource_type=bucket.type,
                                account=bucket.account, region=bucket.region,
                                organization=organization, rcps=rcps)  # fmt: skip
    else:
        result = ResourceAccess(bucket.arn, bucket.type, bucket.account, bucket.region)
    if "Policy" in errors:
        unknown.append(f"the bucket policy was not collected: {errors['Policy']}")
    if not account_block_known or "PublicAccessBlock" in errors:
        unknown.append("Block Public Access settings were not collected; accesses are "
                       "reported as the policy and ACL grant them")  # fmt: skip
    block = effective_block(account_block, data.get("PublicAccessBlock"))
    accesses = list(result.accesses)
    if block["RestrictPublicBuckets"] and document and _policy_is_public(bucket, document):
        accesses = _restricted(accesses, notes)
    acl, acl_notes, acl_unknown = _acl_accesses(bucket, block, document, rcps)
    notes += acl_notes
    unknown += acl_unknown
    return replace(
        result,
        accesses=tuple(accesses + acl),
        unknown=tuple(dict.fromkeys([*result.unknown, *unknown])),
        notes=tuple(dict.fromkeys([*result.notes, *notes])),
    )


def _restricted(accesses: list[ExternalAccess], notes: list[str]) -> list[ExternalAccess]:
    """``RestrictPublicBuckets`` on a public policy: only service principals keep access."""
    kept = [a for a in accesses if a.grantee.startswith("service ")]
    if len(kept) < len(accesses):
        notes.append(
            "RestrictPublicBuckets: the bucket policy is public, so only AWS service "
            f"principals and the owner's account keep access ({len(accesses) - len(kept)} "
            "cross-account grant(s) neutralised)"
        )
    return kept


def _acl_accesses(
    bucket: Resource,
    block: BlockPublicAccess,
    document: Any,
    rcps: Sequence[Sequence[Policy]] | None,
) -> tuple[list[ExternalAccess], list[str], list[str]]:
    data = bucket.data
    if "Acl" in (data.get("_errors") or {}):
        return [], [], [f"the bucket ACL was not collected: {data['_errors']['Acl']}"]
    rules = ((data.get("OwnershipControls") or {}).get("Rules")) or []
    if any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in rules):
        return [], ["Object Ownership is BucketOwnerEnforced: ACLs are disabled"], []
    acl = data.get("Acl") or {}
    owner = (acl.get("Owner") or {}).get("ID")
    notes: list[str] = []
    granted: dict[tuple[str, str], set[str]] = {}
    for grant in acl.get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        actions = ACL_ACTIONS.get(str(grant.get("Permission")), ())
        uri, cid = grantee.get("URI"), grantee.get("ID")
        if uri in (ALL_USERS, AUTHENTICATED_USERS):
            if block["IgnorePublicAcls"]:
                notes.append(
                    f"IgnorePublicAcls: the ACL grant to {uri.rsplit('/', 1)[-1]} is ignored"
                )
                continue
            key = ("anonymous", "anyone (anonymous)") if uri == ALL_USERS else (
                f"arn:aws:iam::{FRESH_ACCOUNTS[0]}:root", "any AWS account")  # fmt: skip
            granted.setdefault(key, set()).update(actions)
        elif cid and cid != owner and grantee.get("Type") == "CanonicalUser":
            granted.setdefault((cid, f"canonical user {cid}"), set()).update(actions)
    policy = parse_policy(document) if document else None
    out = []
    for (principal, label), grant in sorted(granted.items()):
        allowed = _not_denied(bucket, policy, principal, sorted(grant), rcps)
        if allowed:
            scope: Scope = "outside_org" if label.startswith("canonical") else "public"
            witness = Witness(principal, allowed[0], _acl_resource(bucket.arn, allowed[0]), {})
            out.append(ExternalAccess(scope, label, tuple(allowed), witness, (), "acl"))
    return out, notes, []


def _acl_resource(arn: str, action: str) -> str:
    return f"{arn}/cloudwarden-probe" if action == "s3:PutObject" else arn


def _not_denied(
    bucket: Resource,
    policy: Policy | None,
    principal: str,
    actions: list[str],
    rcps: Sequence[Sequence[Policy]] | None,
) -> list[str]:
    """The ACL's actions that no ``Deny`` of the bucket policy (or an RCP) stops for a
    request that carries no condition values."""
    if policy is None and not rcps:
        return actions
    empty = parse_policy({"Version": "2012-10-17", "Statement": []})
    compiled = compile_policy_set(outsider_policy_set(policy or empty, bucket.account, rcps))
    from cloudwarden.iam.request import Request

    return [
        a
        for a in actions
        if compiled.decide(
            Request(principal, a, _acl_resource(bucket.arn, a), {}, resource_account=bucket.account)
        )
        != "explicit_deny"
    ]
