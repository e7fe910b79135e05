"""The small world the differential generator draws from: accounts, principals, targets, keys.

Callers are what AWS authenticates: IAM users, role sessions (never the bare role ARN:
a role makes no request itself, its sessions do), federated-user sessions, the root
user, a service principal and anonymous callers.

Everything here is data. Principals carry the request-context values that AWS derives for
them ("AWS global condition context keys"), so the generator can pass every key explicitly
and both engines see the same context: the oracle fills in nothing by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

A = "111111111111"  # the principal's home account, a member of the organisation
B = "222222222222"  # another account, outside the organisation
ORG = "o-exampleorg1"
OTHER_ORG = "o-otherorg22"
ORG_PATH = f"{ORG}/r-ab12/ou-ab12-11111111/"
NOW = "2025-06-15T12:00:00Z"
NOW_EPOCH = "1749988800"
REGIONS = ("us-east-1", "eu-west-1")


@dataclass(frozen=True)
class Who:
    """A request principal and the global keys AWS derives for it."""

    name: str
    arn: str
    kind: str
    account: str | None
    derived: dict[str, str | list[str]] = field(default_factory=dict)
    weight: int = 2


def _iam(arn: str, kind: str, account: str, ptype: str, **extra: str) -> dict[str, str | list[str]]:
    org = ORG if account == A else OTHER_ORG
    out: dict[str, str | list[str]] = {
        "aws:PrincipalArn": arn,
        "aws:PrincipalAccount": account,
        "aws:PrincipalType": ptype,
        "aws:PrincipalOrgID": org,
        "aws:userid": f"AIDA{kind.upper()}{account[-4:]}",
        "aws:PrincipalIsAWSService": "false",
    }
    if account == A:
        out["aws:PrincipalOrgPaths"] = [ORG_PATH]
    out.update(extra)
    return out


def _session(role: str, session: str, account: str, path: str = "/", weight: int = 3) -> Who:
    arn = f"arn:aws:sts::{account}:assumed-role/{role}/{session}"
    role_arn = f"arn:aws:iam::{account}:role{path}{role}"
    derived = _iam(role_arn, "session", account, "AssumedRole")
    derived["aws:TokenIssueTime"] = "2025-06-15T11:00:00Z"
    return Who(f"session:{role}/{session}", arn, "session", account, dict(derived), weight)


def _user(path_name: str, account: str) -> Who:
    arn = f"arn:aws:iam::{account}:user/{path_name}"
    name = path_name.rsplit("/", 1)[-1]
    derived = _iam(arn, "user", account, "User", **{"aws:username": name})
    return Who(f"user:{path_name}", arn, "user", account, dict(derived), 3)


_FED = f"arn:aws:sts::{A}:federated-user/fed1"
_ROOT = f"arn:aws:iam::{A}:root"
_SLR_PATH = "/aws-service-role/support.amazonaws.com/"

PRINCIPALS: tuple[Who, ...] = (
    _user("alice", A),
    _user("dev/bob", A),
    _session("app", "s1", A),
    _session("app", "s2", A),
    Who("federated", _FED, "federated", A, dict(_iam(_FED, "fed", A, "FederatedUser")), 1),
    Who("root", _ROOT, "root", A, dict(_iam(_ROOT, "root", A, "Account")), 1),
    _session("AWSServiceRoleForSupport", "x", A, _SLR_PATH, weight=1),
    _user("carol", B),
    _session("ext", "x9", B),
    Who(
        "service",
        "s3.amazonaws.com",
        "service",
        None,
        {
            "aws:PrincipalIsAWSService": "true",
            "aws:PrincipalServiceName": "s3.amazonaws.com",
            "aws:PrincipalServiceNamesList": ["s3.amazonaws.com", "s3.us-east-1.amazonaws.com"],
            "aws:SourceAccount": A,
            "aws:SourceArn": "arn:aws:s3:::bucket-src",
        },
        1,
    ),
    Who(
        "anonymous",
        "anonymous",
        "anonymous",
        None,
        {"aws:PrincipalType": "Anonymous", "aws:userid": "anonymous"},
        1,
    ),
)
SLR_ROLE_NAME = "AWSServiceRoleForSupport"


@dataclass(frozen=True)
class Target:
    """Actions that share one resource type, and a resource of that type (``{acct}``)."""

    actions: tuple[str, ...]
    arn: str
    sibling: str
    regional: bool = True
    weight: int = 2


TARGETS: tuple[Target, ...] = (
    Target(("s3:GetObject", "s3:PutObject"), "arn:aws:s3:::bucket-a/alice/k2",
           "arn:aws:s3:::bucket-b/alice/k2", regional=False, weight=4),
    Target(("s3:ListBucket",), "arn:aws:s3:::bucket-a", "arn:aws:s3:::bucket-b", regional=False),
    Target(("ec2:DescribeInstances",), "*", "*", regional=False, weight=1),
    Target(("ec2:StartInstances", "ec2:StopInstances"),
           "arn:aws:ec2:{region}:{acct}:instance/i-0abc", "arn:aws:ec2:{region}:{acct}:instance/i-0def"),
    Target(("dynamodb:GetItem", "dynamodb:PutItem"),
           "arn:aws:dynamodb:{region}:{acct}:table/orders", "arn:aws:dynamodb:{region}:{acct}:table/users"),
    Target(("sqs:SendMessage", "sqs:ReceiveMessage"),
           "arn:aws:sqs:{region}:{acct}:jobs", "arn:aws:sqs:{region}:{acct}:jobs-dlq", weight=3),
    Target(("kms:Decrypt", "kms:Encrypt"),
           "arn:aws:kms:{region}:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
           "arn:aws:kms:{region}:{acct}:key/9999abcd-12ab-34cd-56ef-1234567890ab", weight=3),
    Target(("lambda:InvokeFunction",),
           "arn:aws:lambda:{region}:{acct}:function:fn", "arn:aws:lambda:{region}:{acct}:function:other"),
    Target(("secretsmanager:GetSecretValue",),
           "arn:aws:secretsmanager:{region}:{acct}:secret:db-AbCdEf",
           "arn:aws:secretsmanager:{region}:{acct}:secret:api-XyZ123"),
    Target(("sts:AssumeRole",), "arn:aws:iam::{acct}:role/target", "arn:aws:iam::{acct}:role/other",
           regional=False, weight=3),
    Target(("iam:GetUser", "iam:CreateAccessKey"), "arn:aws:iam::{acct}:user/alice",
           "arn:aws:iam::{acct}:user/dev/bob", regional=False),
    Target(("sns:Publish",), "arn:aws:sns:{region}:{acct}:alerts", "arn:aws:sns:{region}:{acct}:audit"),
    Target(("logs:PutLogEvents",),
           "arn:aws:logs:{region}:{acct}:log-group:app:log-stream:s1",
           "arn:aws:logs:{region}:{acct}:log-group:web:log-stream:s1"),
)  # fmt: skip


@dataclass(frozen=True)
class Key:
    """A condition key: its operator family, the values policies compare with, and the values
    a request may carry (``None`` in ``request`` means "absent")."""

    name: str
    family: str
    policy: tuple[str, ...]
    request: tuple[str | list[str] | None, ...]
    multi: bool = False
    derived: bool = False


KEYS: tuple[Key, ...] = (
    Key("aws:PrincipalTag/team", "String", ("blue", "red", "Blue", "b*", "?ed"),
        ("blue", "red", "Blue", None)),
    Key("aws:PrincipalTag/dept", "String", ("eng", "ops", "e*"), ("eng", "ops", None, None)),
    Key("aws:ResourceTag/team", "String", ("blue", "red", "${aws:PrincipalTag/team}"),
        ("blue", "red", None)),
    Key("aws:RequestedRegion", "String", ("us-east-1", "eu-west-1", "us-*", "EU-WEST-1"), ()),
    Key("aws:PrincipalOrgID", "String", (ORG, OTHER_ORG, "o-*"), (), derived=True),
    Key("aws:PrincipalAccount", "String", (A, B), (), derived=True),
    Key("aws:username", "String", ("alice", "bob", "carol", "ALICE"), (), derived=True),
    Key("aws:PrincipalType", "String", ("User", "AssumedRole", "FederatedUser", "Account"), (),
        derived=True),
    Key("aws:ResourceAccount", "String", (A, B, "${aws:PrincipalAccount}"), (), derived=True),
    Key("aws:SourceVpce", "String", ("vpce-1a2b3c4d", "vpce-9*"), ("vpce-1a2b3c4d", "vpce-9f", None)),
    Key("aws:PrincipalServiceName", "String", ("s3.amazonaws.com", "*.amazonaws.com"), (),
        derived=True),
    Key("aws:MultiFactorAuthAge", "Numeric", ("300", "3600", "600.5", "0"),
        ("0", "300", "3600", "86400", None)),
    Key("aws:CurrentTime", "Date",
        ("2025-01-01T00:00:00Z", NOW, "2026-01-01", "1749988800", "2025-06-15T13:00:00+01:00"), ()),
    Key("aws:EpochTime", "Date", ("1749988800", "1700000000", "2025-06-15T12:00:00Z"), ()),
    Key("aws:TokenIssueTime", "Date", ("2025-06-15T10:00:00Z", "2025-06-15T11:00:00Z"), (),
        derived=True),
    Key("aws:SecureTransport", "Bool", ("true", "false", "TRUE"), ("true", "false")),
    Key("aws:MultiFactorAuthPresent", "Bool", ("true", "false"), ("true", "false", None)),
    Key("aws:PrincipalIsAWSService", "Bool", ("true", "false"), (), derived=True),
    Key("aws:ViaAWSService", "Bool", ("true", "false"), ("true", "false", None)),
    Key("aws:SourceIp", "IpAddress",
        ("10.0.0.0/8", "192.0.2.0/24", "203.0.113.5", "203.0.113.5/32", "2001:db8::/32", "::/0",
         "0.0.0.0/0"),
        ("10.1.2.3", "192.0.2.10", "203.0.113.5", "2001:db8::1", "2001:db9::5", None)),
    Key("aws:PrincipalArn", "Arn",
        (f"arn:aws:iam::{A}:user/alice", f"arn:aws:iam::{A}:role/app", "arn:aws:iam::*:user/*",
         f"arn:aws:iam::{A}:*", f"arn:aws:iam::{A}:role/aws-service-role/*",
         "arn:aws:iam::*:root", f"arn:aws:iam::{B}:user/carol"), (), derived=True),
    Key("aws:SourceArn", "Arn",
        ("arn:aws:s3:::bucket-src", "arn:aws:s3:::bucket-*", f"arn:aws:sns:*:{A}:alerts"),
        (), derived=True),
    Key("aws:PrincipalTag/blob", "Binary", ("aGVsbG8=", "d29ybGQ="), ("aGVsbG8=", "d29ybGQ=", None)),
    Key("aws:TagKeys", "String", ("team", "env", "owner", "Cost", "t*"),
        (["team"], ["team", "env"], ["owner", "Cost"], ["env"], None), multi=True),
    Key("aws:CalledVia", "String", ("cloudformation.amazonaws.com", "athena.amazonaws.com"),
        (["cloudformation.amazonaws.com"], ["cloudformation.amazonaws.com", "athena.amazonaws.com"],
         None), multi=True),
    Key("aws:PrincipalOrgPaths", "String", (ORG_PATH, f"{ORG}/*", f"{OTHER_ORG}/*"), (),
        multi=True, derived=True),
    Key("aws:PrincipalServiceNamesList", "String", ("s3.amazonaws.com", "*.amazonaws.com"), (),
        multi=True, derived=True),
    Key("s3:prefix", "String", ("home/", "home/*"), ("home/", "other/", None)),
    Key("kms:ViaService", "String", ("s3.us-east-1.amazonaws.com", "s3.*.amazonaws.com"),
        ("s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com", None)),
)  # fmt: skip

VARIABLES = (
    "${aws:username}",
    "${aws:PrincipalTag/team}",
    "${aws:PrincipalTag/dept, 'none'}",
    "${aws:PrincipalAccount}",
    "${*}",
    "${?}",
    "${$}",
)
