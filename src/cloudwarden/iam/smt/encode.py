"""One request as z3 variables, and "this policy allows it" as a z3 formula.

The request is (principal, action, resource, context, resource account):

* the **action** ranges over a finite list of catalogue actions, split into classes of
  actions that every Action / NotAction element of the policies treats alike (each
  pattern is matched by the engine's own ``compile_actions``, so case-insensitivity and
  wildcards are exactly the engine's); the witness takes the first action of its class;
* the **resource** is ``*`` or any ARN (identity policies), one of the ARN formats of a
  resource type (resource policies), or one of a given list;
* the **principal** is ``PrincipalEncoding``; the **context** is ``ContextEncoding``.

Two ways of reading a policy, each confirmed by the engine (``cloudwarden.iam.smt.checks``):

* ``identity``: the policy is the principal's only identity-based policy, and the request
  says the resource is in the principal's account; allowed = some Allow applies and no Deny applies;
* ``resource``: the policy is the resource's policy and the principal is outside the
  resource's account with identity-based permissions of its own; allowed = some Allow
  names the principal and applies, and no Deny that names it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import z3

from cloudwarden.iam import catalog
from cloudwarden.iam.matching import PrincipalMatcher, action_service, compile_actions, split_arn
from cloudwarden.iam.policy import Policy, PrincipalSpec, Statement
from cloudwarden.iam.request import Request
from cloudwarden.iam.smt.context import ContextEncoding, UnsupportedError
from cloudwarden.iam.smt.principal import PrincipalEncoding, twelve_digits
from cloudwarden.iam.smt.regex import ARN_SHAPE, arn_glob
from cloudwarden.iam.variables import parse_resource_template

__all__ = ["Mode", "ResourceSpace", "Universe", "action_pool"]

Mode = Literal["identity", "resource"]
Expr = Any
# keys the engine derives when absent but that the encoding leaves free
_DERIVED_FREE = frozenset({"aws:currenttime", "aws:epochtime", "aws:requestedregion"})
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
# catalogue placeholders (bucket, key, role names) hold visible characters, no spaces
_VISIBLE = z3.Range("!", "~")
_VISIBLE_NOT_COLON = z3.Union(z3.Range("!", "9"), z3.Range(";", "~"))
_REGION = z3.Plus(z3.Union(z3.Range("a", "z"), z3.Range("0", "9"), z3.Re("-")))


@dataclass(frozen=True)
class ResourceSpace:
    """Where the resource of a request may be: ``formats`` (catalogue ARN formats with
    ``${…}`` placeholders) or ``exact`` resources; neither means ``*`` or any ARN."""

    formats: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()


def _patterns(st: Statement) -> tuple[tuple[str, ...], bool]:
    if st.not_actions is not None:
        return st.not_actions, True
    return st.actions or (), False


def action_pool(statements: Iterable[Statement]) -> tuple[str, ...]:
    """The catalogue actions a check ranges over: those of the services the policies
    name, plus one action of another service; every catalogue action when a pattern
    leaves the service open (``*``, ``s*:Get*``, NotAction)."""
    services: set[str] = set()
    for st in statements:
        patterns, negated = _patterns(st)
        for pattern in patterns:
            service = action_service(pattern)
            if negated or service is None:
                return tuple(a for s in catalog.services() for a in catalog.service_actions(s))
            services.add(service)
    known = [s for s in sorted(services) if s in catalog.services()]
    pool = [a for s in known for a in catalog.service_actions(s)]
    other = next(s for s in catalog.services() if s not in services)
    return (*pool, catalog.service_actions(other)[0])


class Universe:
    """The encoded request and the formulas for "policy allows it"."""

    def __init__(
        self,
        mode: Mode,
        policies: Sequence[Policy],
        actions: Sequence[str],
        space: ResourceSpace,
        kinds: Sequence[int],
    ) -> None:
        self.mode = mode
        statements = [st for p in policies for st in p.statements]
        self.principal = PrincipalEncoding(kinds)
        self.facts: list[Expr] = list(self.principal.facts)
        if mode == "identity":
            self.resource_account = self.principal.account
        else:
            self.resource_account = z3.String("r|account")
            self.facts.append(twelve_digits(self.resource_account))
            self.facts.append(
                z3.Implies(self.principal.iam, self.principal.account != self.resource_account)
            )
        self.defaults = self.principal.defaults()
        if mode == "resource":
            self.defaults.append((self.resource_account, z3.StringVal("999988887777")))
        tied = self.principal.derived()
        tied["aws:resourceaccount"] = (z3.BoolVal(True), self.resource_account)
        self.context = ContextEncoding(statements, tied)
        self.facts.extend(self.context.facts)
        self._actions(statements, actions)
        self.resource = z3.String("r|arn")
        self.facts.append(self._resource_space(space))

    # --- action ------------------------------------------------------------------------

    def _actions(self, statements: Sequence[Statement], actions: Sequence[str]) -> None:
        keys = sorted({_patterns(st) for st in statements})
        self._pattern_index = {k: i for i, k in enumerate(keys)}
        classes: dict[tuple[bool, ...], str] = {}
        for action in actions:
            sig = tuple(compile_actions(p).fullmatch(action) is not None for p, _ in keys)
            classes.setdefault(sig, action)
        self.action_classes = list(classes.items())
        self.action = z3.Int("action")
        self.facts.append(z3.And(self.action >= 0, self.action < len(self.action_classes)))

    def _action_match(self, st: Statement) -> Expr:
        key = _patterns(st)
        index = self._pattern_index[key]
        hits = [i for i, (sig, _) in enumerate(self.action_classes) if sig[index] != key[1]]
        return z3.Or(*[self.action == i for i in hits])

    # --- resource ----------------------------------------------------------------------

    def _resource_space(self, space: ResourceSpace) -> Expr:
        res = self.resource
        if space.exact:
            options = []
            for arn in space.exact:
                parts = split_arn(arn)
                same = z3.BoolVal(True)
                if parts is not None and parts[4]:
                    same = self.resource_account == z3.StringVal(parts[4])
                options.append(z3.And(res == z3.StringVal(arn), same))
            return z3.Or(*options)
        if space.formats:
            return z3.Or(*[self._format(i, f) for i, f in enumerate(space.formats)])
        return z3.InRe(res, z3.Union(z3.Re("*"), ARN_SHAPE))

    def _format(self, index: int, fmt: str) -> Expr:
        """One catalogue ARN format: ``${Partition}`` is ``aws``, ``${Account}`` the
        resource account, other placeholders non-empty (no colon before the fifth one)."""
        parts: list[Expr] = []
        facts: list[Expr] = []
        pos = 0
        for n, m in enumerate(_PLACEHOLDER.finditer(fmt)):
            if m.start() > pos:
                parts.append(z3.StringVal(fmt[pos : m.start()]))
            name = m.group(1)
            if name == "Partition":
                parts.append(z3.StringVal("aws"))
            elif name == "Account":
                parts.append(self.resource_account)
            else:
                var = z3.String(f"r|{index}|{n}|{name}")
                in_last = fmt[: m.start()].count(":") >= 5
                shape = (
                    _REGION
                    if name == "Region"
                    else z3.Plus(_VISIBLE if in_last else _VISIBLE_NOT_COLON)
                )
                facts.append(z3.InRe(var, shape))
                parts.append(var)
            pos = m.end()
        if pos < len(fmt):
            parts.append(z3.StringVal(fmt[pos:]))
        whole = parts[0] if len(parts) == 1 else z3.Concat(*parts)
        return z3.And(self.resource == whole, *facts)

    def _resource_match(self, st: Statement) -> Expr:
        patterns = st.resources if st.resources is not None else st.not_resources
        if patterns is None:
            return z3.BoolVal(True)
        if st.variables and any(parse_resource_template(p) is not None for p in patterns):
            raise UnsupportedError("policy variables in Resource / NotResource are not encoded")
        if st.resources is not None and "*" in patterns:
            return z3.BoolVal(True)
        hit = z3.Or(
            *[z3.InRe(self.resource, arn_glob([(p, False)], swallow_short=True)) for p in patterns]
        )
        return hit if st.resources is not None else z3.Not(hit)

    # --- principal and statements ------------------------------------------------------

    def _principal_match(self, st: Statement) -> Expr:
        if st.principal is not None:
            return self.principal.grant(_matcher(st.principal))
        if st.not_principal is not None:
            m = _matcher(st.not_principal)
            if st.effect == "Deny":
                return z3.Not(self.principal.whole_chain(m))
            return z3.Not(self.principal.any_of_chain(m))
        return z3.BoolVal(False)

    def applies(self, st: Statement) -> Expr:
        parts = [self._action_match(st), self._resource_match(st)]
        if self.mode == "resource":
            parts.append(self._principal_match(st))
        parts.append(self.context.holds(st.conditions))
        return z3.And(*parts)

    def allowed(self, policy: Policy) -> Expr:
        allow = [self.applies(st) for st in policy.statements if st.effect == "Allow"]
        deny = [self.applies(st) for st in policy.statements if st.effect == "Deny"]
        return z3.And(z3.Or(*allow), z3.Not(z3.Or(*deny)))

    # --- witness -----------------------------------------------------------------------

    def witness(self, model: Any) -> Request:
        action = self.action_classes[model.eval(self.action, model_completion=True).as_long()][1]
        resource = str(model.eval(self.resource, model_completion=True).as_string())
        account = str(model.eval(self.resource_account, model_completion=True).as_string())
        return Request(
            principal=self.principal.text(model),
            action=action,
            resource=resource,
            context=self.context.witness(model, _DERIVED_FREE),
            resource_account=account,
        )


def _matcher(spec: PrincipalSpec) -> PrincipalMatcher:
    return PrincipalMatcher.build(
        wildcard=spec.wildcard,
        aws=spec.aws,
        service=spec.service,
        federated=spec.federated,
        canonical_user=spec.canonical_user,
    )
