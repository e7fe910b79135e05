"""Policy variable checks: where variables may appear, which Version they need, and the
syntax of ``${key}`` and ``${key, 'default'}``.

Source: "IAM policy elements: Variables and tags" — variables work in Resource and in the
values of string and ARN condition operators, only with Version 2012-10-17; ``${*}``,
``${?}`` and ``${$}`` stand for the literal characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cloudwarden.iam.condition_ops import Family, lookup_operator
from cloudwarden.iam.validate.model import Category, Issue, JsonPath, validation_check
from cloudwarden.iam.validate.view import PolicyView

E = Category.ERROR
_ESCAPES = frozenset({"*", "?", "$"})
_KEY_RE = re.compile(r"^[A-Za-z0-9:/_.\-]+$")
_DEFAULT_RE = re.compile(r"^\s*([^,]*?)\s*,\s*(.*?)\s*$", re.DOTALL)


def _variable_texts(view: PolicyView) -> Iterator[tuple[JsonPath, str]]:
    """Every string where variables are allowed: Resource and condition values."""
    for st in view.statements:
        for key in ("Resource", "NotResource"):
            yield from st.strings(key)
        for c in st.conditions:
            for path, value in c.values:
                if isinstance(value, str):
                    yield path, value


def _placeholders(text: str) -> Iterator[str | None]:
    """The inside of each ``${...}``; ``None`` for one that is never closed."""
    start = text.find("${")
    while start >= 0:
        end = text.find("}", start + 2)
        if end < 0:
            yield None
            return
        yield text[start + 2 : end]
        start = text.find("${", end + 1)


def _split(inner: str) -> tuple[str, str | None]:
    if "," in inner:
        m = _DEFAULT_RE.match(inner)
        if m:
            return m.group(1), m.group(2)
    return inner, None


def _issues(view: PolicyView, test: str) -> Iterator[Issue]:
    for path, text in _variable_texts(view):
        for inner in _placeholders(text):
            if test == "brace":
                if inner is None:
                    yield Issue(path, f"{text!r}: a ${{ is never closed")
                continue
            if inner is None or inner.strip() in _ESCAPES:
                continue
            key, default = _split(inner)
            if test == "empty" and not key.strip():
                yield Issue(path, f"{text!r} has an empty variable")
            elif (
                test == "quote"
                and default is not None
                and not (len(default) >= 2 and default.startswith("'") and default.endswith("'"))
            ):
                yield Issue(path, f"{text!r}: the default value must be in single quotes")
            elif test == "space" and key.strip() and any(ch.isspace() for ch in key.strip()):
                yield Issue(path, f"{text!r}: the variable name has a space")
            elif (
                test == "symbol"
                and key.strip()
                and not any(ch.isspace() for ch in key.strip())
                and not _KEY_RE.match(key.strip())
            ):
                yield Issue(path, f"{text!r}: the variable name has an unsupported character")


@validation_check("MISSING_BRACE_IN_VARIABLE", E, fix="Close the variable with }.")
def missing_brace_in_variable(view: PolicyView) -> Iterator[Issue]:
    """A ``${`` without its closing brace is literal text, not a variable."""
    yield from _issues(view, "brace")


@validation_check("EMPTY_VARIABLE", E, fix="Name a key inside ${ } or remove it.")
def empty_variable(view: PolicyView) -> Iterator[Issue]:
    """``${}`` names no key."""
    yield from _issues(view, "empty")


@validation_check("MISSING_QUOTE_IN_VARIABLE", E, fix="Write the default as ${key, 'value'}.")
def missing_quote_in_variable(view: PolicyView) -> Iterator[Issue]:
    """A variable's default value is written between single quotes."""
    yield from _issues(view, "quote")


@validation_check("UNSUPPORTED_SPACE_IN_VARIABLE", E, fix="Remove the space from the key name.")
def unsupported_space_in_variable(view: PolicyView) -> Iterator[Issue]:
    """A key name cannot contain spaces (only around the default's comma)."""
    yield from _issues(view, "space")


@validation_check(
    "UNSUPPORTED_SYMBOL_IN_VARIABLE",
    E,
    fix="Use a condition key name (letters, digits, : / _ . -).",
)
def unsupported_symbol_in_variable(view: PolicyView) -> Iterator[Issue]:
    """A variable names a condition key, whose characters are letters, digits and ``:/_.-``."""
    yield from _issues(view, "symbol")


_VAR_RE = re.compile(r"\$\{[^}]+\}")


@validation_check(
    "VARIABLE_UNSUPPORTED_IN_ELEMENT", E, fix="Move the variable to Resource or a Condition value."
)
def variable_unsupported_in_element(view: PolicyView) -> Iterator[Issue]:
    """Variables are substituted only in Resource and in condition values; elsewhere they
    are literal text that matches nothing."""
    for st in view.statements:
        for key in ("Action", "NotAction"):
            for path, value in st.strings(key):
                if _VAR_RE.search(value):
                    yield Issue(path, f"{value!r}: variables do not work in {key}")
        for element in ("Principal", "NotPrincipal"):
            for kind in ("AWS", "Service", "Federated", "CanonicalUser"):
                for path, value in st.principal_values(kind, element):
                    if _VAR_RE.search(value):
                        yield Issue(path, f"{value!r}: variables do not work in {element}")


@validation_check("VARIABLE_UNSUPPORTED_IN_VERSION", E, fix='Set "Version": "2012-10-17".')
def variable_unsupported_in_version(view: PolicyView) -> Iterator[Issue]:
    """Before Version 2012-10-17 (or without a Version) ``${...}`` is literal text."""
    if view.version == "2012-10-17":
        return
    for path, text in _variable_texts(view):
        if _VAR_RE.search(text):
            yield Issue(path, f"{text!r} holds a variable, which needs Version 2012-10-17")


@validation_check(
    "INVALID_VARIABLE_FOR_OPERATOR", E, fix="Use a String or Arn operator, or a literal value."
)
def invalid_variable_for_operator(view: PolicyView) -> Iterator[Issue]:
    """Only string and ARN operators substitute variables."""
    for st in view.statements:
        for c in st.conditions:
            spec = lookup_operator(c.base_operator)
            if spec is None or spec.family in (Family.STRING, Family.ARN):
                continue
            for path, value in c.values:
                if isinstance(value, str) and _VAR_RE.search(value):
                    yield Issue(path, f"{c.operator} does not substitute {value!r}")
