"""Deliver simulated logs as AWS does: gzip files under ``AWSLogs/`` in the lab's buckets.

CloudTrail writes a file about every five minutes per account and region, named
``<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`` under
``AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/``, holding ``{"Records": [...]}``
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).
A trail records a region only if it is multi-region or lives there (dev's trail records
us-east-1 only), and global services (IAM, STS's global endpoint, Organizations, sign-in)
appear in us-east-1. VPC Flow Logs delivered to S3 are
``AWSLogs/<account>/vpcflowlogs/<region>/<YYYY>/<MM>/<DD>/<account>_vpcflowlogs_<region>_<flow log id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz``,
each beginning with the header line of the format
(https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html).

CloudTrail files go to a log-archive bucket in the management account (see
:meth:`LabTargets.trail_bucket` for why not the seeded trail buckets). The lab's app VPC
has no flow log (a planted weakness of the network seed): the simulated flow records are
delivered as if it had one, to the bucket the lab's logged VPC writes to.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from cloudwarden.lab.attacks.records import FlowRecord
from cloudwarden.lab.attacks.simulate import SimulatedLogs
from cloudwarden.lab.attacks.targets import LabTargets
from cloudwarden.lab.org import LabEnv
from cloudwarden.lab.server import LAB_REGION

__all__ = ["LogFile", "log_files", "source_specs", "write_to_folder", "write_to_s3"]

FLOW_HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status"
)
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True, slots=True)
class LogFile:
    """One delivered object: its bucket, the account that owns the bucket, key and bytes."""

    bucket: str
    owner: str
    key: str
    body: bytes


def _unique(*parts: str, n: int = 16, alphabet: str = _ALNUM) -> str:
    """The file name's random part, derived from the file's content so that it is stable."""
    digest = hashlib.sha256("\n".join(parts).encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:n])


def _window(when: datetime, minutes: int = 5) -> datetime:
    return when.replace(minute=when.minute - when.minute % minutes, second=0, microsecond=0)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _account_role(targets: LabTargets) -> dict[str, str]:
    return {acct: role for role, acct in targets.accounts.items()}


def cloudtrail_files(logs: SimulatedLogs, targets: LabTargets, prefix: str = "") -> list[LogFile]:
    roles = _account_role(targets)
    batches: dict[tuple[str, str, datetime], list[dict[str, Any]]] = defaultdict(list)
    for rec in logs.cloudtrail:
        role = roles.get(rec["recipientAccountId"])
        if role is None or rec["awsRegion"] not in targets.trail_regions(role):
            continue
        when = datetime.fromisoformat(rec["eventTime"])
        batches[(rec["recipientAccountId"], rec["awsRegion"], _window(when))].append(rec)
    files = []
    for (acct, region, window), records in sorted(batches.items()):
        delivered = window + timedelta(minutes=5)
        body = orjson.dumps({"Records": records})
        name = f"{acct}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{_unique(acct, region, str(window), records[0]['eventID'])}.json.gz"  # fmt: skip
        key = f"{prefix}AWSLogs/{acct}/CloudTrail/{region}/{delivered:%Y/%m/%d}/{name}"
        owner = targets.account("management")
        files.append(LogFile(targets.trail_bucket(roles[acct]), owner, key, _gzip(body)))
    return files


def flow_files(logs: SimulatedLogs, targets: LabTargets, prefix: str = "") -> list[LogFile]:
    batches: dict[tuple[str, str, str, datetime], list[FlowRecord]] = defaultdict(list)
    for rec in logs.flows:
        when = _window(datetime.fromtimestamp(rec.start, UTC), 10)
        batches[(rec.account, rec.region, rec.flow_log, when)].append(rec)
    files = []
    for (acct, region, flow_log, window), records in sorted(batches.items()):
        delivered = window + timedelta(minutes=10)
        text = "\n".join((FLOW_HEADER, *(r.line for r in records))) + "\n"
        digest = _unique(acct, flow_log, str(window), n=8, alphabet="0123456789abcdef")
        name = f"{acct}_vpcflowlogs_{region}_{flow_log}_{delivered:%Y%m%dT%H%MZ}_{digest}.log.gz"
        key = f"{prefix}AWSLogs/{acct}/vpcflowlogs/{region}/{delivered:%Y/%m/%d}/{name}"
        files.append(
            LogFile(targets.flow_bucket(), targets.account("prod"), key, _gzip(text.encode()))
        )
    return files


def log_files(logs: SimulatedLogs, targets: LabTargets, prefix: str = "") -> list[LogFile]:
    """Every file AWS would have delivered; ``prefix`` is the trail's / flow log's S3 key
    prefix (``""`` or ending in ``/``)."""
    return [*cloudtrail_files(logs, targets, prefix), *flow_files(logs, targets, prefix)]


def source_specs(files: Iterable[LogFile], prefix: str = "") -> list[str]:
    """One ``s3://bucket/<prefix>AWSLogs/`` detection source per bucket written to."""
    return [f"s3://{b}/{prefix}AWSLogs/" for b in sorted({f.bucket for f in files})]


def write_to_s3(env: LabEnv, files: Iterable[LogFile]) -> list[str]:
    """Put every file into the lab's buckets, each through its owner account's session,
    creating a bucket that does not exist yet (the log archive)."""
    roles = {acct: role for role, acct in env.accounts.items()}
    clients: dict[str, Any] = {}
    existing: set[str] = set()
    written = list(files)
    for f in written:
        role = roles[f.owner]
        if role not in clients:
            clients[role] = env.client(role, "s3", LAB_REGION)
            existing.update(b["Name"] for b in clients[role].list_buckets()["Buckets"])
        if f.bucket not in existing:
            clients[role].create_bucket(Bucket=f.bucket)
            existing.add(f.bucket)
        clients[role].put_object(Bucket=f.bucket, Key=f.key, Body=f.body)
    return [f"s3://{f.bucket}/{f.key}" for f in written]


def write_to_folder(root: Path, files: Iterable[LogFile]) -> list[Path]:
    """The same files under ``root/<bucket>/<key>``, for offline detection and tests."""
    paths = []
    for f in files:
        path = root / f.bucket / f.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.body)
        paths.append(path)
    return paths
