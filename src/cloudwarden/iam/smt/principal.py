"""The requesting principal as z3 variables, and the Principal / NotPrincipal elements.

A principal is one of a few kinds, each with symbolic parts, spelled as
``cloudwarden.iam.principals.principal_info`` reads it (partition ``aws``):

* an IAM user ``arn:aws:iam::ACCT:user/PATH/NAME``;
* a role session ``arn:aws:sts::ACCT:assumed-role/ROLE/SESSION``;
* an account root user ``arn:aws:iam::ACCT:root``;
* an AWS service principal ``NAME.amazonaws.com``;
* a SAML / OIDC provider ``arn:aws:iam::ACCT:saml-provider/NAME`` (or a web identity
  provider such as ``accounts.google.com``);
* an anonymous caller.

The keys the engine derives from the principal (``aws:PrincipalArn``, ``aws:username``,
…) are functions of these parts, never free: a request cannot claim another account.
Principal matching follows ``PrincipalMatcher.grant`` and its NotPrincipal chain rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import z3

from cloudwarden.iam.matching import PrincipalMatcher
from cloudwarden.iam.principals import PrincipalKind, principal_info
from cloudwarden.iam.smt.regex import literal, sequence

__all__ = ["KINDS", "PrincipalEncoding", "twelve_digits"]

Expr = Any
USER, SESSION, ROOT, SERVICE, FEDERATED, ANONYMOUS = range(6)
KINDS = {
    "user": USER,
    "role_session": SESSION,
    "root": ROOT,
    "service": SERVICE,
    "federated": FEDERATED,
    "anonymous": ANONYMOUS,
}
_NAME_RE = re.compile(r"^[A-Za-z0-9+=,.@_-]+$")
_PATH_RE = re.compile(r"^/(?:[A-Za-z0-9+=,.@_-]+/)*$")
_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
_WEB_IDPS = (
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "cognito-identity.amazonaws.com",
)
_COGNITO_LABEL = "cognito-identity"


def _chars(extra: str = "") -> Any:
    ranges = [z3.Range("A", "Z"), z3.Range("a", "z"), z3.Range("0", "9")]
    return z3.Union(*ranges, *[literal(c) for c in "+=,.@_-" + extra])


_NAME = z3.Plus(_chars())
_LABEL = z3.Plus(z3.Union(z3.Range("a", "z"), z3.Range("0", "9"), literal("-"), literal(".")))
_PATH = sequence([literal("/"), z3.Star(sequence([_NAME, literal("/")]))])


def _concat(*parts: Expr | str) -> Expr:
    return z3.Concat(*[z3.StringVal(p) if isinstance(p, str) else p for p in parts])


def twelve_digits(value: Expr) -> Expr:
    """Twelve digits (``str.to_int`` is -1 for anything but digits)."""
    return z3.And(z3.Length(value) == 12, z3.StrToInt(value) >= 0)


def _choose(selector: Expr, options: list[tuple[int, Expr]]) -> Expr:
    """``options[i][1]`` where ``selector == options[i][0]`` (the last one otherwise)."""
    out = options[-1][1]
    for value, expr in reversed(options[:-1]):
        out = z3.If(selector == value, expr, out)
    return out


def _member(value: Expr, options: Sequence[str]) -> Expr:
    return z3.Or(*[value == z3.StringVal(o) for o in options])


class PrincipalEncoding:
    """One symbolic principal restricted to ``kinds``; ``account`` is the principal's
    account for IAM kinds. ``facts`` are its universe constraints."""

    def __init__(self, kinds: Sequence[int]) -> None:
        self.kinds = tuple(kinds)
        self.kind = z3.Int("p|kind")
        self.account = z3.String("p|account")
        self.path, self.name = z3.String("p|path"), z3.String("p|name")
        self.role, self.session = z3.String("p|role"), z3.String("p|session")
        self.label = z3.String("p|service-label")
        self.fed_account, self.fed_name = z3.String("p|fed-account"), z3.String("p|fed-name")
        self.fed_choice = z3.Int("p|fed-choice")
        self.service = z3.Concat(self.label, z3.StringVal(".amazonaws.com"))
        fed_arns = [
            _concat("arn:aws:iam::", self.fed_account, f":{kind}/", self.fed_name)
            for kind in ("saml-provider", "oidc-provider")
        ]
        options = [z3.StringVal(idp) for idp in _WEB_IDPS] + fed_arns
        self.federated = _choose(self.fed_choice, list(enumerate(options)))
        self.role_arn = _concat("arn:aws:iam::", self.account, ":role/", self.role)
        self.raw = _choose(
            self.kind,
            [
                (USER, _concat("arn:aws:iam::", self.account, ":user", self.path, self.name)),
                (SESSION, _concat("arn:aws:sts::", self.account, ":assumed-role/", self.role,
                                  "/", self.session)),
                (ROOT, _concat("arn:aws:iam::", self.account, ":root")),
                (SERVICE, self.service),
                (FEDERATED, self.federated),
                (ANONYMOUS, z3.StringVal("anonymous")),
            ],
        )  # fmt: skip
        self.facts: list[Expr] = [z3.Or(*[self.kind == k for k in self.kinds])]
        self.facts += self._shapes(len(options))

    def _shapes(self, federated_options: int) -> list[Expr]:
        """The form of each part, for the kinds in the universe only."""
        out: list[Expr] = []
        if self.is_iam_universe():
            out += [twelve_digits(self.account), z3.InRe(self.name, _NAME)]
        if USER in self.kinds:
            out.append(z3.InRe(self.path, _PATH))
        if SESSION in self.kinds:
            out += [z3.InRe(self.role, _NAME), z3.InRe(self.session, _NAME)]
        if SERVICE in self.kinds:
            out += [z3.InRe(self.label, _LABEL), self.label != z3.StringVal(_COGNITO_LABEL)]
        if FEDERATED in self.kinds:
            out += [
                z3.And(self.fed_choice >= 0, self.fed_choice < federated_options),
                twelve_digits(self.fed_account),
                z3.InRe(self.fed_name, _NAME),
            ]
        return out

    def is_iam_universe(self) -> bool:
        return any(k in self.kinds for k in (USER, SESSION, ROOT))

    def is_(self, *kinds: int) -> Expr:
        return z3.Or(*[self.kind == k for k in kinds if k in self.kinds] or [z3.BoolVal(False)])

    @property
    def iam(self) -> Expr:
        return self.is_(USER, SESSION, ROOT)

    def derived(self) -> dict[str, tuple[Expr, Expr]]:
        """(present, value) of each key the engine derives from the principal."""
        fed_arn = z3.PrefixOf(z3.StringVal("arn:"), self.federated)
        arn = z3.If(self.kind == SESSION, self.role_arn, self.raw)
        text = z3.StringVal
        kind_type = z3.If(
            self.kind == USER,
            text("User"),
            z3.If(
                self.kind == SESSION,
                text("AssumedRole"),
                z3.If(self.kind == ROOT, text("Account"), text("Anonymous")),
            ),
        )
        return {
            "aws:principalarn": (
                z3.Or(self.iam, z3.And(self.kind == FEDERATED, fed_arn)),
                arn,
            ),
            "aws:principalaccount": (self.iam, self.account),
            "aws:principaltype": (z3.Or(self.iam, self.kind == ANONYMOUS), kind_type),
            "aws:username": (self.kind == USER, self.name),
            "aws:principalisawsservice": (
                self.kind != ANONYMOUS,
                z3.If(self.kind == SERVICE, text("true"), text("false")),
            ),
            "aws:principalservicename": (self.kind == SERVICE, self.service),
        }

    # --- Principal / NotPrincipal ------------------------------------------------------

    def _arn_named(self, m: PrincipalMatcher) -> Expr:
        """The principal is one of the user or session ARNs listed: equalities on its
        parts, since an ARN this encoding cannot spell can never be the principal's."""
        return z3.Or(
            *[e for e in (self._arn_equals(arn) for arn in sorted(m.arns)) if e is not None]
        )

    def _arn_equals(self, arn: str) -> Expr | None:
        info = principal_info(arn)
        if info.partition != "aws" or not _ACCOUNT_RE.match(info.account or ""):
            return None
        text = z3.StringVal
        if info.kind is PrincipalKind.USER and info.path and info.name:
            spelled = f"arn:aws:iam::{info.account}:user{info.path}{info.name}"
            if spelled != arn or not (_PATH_RE.match(info.path) and _NAME_RE.match(info.name)):
                return None
            return z3.And(
                self.kind == USER,
                self.account == text(info.account),
                self.path == text(info.path),
                self.name == text(info.name),
            )
        if info.kind is PrincipalKind.ROLE_SESSION and info.role_name and info.session_name:
            if not (_NAME_RE.match(info.role_name) and _NAME_RE.match(info.session_name)):
                return None
            return z3.And(
                self.kind == SESSION,
                self.account == text(info.account),
                self.role == text(info.role_name),
                self.session == text(info.session_name),
            )
        return None

    def _role_named(self, m: PrincipalMatcher) -> Expr:
        return z3.Or(
            *[
                z3.And(self.account == z3.StringVal(a), self.role == z3.StringVal(r))
                for a, r in sorted(m.roles)
            ]
        )

    def _account_named(self, m: PrincipalMatcher) -> Expr:
        return _member(self.account, sorted(m.accounts))

    def _other_named(self, m: PrincipalMatcher) -> Expr:
        return z3.Or(
            z3.And(self.kind == SERVICE, _member(self.service, sorted(m.services))),
            z3.And(self.kind == FEDERATED, _member(self.federated, sorted(m.federated))),
        )

    def grant(self, m: PrincipalMatcher) -> Expr:
        """Whether the element names the principal in any way (``grant`` is not None)."""
        if m.wildcard:
            return z3.BoolVal(True)
        return z3.Or(
            self._other_named(m),
            z3.And(self.is_(USER, SESSION), self._arn_named(m)),
            z3.And(self.kind == SESSION, self._role_named(m)),
            z3.And(self.iam, self._account_named(m)),
        )

    def whole_chain(self, m: PrincipalMatcher) -> Expr:
        """``names_whole_chain``: every identity of the chain is listed."""
        if m.wildcard:
            return z3.BoolVal(True)
        account = self._account_named(m)
        return z3.Or(
            self._other_named(m),
            z3.And(self.kind == USER, self._arn_named(m), account),
            z3.And(self.kind == SESSION, self._arn_named(m), self._role_named(m), account),
            z3.And(self.kind == ROOT, account),
        )

    def any_of_chain(self, m: PrincipalMatcher) -> Expr:
        """``names_any_of_chain``: some identity of the chain is listed."""
        if m.wildcard:
            return z3.BoolVal(True)
        return z3.Or(
            self._other_named(m),
            z3.And(self.is_(USER, SESSION), self._arn_named(m)),
            z3.And(self.kind == SESSION, self._role_named(m)),
            z3.And(self.iam, self._account_named(m)),
        )

    def defaults(self) -> list[tuple[Expr, Expr]]:
        """A readable value for each part, satisfying its own constraints: parts the
        policies never look at are fixed to these instead of being searched."""
        text = z3.StringVal
        return [
            (self.account, text("444455556666")),
            (self.path, text("/")),
            (self.name, text("witness")),
            (self.role, text("witness-role")),
            (self.session, text("witness-session")),
            (self.label, text("lambda")),
            (self.fed_choice, z3.IntVal(0)),
            (self.fed_account, text("444455556666")),
            (self.fed_name, text("witness")),
        ]

    def text(self, model: Any) -> str:
        return str(model.eval(self.raw, model_completion=True).as_string())

    def account_text(self, model: Any) -> str:
        return str(model.eval(self.account, model_completion=True).as_string())
