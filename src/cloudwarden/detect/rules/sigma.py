"""Load Sigma rules with pySigma and convert them into the intermediate representation.

pySigma does the parsing: YAML, modifiers (applied into ``SigmaString`` wildcards,
``SigmaRegularExpression``, ``SigmaCIDRExpression`` ...), and the condition (``1 of sel*``,
``all of them``, ``not`` ...) resolved into a tree of ``ConditionAND/OR/NOT`` over
``ConditionFieldEqualsValueExpression`` / ``ConditionValueExpression`` leaves. This module maps
that tree type by type; a construct without a faithful mapping makes the rule *unsupported*,
with the reason, instead of being approximated. All problems of all files are collected
(pySigma's ``collect_errors``); loading never raises on a bad rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml
from sigma.collection import SigmaCollection
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.modifiers import reverse_modifier_mapping
from sigma.policy import SigmaPolicy
from sigma.policy.regex_engine import RE2RegexEngine, RegexPattern
from sigma.rule import SigmaDetection, SigmaRule
from sigma.types import (
    CompareOperators,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from cloudwarden.detect.rules.ir import (
    And,
    Expr,
    Keyword,
    LoadResult,
    Match,
    Not,
    Op,
    Or,
    Problem,
    Rule,
)
from cloudwarden.detect.sources.model import SERVICE_KINDS

__all__ = ["SIGMA_LICENSE", "SigmaConversionError", "builtin_sigma_rules", "load_sigma"]

SIGMA_LICENSE = "DRL-1.1"
SIGMAHQ_URL = "https://github.com/SigmaHQ/sigma"


class SigmaConversionError(ValueError):
    """A parsed Sigma construct that the intermediate representation cannot express."""


class _QuietRE2Engine(RE2RegexEngine):
    """pySigma's RE2 check of ``|re`` patterns without RE2's C++ logging: an invalid pattern
    otherwise first writes two absl log lines to stderr (``WARNING: All log messages before
    absl::InitializeLog() ...``, ``E0000 ... re2.cc ... Error parsing ...``), before the rule's
    problem is reported. The error text comes back as ``str`` (RE2 gives ``bytes``)."""

    def compile(self, pattern: str, flags: int = 0) -> RegexPattern:
        names = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
        prefix = "".join(letter for letter, flag in names.items() if flags & flag)
        options = self._re2.Options()
        options.log_errors = False
        try:
            return cast(
                RegexPattern,
                self._re2.compile(f"(?{prefix}){pattern}" if prefix else pattern, options),
            )
        except self._re2.error as exc:
            reason = exc.args[0] if exc.args else ""
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise self._re2.error(str(reason)) from None


#: how pySigma reads rules here: its default (safe) policy, with RE2 kept quiet
SIGMA_POLICY = SigmaPolicy(regex_engine=_QuietRE2Engine())


def load_sigma(paths: Iterable[str | Path]) -> LoadResult:
    """Load Sigma rule files (``*.yml``/``*.yaml`` in any case, folders searched recursively)."""
    rules: list[Rule] = []
    problems: list[Problem] = []
    for path in _rule_files(paths, problems):
        _load_file(path, rules, problems)
    return LoadResult(tuple(rules), tuple(problems))


def builtin_sigma_rules() -> LoadResult:
    """The SigmaHQ rules packaged with cloudwarden (see ``sigma/aws/cloudtrail/SOURCE.md``)."""
    root = resources.files("cloudwarden.detect.rules") / "sigma"
    with resources.as_file(root) as folder:
        return load_sigma([folder])


def _rule_files(paths: Iterable[str | Path], problems: list[Problem]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in (".yml", ".yaml")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), "no such file or folder"))
    return files


#: libyaml when the build has it (the same documents as pySigma's ``yaml.safe_load_all``)
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_file(path: Path, rules: list[Rule], problems: list[Problem]) -> None:
    try:
        text = path.read_text(encoding="utf-8")
        docs = list(yaml.load_all(text, Loader=_SafeLoader))
    except (OSError, UnicodeDecodeError) as e:
        problems.append(Problem(str(path), f"cannot read rule file: {e}"))
        return
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(str(path), f"invalid YAML: {e}".splitlines()[0], line=line))
        return
    not_mapping = not_a_rule(docs)
    if not_mapping is not None:
        problems.append(Problem(str(path), not_mapping))
        return
    try:
        collection = SigmaCollection.from_dicts(
            docs, collect_errors=True, source=SigmaRuleLocation(path), policy=SIGMA_POLICY
        )
    except SigmaError as e:
        problems.append(Problem(str(path), f"cannot read rule file: {e}"))
        return
    except Exception as e:  # pySigma on a document shape it does not expect: one problem
        problems.append(Problem(str(path), f"not a Sigma rule: {type(e).__name__}: {e}"))
        return
    attribution = _attribution(path)
    for item in collection:
        rule_id = str(getattr(item, "id", "") or "") or None
        if item.errors:
            problems.extend(_problem(path, e, rule_id) for e in item.errors)
            continue
        if not isinstance(item, SigmaRule):
            problems.append(
                Problem(
                    str(path),
                    "Sigma correlation rules are not supported yet",
                    kind="unsupported",
                    rule_id=rule_id,
                )
            )
            continue
        why = _unreadable_logsource(item)
        if why is not None:
            problems.append(Problem(str(path), why, kind="unsupported", rule_id=rule_id))
            continue
        try:
            rules.append(_to_rule(item, path, attribution))
        except (SigmaConversionError, SigmaError) as e:
            problems.append(Problem(str(path), str(e), kind="unsupported", rule_id=rule_id))
        except Exception as e:  # a construct the conversion does not expect: this rule only
            problems.append(
                Problem(
                    str(path),
                    f"cannot convert the rule: {type(e).__name__}: {e}",
                    kind="unsupported",
                    rule_id=rule_id,
                )
            )


def not_a_rule(docs: Sequence[Any]) -> str | None:
    """Why decoded YAML documents are not rules (a document is a mapping), or None.

    Empty documents (a trailing ``---``) are skipped, as pySigma does; a file of none at all
    holds no rule, which is reported too rather than passed over in silence.
    """
    present = [(i, d) for i, d in enumerate(docs, 1) if d is not None]
    if not present:
        return "not a rule: the file holds no YAML document"
    for i, doc in present:
        if not isinstance(doc, dict):
            which = f"YAML document #{i}" if len(docs) > 1 else "YAML"
            return (
                f"not a rule: the {which} is {_shape(doc)}, not a mapping "
                "(a rule file holds one YAML mapping per rule)"
            )
    return None


def _shape(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


#: The Sigma ``logsource.service`` values cloudwarden reads (the event kinds they name:
#: :data:`cloudwarden.detect.sources.model.SERVICE_KINDS`).
SERVICES: tuple[str, ...] = tuple(SERVICE_KINDS)
_READS = "aws: cloudtrail, vpcflow, s3access"


def _unreadable_logsource(rule: SigmaRule) -> str | None:
    """Why the rule's log source is none cloudwarden reads (so it could never match), or None.

    The product must be ``aws`` when given, the service one of :data:`SERVICES` when given;
    a category alone (``process_creation``) names endpoint or network logs of other products.
    A log source naming none of the three applies to every event, as before.
    """
    source = rule.logsource
    product, service, category = source.product, source.service, source.category
    if product is not None and str(product).lower() != "aws":
        return f"logsource product {product!r} is not a log cloudwarden reads ({_READS})"
    if service is not None and str(service).lower() not in SERVICES:
        return f"logsource service {service!r} is not a log cloudwarden reads ({_READS})"
    if category is not None and product is None and service is None:
        return (
            f"logsource category {category!r} without product aws or a service is not a "
            f"log cloudwarden reads ({_READS})"
        )
    return None


def _problem(path: Path, e: SigmaError, rule_id: str | None) -> Problem:
    line = e.source.line if e.source is not None else None
    message = e.args[0] if e.args else type(e).__name__
    return Problem(str(path), str(message), rule_id=rule_id, line=line)


def _attribution(path: Path) -> str:
    """DRL 1.1 asks for the author (on the rule) and a link to the rule set it comes from."""
    for folder in path.parents:
        if (folder / "SOURCE.md").is_file():
            # no local path: the text travels with alerts to other machines
            return f"Sigma rule from {SIGMAHQ_URL} ({SIGMA_LICENSE})"
    return f"Sigma rule ({SIGMA_LICENSE} if taken from {SIGMAHQ_URL})"


def _to_rule(rule: SigmaRule, path: Path, attribution: str) -> Rule:
    detection = _detection(rule)
    return Rule(
        id=str(rule.id or path.stem),
        title=rule.title,
        detection=detection,
        description=rule.description or "",
        level=rule.level.name.lower() if rule.level else "medium",
        status=rule.status.name.lower() if rule.status else "",
        author=rule.author or "",
        references=tuple(rule.references or ()),
        tags=tuple(f"{t.namespace}.{t.name}" for t in rule.tags or ()),
        product=rule.logsource.product,
        service=rule.logsource.service,
        category=rule.logsource.category,
        falsepositives=tuple(str(f) for f in rule.falsepositives or ()),
        source="sigma",
        source_path=str(path),
        license=rule.license or SIGMA_LICENSE,
        attribution=attribution,
    )


def _detection(rule: SigmaRule) -> Expr:
    conditions = rule.detection.parsed_condition
    mods = _modifier_index(rule)
    exprs = []
    for condition in conditions:
        tree = condition.parse()
        if tree is None:
            raise SigmaConversionError("the condition selects nothing")
        exprs.append(_expr(tree, mods))
    if not exprs:
        raise SigmaConversionError("the rule has no condition")
    return exprs[0] if len(exprs) == 1 else Or(tuple(exprs))  # several conditions: any


def _expr(node: Any, mods: dict[int, tuple[str, ...]]) -> Expr:
    if isinstance(node, ConditionAND):
        return _merge(And(tuple(_expr(a, mods) for a in node.args)))
    if isinstance(node, ConditionOR):
        return _merge(Or(tuple(_expr(a, mods) for a in node.args)))
    if isinstance(node, ConditionNOT):
        return Not(_expr(node.args[0], mods))
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _field_value(node.field, node.value, mods.get(id(node.value), ()))
    if isinstance(node, ConditionValueExpression):
        return _keyword(node.value)
    raise SigmaConversionError(f"unsupported condition element {type(node).__name__}")


def _modifier_index(rule: SigmaRule) -> dict[int, tuple[str, ...]]:
    """Modifier names as written, by value object: pySigma's condition tree keeps the values of
    the detection items (by identity) but not the items themselves."""
    index: dict[int, tuple[str, ...]] = {}

    def walk(detection: SigmaDetection) -> None:
        for item in detection.detection_items:
            if isinstance(item, SigmaDetection):
                walk(item)
                continue
            names = tuple(
                reverse_modifier_mapping.get(m.__name__, m.__name__) for m in item.modifiers
            )
            for value in item.value:
                index[id(value)] = names

    for detection in rule.detection.detections.values():
        walk(detection)
    return index


def _keyword(value: SigmaType) -> Expr:
    if isinstance(value, SigmaExpansion):
        return _merge(Or(tuple(_keyword(v) for v in value.values)))
    if isinstance(value, SigmaString) and not value.contains_placeholder():
        return Keyword((value.convert(),))
    if isinstance(value, SigmaNumber | SigmaBool):
        return Keyword((str(value).lower(),))
    raise SigmaConversionError(f"keyword of type {type(value).__name__} is not supported")


_COMPARE: dict[CompareOperators, Op] = {
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "lte",
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "gte",
    CompareOperators.NEQ: "neq",
}
_REGEX_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}


def _field_value(field: str, value: SigmaType, mods: tuple[str, ...]) -> Expr:
    if isinstance(value, SigmaExpansion):  # windash, base64offset: OR over generated values
        return _merge(Or(tuple(_field_value(field, v, mods) for v in value.values)))
    if isinstance(value, SigmaString):
        return _string_match(field, value, mods)
    if isinstance(value, SigmaBool):
        return Match(field, "equals", (bool(value),), modifiers=mods)
    if isinstance(value, SigmaCompareExpression):
        return Match(field, _COMPARE[value.op], (value.number.number,), modifiers=mods)
    if isinstance(value, SigmaTimestampPart):  # a SigmaNumber subclass: must not become equals
        raise SigmaConversionError(f"timestamp modifiers on {field!r} are not supported")
    if isinstance(value, SigmaNumber):
        return Match(field, "equals", (value.number,), modifiers=mods)
    if isinstance(value, SigmaNull):
        return Match(field, "null", modifiers=mods)
    if isinstance(value, SigmaExists):
        return Match(field, "exists", (bool(value.exists),), modifiers=mods)
    if isinstance(value, SigmaRegularExpression):
        flags = "".join(sorted(_REGEX_FLAGS[f] for f in value.flags))
        pattern = value.regexp.to_plain(regex=True)
        return Match(field, "re", (pattern,), regex_flags=flags, modifiers=mods)
    if isinstance(value, SigmaCIDRExpression):
        return Match(field, "cidr", (str(value.network),), modifiers=mods)
    if isinstance(value, SigmaFieldReference):
        op: Op = (
            "fieldref_startswith"
            if value.starts_with
            else "fieldref_endswith"
            if value.ends_with
            else "fieldref"
        )
        return Match(field, op, (value.field,), modifiers=mods)
    raise SigmaConversionError(
        f"value of type {type(value).__name__} for field {field!r} is not supported"
    )


def _string_match(field: str, s: SigmaString, mods: tuple[str, ...]) -> Match:
    if s.contains_placeholder():
        raise SigmaConversionError(f"placeholder in value of {field!r} needs a processing pipeline")
    cased = isinstance(s, SigmaCasedString)
    parts: Sequence[Any] = s.s
    texts = [p for p in parts if isinstance(p, str)]
    specials = [p for p in parts if isinstance(p, SpecialChars)]
    op: Op = "wildcard"
    text = "".join(texts)
    if not specials:
        op = "equals"
    elif len(parts) == 3 and parts[0] == parts[2] == SpecialChars.WILDCARD_MULTI and texts:
        op = "contains"
    elif len(parts) == 2 and parts[1] == SpecialChars.WILDCARD_MULTI and texts:
        op = "startswith"
    elif len(parts) == 2 and parts[0] == SpecialChars.WILDCARD_MULTI and texts:
        op = "endswith"
    else:
        text = s.convert()
    return Match(field, op, (text,), cased=cased, modifiers=mods)


def _merge(node: And | Or) -> Expr:
    """Fold sibling matches on the same field and operator into one multi-value :class:`Match`.

    Sigma value lists arrive from pySigma as one OR (``|all``: one AND) of single-value leaves;
    folding them back keeps the IR close to the rule as written and lets engines use IN-lists.
    """
    linking_all = isinstance(node, And)
    out: list[Expr] = []
    index: dict[tuple[Any, ...], int] = {}
    for arg in node.args:
        if isinstance(arg, type(node)):  # flatten nested same-kind nodes
            args: tuple[Expr, ...] = arg.args
        else:
            args = (arg,)
        for a in args:
            key = _merge_key(a)
            if key is not None and key in index:
                prev = out[index[key]]
                assert isinstance(prev, Match) and isinstance(a, Match)
                out[index[key]] = Match(
                    prev.field,
                    prev.op,
                    prev.values + a.values,
                    all=linking_all,
                    cased=prev.cased,
                    regex_flags=prev.regex_flags,
                    modifiers=prev.modifiers,
                )
            else:
                if key is not None:
                    index[key] = len(out)
                out.append(a)
    if len(out) == 1:
        return out[0]
    return And(tuple(out)) if linking_all else Or(tuple(out))


def _merge_key(e: Expr) -> tuple[Any, ...] | None:
    if not isinstance(e, Match) or len(e.values) != 1 or e.op in ("null", "exists"):
        return None
    return (e.field, e.op, e.cased, e.regex_flags, e.modifiers)
