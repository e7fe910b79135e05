"""The stage a scenario plays on: a seeded forge, the lab's identifiers and the logs so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cloudwarden.lab.attacks.records import FlowRecord, Forge, Principal, api_call
from cloudwarden.lab.attacks.targets import LabTargets

__all__ = ["Scene", "iam_date", "s3_extra", "s3_resources"]

HOME = "us-east-1"
#: actors' addresses, from the documentation ranges (RFC 5737): they belong to no one
ATTACKER_IP = "198.51.100.77"
MINER_IP = "203.0.113.45"
ROOT_IP = "198.51.100.23"
INSIDER_IP = "198.51.100.140"
POOL_IP = "203.0.113.200"
#: the tools they use, as their user agents read
KALI_CLI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2024 prompt/off"
BOTO = (
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69"
)
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
#: the flow log the simulated VPC Flow Logs records are delivered under
FLOW_LOG = "fl-0c1a2b3c4d5e6f708"


@dataclass
class Scene:
    """Collects the records of one scenario (or of the background) as it is played."""

    forge: Forge
    targets: LabTargets
    records: list[dict[str, Any]] = field(default_factory=list)
    flows: list[FlowRecord] = field(default_factory=list)

    def call(
        self, who: Principal, when: datetime, service: str, name: str, **kw: Any
    ) -> dict[str, Any]:
        kw.setdefault("region", HOME)
        rec = api_call(self.forge, who, when, service, name, **kw)
        self.records.append(rec)
        return rec

    def user(self, name: str, key: str | None = None) -> Principal:
        """A dev user signing with ``key``; by default its long-term key in the lab."""
        t = self.targets
        key = t.access_keys[name] if key is None else key
        return Principal(
            "IAMUser", t.account("dev"), name=name, principal_id=t.user_ids[name], access_key=key
        )

    def role(
        self, name: str, session: str, start: datetime, *, mfa: bool = False, ec2: str = ""
    ) -> Principal:
        t = self.targets
        return Principal(
            "AssumedRole",
            t.role_account(name),
            name=name,
            principal_id=t.role_ids[name],
            access_key=self.forge.key_id("ASIA"),
            session=session,
            session_start=start,
            mfa=mfa,
            ec2_delivery=ec2,
        )

    def service(self, principal: str) -> Principal:
        return Principal("AWSService", "", service=principal)

    def later(self, when: datetime, lo: float, hi: float) -> datetime:
        return when + timedelta(seconds=self.forge.rng.uniform(lo, hi))


def s3_resources(account: str, bucket: str, key: str | None = None) -> list[dict[str, Any]]:
    res: list[dict[str, Any]] = []
    if key is not None:
        res.append({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
    res.append({"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"})
    return res


def s3_extra(forge: Forge, bytes_in: int = 0, bytes_out: int = 0) -> dict[str, Any]:
    """``additionalEventData`` of an S3 call, as S3 writes it."""
    return {
        "additionalEventData": {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": bytes_in,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": forge.token(76),
            "bytesTransferredOut": bytes_out,
        }
    }


def iam_date(when: datetime) -> str:
    """IAM's ``createDate`` in CloudTrail, e.g. ``Nov 27, 2026, 2:05:09 PM``."""
    return when.strftime("%b %-d, %Y, %-I:%M:%S %p")
