"""Seeded generator of batch lines: random policies of every type for random requests.

Each line is in cloudwarden's batch format and carries every policy type (identity,
resource-based, permissions boundary, session, SCP levels, RCP levels) with some
probability, and conditions from every operator family (String, Numeric, Date, Bool,
Binary, IpAddress, Arn, Null, ``…IfExists``, ``ForAllValues`` / ``ForAnyValue``, policy
variables). The request context is complete: every key AWS would derive is given
explicitly, because the oracle derives none. Same seed, same lines.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, TypeVar

from conditions import ConditionMaker
from universe import NOW, NOW_EPOCH, PRINCIPALS, REGIONS, TARGETS, A, B, Key, Target, Who

T = TypeVar("T")
Json = dict[str, Any]
IAM_KINDS = ("user", "session", "federated", "root", "role")


def weighted(rng: random.Random, items: Sequence[T], weights: Sequence[int]) -> T:
    return rng.choices(items, weights=weights, k=1)[0]


class Request:
    """The request half of a case: who, what, on which resource, in which context."""

    def __init__(self, rng: random.Random) -> None:
        self.who: Who = weighted(rng, PRINCIPALS, [p.weight for p in PRINCIPALS])
        self.target: Target = weighted(rng, TARGETS, [t.weight for t in TARGETS])
        self.action = rng.choice(self.target.actions)
        self.region = rng.choice(REGIONS) if self.target.regional else "us-east-1"
        home = self.who.account or A
        self.account = home if rng.random() < 0.7 else (B if home == A else A)
        self.resource = self._fill(self.target.arn)
        self.sibling = self._fill(self.target.sibling)

    def _fill(self, template: str) -> str:
        return template.format(acct=self.account, region=self.region)

    @property
    def service(self) -> str:
        return self.action.split(":", 1)[0]


def _context(rng: random.Random, req: Request, keys: Sequence[Key]) -> Json:
    ctx: Json = dict(req.who.derived)
    ctx["aws:CurrentTime"] = NOW
    ctx["aws:EpochTime"] = NOW_EPOCH
    ctx["aws:RequestedRegion"] = req.region
    ctx["aws:ResourceAccount"] = req.account
    for key in keys:
        if key.derived or not key.request:
            continue
        if key.name.startswith("aws:PrincipalTag/") and req.who.kind not in IAM_KINDS:
            continue
        value = rng.choice(key.request)
        if value is not None:
            ctx[key.name] = value
    return ctx


class CaseGenerator:
    """Build line ``i`` of a run; all randomness comes from the seeded ``rng``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def case(self, index: int) -> Json:
        rng = self.rng
        req = Request(rng)
        maker = ConditionMaker(rng, req)
        line: Json = {
            "id": f"c{index}",
            "principal": req.who.arn,
            "action": req.action,
            "resource": req.resource,
            "resource_account": req.account,
            "context": _context(rng, req, maker.keys),
        }
        policies = Policies(rng, req, maker)
        line.update(policies.all())
        return line


class Policies:
    """Every policy type of one case, each present with some probability."""

    def __init__(self, rng: random.Random, req: Request, maker: ConditionMaker) -> None:
        self.rng = rng
        self.req = req
        self.st = Statements(rng, req, maker)

    def all(self) -> Json:
        rng, kind = self.rng, self.req.who.kind
        out: Json = {}
        if kind in IAM_KINDS:
            out["identity_policies"] = [self.doc("identity") for _ in range(rng.randint(0, 3))]
        if kind in ("user", "session", "role") and rng.random() < 0.25:
            out["permission_boundary"] = self.doc("boundary")
        if kind in ("session", "federated", "role") and rng.random() < 0.3:
            out["session_policy"] = self.doc("session")
        must = self.req.service in ("kms",) or self.req.action == "sts:AssumeRole"
        if rng.random() < (0.9 if must else 0.5):
            out["resource_policy"] = self.doc("resource")
        if kind in IAM_KINDS and rng.random() < 0.5:
            out["scps"] = self.levels("scp")
            if rng.random() < 0.06:
                out["principal_is_management_account"] = True
        if rng.random() < 0.4:
            out["rcps"] = self.levels("rcp")
        return out

    def doc(self, kind: str) -> Json:
        statements = [self.st.make(kind) for _ in range(self.rng.randint(1, 3))]
        return self.wrap(statements, kind)

    def wrap(self, statements: list[Json], kind: str) -> Json:
        rng = self.rng
        doc: Json = {"Statement": statements if len(statements) > 1 or rng.random() < 0.7
                     else statements[0]}  # fmt: skip
        roll = rng.random()
        if kind == "rcp" or roll < 0.9:
            doc["Version"] = "2012-10-17"
        elif roll < 0.97:
            doc["Version"] = "2008-10-17"
        return doc

    def levels(self, kind: str) -> list[list[Json]]:
        return [self.level(kind) for _ in range(self.rng.randint(1, 3))]

    def level(self, kind: str) -> list[Json]:
        rng = self.rng
        out: list[Json] = []
        if kind == "scp":
            if rng.random() < 0.75:
                out.append(self.wrap([{"Effect": "Allow", "Action": "*", "Resource": "*"}], kind))
            else:
                out.append(self.wrap([self.st.make("scp", "Allow")], kind))
        for _ in range(rng.randint(0, 2 if kind == "rcp" else 1)):
            out.append(self.wrap([self.st.make(kind, "Deny")], kind))
        return out


class Statements:
    """One statement of a given policy type, with its elements drawn at random."""

    def __init__(self, rng: random.Random, req: Request, maker: ConditionMaker) -> None:
        self.rng = rng
        self.req = req
        self.maker = maker

    def make(self, kind: str, effect: str | None = None) -> Json:
        rng = self.rng
        if effect is None:
            effect = "Deny" if rng.random() < 0.25 else "Allow"
        st: Json = {"Effect": effect}
        if rng.random() < 0.3:
            st["Sid"] = f"S{rng.randint(0, 99)}"
        if kind == "rcp":
            st["Principal"] = "*"
        elif kind == "resource":
            st.update(self.principal(effect))
        st.update(self.action(kind))
        st.update(self.resource(kind))
        if rng.random() < (0.75 if effect == "Deny" or kind == "rcp" else 0.4):
            st["Condition"] = self.maker.block(rng.randint(1, 2))
        return st

    def action(self, kind: str) -> Json:
        rng, act = self.rng, self.req.action
        svc, name = act.split(":", 1)
        other = rng.choice([a for t in TARGETS for a in t.actions])
        choices = [act, act.lower(), f"{svc.upper()}:{name}", f"{svc}:*", f"{svc}:{name[:3]}*",
                   f"{svc}:{name[:-1]}?", "*", other, f"{svc}:Describe*"]  # fmt: skip
        weights = [6, 1, 1, 4, 2, 1, 2, 3, 1]
        if kind == "rcp":
            value: Any = weighted(rng, choices[:6], weights[:6])
            return {"Action": value}
        value = weighted(rng, choices, weights)
        if rng.random() < 0.2:
            value = [value, rng.choice(choices)]
        key = "NotAction" if rng.random() < 0.12 else "Action"
        return {key: value}

    def resource(self, kind: str) -> Json:
        rng = self.rng
        pattern: Any = weighted(rng, *zip(*self._resource_patterns(), strict=True))
        if rng.random() < 0.15:
            pattern = [pattern, self.req.sibling]
        if kind == "resource" and rng.random() < 0.1:
            return {}
        key = "NotResource" if rng.random() < 0.1 else "Resource"
        return {key: pattern}

    def _resource_patterns(self) -> list[tuple[str, int]]:
        arn, req = self.req.resource, self.req
        out = [("*", 5), (arn, 6), (req.sibling, 2)]
        if arn == "*":
            return [*out, (f"arn:aws:ec2:*:{req.account}:instance/*", 2)]
        head, _, tail = arn.rpartition(":")
        split = arn.index(tail, len(head))
        out += [
            (arn[: max(split + 1, len(arn) - 3)] + "*", 3),
            (arn[:-1] + "?", 1),
            (f"{head}:*", 2),
            (arn.replace(f":{req.account}:", ":*:"), 1),
            (arn.replace(f":{req.region}:", ":*:"), 1),
            (arn.replace(f":{req.account}:", ":${aws:PrincipalAccount}:"), 2),
        ]
        if arn.startswith("arn:aws:s3:::bucket-a/"):
            out += [
                ("arn:aws:s3:::bucket-a/${aws:username}/*", 3),
                ("arn:aws:s3:::bucket-a/${aws:PrincipalTag/team, 'alice'}/*", 1),
                ("arn:aws:s3:::bucket-a/${*}", 1),
            ]
        return out

    def principal(self, effect: str) -> Json:
        rng, who = self.rng, self.req.who
        pool: list[tuple[Any, int]] = [
            ("*", 3), ({"AWS": "*"}, 1), ({"AWS": A}, 2), ({"AWS": f"arn:aws:iam::{A}:root"}, 2),
            ({"AWS": B}, 1), ({"AWS": f"arn:aws:iam::{A}:role/app"}, 2),
            ({"AWS": f"arn:aws:iam::{A}:user/dev/bob"}, 1),
            ({"Service": "s3.amazonaws.com"}, 1), ({"AWS": f"arn:aws:iam::{B}:user/carol"}, 1),
        ]  # fmt: skip
        if who.kind in IAM_KINDS:
            pool.append(({"AWS": who.arn}, 5))
            pool.append(({"AWS": [who.arn, f"arn:aws:iam::{B}:root"]}, 1))
        value = weighted(rng, *zip(*pool, strict=True))
        negate = rng.random() < (0.2 if effect == "Deny" else 0.05)
        return {"NotPrincipal" if negate else "Principal": value}
