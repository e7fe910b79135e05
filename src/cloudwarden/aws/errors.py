"""The one place where botocore errors become recorded reasons.

Every AWS call cloudwarden makes goes through :func:`classify` when it fails, so a
denied service, an opt-in region, an unsubscribed service, throttling or an
emulator that lacks an operation becomes a :class:`AwsFailure` with a kind, a code
and one readable line, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)


class FailureKind(StrEnum):
    ACCESS_DENIED = "access_denied"
    OPT_IN_REQUIRED = "opt_in_required"
    NOT_SUBSCRIBED = "not_subscribed"
    THROTTLED = "throttled"
    NOT_FOUND = "not_found"
    UNSUPPORTED = "unsupported"
    BAD_CREDENTIALS = "bad_credentials"
    ENDPOINT_DOWN = "endpoint_down"
    CONFIG = "config"
    OTHER = "other"


# Fatal kinds stop a scan: nothing else would work either.
FATAL_KINDS = frozenset(
    {FailureKind.BAD_CREDENTIALS, FailureKind.ENDPOINT_DOWN, FailureKind.CONFIG}
)

_ACCESS_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthorizationErrorException",
    "Forbidden",
    "403",
}
_OPT_IN = {"OptInRequired", "InvalidClientTokenId.OptIn", "UnrecognizedClientException.OptIn"}
_NOT_SUBSCRIBED = {
    "SubscriptionRequiredException",
    "InvalidAccessException",  # Security Hub when not enabled
    "NoSuchOrganizationConfigurationException",
    "AWSOrganizationsNotInUseException",
}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
    "RequestThrottledException",
}
_BAD_CREDS = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "AuthFailure",
}
_UNSUPPORTED_MARKERS = ("not been implemented", "not yet implemented", "NotImplemented")


@dataclass(frozen=True, slots=True)
class AwsFailure:
    kind: FailureKind
    code: str
    message: str

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL_KINDS

    def line(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


class AwsError(Exception):
    """Raised where a failure cannot be recorded and must stop the command."""

    def __init__(self, failure: AwsFailure, context: str = "") -> None:
        self.failure = failure
        prefix = f"{context}: " if context else ""
        super().__init__(f"{prefix}{failure.line()}")


def classify(exc: BaseException) -> AwsFailure:
    """Turn any exception raised by a botocore call into an AwsFailure."""
    if isinstance(exc, ClientError):
        return _classify_client_error(exc)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return AwsFailure(FailureKind.BAD_CREDENTIALS, "NoCredentials", "no AWS credentials found")
    if isinstance(exc, ProfileNotFound):
        return AwsFailure(FailureKind.CONFIG, "ProfileNotFound", str(exc))
    if isinstance(exc, NoRegionError):
        return AwsFailure(FailureKind.CONFIG, "NoRegion", "no region given (use --region)")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return AwsFailure(
            FailureKind.ENDPOINT_DOWN, "EndpointDown", f"cannot reach endpoint: {exc}"
        )
    if isinstance(exc, ReadTimeoutError):
        return AwsFailure(FailureKind.THROTTLED, "ReadTimeout", str(exc))
    name = type(exc).__name__
    if name == "ResponseParserError" or any(m in str(exc) for m in _UNSUPPORTED_MARKERS):
        # moto answers unimplemented XML-protocol operations with a body botocore cannot parse
        return AwsFailure(
            FailureKind.UNSUPPORTED, "Unsupported", "operation not supported by this endpoint"
        )
    if isinstance(exc, BotoCoreError):
        return AwsFailure(FailureKind.OTHER, name, str(exc))
    return AwsFailure(FailureKind.OTHER, name, str(exc))


def _classify_client_error(exc: ClientError) -> AwsFailure:
    err = exc.response.get("Error", {})
    code = str(err.get("Code", "Unknown"))
    message = str(err.get("Message", "")).strip()
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    op = exc.operation_name
    if code in _OPT_IN or "OptIn" in code:
        kind = FailureKind.OPT_IN_REQUIRED
    elif code in _ACCESS_DENIED or code.endswith("AccessDenied"):
        kind = FailureKind.ACCESS_DENIED
    elif code in _NOT_SUBSCRIBED:
        kind = FailureKind.NOT_SUBSCRIBED
    elif code in _THROTTLED:
        kind = FailureKind.THROTTLED
    elif code in _BAD_CREDS:
        kind = FailureKind.BAD_CREDENTIALS
    elif _looks_unsupported(code, message, status):
        kind = FailureKind.UNSUPPORTED
        message = f"{op} is not supported by this endpoint ({code}: {_first_line(message)})"
    elif (
        code.startswith("NoSuch") or code.endswith("NotFound") or code.endswith("NotFoundException")
    ):
        kind = FailureKind.NOT_FOUND
    else:
        kind = FailureKind.OTHER
    return AwsFailure(kind, code, _first_line(message))


def _first_line(message: str) -> str:
    if message.lstrip().startswith("<"):
        return "HTML error page"  # an emulator's 404 page, not an AWS error document
    return message.strip().splitlines()[0] if message.strip() else ""


def _looks_unsupported(code: str, message: str, status: int) -> bool:
    """An emulator (or a service absent from a partition) lacking the operation altogether."""
    if any(m in message for m in _UNSUPPORTED_MARKERS) or message.lstrip().startswith("<"):
        return True
    generic = code in ("404", "500", "Unknown", "InternalError", "InternalFailure")
    return status in (404, 500) and generic
