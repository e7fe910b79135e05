"""AWS sessions and clients: profile, environment or an assumed-role chain; custom endpoints.

A :class:`AwsContext` holds one boto3 session for one account and hands out cached,
thread-safe clients configured with botocore's adaptive retries. ``endpoint_url``
(or ``AWS_ENDPOINT_URL``) points every client at an AWS-compatible emulator such
as the lab's moto server.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from cloudwarden.aws.errors import AwsError, AwsFailure, FailureKind, classify

DEFAULT_REGION = "us-east-1"
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"


@dataclass(frozen=True, slots=True)
class AwsOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    role_chain: tuple[str, ...] = ()
    external_id: str | None = None
    max_attempts: int = 8
    session_name: str = "cloudwarden"

    @property
    def effective_endpoint(self) -> str | None:
        return self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


@dataclass
class AwsContext:
    """One account's session and its client cache."""

    session: boto3.Session
    options: AwsOptions
    account_id: str = ""
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def default_region(self) -> str:
        return self.options.region or self.session.region_name or DEFAULT_REGION

    def client(self, service: str, region: str | None = None) -> Any:
        reg = region or self.default_region
        key = (service, reg)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make_client(service, reg)
            return self._clients[key]

    def _make_client(self, service: str, region: str) -> Any:
        endpoint = self.options.effective_endpoint
        # botocore's max_attempts counts retries; total_max_attempts counts every attempt
        retries: dict[str, Any] = {
            "mode": "adaptive",
            "total_max_attempts": self.options.max_attempts,
        }
        if endpoint and _is_loopback(endpoint):
            # an emulator answers unimplemented operations with 500s: one retry at most
            retries = {"mode": "standard", "total_max_attempts": 2}
        cfg = Config(retries=retries, connect_timeout=5, read_timeout=30, max_pool_connections=32)
        client = self.session.client(service, region_name=region, endpoint_url=endpoint, config=cfg)
        if endpoint and service == "s3control":
            client.meta.events.register("before-send.s3-control.*", _strip_account_host_prefix)
        return client


def _is_loopback(url: str) -> bool:
    return "://127." in url or "://localhost" in url or "://[::1]" in url


def _strip_account_host_prefix(request: Any, **_: Any) -> None:
    """botocore prefixes s3control hosts with ``<account>.``; an emulator on an IP cannot resolve it."""
    url: str = request.url
    scheme, _sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    first, dot, remainder = host.partition(".")
    if dot and first.isdigit() and len(first) == 12:
        request.url = f"{scheme}://{remainder}{slash}{path}"


def known_regions() -> set[str]:
    """Every region botocore's endpoint data knows, across partitions (no network)."""
    session = boto3.Session()
    names: set[str] = set()
    for partition in session.get_available_partitions():
        names.update(session.get_available_regions("ec2", partition_name=partition))
    return names


def check_region_names(regions: Sequence[str]) -> None:
    known = known_regions()
    unknown = [r for r in regions if r not in known]
    if unknown:
        message = f"unknown region(s): {', '.join(unknown)}"
        raise AwsError(AwsFailure(FailureKind.CONFIG, "UnknownRegion", message), "--region")


def open_context(options: AwsOptions) -> AwsContext:
    """A context for the caller's own account (after following ``role_chain``), identity checked."""
    if options.region:
        check_region_names([options.region])
    try:
        session = boto3.Session(profile_name=options.profile, region_name=options.region)
    except BotoCoreError as exc:
        raise AwsError(classify(exc), "credentials") from None
    ctx = AwsContext(session=session, options=options)
    for role_arn in options.role_chain:
        ctx = assume_role(ctx, role_arn)
    ctx.account_id = caller_account(ctx)
    return ctx


def caller_account(ctx: AwsContext) -> str:
    try:
        ident = ctx.client("sts").get_caller_identity()
    except Exception as exc:  # botocore also raises non-BotoCoreError types (ResponseParserError)
        raise AwsError(classify(exc), "sts:GetCallerIdentity") from None
    return str(ident["Account"])


def assume_role(ctx: AwsContext, role_arn: str, session_name: str | None = None) -> AwsContext:
    params: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": session_name or ctx.options.session_name,
    }
    if ctx.options.external_id:
        params["ExternalId"] = ctx.options.external_id
    try:
        creds = ctx.client("sts").assume_role(**params)["Credentials"]
    except Exception as exc:  # botocore also raises non-BotoCoreError types (ResponseParserError)
        raise AwsError(classify(exc), f"sts:AssumeRole {role_arn}") from None
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=ctx.default_region,
    )
    account = role_arn.split(":")[4]
    return AwsContext(session=session, options=ctx.options, account_id=account)


def member_context(
    management: AwsContext, account_id: str, role_name: str = DEFAULT_ORG_ROLE
) -> AwsContext:
    """Context for a member account via the organisation's cross-account role."""
    partition = "aws"
    return assume_role(management, f"arn:{partition}:iam::{account_id}:role/{role_name}")


def paginate(client: Any, operation: str, result_key: str, **kwargs: Any) -> list[Any]:
    """All items of ``result_key`` across pages (errors propagate to the caller's wrapper)."""
    if client.can_paginate(operation):
        items: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(result_key, []))
        return items
    return list(getattr(client, operation)(**kwargs).get(result_key, []))


def enabled_regions(ctx: AwsContext, wanted: Sequence[str] = ()) -> list[str]:
    """Regions to scan: those asked for (validated), else every region enabled for the account."""
    try:
        resp = ctx.client("ec2").describe_regions(AllRegions=False)
        known = sorted(r["RegionName"] for r in resp["Regions"])
    except Exception as exc:  # botocore also raises non-BotoCoreError types (ResponseParserError)
        failure = classify(exc)
        if failure.fatal:
            raise AwsError(failure, "ec2:DescribeRegions") from None
        known = [ctx.default_region]
    if not wanted:
        return known
    unknown = [r for r in wanted if r not in known]
    if unknown and known != [ctx.default_region]:
        message = f"unknown or disabled region(s): {', '.join(unknown)}"
        raise AwsError(AwsFailure(FailureKind.CONFIG, "UnknownRegion", message), "--region")
    return list(wanted)
