"""Log sources for detection: CloudTrail, VPC Flow Logs and S3 server access logs.

``read_events(spec, stats=SourceStats())`` streams normalised :class:`Event` records
from files, folders, ``s3://`` prefixes or CloudTrail's LookupEvents API, keeping each
original record intact in ``Event.raw`` and counting every record it could not parse.
"""

from cloudwarden.detect.sources.model import (
    SOURCE_KINDS,
    Event,
    Problem,
    SourceError,
    SourceKind,
    SourceStats,
    line_key,
)
from cloudwarden.detect.sources.reader import read_events

__all__ = [
    "SOURCE_KINDS",
    "Event",
    "Problem",
    "SourceError",
    "SourceKind",
    "SourceStats",
    "line_key",
    "read_events",
]
