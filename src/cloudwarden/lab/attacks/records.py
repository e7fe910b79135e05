"""CloudTrail records and VPC Flow Logs lines in the exact shapes AWS delivers.

Record contents follow "CloudTrail record contents"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
the ``userIdentity`` element
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html)
and the console sign-in events
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html).
Flow log lines are the default version-2 format
(https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).

Every identifier that AWS draws at random (event and request ids, session keys) comes from
a :class:`Forge` seeded by the caller, so the same seed gives byte-identical logs.
"""

from __future__ import annotations

import hashlib
import random
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "FlowRecord",
    "Forge",
    "Principal",
    "api_call",
    "console_login",
    "flow",
    "iso",
]

EVENT_VERSION = "1.10"
_KEY_CHARS = string.ascii_uppercase + "234567"
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "Check")
#: services whose API is global: recorded in us-east-1 whatever the caller's region
_GLOBAL = {"iam", "organizations", "account"}
_TLS13 = ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
_TLS12 = ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")


def iso(when: datetime) -> str:
    """CloudTrail's ``eventTime``: UTC, second precision, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Forge:
    """The random part of AWS's identifiers, drawn from one seeded generator.

    ``salt`` (e.g. a lab's account ids) changes every UUID -- eventIDs among them -- without
    changing the draws: the same seed gives the same records for every lab, each lab's
    with event ids of its own, as real events have (alert ids and incident keys derive from
    them, so a kept journal never mistakes one lab's incident for another's).
    """

    def __init__(self, seed: str, salt: str = "") -> None:
        self.rng = random.Random(seed)
        self._salt = (
            int.from_bytes(hashlib.blake2b(salt.encode(), digest_size=16).digest()) if salt else 0
        )

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128) ^ self._salt, version=4))

    def hex(self, n: int, upper: bool = False) -> str:
        text = f"{self.rng.getrandbits(4 * n):0{n}x}"
        return text.upper() if upper else text

    def key_id(self, prefix: str = "ASIA") -> str:
        return prefix + "".join(self.rng.choice(_KEY_CHARS) for _ in range(16))

    def token(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(n))

    def jitter(self, when: datetime, seconds: float) -> datetime:
        return when + timedelta(seconds=self.rng.uniform(0, seconds))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a call, as CloudTrail's ``userIdentity`` names them.

    ``kind`` is the ``type``: ``IAMUser``, ``AssumedRole``, ``Root`` or ``AWSService``.
    For an assumed role ``name`` is the role and ``session`` the role session name; a
    session that EC2 delivered to an instance carries ``ec2_delivery`` ("1.0" through
    IMDSv1, "2.0" through IMDSv2).
    """

    kind: str
    account: str
    name: str = ""
    principal_id: str = ""
    access_key: str = ""
    session: str = ""
    session_start: datetime | None = None
    mfa: bool = False
    ec2_delivery: str = ""
    service: str = ""

    @property
    def arn(self) -> str:
        if self.kind == "IAMUser":
            return f"arn:aws:iam::{self.account}:user/{self.name}"
        if self.kind == "AssumedRole":
            return f"arn:aws:sts::{self.account}:assumed-role/{self.name}/{self.session}"
        return f"arn:aws:iam::{self.account}:root"

    def identity(self) -> dict[str, Any]:
        if self.kind == "AWSService":
            return {"type": "AWSService", "invokedBy": self.service}
        ident: dict[str, Any] = {"type": self.kind}
        if self.kind == "AssumedRole":
            ident["principalId"] = f"{self.principal_id}:{self.session}"
        else:
            ident["principalId"] = self.principal_id or self.account
        ident.update(arn=self.arn, accountId=self.account)
        if self.access_key:
            ident["accessKeyId"] = self.access_key
        if self.kind == "IAMUser":
            ident["userName"] = self.name
        if self.session_start is not None:
            ident["sessionContext"] = self._session_context()
        if self.service:
            ident["invokedBy"] = self.service
        return ident

    def _session_context(self) -> dict[str, Any]:
        assert self.session_start is not None
        ctx: dict[str, Any] = {}
        if self.kind == "AssumedRole":
            ctx["sessionIssuer"] = {
                "type": "Role",
                "principalId": self.principal_id,
                "arn": f"arn:aws:iam::{self.account}:role/{self.name}",
                "accountId": self.account,
                "userName": self.name,
            }
        else:
            ctx["sessionIssuer"] = {}
        ctx["webIdFederationData"] = {}
        ctx["attributes"] = {
            "creationDate": iso(self.session_start),
            "mfaAuthenticated": "true" if self.mfa else "false",
        }
        if self.ec2_delivery:
            ctx["ec2RoleDelivery"] = self.ec2_delivery
        return ctx


def _host(service: str, region: str) -> str:
    if service in _GLOBAL or (service == "sts" and region == "us-east-1"):
        return f"{service}.amazonaws.com"
    return f"{service}.{region}.amazonaws.com"


def api_call(
    forge: Forge,
    who: Principal,
    when: datetime,
    service: str,
    name: str,
    *,
    region: str,
    ip: str,
    agent: str,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
    resources: list[dict[str, Any]] | None = None,
    data_event: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``AwsApiCall`` record; ``error`` is ``(errorCode, errorMessage)`` for a refused call."""
    region = "us-east-1" if service in _GLOBAL else region
    read_only = name.startswith(_READ_PREFIXES)
    rec: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": who.identity(),
        "eventTime": iso(when),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error is not None:
        rec["errorCode"], rec["errorMessage"] = error
    rec["requestParameters"] = request
    rec["responseElements"] = None if error is not None else response
    if extra:
        rec.update(extra)
    rec["requestID"] = forge.hex(16, upper=True) if service == "s3" else forge.uuid()
    rec["eventID"] = forge.uuid()
    rec["readOnly"] = read_only
    if resources:
        rec["resources"] = resources
    rec["eventType"] = "AwsApiCall"
    rec["managementEvent"] = not data_event
    rec["recipientAccountId"] = who.account if who.kind != "AWSService" else _owner(resources)
    rec["eventCategory"] = "Data" if data_event else "Management"
    if who.kind != "AWSService":
        rec["tlsDetails"] = _tls(forge, _host(service, region))
    return rec


def _tls(forge: Forge, host: str) -> dict[str, str]:
    """``tlsDetails``: most SDKs negotiate TLS 1.3 by now, some still 1.2."""
    version, suite = _TLS13 if forge.rng.random() < 0.7 else _TLS12
    return {"tlsVersion": version, "cipherSuite": suite, "clientProvidedHostHeader": host}


def _owner(resources: list[dict[str, Any]] | None) -> str:
    for res in resources or ():
        if res.get("accountId"):
            return str(res["accountId"])
    return ""


def console_login(
    forge: Forge,
    who: Principal,
    when: datetime,
    *,
    ip: str,
    agent: str,
    mfa: bool,
    success: bool = True,
) -> dict[str, Any]:
    """A ``ConsoleLogin`` (``AwsConsoleSignIn``) record, always in us-east-1 for the global
    sign-in endpoint. No session exists yet: the root user's record carries an empty
    ``accessKeyId``, an IAM user's none at all."""
    ident = who.identity()
    ident.pop("accessKeyId", None)
    ident.pop("sessionContext", None)
    if who.kind == "Root":
        ident["accessKeyId"] = ""
    rec: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": ident,
        "eventTime": iso(when),
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if not success:
        rec["errorMessage"] = "Failed authentication"
    rec["requestParameters"] = None
    rec["responseElements"] = {"ConsoleLogin": "Success" if success else "Failure"}
    rec["additionalEventData"] = _signin_data(who, mfa)
    rec["eventID"] = forge.uuid()
    rec["readOnly"] = False
    rec["eventType"] = "AwsConsoleSignIn"
    rec["managementEvent"] = True
    rec["recipientAccountId"] = who.account
    rec["eventCategory"] = "Management"
    rec["tlsDetails"] = {
        "tlsVersion": _TLS13[0],
        "cipherSuite": _TLS13[1],
        "clientProvidedHostHeader": "signin.aws.amazon.com",
    }
    return rec


def _signin_data(who: Principal, mfa: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
        "MobileVersion": "No",
    }
    if mfa:
        device = who.name or "root-account-mfa-device"
        data["MFAIdentifier"] = f"arn:aws:iam::{who.account}:mfa/{device}"
    data["MFAUsed"] = "Yes" if mfa else "No"
    return data


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """One flow-log record and where AWS delivers it (account, region, flow log id)."""

    account: str
    region: str
    flow_log: str
    start: int
    line: str


def flow(
    account: str,
    region: str,
    flow_log: str,
    eni: str,
    src: tuple[str, int],
    dst: tuple[str, int],
    *,
    start: datetime,
    packets: int,
    size: int,
    action: str = "ACCEPT",
    protocol: int = 6,
    window: int = 60,
) -> FlowRecord:
    """A default-format (version 2) record of one flow over a ``window``-second capture."""
    t0 = int(start.timestamp())
    fields = (
        2, account, eni, src[0], dst[0], src[1], dst[1], protocol, packets, size,
        t0, t0 + window, action, "OK",
    )  # fmt: skip
    return FlowRecord(account, region, flow_log, t0, " ".join(str(f) for f in fields))
