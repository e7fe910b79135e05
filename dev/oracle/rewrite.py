"""The oracle's known deviations, each as a rewrite that makes cloudwarden reproduce it.

Every ``Rewrite`` has a predicate (does this line exercise the deviation?) and a rewrite
of the line that makes cloudwarden's engine behave the way the oracle does on that point
only. ``classify.py`` accepts a reason when the rewritten line gets the oracle's decision.
The AWS documentation that decides each point is cited in ``docs/iam-semantics.md``.
This module holds the deviations about callers and policy layers and the registry;
``rewrite_conditions.py`` those about condition operators and policy variables.
"""

from __future__ import annotations

import orjson
from lines import ALLOW_ALL, Json, Rewrite, clauses, context_value, policies, statements
from rewrite_conditions import (
    _arn_variables,
    _arn_variables_unmatched,
    _as_2012,
    _bare_ip,
    _bare_ip_never,
    _dates_as_oracle,
    _drop_unresolved,
    _for_any_if_exists,
    _for_any_never,
    _mixed_dates,
    _multivalued,
    _multivalued_never,
    _old_version_variables,
    _unresolved_values,
    _zero_as_host,
    _zero_cidr,
)

from cloudwarden.iam.catalog import rcp_supported_services
from cloudwarden.iam.matching import PrincipalMatcher
from cloudwarden.iam.principals import principal_info

__all__ = ["REWRITES", "Rewrite", "clauses", "context_value", "policies", "statements"]


# -- the oracle drops context keys that do not apply to the action -----------------
def _dropped(line: Json, _: Json, oracle: Json) -> bool:
    return bool(oracle.get("ignored_context_keys"))


def _drop_keys(line: Json, _: Json, oracle: Json) -> Json:
    dropped = {k.lower() for k in oracle["ignored_context_keys"]}
    line["context"] = {k: v for k, v in line["context"].items() if k.lower() not in dropped}
    return line


# -- SCP exemptions, root user, federated users ---------------------------------------
def _management(line: Json, *_: Json) -> bool:
    return bool(line.get("principal_is_management_account")) and "scps" in line


def _no_management(line: Json, *_: Json) -> Json:
    line.pop("principal_is_management_account", None)
    return line


def _slr(line: Json, *_: Json) -> bool:
    return "AWSServiceRoleFor" in line["principal"]


def _not_slr(line: Json, *_: Json) -> Json:
    text = orjson.dumps(line).replace(b"AWSServiceRoleForSupport", b"SupportRoleNotLinked")
    return dict(orjson.loads(text))


def _root(line: Json, *_: Json) -> bool:
    return str(line["principal"]).endswith(":root")


def _root_as_ordinary(line: Json, *_: Json) -> Json:
    """A role session stands in for the root user: an ordinary principal of the same
    account that derives no ``aws:username`` (the context keeps the root user's values)."""
    account = line["principal"].split(":")[4]
    stand_in = f"arn:aws:sts::{account}:assumed-role/root-stand-in/root"
    line["principal"] = stand_in
    role = f"arn:aws:iam::{account}:role/root-stand-in"
    for doc in policies(line):
        for st in statements(doc):
            spec = st.get("NotPrincipal")
            if isinstance(spec, dict) and "AWS" in spec:
                names = spec["AWS"] if isinstance(spec["AWS"], list) else [spec["AWS"]]
                if account in names or f"arn:aws:iam::{account}:root" in names:
                    spec["AWS"] = [*names, stand_in, role]  # spared as the root user was
    return line


def _federated_alone(line: Json, *_: Json) -> bool:
    return ":federated-user/" in line["principal"] and not line.get("session_policy")


def _add_session_policy(line: Json, *_: Json) -> Json:
    line["session_policy"] = ALLOW_ALL
    return line


def _trust_absent(line: Json, *_: Json) -> bool:
    return line["action"].lower() == "sts:assumerole" and not line.get("resource_policy")


def _delegating_trust(line: Json, *_: Json) -> Json:
    account = line["resource"].split(":")[4]
    line["resource_policy"] = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}
        ],
    }
    return line  # fmt: skip


# -- RCPs on services that do not support them ----------------------------------------
def _rcp_unsupported(line: Json, *_: Json) -> bool:
    service = line["action"].split(":")[0].lower()
    return "rcps" in line and service not in rcp_supported_services()


def _rcp_everywhere(line: Json, *_: Json) -> Json:
    line["__rcp_services"] = [line["action"].split(":")[0].lower()]
    return line


# -- session policy against a resource policy that names the session ------------------
def _session_vs_direct(line: Json, explained: Json, oracle: Json) -> bool:
    layers = explained.get("explanation", {}).get("layers", {})
    session = layers.get("session", {})
    resource = layers.get("resource", {})
    direct = any(s.get("applies") and s.get("grant") == "direct" and s["effect"] == "Allow"
                 for s in resource.get("statements", []))  # fmt: skip
    return bool(session.get("applies") and session.get("allowed") is False and direct)


def _strip_resource_allows(line: Json, *_: Json) -> Json:
    doc = line["resource_policy"]
    doc["Statement"] = [s for s in statements(doc) if s.get("Effect") != "Allow"]
    return line


# -- Deny with NotPrincipal: AWS needs every identity of the caller's chain listed ------
def _partly_named(line: Json, st: Json) -> bool:
    if st.get("Effect") != "Deny" or "NotPrincipal" not in st or line.get("permission_boundary"):
        return False
    spec = st["NotPrincipal"]
    aws = spec.get("AWS", []) if isinstance(spec, dict) else []
    matcher = PrincipalMatcher.build(
        wildcard=spec == "*", aws=aws if isinstance(aws, list) else [aws]
    )
    who = principal_info(line["principal"])
    return matcher.names_any_of_chain(who) and not matcher.names_whole_chain(who)


def _not_principal_chain(line: Json, *_: Json) -> bool:
    doc = line.get("resource_policy")
    return isinstance(doc, dict) and any(_partly_named(line, st) for st in statements(doc))


def _spare_partly_named(line: Json, *_: Json) -> Json:
    doc = line["resource_policy"]
    doc["Statement"] = [st for st in statements(doc) if not _partly_named(line, st)]
    return line


REWRITES: list[Rewrite] = [
    Rewrite("oracle drops context keys that do not apply", _dropped, _drop_keys),
    Rewrite("SCPs exempt the management account", _management, _no_management),
    Rewrite("SCPs and RCPs exempt service-linked roles", _slr, _not_slr),
    Rewrite("root user special cases", _root, _root_as_ordinary),
    Rewrite("federated user needs a session policy", _federated_alone, _add_session_policy),
    Rewrite("role trust policy absent", _trust_absent, _delegating_trust),
    Rewrite("RCPs apply only to supported services", _rcp_unsupported, _rcp_everywhere),
    Rewrite("session policy does not limit a grant to the session ARN", _session_vs_direct,
            _strip_resource_allows, dynamic=True),
    Rewrite("Deny with NotPrincipal must list the caller's whole chain", _not_principal_chain,
            _spare_partly_named),
    Rewrite("policy variables need Version 2012-10-17", _old_version_variables, _as_2012),
    Rewrite("IfExists holds for an absent key under ForAnyValue", _for_any_if_exists,
            _for_any_never),
    Rewrite("dates may mix ISO 8601 and epoch seconds", _mixed_dates, _dates_as_oracle),
    Rewrite("0.0.0.0/0 contains every IPv4 address", _zero_cidr, _zero_as_host),
    Rewrite("a bare IP address is a /32 (or /128) block", _bare_ip, _bare_ip_never),
    Rewrite("operator without a set qualifier on a multivalued key", _multivalued,
            _multivalued_never),
    Rewrite("variables in the fixed parts of an ARN condition value", _arn_variables,
            _arn_variables_unmatched),
    Rewrite("an unresolvable variable voids the condition", _unresolved_values, _drop_unresolved),
]  # fmt: skip
