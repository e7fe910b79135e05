"""IAM: every user, group, role and managed policy of an account, plus its account-level facts.

The principals and customer-managed policies come from one call,
``GetAccountAuthorizationDetails``, kept lossless (every version of every
customer-managed policy, documents parsed to dicts) because the IAM analysis reads the
same records later; the AWS-managed policies that principals use are added in the same
shape (``GetPolicy`` + ``GetPolicyVersion``, default version). Per-user facts that the
call does not carry (MFA devices, access keys and their last use, the console
password) are merged into the user's ``data`` under the names their own APIs use.

Account-level facts are separate resources: the credential report (whose rows are
also merged into each user as ``CredentialReport``), the password policy (``None``
when the account has none, which is the IAM default and a finding, not an error),
the account summary (root MFA and root access keys are only visible there) and the
virtual MFA devices. A failure in one of these parts is recorded against that
part's resource type only, so the rest of the IAM checks still run.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import unquote

from cloudwarden.inventory.api import CallFailedError, CollectContext, collector
from cloudwarden.model import Resource

USER = "AWS::IAM::User"
GROUP = "AWS::IAM::Group"
ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::ManagedPolicy"
CREDENTIAL_REPORT = "AWS::IAM::CredentialReport"
PASSWORD_POLICY = "AWS::IAM::PasswordPolicy"
ACCOUNT_SUMMARY = "AWS::IAM::AccountSummary"
VIRTUAL_MFA = "AWS::IAM::VirtualMFADevice"
SAML_PROVIDER = "AWS::IAM::SAMLProvider"
OIDC_PROVIDER = "AWS::IAM::OIDCProvider"

_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy"]
# IAM answers STARTED first and COMPLETE once the report exists: back off 0.25 s .. 4 s (~20 s)
_REPORT_WAITS = (0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0)
# list_virtual_mfa_devices must never put an MFA seed into a snapshot, whatever the endpoint returns
_MFA_SECRETS = ("Base32StringSeed", "QRCodePNG")

T = TypeVar("T")


def plain(value: Any) -> Any:
    """JSON-safe copy: datetimes become ISO-8601 strings, bytes are dropped to text."""
    return json.loads(json.dumps(value, default=_to_text))


def _to_text(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def policy_document(value: Any) -> Any:
    """A policy document as a dict, whether the SDK already decoded it or left it URL-encoded."""
    if not isinstance(value, str):
        return value
    for text in (value, unquote(value)):
        try:
            return json.loads(text)
        except ValueError:
            continue
    return value


@collector(
    service="iam",
    resource_types=(
        USER,
        GROUP,
        ROLE,
        POLICY,
        CREDENTIAL_REPORT,
        PASSWORD_POLICY,
        ACCOUNT_SUMMARY,
        VIRTUAL_MFA,
        SAML_PROVIDER,
        OIDC_PROVIDER,
    ),
    permissions=(
        "iam:GetAccountAuthorizationDetails",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "iam:GetAccountPasswordPolicy",
        "iam:GetAccountSummary",
        "iam:ListVirtualMFADevices",
        "iam:ListMFADevices",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:GetLoginProfile",
        "iam:ListSAMLProviders",
        "iam:ListOpenIDConnectProviders",
        "iam:GetOpenIDConnectProvider",
    ),
    regional=False,
)
def collect_iam(ctx: CollectContext) -> Iterator[Resource]:
    details = _authorization_details(ctx)
    details["Policies"] += _aws_managed_in_use(ctx, details)
    report, report_error = _credential_report(ctx)
    rows = None if report is None else report["rows"]
    yield from _users(ctx, details["UserDetailList"], rows, report_error)
    yield from _principals(ctx, GROUP, details["GroupDetailList"], "GroupName", "GroupId")
    yield from _principals(ctx, ROLE, details["RoleDetailList"], "RoleName", "RoleId")
    yield from _policies(ctx, details["Policies"])
    if report is not None:
        yield _account_resource(ctx, CREDENTIAL_REPORT, "credential-report", report)
    yield from _password_policy(ctx)
    yield from _account_summary(ctx)
    yield from _virtual_mfa_devices(ctx)
    yield from _identity_providers(ctx)


def _optional(ctx: CollectContext, rtypes: tuple[str, ...], fetch: Callable[[], T]) -> T | None:
    """Run one part of the collection; a failure is recorded for ``rtypes`` only."""
    try:
        return fetch()
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        ctx.record(exc.service, exc.operation, exc.failure, rtypes)
        return None


# -- principals and policies -------------------------------------------------------
def _authorization_details(ctx: CollectContext) -> dict[str, list[dict[str, Any]]]:
    """Every page of GetAccountAuthorizationDetails, merged per list."""
    merged: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    }
    kwargs: dict[str, Any] = {"Filter": _FILTERS}
    while True:
        page = ctx.call("iam", "get_account_authorization_details", **kwargs)
        for key, items in merged.items():
            items.extend(page.get(key, []))
        if not page.get("IsTruncated") or not page.get("Marker"):
            return merged
        kwargs["Marker"] = page["Marker"]


def _decode_inline(item: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    for key in ("UserPolicyList", "GroupPolicyList", "RolePolicyList"):
        if key in out:
            out[key] = [
                {**p, "PolicyDocument": policy_document(p.get("PolicyDocument"))} for p in out[key]
            ]
    if "AssumeRolePolicyDocument" in out:
        out["AssumeRolePolicyDocument"] = policy_document(out["AssumeRolePolicyDocument"])
    return out


def _principals(
    ctx: CollectContext, rtype: str, items: list[dict[str, Any]], name_key: str, id_key: str
) -> Iterator[Resource]:
    for item in items:
        yield ctx.resource(
            rtype,
            arn=item["Arn"],
            id=item.get(id_key) or item[name_key],
            name=item[name_key],
            data=plain(_decode_inline(item)),
        )


def _policies(ctx: CollectContext, items: list[dict[str, Any]]) -> Iterator[Resource]:
    for item in items:
        data = dict(item)
        data["PolicyVersionList"] = [
            {**v, "Document": policy_document(v.get("Document"))}
            for v in item.get("PolicyVersionList", [])
        ]
        name = item.get("PolicyName") or item["Arn"].rsplit("/", 1)[-1]
        yield ctx.resource(
            POLICY, arn=item["Arn"], id=item.get("PolicyId") or name, name=name, data=plain(data)
        )


def _aws_managed_in_use(
    ctx: CollectContext, details: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The AWS-managed policies a principal uses (attached or as boundary), default version.

    They are fetched one by one rather than with the ``AWSManagedPolicy`` filter: only
    the ones in use grant anything here, only the default version is evaluated, and an
    emulator may answer that filter with the whole catalogue (well over a thousand
    documents per account). Items keep the authorization-details shape.
    """
    prefix = f"arn:{ctx.partition}:iam::aws:policy/"
    wanted: set[str] = set()
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for item in details[key]:
            wanted |= {p.get("PolicyArn", "") for p in item.get("AttachedManagedPolicies", [])}
            wanted.add((item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""))
    return [_aws_managed(ctx, arn) for arn in sorted(a for a in wanted if a.startswith(prefix))]


def _aws_managed(ctx: CollectContext, arn: str) -> dict[str, Any]:
    errors: dict[str, str] = {}
    found = ctx.detail("iam", "get_policy", errors, "Policy", PolicyArn=arn)
    policy = dict((found or {}).get("Policy") or {"Arn": arn})
    version = None
    if "DefaultVersionId" in policy:
        version = ctx.detail(
            "iam",
            "get_policy_version",
            errors,
            "PolicyVersionList",
            PolicyArn=arn,
            VersionId=policy["DefaultVersionId"],
        )
    policy["PolicyVersionList"] = [version["PolicyVersion"]] if version else []
    if errors:
        policy["_errors"] = errors
    return policy


# -- users ---------------------------------------------------------------------------
def _users(
    ctx: CollectContext,
    items: list[dict[str, Any]],
    rows: list[dict[str, str]] | None,
    report_error: str,
) -> Iterator[Resource]:
    by_name = {row.get("user", ""): row for row in rows or []}

    def describe(item: dict[str, Any]) -> Resource:
        name = item["UserName"]
        errors: dict[str, str] = {}
        data = _decode_inline(item)
        data["CredentialReport"] = by_name.get(name)
        if rows is None:
            errors["CredentialReport"] = report_error
        data.update(_user_credentials(ctx, name, errors))
        if errors:
            data["_errors"] = errors
        return ctx.resource(
            USER, arn=item["Arn"], id=item.get("UserId") or name, name=name, data=plain(data)
        )

    yield from ctx.fan_out(describe, items)


def _user_credentials(ctx: CollectContext, name: str, errors: dict[str, str]) -> dict[str, Any]:
    """MFA devices, access keys (each with ``LastUsed``) and the login profile of one user."""
    mfa = ctx.detail("iam", "list_mfa_devices", errors, "MFADevices", UserName=name)
    keys = ctx.detail("iam", "list_access_keys", errors, "AccessKeys", UserName=name)
    login = ctx.detail(
        "iam", "get_login_profile", errors, "LoginProfile", absent=("NoSuchEntity",), UserName=name
    )
    access_keys = []
    for key in (keys or {}).get("AccessKeyMetadata", []):
        used = ctx.detail(
            "iam",
            "get_access_key_last_used",
            errors,
            "AccessKeyLastUsed",
            AccessKeyId=key["AccessKeyId"],
        )
        access_keys.append({**key, "LastUsed": (used or {}).get("AccessKeyLastUsed")})
    return {
        "MFADevices": None if mfa is None else mfa.get("MFADevices", []),
        "AccessKeys": None if keys is None else access_keys,
        "LoginProfile": None if login is None else login.get("LoginProfile"),
    }


# -- account-level facts ---------------------------------------------------------------
def _account_resource(
    ctx: CollectContext, rtype: str, suffix: str, data: dict[str, Any]
) -> Resource:
    return ctx.resource(
        rtype,
        arn=f"arn:{ctx.partition}:iam::{ctx.account}:{suffix}",
        id=f"{ctx.account}/{suffix}",
        name=suffix,
        data=plain(data),
    )


def _credential_report(ctx: CollectContext) -> tuple[dict[str, Any] | None, str]:
    """``{"rows", "GeneratedTime"}``, or None and the reason (recorded against the report's type)."""
    try:
        return _fetch_credential_report(ctx), ""
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        ctx.record(exc.service, exc.operation, exc.failure, (CREDENTIAL_REPORT,))
        return None, f"{exc.service}:{exc.operation}: {exc.failure.line()}"


def _fetch_credential_report(ctx: CollectContext) -> dict[str, Any]:
    """Generate (IAM reuses a report younger than four hours), wait for it, parse the CSV."""
    for wait in _REPORT_WAITS:
        if ctx.call("iam", "generate_credential_report").get("State") == "COMPLETE":
            break
        time.sleep(wait)
    answer = ctx.call("iam", "get_credential_report")
    content = answer.get("Content", b"")
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    rows = [dict(row) for row in csv.DictReader(io.StringIO(text))]
    return {"rows": rows, "GeneratedTime": answer.get("GeneratedTime")}


def _password_policy(ctx: CollectContext) -> Iterator[Resource]:
    """``NoSuchEntity`` means the account never set a policy: IAM's lax defaults apply."""
    try:
        answer = ctx.call("iam", "get_account_password_policy")
    except CallFailedError as exc:
        if exc.failure.fatal:
            raise
        if exc.failure.code != "NoSuchEntity":
            ctx.record(exc.service, exc.operation, exc.failure, (PASSWORD_POLICY,))
            return
        answer = {}
    yield _account_resource(
        ctx, PASSWORD_POLICY, "account", {"PasswordPolicy": answer.get("PasswordPolicy")}
    )


def _account_summary(ctx: CollectContext) -> Iterator[Resource]:
    answer = _optional(ctx, (ACCOUNT_SUMMARY,), lambda: ctx.call("iam", "get_account_summary"))
    if answer is not None:
        yield ctx.resource(
            ACCOUNT_SUMMARY,
            arn=f"arn:{ctx.partition}:iam::{ctx.account}:root",
            id=f"{ctx.account}/account-summary",
            name="account-summary",
            data=plain({"SummaryMap": answer.get("SummaryMap", {})}),
        )


def _virtual_mfa_devices(ctx: CollectContext) -> Iterator[Resource]:
    devices = _optional(
        ctx,
        (VIRTUAL_MFA,),
        lambda: ctx.paginate("iam", "list_virtual_mfa_devices", "VirtualMFADevices"),
    )
    for device in devices or []:
        data = {k: v for k, v in device.items() if k not in _MFA_SECRETS}
        serial = device["SerialNumber"]
        yield ctx.resource(VIRTUAL_MFA, arn=serial, id=serial.rsplit("/", 1)[-1], data=plain(data))


def _identity_providers(ctx: CollectContext) -> Iterator[Resource]:
    """SAML and OIDC providers: the account's federation, and what web-identity trusts name."""
    saml = _optional(
        ctx, (SAML_PROVIDER,), lambda: ctx.call("iam", "list_saml_providers")["SAMLProviderList"]
    )
    for item in saml or []:
        yield ctx.resource(
            SAML_PROVIDER, arn=item["Arn"], id=item["Arn"].rsplit("/", 1)[-1], data=plain(item)
        )
    oidc = _optional(
        ctx,
        (OIDC_PROVIDER,),
        lambda: ctx.call("iam", "list_open_id_connect_providers")["OpenIDConnectProviderList"],
    )
    for item in oidc or []:
        errors: dict[str, str] = {}
        detail = ctx.detail(
            "iam",
            "get_open_id_connect_provider",
            errors,
            "Provider",
            OpenIDConnectProviderArn=item["Arn"],
        )
        data = {**item, **{k: v for k, v in (detail or {}).items() if k != "ResponseMetadata"}}
        if errors:
            data["_errors"] = errors
        yield ctx.resource(
            OIDC_PROVIDER, arn=item["Arn"], id=item["Arn"].split("/", 1)[-1], data=plain(data)
        )
