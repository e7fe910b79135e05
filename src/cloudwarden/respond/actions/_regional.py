"""The optional ``region`` parameter of the actions on regional resources.

Instances, security groups, trails and detectors live in one region; an action
works in the region its parameters name, else in the context's default region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions.base import ParamSpec

REGION = ParamSpec("region", str, help="region of the resource (default: the context's)")


def region_of(aws: AwsContext, params: Mapping[str, Any]) -> str:
    return str(params.get("region") or aws.default_region)
