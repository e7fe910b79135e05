"""One stub for the inventory tests: a client operation refused, as IAM refuses a call the
scanner role lacks permission for (or as a service answers ``UnauthorizedOperation``)."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse

from cloudwarden.aws.session import AwsContext


def refuse(
    aws: AwsContext,
    service: str,
    operation: str,
    region: str | None = None,
    *,
    code: str = "AccessDeniedException",
    status: int = 400,
) -> None:
    """Make the client the collectors use answer ``operation`` with error ``code``."""
    client = aws.client(service, region)
    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    body = {
        "Error": {"Code": code, "Message": "not authorized"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }

    def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://denied.invalid", status, {}, None), body

    client.meta.events.register(event, answer)
