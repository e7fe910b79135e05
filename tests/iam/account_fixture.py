"""A small organisation built in memory, in the shapes the inventory collectors store.

Account ``111122223333`` is a member under ``r-root / ou-dev``; ``999988887777`` is the
management account. Users and roles are ``GetAccountAuthorizationDetails`` items,
managed policies carry their versions, organisation policies their ``Content`` and
``Targets``, resources their resource-based policies.
"""

from __future__ import annotations

from typing import Any

from cloudwarden.inventory.snapshot import AccountInfo, Snapshot
from cloudwarden.testing import make_resource, make_snapshot

ACCT = "111122223333"
MGMT = "999988887777"
ORG = "o-example111"
ALICE = f"arn:aws:iam::{ACCT}:user/dev/alice"
BOB = f"arn:aws:iam::{ACCT}:user/bob"
APP_ROLE = f"arn:aws:iam::{ACCT}:role/app"
ADMIN = f"arn:aws:iam::{MGMT}:user/admin"
READ_S3 = f"arn:aws:iam::{ACCT}:policy/ReadS3"
BOUNDARY = f"arn:aws:iam::{ACCT}:policy/DevBoundary"
BUCKET = "arn:aws:s3:::data"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/k-1"
GLOBAL = "global"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _managed(arn: str, versions: list[tuple[str, bool, dict[str, Any]]]) -> Any:
    data = {
        "Arn": arn,
        "PolicyName": arn.rsplit("/", 1)[-1],
        "DefaultVersionId": next(v for v, d, _ in versions if d),
        "PolicyVersionList": [
            {"VersionId": v, "IsDefaultVersion": d, "Document": body} for v, d, body in versions
        ],
    }
    return make_resource("AWS::IAM::ManagedPolicy", arn, data, account=ACCT, region=GLOBAL)


def _principals() -> list[Any]:
    alice = {
        "Arn": ALICE, "UserName": "alice", "Path": "/dev/", "GroupList": ["devs"],
        "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": doc(allow("sqs:SendMessage"))}],
        "AttachedManagedPolicies": [{"PolicyName": "ReadS3", "PolicyArn": READ_S3}],
        "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                "PermissionsBoundaryArn": BOUNDARY},
        "Tags": [{"Key": "team", "Value": "blue"}],
    }  # fmt: skip
    bob = {"Arn": BOB, "UserName": "bob", "Path": "/", "GroupList": []}
    group = {
        "Arn": f"arn:aws:iam::{ACCT}:group/devs", "GroupName": "devs",
        "GroupPolicyList": [{"PolicyName": "assume", "PolicyDocument": doc(
            allow("sts:AssumeRole", APP_ROLE), allow("kms:Decrypt", KEY))}],
    }  # fmt: skip
    role = {
        "Arn": APP_ROLE, "RoleName": "app", "Path": "/",
        "AssumeRolePolicyDocument": doc({"Effect": "Allow", "Principal": {"AWS": ALICE},
                                         "Action": "sts:AssumeRole"}),
        "RolePolicyList": [{"PolicyName": "app", "PolicyDocument": doc(allow("dynamodb:*"))}],
    }  # fmt: skip
    admin = {"Arn": ADMIN, "UserName": "admin", "Path": "/", "GroupList": [],
             "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": doc(allow("*"))}]}  # fmt: skip
    return [
        make_resource("AWS::IAM::User", ALICE, alice, account=ACCT, region=GLOBAL),
        make_resource("AWS::IAM::User", BOB, bob, account=ACCT, region=GLOBAL),
        make_resource("AWS::IAM::Group", group["Arn"], group, account=ACCT, region=GLOBAL),
        make_resource("AWS::IAM::Role", APP_ROLE, role, account=ACCT, region=GLOBAL),
        make_resource("AWS::IAM::User", ADMIN, admin, account=MGMT, region=GLOBAL),
    ]


def _org_policy(pid: str, kind: str, content: dict[str, Any], targets: list[str]) -> Any:
    arn = f"arn:aws:organizations::{MGMT}:policy/{ORG}/{kind.lower()}/{pid}"
    data = {"Id": pid, "Type": kind, "Content": content,
            "Targets": [{"TargetId": t, "Type": "ACCOUNT"} for t in targets]}  # fmt: skip
    return make_resource("AWS::Organizations::Policy", arn, data, account=MGMT, region=GLOBAL)


def _organisation() -> list[Any]:
    full = doc(allow("*"))
    guard = doc(allow("*"), {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    perimeter = doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                     "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}}})  # fmt: skip
    return [
        _org_policy("p-FullAWSAccess", "SERVICE_CONTROL_POLICY", full, ["r-root", ACCT, MGMT]),
        _org_policy("p-guard", "SERVICE_CONTROL_POLICY", guard, ["ou-dev"]),
        _org_policy("p-perimeter", "RESOURCE_CONTROL_POLICY", perimeter, ["r-root"]),
    ]


def _resources() -> list[Any]:
    bucket = {"Name": "data", "Policy": doc({
        "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*"})}  # fmt: skip
    key = {"KeyId": "k-1", "Policy": doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                                          "Action": "kms:*", "Resource": "*"})}  # fmt: skip
    return [
        make_resource("AWS::S3::Bucket", BUCKET, bucket, account=ACCT),
        make_resource("AWS::KMS::Key", KEY, key, account=ACCT),
    ]


def organisation_snapshot() -> Snapshot:
    """The organisation above as a ``Snapshot``."""
    read = doc(allow(["s3:Get*", "s3:List*", "s3:DeleteBucket"], [BUCKET, f"{BUCKET}/*"]))
    boundary = doc(allow(["s3:*", "sqs:*", "sts:AssumeRole", "kms:*"]))
    resources = [
        *_principals(),
        _managed(READ_S3, [("v1", False, doc(allow("*"))), ("v2", True, read)]),
        _managed(BOUNDARY, [("v1", True, boundary)]),
        *_organisation(),
        *_resources(),
    ]
    snapshot = make_snapshot(resources, accounts=(ACCT, MGMT))
    accounts = (
        AccountInfo(id=ACCT, ou_path=("r-root", "ou-dev"), regions=("us-east-1",)),
        AccountInfo(id=MGMT, is_management=True, ou_path=("r-root",), regions=("us-east-1",)),
    )
    return snapshot.model_copy(update={"accounts": accounts, "organization": {"id": ORG}})
