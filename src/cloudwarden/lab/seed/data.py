"""Data protection weaknesses for the lab: S3, KMS, Secrets Manager, SSM and RDS.

Each weakness is planted next to a twin of the same kind that is configured
correctly, so the lab shows a check telling the two apart. Most of it lives in the
"dev" account (whose account-level S3 Block Public Access stays off); "prod" gets the
account-level block and the KMS pair in the second region.

Identifiers must be known in advance for the manifest. Bucket names carry the account
id (S3 names are global), secrets pin moto's random ARN suffix with its ``_custom_id_``
tag, and the KMS keys - whose ids KMS always picks at random - are published as
``env.refs[alias]`` for the manifest's ``{refs[...]}`` templates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloudwarden.aws.session import _strip_account_host_prefix
from cloudwarden.lab.org import LabEnv

HOME = "dev"
HOME_REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
# Lab-only credentials: they exist only inside the emulator.
LAB_DB_PASSWORD = "cw-lab-not-a-secret-1"
LAB_LEAKED_PASSWORD = "Winter2026!"


@dataclass(frozen=True, slots=True)
class BucketPlan:
    """One bucket: hardened by default, each flag off plants one weakness."""

    stem: str
    block: bool = True
    tls: bool = True
    versioning: bool = True
    logging: bool = True
    encryption: bool = True
    public_policy: bool = False
    public_acl: bool = False


BUCKETS = (
    BucketPlan("data-hardened"),
    BucketPlan("public-policy", block=False, public_policy=True),
    BucketPlan("public-acl", block=False, public_acl=True),
    BucketPlan("no-block", block=False),
    BucketPlan("plain-http", tls=False),
    BucketPlan("unversioned", versioning=False),
    BucketPlan("unlogged", logging=False),
    BucketPlan("unencrypted", encryption=False),
)


def bucket_name(stem: str, account: str) -> str:
    return f"cw-lab-{stem}-{account}"


def deny_insecure_transport(arn: str) -> dict[str, Any]:
    """The bucket-policy statement that refuses every request not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def seed(env: LabEnv) -> None:
    _account_public_access_block(env)
    _buckets(env)
    key_arn = _keys(env)
    _secrets(env)
    _parameters(env)
    _databases(env, key_arn)


# -- S3 ------------------------------------------------------------------------------
def _account_public_access_block(env: LabEnv) -> None:
    """Prod blocks public access account-wide; dev never configured it (the weakness)."""
    control = env.client("prod", "s3control")
    control.meta.events.register("before-send.s3-control.*", _strip_account_host_prefix)
    control.put_public_access_block(
        AccountId=env.account_id("prod"), PublicAccessBlockConfiguration=ALL_BLOCKED
    )


def _buckets(env: LabEnv) -> None:
    s3 = env.client(HOME, "s3")
    account = env.account_id(HOME)
    org_id = env.client("management", "organizations").describe_organization()["Organization"]["Id"]
    logs = bucket_name("access-logs", account)
    # No bucket policy here: the logging service is let in through the log-delivery ACL.
    s3.create_bucket(Bucket=logs, ACL="log-delivery-write")
    for plan in BUCKETS:
        _bucket(s3, bucket_name(plan.stem, account), plan, logs, org_id)


def _bucket(s3: Any, name: str, plan: BucketPlan, logs: str, org_id: str) -> None:
    s3.create_bucket(Bucket=name)
    if plan.block:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=ALL_BLOCKED)
    if plan.public_acl:
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    statements = _bucket_statements(name, plan, org_id)
    if statements:
        policy = {"Version": "2012-10-17", "Statement": statements}
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    if plan.versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if plan.logging:
        status = {"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": f"{name}/"}}
        s3.put_bucket_logging(Bucket=name, BucketLoggingStatus=status)
    if plan.encryption:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})


def _bucket_statements(name: str, plan: BucketPlan, org_id: str) -> list[dict[str, Any]]:
    arn = f"arn:aws:s3:::{name}"
    statements: list[dict[str, Any]] = []
    if plan.tls:
        statements.append(deny_insecure_transport(arn))
    read: dict[str, Any] = {
        "Sid": "ReadObjects",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{arn}/*",
    }
    if not plan.public_policy:
        read["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": org_id}}
    statements.append(read)
    return statements


# -- KMS -----------------------------------------------------------------------------
def _keys(env: LabEnv) -> str:
    """Unrotated and public keys in dev, a key pending deletion in prod; returns a good key."""
    account = env.account_id(HOME)
    kms = env.client(HOME, "kms", HOME_REGION)
    root = _root_statement(account)
    rotated = _key(env, kms, "cw-lab-key-rotated", [root], rotate=True)
    _key(env, kms, "cw-lab-key-unrotated", [root], rotate=False)
    _key(env, kms, "cw-lab-key-public", [root, _decrypt_for_everyone(None)], rotate=True)
    pinned = {"StringEquals": {"kms:CallerAccount": account}}
    _key(env, kms, "cw-lab-key-shared", [root, _decrypt_for_everyone(pinned)], rotate=True)
    prod = env.client("prod", "kms", OTHER_REGION)
    prod_root = _root_statement(env.account_id("prod"))
    _key(env, prod, "cw-lab-key-kept", [prod_root], rotate=True)
    doomed = _key(env, prod, "cw-lab-key-doomed", [prod_root], rotate=True)
    # moto resolves only the bare key id here, not the ARN
    prod.schedule_key_deletion(KeyId=doomed.rsplit("/", 1)[-1], PendingWindowInDays=30)
    return rotated


def _key(
    env: LabEnv, kms: Any, alias: str, statements: list[dict[str, Any]], *, rotate: bool
) -> str:
    """Create a key with an alias; its ARN (random id) is published as ``refs[alias]``."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    meta = kms.create_key(Description=alias, Policy=policy)["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=meta["KeyId"])
    if rotate:
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    env.refs[alias] = str(meta["Arn"])
    return str(meta["Arn"])


def _root_statement(account: str) -> dict[str, Any]:
    return {
        "Sid": "EnableIAMPolicies",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def _decrypt_for_everyone(condition: dict[str, Any] | None) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Sid": "DecryptForEveryone",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
    }
    if condition:
        stmt["Condition"] = condition
    return stmt


# -- Secrets Manager -----------------------------------------------------------------
def _secrets(env: LabEnv) -> None:
    sm = env.client(HOME, "secretsmanager", HOME_REGION)
    _secret(sm, "cw-lab-secret-unrotated", "CwLabU", rotate=False)
    _secret(sm, "cw-lab-secret-rotated", "CwLabR", rotate=True)
    public = _secret(sm, "cw-lab-secret-public", "CwLabP", rotate=True)
    shared = _secret(sm, "cw-lab-secret-shared", "CwLabS", rotate=True)
    prod_root = f"arn:aws:iam::{env.account_id('prod')}:root"
    sm.put_resource_policy(SecretId=public, ResourcePolicy=_read_secret_policy("*"))
    sm.put_resource_policy(SecretId=shared, ResourcePolicy=_read_secret_policy({"AWS": prod_root}))


def _secret(sm: Any, name: str, suffix: str, *, rotate: bool) -> str:
    arn = sm.create_secret(
        Name=name,
        SecretString=json.dumps({"username": "cw-lab", "password": LAB_DB_PASSWORD}),
        Tags=[{"Key": "_custom_id_", "Value": suffix}],
    )["ARN"]
    if rotate:
        # moto accepts a schedule without a rotation Lambda; AWS needs one (or managed rotation).
        sm.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 30})
    return str(arn)


def _read_secret_policy(principal: Any) -> str:
    stmt = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [stmt]})


# -- SSM Parameter Store -------------------------------------------------------------
def _parameters(env: LabEnv) -> None:
    home = env.client(HOME, "ssm", HOME_REGION)
    home.put_parameter(Name="/cw-lab/app/db_password", Value=LAB_LEAKED_PASSWORD, Type="String")
    home.put_parameter(
        Name="/cw-lab/secure/db_password", Value=LAB_LEAKED_PASSWORD, Type="SecureString"
    )
    other = env.client(HOME, "ssm", OTHER_REGION)
    dsn = f"postgres://app:{LAB_LEAKED_PASSWORD}@db.cw-lab.internal:5432/app"
    other.put_parameter(Name="/cw-lab/app/bootstrap", Value=dsn, Type="String")
    other.put_parameter(
        Name="/cw-lab/app/endpoint", Value="https://db.cw-lab.internal:5432", Type="String"
    )


# -- RDS -----------------------------------------------------------------------------
def _databases(env: LabEnv, key_arn: str) -> None:
    """One exposed instance (public, unencrypted, frozen version) and its hardened twin."""
    rds = env.client(HOME, "rds", HOME_REGION)
    common: dict[str, Any] = {
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
        "MasterUsername": "cwlab",
        "MasterUserPassword": LAB_DB_PASSWORD,
        "AllocatedStorage": 20,
    }
    rds.create_db_instance(
        DBInstanceIdentifier="cw-lab-db-exposed",
        PubliclyAccessible=True,
        StorageEncrypted=False,
        AutoMinorVersionUpgrade=False,
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="cw-lab-db-private",
        PubliclyAccessible=False,
        StorageEncrypted=True,
        KmsKeyId=key_arn,
        AutoMinorVersionUpgrade=True,
        **common,
    )
    for ident, share in (
        ("cw-lab-snap-public", "all"),
        ("cw-lab-snap-private", env.account_id("prod")),
    ):
        rds.create_db_snapshot(DBSnapshotIdentifier=ident, DBInstanceIdentifier="cw-lab-db-exposed")
        rds.modify_db_snapshot_attribute(
            DBSnapshotIdentifier=ident, AttributeName="restore", ValuesToAdd=[share]
        )
