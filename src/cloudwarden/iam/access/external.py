"""Who outside an account (or its organisation) can act on a resource, and how we know.

The question "can an outsider act?" is asked of the engine, not of a pattern list: for
every *candidate request* — a principal that stands for one class of outsiders, an
action the policy could allow, a resource, a request context from
``cloudwarden.iam.access.candidates`` — ``evaluate`` decides under the resource policy
and the resource account's RCPs. The outsider's own side is taken to allow everything
(an identity policy ``Allow * *`` and no SCPs): what the resource side lets in is what
an outsider who wants it can get ("Cross-account policy evaluation logic").

Principals tried (each class meets the Principal element and the principal-derived
condition keys in one way only, so one representative per class is enough; see
``cloudwarden.iam.access.grantees``):

* anonymous — an unsigned request (S3 and SQS, the services that accept one);
* any account — the root user, an IAM user and a role session of a fresh account that
  no policy names, and a user or role of every name ``aws:username`` /
  ``aws:PrincipalArn`` values name; outside any organisation, in another organisation
  the policy names, and in the resource's own organisation;
* every account named (Principal, ``aws:PrincipalAccount``, ``kms:CallerAccount``,
  ``aws:PrincipalArn``), with the same principals, in or out of the organisation as
  the snapshot records it (both when it does not say);
* every user and role named (a role as a session of it);
* every service principal, ``Federated`` provider and canonical user named, the
  service ones with every ``aws:Source…`` context (other callers never carry those).

A candidate that is allowed is a *witness*: its request, re-evaluated by the engine,
proves the access. The actions reported are the catalogue actions of the resource type
that some ``Allow`` statement matches and that a candidate of that class was allowed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cloudwarden.iam.access.candidates import (
    MAX_CONTEXTS,
    SOURCE_KEYS,
    Dimensions,
    context_dimensions,
    contexts,
    instantiate,
)
from cloudwarden.iam.access.grantees import (
    Grantee,
    OrgOption,
    full_context,
    grantees,
    label,
    org_options,
    scope_of,
)
from cloudwarden.iam.access.records import (
    ExternalAccess,
    Organization,
    ResourceAccess,
    Scope,
    Witness,
)
from cloudwarden.iam.access.regions import compile_glob, regions
from cloudwarden.iam.catalog import action_info, service_actions
from cloudwarden.iam.evaluate import CompiledPolicySet, PolicySet, compile_policy_set
from cloudwarden.iam.matching import compile_actions
from cloudwarden.iam.policy import Policy, parse_policy
from cloudwarden.iam.request import ContextValue, Request

__all__ = [
    "ALLOW_ALL",
    "RESOURCE_TYPES",
    "TRUST_ACTIONS",
    "ExternalAccess",
    "Organization",
    "ResourceAccess",
    "Scope",
    "Witness",
    "analyse_policy",
    "outsider_policy_set",
]

TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
)
# resource type -> (service, catalogue resource types)
RESOURCE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AWS::S3::Bucket": ("s3", ("bucket", "object")),
    "AWS::KMS::Key": ("kms", ("key",)),
    "AWS::SQS::Queue": ("sqs", ("queue",)),
    "AWS::SNS::Topic": ("sns", ("topic",)),
    "AWS::Lambda::Function": ("lambda", ("function",)),
    "AWS::SecretsManager::Secret": ("secretsmanager", ("Secret",)),
    "AWS::ECR::Repository": ("ecr", ("repository",)),
    "AWS::IAM::Role": ("sts", ()),
}
# Resource types whose service accepts unsigned requests when the policy allows "*"
# (S3; SQS: "Basic examples of Amazon SQS policies", anonymous access). Other services
# reject unsigned requests, so an anonymous candidate would witness nothing real.
ANONYMOUS_TYPES = frozenset({"AWS::S3::Bucket", "AWS::SQS::Queue"})
ALLOW_ALL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
_SCOPE_RANK = {"public": 0, "outside_org": 1, "in_org": 2}


def outsider_policy_set(
    policy: Policy,
    resource_account: str,
    rcps: Sequence[Sequence[Policy]] | None = None,
    *,
    resource_is_management_account: bool = False,
) -> PolicySet:
    """The policies an outsider's request meets: theirs allow everything, ours decide."""
    return PolicySet(
        identity_policies=[ALLOW_ALL],
        resource_policy=policy,
        resource_account=resource_account,
        rcps=rcps,
        resource_is_management_account=resource_is_management_account,
    )


def analyse_policy(
    document: Mapping[str, Any] | str,
    *,
    arn: str,
    resource_type: str,
    account: str,
    region: str = "",
    organization: Organization | None = None,
    rcps: Sequence[Sequence[Policy]] | None = None,
    resource_is_management_account: bool = False,
) -> ResourceAccess:
    """External access to one resource through its resource-based policy."""
    org = organization or Organization()
    base = ResourceAccess(arn, resource_type, account, region)
    try:
        policy = parse_policy(document)
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        return _replace(base, unknown=(f"the resource policy does not parse: {first}",))
    policies = [policy, *(p for level in rcps or () for p in level)]
    dims = context_dimensions(policies)
    if dims.size() > MAX_CONTEXTS:
        dims.unknown.append("too many condition combinations; each key was varied alone")
    pairs, resource_unknown = _universe(policy, arn, resource_type)
    compiled = compile_policy_set(
        outsider_policy_set(
            policy, account, rcps, resource_is_management_account=resource_is_management_account
        )
    )
    found, count = _search(compiled, policies, dims, pairs, resource_type, account, org)
    ranked = sorted(found.items(), key=lambda kv: (_SCOPE_RANK[kv[0][0]], kv[0][1]))
    accesses = tuple(f.access(scope, who) for (scope, who), f in ranked)
    return _replace(
        base,
        accesses=accesses,
        unknown=tuple(dict.fromkeys([*dims.unknown, *resource_unknown])),
        requests=count,
    )


def _candidates(
    grantee: Grantee,
    option: OrgOption,
    dims: Dimensions,
    resource_type: str,
    account: str,
    org: Organization,
) -> Iterator[tuple[str, dict[str, ContextValue], tuple[str, ...], Scope]]:
    """(principal, full context, named keys, zone) of every candidate of one grantee in
    one organisation context; requests that stay in the account are left out."""
    for context, named in contexts(dims):
        if grantee.kind != "service" and any(k.lower() in SOURCE_KEYS for k in context):
            continue
        for principal in grantee.principals:
            full = full_context(context, option, principal, resource_type)
            scope = scope_of(grantee, option, full, account, org)
            if scope is not None:
                yield principal, full, named, scope


def _search(
    compiled: CompiledPolicySet,
    policies: Sequence[Policy],
    dims: Dimensions,
    pairs: Sequence[tuple[str, str]],
    resource_type: str,
    account: str,
    org: Organization,
) -> tuple[dict[tuple[Scope, str], _Found], int]:
    """Decide every candidate request; group the allowed ones by zone and grantee."""
    found: dict[tuple[Scope, str], _Found] = {}
    count = 0
    anonymous = resource_type in ANONYMOUS_TYPES
    for grantee in grantees(policies, account, org, anonymous=anonymous):
        for option in org_options(grantee, policies, org):
            for principal, full, named, scope in _candidates(
                grantee, option, dims, resource_type, account, org
            ):
                who = label(grantee, option, full)
                for action, resource in pairs:
                    count += 1
                    request = Request(principal, action, resource, full, resource_account=account)
                    if compiled.decide(request) == "allowed":
                        witness = Witness(principal, action, resource, full)
                        _record(found, scope, who, action, witness, named)
    return found, count


def _replace(base: ResourceAccess, **changes: Any) -> ResourceAccess:
    return replace(base, **changes)


@dataclass
class _Found:
    actions: set[str] = field(default_factory=set)
    witness: Witness | None = None
    named: tuple[str, ...] = ()

    def access(self, scope: Scope, label: str) -> ExternalAccess:
        assert self.witness is not None
        return ExternalAccess(scope, label, tuple(sorted(self.actions)), self.witness, self.named)


def _record(
    found: dict[tuple[Scope, str], _Found],
    scope: Scope,
    label: str,
    action: str,
    witness: Witness,
    named: tuple[str, ...],
) -> None:
    entry = found.setdefault((scope, label), _Found())
    entry.actions.add(action)
    if entry.witness is None or len(named) < len(entry.named):
        entry.witness, entry.named = witness, named


# -- the actions and resources ---------------------------------------------------------
def _allow_matcher(policy: Policy) -> Any:
    patterns = [a for s in policy.statements if s.effect == "Allow" for a in s.actions or ()]
    negations = [s.not_actions for s in policy.statements if s.effect == "Allow" and s.not_actions]
    positive = compile_actions(tuple(patterns))
    excluded = [compile_actions(n) for n in negations]

    def matches(action: str) -> bool:
        return positive.fullmatch(action) is not None or any(
            e.fullmatch(action) is None for e in excluded
        )

    return matches


def _universe(
    policy: Policy, arn: str, resource_type: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """(action, resource) pairs worth asking about, and reasons they may not cover all."""
    matches = _allow_matcher(policy)
    service, kinds = RESOURCE_TYPES.get(resource_type, ("", ()))
    if resource_type == "AWS::IAM::Role":
        return [(a, arn) for a in TRUST_ACTIONS if matches(a)], []
    resources, unknown = _resources(policy, arn, resource_type)
    pairs: list[tuple[str, str]] = []
    for action in service_actions(service) if service else ():
        if not matches(action):
            continue
        types = {r.name for r in action_info(action).resource_types}
        for kind in kinds:
            if kind in types:
                pairs += [(action, r) for r in resources.get(kind, [])]
    return pairs, unknown


def _resources(
    policy: Policy, arn: str, resource_type: str
) -> tuple[dict[str, list[str]], list[str]]:
    """The resource itself and, for S3 objects and Lambda qualifiers, one resource under
    it per region of the policy's Resource / NotResource patterns (``regions``)."""
    patterns = [
        p for s in policy.statements for p in (*(s.resources or ()), *(s.not_resources or ()))
    ]
    if resource_type == "AWS::S3::Bucket":
        kind, sub = "object", f"{arn}/"
        extra = [f"{arn}/cloudwarden-probe"]
    elif resource_type == "AWS::Lambda::Function":
        kind, sub, extra = "function", f"{arn}:", []
    else:
        _, kinds = RESOURCE_TYPES.get(resource_type, ("", ("",)))
        return {k: [arn] for k in kinds}, []
    unknown: list[str] = []
    if any("${" in p for p in patterns):
        unknown.append("a Resource pattern uses a policy variable; its value is not enumerated")
    plain = [p for p in dict.fromkeys(patterns) if "${" not in p]
    preferred = [i for p in plain for i in instantiate(p) if i.startswith(sub)]
    # the last pattern keeps the walk under the resource: only its regions count
    globs = [*(compile_glob(p) for p in plain), (*compile_glob(sub, literal=True), ("*", True))]
    regions_found, complete = regions(globs, [*extra, *preferred])
    if not complete:
        unknown.append("the Resource patterns form too many regions to enumerate")
    found = [v for vector, v in regions_found.items() if vector[-1]]
    resources = list(dict.fromkeys([*extra, *found]))
    if kind == "function":
        return {"function": [arn, *resources]}, unknown
    return {"bucket": [arn], "object": resources}, unknown
