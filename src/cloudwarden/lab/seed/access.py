"""External and public access: for every resource type the access analysis reads, a
resource open outside its account and a locked-down twin, listed in
``lab/manifest/access.yaml``.

Where another seeder already planted a fitting pair it is reused, not duplicated: the
public bucket policy (``data``), the public and ``kms:CallerAccount``-pinned KMS keys
(``data``), the public and prod-shared secrets (``data``), the open and
``aws:PrincipalOrgID``-pinned role trusts (``identity``) and the public Lambda function
(``detection``). This module plants the rest, in ``dev`` (us-east-1), each twin holding
the exposed resource's statement made safe:

* an S3 bucket with the same public ``s3:GetObject`` policy plus a ``public-read`` ACL,
  both voided by bucket-level Block Public Access (``RestrictPublicBuckets``,
  ``IgnorePublicAcls``);
* SQS queues letting ``Principal: "*"`` send, the twin only with ``aws:SourceArn`` of a
  topic of ours (what SNS carries when it delivers; no other caller has the key);
* SNS topics granting an account outside the organisation publish and subscribe, the
  twin only with ``aws:PrincipalOrgID`` (which that account can never carry);
* a Lambda function invocable by ``"*"`` within the organisation (Lambda's own
  ``PrincipalOrgID`` permission), twin of ``detection``'s public function;
* a secret readable by ``"*"`` of this account only (``aws:PrincipalAccount``);
* ECR repositories that let Lambda pull images, for any account's functions (the
  confused deputy) and, in the twin, only for this account's (``aws:SourceAccount``).

Twins pinned by ``aws:SourceVpce`` or a private ``aws:SourceIp`` range are not planted:
the analysis rightly reports those as public access that needs the named endpoint or
address (docs/iam-access.md), not as closed.

It runs after ``data`` (whose access-log bucket it logs to) and ``detection`` (whose
Lambda execution role it uses): see ``AFTER`` and :func:`cloudwarden.lab.build.seed_modules`.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from cloudwarden.lab.org import LabEnv
from cloudwarden.lab.seed.data import (
    ALL_BLOCKED,
    LAB_DB_PASSWORD,
    bucket_name,
    deny_insecure_transport,
)
from cloudwarden.lab.seed.identity import VENDOR_ACCOUNT

AFTER = ("data", "detection")
HOME = "dev"
REGION = "us-east-1"
PREFIX = "cw-lab-access-"
ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
FUNCTION_ROLE = "cw-lab-fn-exec"  # created in every account with functions by ``detection``


def seed(env: LabEnv) -> None:
    account = env.account_id(HOME)
    org_id = env.client("management", "organizations").describe_organization()["Organization"]["Id"]
    _blocked_bucket(env, account)
    topic = _topics(env, org_id)
    _queues(env, account, topic)
    _function(env, account, org_id)
    _secret(env, account)
    _repositories(env, account)


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(
    principal: Any, actions: Any, resource: str | None, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": actions}
    if resource:
        statement["Resource"] = resource
    if condition:
        statement["Condition"] = condition
    return statement


# -- S3 ------------------------------------------------------------------------------
def _blocked_bucket(env: LabEnv, account: str) -> None:
    """The public-policy bucket's statements and a public ACL, under Block Public Access.

    The ACL and policy go on before the block (AWS refuses new public ones after it);
    otherwise the bucket is as hardened as ``data``'s, so no posture check flags it.
    """
    s3 = env.client(HOME, "s3")
    name = bucket_name("access-blocked", account)
    arn = f"arn:aws:s3:::{name}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    tls = deny_insecure_transport(arn)
    read = {"Sid": "ReadObjects", **_allow("*", "s3:GetObject", f"{arn}/*")}
    s3.put_bucket_policy(Bucket=name, Policy=_document(tls, read))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=ALL_BLOCKED)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    logs = {"TargetBucket": bucket_name("access-logs", account), "TargetPrefix": f"{name}/"}
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": logs})
    rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})


# -- SNS and SQS ---------------------------------------------------------------------
def _topics(env: LabEnv, org_id: str) -> str:
    """A topic shared with an outside account, and its org-pinned twin (returned)."""
    sns = env.client(HOME, "sns", REGION)
    vendor = {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"}
    actions = ["sns:Publish", "sns:Subscribe"]
    pinned = {"StringEquals": {"aws:PrincipalOrgID": org_id}}
    twin = ""
    plan: tuple[tuple[str, dict[str, Any] | None], ...] = (
        ("topic-vendor", None),
        ("topic-org-only", pinned),
    )
    for suffix, condition in plan:
        arn = str(sns.create_topic(Name=PREFIX + suffix)["TopicArn"])
        policy = _document(_allow(vendor, actions, arn, condition))
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)
        twin = arn
    return twin


def _queues(env: LabEnv, account: str, topic: str) -> None:
    """Anyone may send to the first queue; to the twin only through ``topic``."""
    sqs = env.client(HOME, "sqs", REGION)
    from_topic = {"ArnEquals": {"aws:SourceArn": topic}}
    plan: tuple[tuple[str, dict[str, Any] | None], ...] = (
        ("queue-open", None),
        ("queue-from-topic", from_topic),
    )
    for suffix, condition in plan:
        name = PREFIX + suffix
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = f"arn:aws:sqs:{REGION}:{account}:{name}"
        policy = _document(_allow("*", "sqs:SendMessage", arn, condition))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


# -- Lambda, Secrets Manager, ECR ------------------------------------------------------
def _function(env: LabEnv, account: str, org_id: str) -> None:
    """``detection``'s public function's permission, limited to the organisation."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    lam = env.client(HOME, "lambda", REGION)
    name = PREFIX + "fn-org-only"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=f"arn:aws:iam::{account}:role/{FUNCTION_ROLE}",
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    lam.add_permission(
        FunctionName=name,
        StatementId="organisation",
        Action="lambda:InvokeFunction",
        Principal="*",
        PrincipalOrgID=org_id,
    )


def _secret(env: LabEnv, account: str) -> None:
    """``data``'s public secret's statement, limited to principals of this account."""
    sm = env.client(HOME, "secretsmanager", REGION)
    arn = sm.create_secret(
        Name=PREFIX + "secret-own-account",
        SecretString=json.dumps({"username": "cw-lab", "password": LAB_DB_PASSWORD}),
        Tags=[{"Key": "_custom_id_", "Value": "CwLabA"}],
    )["ARN"]
    sm.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 30})
    own = {"StringEquals": {"aws:PrincipalAccount": account}}
    statement = _allow("*", "secretsmanager:GetSecretValue", "*", own)
    sm.put_resource_policy(SecretId=arn, ResourcePolicy=_document(statement))


def _repositories(env: LabEnv, account: str) -> None:
    """Lambda may pull images: for any account's functions, or (twin) only for ours."""
    ecr = env.client(HOME, "ecr", REGION)
    lambda_service = {"Service": "lambda.amazonaws.com"}
    ours = {"StringEquals": {"aws:SourceAccount": account}}
    plan: tuple[tuple[str, dict[str, Any] | None], ...] = (
        ("repo-any-lambda", None),
        ("repo-own-lambda", ours),
    )
    for suffix, condition in plan:
        name = PREFIX + suffix
        ecr.create_repository(
            repositoryName=name,
            imageScanningConfiguration={"scanOnPush": True},
            imageTagMutability="IMMUTABLE",
        )
        pull = _allow(lambda_service, list(ECR_PULL), None, condition)
        ecr.set_repository_policy(
            repositoryName=name, policyText=_document({"Sid": "LambdaPull", **pull})
        )
