"""What the generated lines exercise: policy types, caller kinds, elements and operator
families, counted per line, so a run shows that its generator covers them all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rewrite import clauses, policies, statements

Json = dict[str, Any]
POLICY_TYPES = ("identity_policies", "resource_policy", "permission_boundary", "session_policy",
                "scps", "rcps", "principal_is_management_account")  # fmt: skip
FAMILIES = ("String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "NotIpAddress", "Arn",
            "Null")  # fmt: skip


def _caller(principal: str) -> str:
    for marker, kind in ((":user/", "IAM user"), (":assumed-role/AWSServiceRoleFor", "service-linked role session"),
                         (":assumed-role/", "role session"), (":federated-user/", "federated user"),
                         (":root", "root user")):  # fmt: skip
        if marker in principal:
            return kind
    return "service principal" if principal.endswith(".amazonaws.com") else "anonymous"


def _features(line: Json) -> set[str]:
    found = {f"policy: {k}" for k in POLICY_TYPES if line.get(k)}
    found.add(f"caller: {_caller(line['principal'])}")
    for doc in policies(line):
        for st in statements(doc):
            found.update(f"element: {k}" for k in ("NotAction", "NotResource", "NotPrincipal")
                         if k in st)  # fmt: skip
        if b"${" in repr(doc).encode():
            found.add("policy variables")
    for _, _block, op, _key in clauses(line):
        base = op.rpartition(":")[2]
        stem = base[: -len("IfExists")] if base.endswith("IfExists") else base
        found.add(f"operator: {next((f for f in FAMILIES if stem.startswith(f)), stem)}*")
        if base.endswith("IfExists"):
            found.add("operator: …IfExists")
        if ":" in op:
            found.add(f"operator: {op.partition(':')[0]}:")
    return found


def census(lines: Iterable[Json]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(_features(line))
    return counts


def print_census(counts: Counter[str], total: int) -> None:
    print(f"{'generated lines exercising':<58} {'lines':>7} {'share':>12}")
    for name in sorted(counts):
        print(f"  {name:<56} {counts[name]:>7} {counts[name] / total:>12.1%}")
