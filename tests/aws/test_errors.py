"""Every botocore failure becomes one classified, one-line reason (aws/errors.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ProfileNotFound,
)

from cloudwarden.aws.errors import FailureKind, classify


def client_error(code: str, message: str = "msg", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "DescribeThing",
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("AccessDenied", 403, FailureKind.ACCESS_DENIED),
        ("AccessDeniedException", 400, FailureKind.ACCESS_DENIED),
        ("UnauthorizedOperation", 403, FailureKind.ACCESS_DENIED),
        ("OptInRequired", 403, FailureKind.OPT_IN_REQUIRED),
        ("SubscriptionRequiredException", 400, FailureKind.NOT_SUBSCRIBED),
        ("InvalidAccessException", 400, FailureKind.NOT_SUBSCRIBED),
        ("Throttling", 400, FailureKind.THROTTLED),
        ("ThrottlingException", 400, FailureKind.THROTTLED),
        ("RequestLimitExceeded", 503, FailureKind.THROTTLED),
        ("InvalidClientTokenId", 403, FailureKind.BAD_CREDENTIALS),
        ("SignatureDoesNotMatch", 403, FailureKind.BAD_CREDENTIALS),
        ("ExpiredToken", 400, FailureKind.BAD_CREDENTIALS),
        ("NoSuchBucketPolicy", 404, FailureKind.NOT_FOUND),
        ("ResourceNotFoundException", 404, FailureKind.NOT_FOUND),
        ("500", 500, FailureKind.UNSUPPORTED),
        ("ValidationError", 400, FailureKind.OTHER),
    ],
)
def test_client_error_codes_are_classified(code: str, status: int, kind: FailureKind) -> None:
    assert classify(client_error(code, status=status)).kind is kind


def test_emulator_not_implemented_is_unsupported_not_retried_forever() -> None:
    exc = client_error("InternalFailure", "The list_analyzers action has not been implemented", 500)
    failure = classify(exc)
    assert failure.kind is FailureKind.UNSUPPORTED
    assert not failure.fatal


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (NoCredentialsError(), FailureKind.BAD_CREDENTIALS),
        (ProfileNotFound(profile="nope"), FailureKind.CONFIG),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), FailureKind.ENDPOINT_DOWN),
    ],
)
def test_client_side_failures(exc: Exception, kind: FailureKind) -> None:
    failure = classify(exc)
    assert failure.kind is kind
    assert failure.fatal
    assert "\n" not in failure.line()


def test_multiline_messages_keep_one_line() -> None:
    assert classify(client_error("AccessDenied", "first\nsecond")).line() == "AccessDenied: first"
