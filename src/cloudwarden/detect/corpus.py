"""A deterministic generator of realistic CloudTrail corpora, for benchmarks and engine tests.

The records follow "CloudTrail record contents"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html):
a weighted mix of ~60 API calls over 25 services (read-heavy, as real trails are), every
``userIdentity`` type (IAM users, assumed roles with session context, AWS services,
federated users, the root user, AWS accounts), a few percent of errors, nested
``requestParameters`` / ``responseElements`` with lists, and the shapes that break naive
readers: ``requestParameters`` keys that differ only by case (S3 ``PutBucketTagging``
carries both ``Tagging`` and ``tagging``), ``null`` parts and absent optional fields.
About 0.5% of the records are security-relevant calls of the kind the SigmaHQ CloudTrail
rules look for (trail stopped, console login without MFA, bucket versioning suspended, ...).

``odd_rate`` adds records real trails should not contain but a reader must survive (lists
or numbers where strings belong, literal dotted keys, upper-cased values, missing
``userIdentity``); ``bad_rate`` adds records that are not events (no ``eventID``, a bad
``eventTime``, not an object) and must be counted as unparseable. Both default to 0.

Everything derives from ``seed``: the same arguments give the same bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

__all__ = ["CorpusFile", "generate_records", "write_cloudtrail"]

ACCOUNTS = ("111122223333", "444455556666", "777788889999")
REGIONS = ("us-east-1", "us-east-1", "us-east-1", "eu-west-1", "eu-west-1", "ap-southeast-2")
AGENTS = (
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/{op}",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.2",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.4",
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws",
    "console.amazonaws.com",
    "AWS Internal",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36",
)
ERRORS = (
    ("AccessDenied", "User: {arn} is not authorized to perform: {action}"),
    ("Client.UnauthorizedOperation", "You are not authorized to perform this operation."),
    ("ThrottlingException", "Rate exceeded"),
    ("NoSuchEntityException", "The user with name ghost cannot be found."),
    ("ResourceNotFoundException", "Requested resource not found"),
)


def _tags(rng: random.Random) -> list[dict[str, str]]:
    return [{"key": k, "value": rng.choice(("prod", "dev", "team-a"))} for k in ("env", "owner")]


def _bucket(rng: random.Random) -> dict[str, Any]:
    return {"bucketName": f"cw-data-{rng.randrange(40)}", "Host": "s3.amazonaws.com"}


def _object(rng: random.Random) -> dict[str, Any]:
    return {**_bucket(rng), "key": f"exports/{rng.randrange(10**6)}.parquet"}


def _instances(rng: random.Random) -> dict[str, Any]:
    ids = [{"instanceId": f"i-{rng.randrange(16**12):012x}"} for _ in range(rng.randint(1, 3))]
    return {"instancesSet": {"items": ids}, "filterSet": {}}


def _sg_rule(rng: random.Random) -> dict[str, Any]:
    perm = {
        "ipProtocol": "tcp",
        "fromPort": rng.choice((22, 443, 3389, 5432)),
        "toPort": 443,
        "ipRanges": {"items": [{"cidrIp": rng.choice(("0.0.0.0/0", "10.0.0.0/16"))}]},
    }
    return {"groupId": f"sg-{rng.randrange(16**8):08x}", "ipPermissions": {"items": [perm]}}


def _user(rng: random.Random) -> dict[str, Any]:
    return {"userName": rng.choice(("alice", "bob", "ci-deployer", "svc-backup"))}


def _role(rng: random.Random) -> dict[str, Any]:
    return {
        "roleArn": f"arn:aws:iam::{rng.choice(ACCOUNTS)}:role/app-{rng.randrange(8)}",
        "roleSessionName": f"session-{rng.randrange(1000)}",
        "durationSeconds": 3600,
    }


def _tagging(rng: random.Random) -> dict[str, Any]:
    """S3 PutBucketTagging as CloudTrail logs it: ``Tagging`` *and* ``tagging`` side by side."""
    tags = [{"Key": "env", "Value": rng.choice(("prod", "dev"))}]
    return {**_bucket(rng), "Tagging": {"TagSet": {"Tag": tags}}, "tagging": ""}


def _none(rng: random.Random) -> None:
    return None


def _empty(rng: random.Random) -> dict[str, Any]:
    return {}


Params = Callable[[random.Random], Any]

#: (eventSource, eventName, readOnly, weight, requestParameters)
ROUTINE: tuple[tuple[str, str, bool, int, Params], ...] = (
    ("s3.amazonaws.com", "GetObject", True, 120, _object),
    ("s3.amazonaws.com", "PutObject", False, 60, _object),
    ("s3.amazonaws.com", "HeadObject", True, 40, _object),
    ("s3.amazonaws.com", "ListObjects", True, 30, _bucket),
    ("s3.amazonaws.com", "GetBucketAcl", True, 12, _bucket),
    ("s3.amazonaws.com", "GetBucketPolicy", True, 8, _bucket),
    ("s3.amazonaws.com", "PutBucketTagging", False, 3, _tagging),
    ("s3.amazonaws.com", "ListBuckets", True, 2, _empty),
    ("ec2.amazonaws.com", "DescribeInstances", True, 80, _instances),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", True, 30, _empty),
    ("ec2.amazonaws.com", "DescribeVolumes", True, 25, _empty),
    ("ec2.amazonaws.com", "DescribeSubnets", True, 15, _empty),
    ("ec2.amazonaws.com", "RunInstances", False, 4, _instances),
    ("ec2.amazonaws.com", "TerminateInstances", False, 3, _instances),
    ("ec2.amazonaws.com", "CreateTags", False, 6, lambda r: {"tagSet": {"items": _tags(r)}}),
    ("sts.amazonaws.com", "AssumeRole", True, 90, _role),
    ("sts.amazonaws.com", "GetCallerIdentity", True, 20, _none),
    ("kms.amazonaws.com", "Decrypt", True, 70, lambda r: {"encryptionAlgorithm": "SYMMETRIC"}),
    ("kms.amazonaws.com", "GenerateDataKey", True, 40, lambda r: {"keySpec": "AES_256"}),
    ("iam.amazonaws.com", "GetRole", True, 15, lambda r: {"roleName": f"app-{r.randrange(8)}"}),
    ("iam.amazonaws.com", "ListRoles", True, 8, _empty),
    ("iam.amazonaws.com", "GetUser", True, 6, _user),
    ("iam.amazonaws.com", "ListAttachedRolePolicies", True, 6, _empty),
    ("lambda.amazonaws.com", "Invoke", False, 30, lambda r: {"functionName": "cw-app"}),
    ("lambda.amazonaws.com", "GetFunction", True, 8, lambda r: {"functionName": "cw-app"}),
    ("dynamodb.amazonaws.com", "DescribeTable", True, 20, lambda r: {"tableName": "orders"}),
    ("logs.amazonaws.com", "CreateLogStream", False, 25, lambda r: {"logGroupName": "/app"}),
    ("logs.amazonaws.com", "DescribeLogGroups", True, 10, _empty),
    ("monitoring.amazonaws.com", "GetMetricData", True, 25, _empty),
    ("monitoring.amazonaws.com", "PutMetricAlarm", False, 2, lambda r: {"alarmName": "cpu"}),
    ("ssm.amazonaws.com", "GetParameter", True, 25, lambda r: {"name": "/app/db-url"}),
    ("ssm.amazonaws.com", "UpdateInstanceInformation", False, 20, _empty),
    ("secretsmanager.amazonaws.com", "GetSecretValue", True, 12, lambda r: {"secretId": "db"}),
    ("ecr.amazonaws.com", "GetAuthorizationToken", True, 10, _empty),
    ("ecs.amazonaws.com", "DescribeServices", True, 8, lambda r: {"cluster": "main"}),
    ("eks.amazonaws.com", "DescribeCluster", True, 6, lambda r: {"name": "main"}),
    ("rds.amazonaws.com", "DescribeDBInstances", True, 10, _empty),
    ("cloudformation.amazonaws.com", "DescribeStacks", True, 8, _empty),
    ("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", True, 8, _empty),
    ("route53.amazonaws.com", "ListHostedZones", True, 3, _empty),
    ("config.amazonaws.com", "PutEvaluations", False, 5, _empty),
    ("guardduty.amazonaws.com", "ListDetectors", True, 3, _empty),
    ("securityhub.amazonaws.com", "BatchImportFindings", False, 4, _empty),
    ("cloudtrail.amazonaws.com", "LookupEvents", True, 2, _empty),
    ("signin.amazonaws.com", "ConsoleLogin", False, 2, _none),
    ("sso.amazonaws.com", "GetRoleCredentials", True, 4, _empty),
    ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", False, 1, _sg_rule),
)

#: security-relevant calls (the kind SigmaHQ's CloudTrail rules alert on), rarely drawn
SENSITIVE: tuple[tuple[str, str, bool, int, Params], ...] = (
    ("cloudtrail.amazonaws.com", "StopLogging", False, 2, lambda r: {"name": "main"}),
    ("cloudtrail.amazonaws.com", "DeleteTrail", False, 1, lambda r: {"name": "main"}),
    ("guardduty.amazonaws.com", "DeleteDetector", False, 1, lambda r: {"detectorId": "d1"}),
    ("config.amazonaws.com", "StopConfigurationRecorder", False, 1, _empty),
    (
        "s3.amazonaws.com",
        "PutBucketVersioning",
        False,
        2,
        lambda r: {
            **_bucket(r),
            "VersioningConfiguration": {"Status": r.choice(("Suspended", "Enabled"))},
        },
    ),
    ("s3.amazonaws.com", "DeleteBucket", False, 1, _bucket),
    ("iam.amazonaws.com", "CreateAccessKey", False, 2, _user),
    ("iam.amazonaws.com", "UpdateLoginProfile", False, 1, _user),
    ("iam.amazonaws.com", "CreateUser", False, 1, _user),
    ("iam.amazonaws.com", "DeleteSAMLProvider", False, 1, _empty),
    ("ec2.amazonaws.com", "CreateRoute", False, 1, lambda r: {"routeTableId": "rtb-1"}),
    ("ec2.amazonaws.com", "ModifySnapshotAttribute", False, 1, lambda r: {"snapshotId": "s"}),
    (
        "ec2.amazonaws.com",
        "ModifyInstanceAttribute",
        False,
        1,
        lambda r: {**_instances(r), "attribute": r.choice(("userData", "instanceType"))},
    ),
    ("ec2.amazonaws.com", "DisableEbsEncryptionByDefault", False, 1, _empty),
    ("ec2.amazonaws.com", "ImportKeyPair", False, 1, lambda r: {"keyName": "k"}),
    ("ec2.amazonaws.com", "CreateInstanceExportTask", False, 1, _instances),
    ("kms.amazonaws.com", "ImportKeyMaterial", False, 1, _empty),
    ("lambda.amazonaws.com", "CreateFunctionUrlConfig", False, 1, lambda r: {"authType": "NONE"}),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        False,
        1,
        lambda r: {"functionName": "cw-app", "layers": ["arn:aws:lambda:us-east-1:1:layer:x:1"]},
    ),
    (
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        False,
        1,
        lambda r: {
            "containerDefinitions": [
                {
                    "name": "c",
                    "command": [
                        "sh",
                        "-c",
                        r.choice(
                            (
                                "curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                "python app.py",
                            )
                        ),
                    ],
                }
            ]
        },
    ),
    ("rds.amazonaws.com", "ModifyDBInstance", False, 1, lambda r: {"dBInstanceIdentifier": "db"}),
    ("rds.amazonaws.com", "RestoreDBInstanceFromDBSnapshot", False, 1, _empty),
    ("sts.amazonaws.com", "GetSessionToken", True, 1, _none),
    ("sts.amazonaws.com", "AssumeRoleWithSAML", True, 1, _role),
    ("signin.amazonaws.com", "GetSigninToken", True, 1, _none),
    ("route53.amazonaws.com", "DisableDomainTransferLock", False, 1, _empty),
    ("account.amazonaws.com", "EnableRegion", False, 1, lambda r: {"RegionName": "af-south-1"}),
    ("securityhub.amazonaws.com", "BatchUpdateFindings", False, 1, _empty),
    ("eks.amazonaws.com", "CreateCluster", False, 1, lambda r: {"name": "shadow"}),
    ("bedrock.amazonaws.com", "DeleteGuardrail", False, 1, _empty),
)
SENSITIVE_RATE = 0.005


def _identity(rng: random.Random, account: str) -> dict[str, Any]:
    r = rng.random()
    if r < 0.55:
        role = rng.choice(("app-0", "app-1", "deploy", "AWSReservedSSO_Admin_0f1e2d3c"))
        issuer_arn = f"arn:aws:iam::{account}:role/{role}"
        session = f"s-{rng.randrange(10**6)}"
        if rng.random() < 0.02:  # instance credentials: the role session IMDS hands out
            role, session = "aws:ec2-instance", f"i-{rng.randrange(16**12):012x}"
        return {
            "type": "AssumedRole",
            "principalId": f"AROAEXAMPLE{rng.randrange(100):02d}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
            "accountId": account,
            "accessKeyId": f"ASIAEXAMPLE{rng.randrange(10**6):06d}",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": f"AROAEXAMPLE{rng.randrange(100):02d}",
                    "arn": issuer_arn,
                    "accountId": account,
                    "userName": role,
                },
                "attributes": {
                    "creationDate": "2024-05-01T11:00:00Z",
                    "mfaAuthenticated": rng.choice(("false", "true")),
                },
            },
        }
    if r < 0.80:
        return {
            "type": "AWSService",
            "invokedBy": rng.choice(("lambda.amazonaws.com", "ec2.amazonaws.com")),
        }
    if r < 0.97:
        name = rng.choice(("alice", "bob", "ci-deployer"))
        return {
            "type": "IAMUser",
            "principalId": f"AIDAEXAMPLE{name.upper()}",
            "arn": f"arn:aws:iam::{account}:user/{name}",
            "accountId": account,
            "accessKeyId": f"AKIAEXAMPLE{rng.randrange(10**4):04d}",
            "userName": name,
        }
    if r < 0.985:
        return {"type": "AWSAccount", "principalId": "AIDAOTHER", "accountId": "999999999999"}
    if r < 0.995:
        return {
            "type": "FederatedUser",
            "principalId": f"{account}:carol",
            "arn": f"arn:aws:sts::{account}:federated-user/carol",
            "accountId": account,
        }
    return {
        "type": "Root",
        "principalId": account,
        "arn": f"arn:aws:iam::{account}:root",
        "accountId": account,
    }


def _pick(
    table: tuple[tuple[str, str, bool, int, Params], ...],
) -> Callable[[random.Random], tuple[str, str, bool, int, Params]]:
    weights = [t[3] for t in table]
    return lambda rng: rng.choices(table, weights)[0]


def _record(
    rng: random.Random, when: datetime, routine: Callable[..., Any], sensitive: Callable[..., Any]
) -> dict[str, Any]:
    is_sensitive = rng.random() < SENSITIVE_RATE
    source, name, read_only, _, params = (sensitive if is_sensitive else routine)(rng)
    account = rng.choice(ACCOUNTS)
    ident = _identity(rng, account)
    service = source.split(".")[0]
    agent = rng.choice(AGENTS).format(op=name.lower(), svc=service)
    if is_sensitive and rng.random() < 0.1:
        agent = rng.choice(("S3 Browser 9.5.5 https://s3browser.com", "TruffleHog"))
    if ident["type"] == "AWSService":
        ip, agent = ident["invokedBy"], ident["invokedBy"]
    else:
        ip = rng.choice((f"203.0.113.{rng.randrange(256)}", "198.51.100.7", "10.0.3.17"))
    rec: dict[str, Any] = {
        "eventVersion": rng.choice(("1.08", "1.09", "1.10")),
        "userIdentity": ident,
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": rng.choice(REGIONS),
        "sourceIPAddress": ip,
        "userAgent": agent,
        "requestParameters": params(rng),
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": source != "s3.amazonaws.com" or "Bucket" in name,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{service}.{rng.choice(REGIONS)}.amazonaws.com",
        },
    }
    if not rec["managementEvent"]:
        rec["eventCategory"] = "Data"
        rec["resources"] = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::cw-data/x"}]
    _outcome(rng, rec, ident)
    return rec


def _outcome(rng: random.Random, rec: dict[str, Any], ident: dict[str, Any]) -> None:
    name = rec["eventName"]
    if name == "ConsoleLogin" or name == "GetSigninToken":
        rec["eventType"] = "AwsConsoleSignIn"
        ok = rng.random() < 0.85
        rec["responseElements"] = {"ConsoleLogin": "Success" if ok else "Failure"}
        rec["additionalEventData"] = {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": rng.choice(("Yes", "Yes", "No")),
        }
        if not ok:
            rec["errorMessage"] = "Failed authentication"
        return
    if rng.random() < 0.04:
        code, message = rng.choice(ERRORS)
        rec["errorCode"] = code
        rec["errorMessage"] = message.format(arn=ident.get("arn", "?"), action=name)
        return
    if name == "AssumeRole":
        rec["responseElements"] = {
            "credentials": {"accessKeyId": "ASIAEXAMPLE", "expiration": "May 1, 2024 1:00 PM"},
            "assumedRoleUser": {"assumedRoleId": "AROAEXAMPLE:s", "arn": "arn:aws:sts::1:x"},
        }
    elif name == "CreateAccessKey":
        user = rec["requestParameters"]["userName"]
        rec["responseElements"] = {"accessKey": {"userName": user, "status": "Active"}}
    elif name == "ModifyDBInstance":
        rec["responseElements"] = {"pendingModifiedValues": {"masterUserPassword": "****"}}
    elif name == "RestoreDBInstanceFromDBSnapshot":
        rec["responseElements"] = {"publiclyAccessible": rng.random() < 0.5}
    elif name == "RunInstances":
        rec["responseElements"] = {"instancesSet": rec["requestParameters"]["instancesSet"]}


def _odd(rng: random.Random, rec: dict[str, Any]) -> None:
    """Shapes real trails should not contain but a reader must survive."""
    r = rng.randrange(9)
    if r == 0:
        rec["eventName"] = [rec["eventName"], "StopLogging"]
    elif r == 1:
        rec["eventSource"] = rec["eventSource"].upper()
    elif r == 2:
        rec["eventName"] = 42
    elif r == 3:
        rec.pop("userIdentity")
    elif r == 4:
        rec["userIdentity.type"] = "Root"  # a flattened copy beside the nested object
    elif r == 5:
        rec["userIdentity"] = [rec["userIdentity"], {"type": "Root"}]
    elif r == 6:
        rec["errorCode"] = None
    elif r == 7:
        rec["requestParameters"] = {"containerDefinitions": [[{"command": "curl 169.254.170.2"}]]}
    else:
        rec["userAgent"] = {"nested": "TruffleHog"}


def _bad(rng: random.Random, rec: dict[str, Any]) -> Any:
    r = rng.randrange(3)
    if r == 0:
        rec.pop("eventID")
        return rec
    if r == 1:
        rec["eventTime"] = "yesterday"
        return rec
    return ["not", "an", "event"]


def generate_records(
    n: int,
    seed: int = 0,
    *,
    start: datetime = datetime(2024, 5, 1, tzinfo=UTC),
    odd_rate: float = 0.0,
    bad_rate: float = 0.0,
) -> Iterator[Any]:
    """``n`` CloudTrail records in time order (about one every 50 ms from ``start``)."""
    rng = random.Random(seed)
    routine, sensitive = _pick(ROUTINE), _pick(SENSITIVE)
    for i in range(n):
        when = start + timedelta(milliseconds=50 * i)
        rec = _record(rng, when, routine, sensitive)
        if odd_rate and rng.random() < odd_rate:
            _odd(rng, rec)
        if bad_rate and rng.random() < bad_rate:
            yield _bad(rng, rec)
            continue
        yield rec


@dataclass(frozen=True, slots=True)
class CorpusFile:
    path: Path
    records: int


def write_cloudtrail(
    root: Path,
    records: Iterator[Any],
    *,
    per_file: int = 1000,
    compress: bool = True,
    lines: bool = False,
) -> list[CorpusFile]:
    """Write records as CloudTrail delivers them, ``per_file`` to a file, streaming.

    The layout is S3 delivery's ``AWSLogs/<account>/CloudTrail/<region>/<Y>/<M>/<D>/``
    with ``<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`` names, each
    file a ``{"Records": [...]}`` document (or JSON Lines with ``lines``).
    """
    out: list[CorpusFile] = []
    batch: list[Any] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= per_file:
            out.append(_write(root, batch, len(out), compress, lines))
            batch = []
    if batch:
        out.append(_write(root, batch, len(out), compress, lines))
    return out


def _write(root: Path, batch: list[Any], seq: int, compress: bool, lines: bool) -> CorpusFile:
    first = next((r for r in batch if type(r) is dict and type(r.get("eventTime")) is str), None)
    when = datetime(2024, 5, 1, tzinfo=UTC)
    if first is not None:
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(first["eventTime"])
    account, region = ACCOUNTS[0], "us-east-1"
    folder = root / "AWSLogs" / account / "CloudTrail" / region / when.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".json.gz" if compress else ".json"
    name = f"{account}_CloudTrail_{region}_{when.strftime('%Y%m%dT%H%MZ')}_{seq:08d}{suffix}"
    if lines:
        data = b"".join(orjson.dumps(r) + b"\n" for r in batch)
    else:
        data = orjson.dumps({"Records": batch})
    path = folder / name
    path.write_bytes(gzip.compress(data, compresslevel=6) if compress else data)
    return CorpusFile(path, len(batch))
