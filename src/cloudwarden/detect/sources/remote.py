"""Sources read through the AWS layer: an S3 prefix and CloudTrail's LookupEvents API.

Every call goes through an :class:`~cloudwarden.aws.session.AwsContext` client and
every failure through :func:`~cloudwarden.aws.errors.classify`. A failed listing or
lookup stops the read with one :class:`SourceError` line (nothing else would be
read either); a failed download of one object is a counted problem at its
``s3://`` location, and the read goes on.

- S3: objects are listed with ``ListObjectsV2`` (paginated, in key order, so reads
  are deterministic) and fetched with ``GetObject``; CloudTrail digest files under
  ``CloudTrail-Digest/`` are skipped
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html).
- LookupEvents returns management events of the last 90 days, newest first, each
  with the full record as a JSON string in ``CloudTrailEvent``
  (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import orjson

from cloudwarden.aws.errors import classify
from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.detect.sources import cloudtrail
from cloudwarden.detect.sources.blobs import blob_events
from cloudwarden.detect.sources.model import Event, SourceError, SourceKind, SourceStats

LOOKUP_SPEC = "cloudtrail:lookup_events"


def is_lookup(spec: str) -> bool:
    """``cloudtrail:lookup_events`` with or without its ``?region=..`` query."""
    return spec == LOOKUP_SPEC or spec.startswith(LOOKUP_SPEC + "?")


def is_local(spec: str) -> bool:
    """A file or folder, as :func:`~cloudwarden.detect.sources.read_events` tells specs
    apart (neither ``s3://`` nor ``cloudtrail:lookup_events``)."""
    return not (spec.startswith("s3://") or is_lookup(spec))


def default_context() -> AwsContext:
    """The caller's default credentials and region (no identity call: reading needs none)."""
    return AwsContext(session=boto3.Session(), options=AwsOptions())


def split_s3_url(spec: str) -> tuple[str, str]:
    parts = urlsplit(spec)
    if parts.scheme != "s3" or not parts.netloc:
        raise SourceError(f"{spec}: not an s3://bucket/prefix URL")
    return parts.netloc, parts.path.lstrip("/")


def s3_events(
    spec: str, aws: AwsContext, stats: SourceStats, kind: SourceKind | None = None
) -> Iterator[Event]:
    bucket, prefix = split_s3_url(spec)
    client = aws.client("s3")
    for key in _list_keys(client, bucket, prefix, spec):
        origin = f"s3://{bucket}/{key}"
        if "/CloudTrail-Digest/" in f"/{key}":
            stats.skip(origin, "CloudTrail digest file (hashes, no events)")
            continue
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:  # botocore raises non-BotoCoreError types too
            stats.problem(origin, f"GetObject failed: {classify(exc).line()}")
            continue
        yield from blob_events(io.BytesIO(body), origin, stats, kind)


def _list_keys(client: Any, bucket: str, prefix: str, spec: str) -> Iterator[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    try:
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])
                if not key.endswith("/"):
                    yield key
    except Exception as exc:  # botocore raises non-BotoCoreError types too
        raise SourceError(f"{spec}: cannot list objects: {classify(exc).line()}") from None


def lookup_params(spec: str) -> tuple[str | None, dict[str, Any]]:
    """Region and LookupEvents parameters from ``cloudtrail:lookup_events?region=&start=&end=``."""
    base, _, query = spec.partition("?")
    if base != LOOKUP_SPEC:
        raise SourceError(f"{spec}: expected {LOOKUP_SPEC}[?region=..&start=..&end=..]")
    params: dict[str, Any] = {}
    region: str | None = None
    for name, values in parse_qs(query, keep_blank_values=True).items():
        value = values[-1]
        if name == "region":
            region = value
        elif name in ("start", "end"):
            params["StartTime" if name == "start" else "EndTime"] = _parse_when(spec, value)
        else:
            raise SourceError(f"{spec}: unknown parameter {name!r} (region, start, end)")
    return region, params


def _parse_when(spec: str, value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise SourceError(f"{spec}: not an ISO 8601 time: {value!r}") from None
    if when.tzinfo is None:
        raise SourceError(f"{spec}: time needs a zone (e.g. 2024-01-01T00:00:00Z): {value!r}")
    return when


def lookup_events(spec: str, aws: AwsContext, stats: SourceStats) -> Iterator[Event]:
    region, params = lookup_params(spec)
    client = aws.client("cloudtrail", region)
    origin = f"{LOOKUP_SPEC}[{region or aws.default_region}]"
    pages = client.get_paginator("lookup_events").paginate(**params)
    index = 0
    count = 0
    try:
        for page in pages:
            for item in page.get("Events", []):
                location = f"{origin}#{index}"
                index += 1
                try:
                    rec = orjson.loads(item.get("CloudTrailEvent", ""))
                except orjson.JSONDecodeError as exc:
                    stats.problem(location, f"invalid CloudTrailEvent JSON: {exc}")
                    continue
                event = cloudtrail.to_event(rec)
                if isinstance(event, str):
                    stats.problem(location, event)
                    continue
                count += 1
                yield event
    except Exception as exc:  # botocore raises non-BotoCoreError types too
        raise SourceError(f"{origin}: {classify(exc).line()}") from None
    finally:
        stats.events["cloudtrail"] += count
