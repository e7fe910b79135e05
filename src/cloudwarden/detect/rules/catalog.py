"""Every rule, whatever its language: Sigma and native files side by side, one id space.

``--rules`` folders may mix SigmaHQ rules and native rules; each file goes to the loader of
its format (a native rule names its ``logsource`` as a word and has a ``severity``; a Sigma
rule's ``logsource`` is a mapping and its severity is ``level``). Ids are unique across
both (docs/detection-rules.md): a later rule with a known id is left out, with a problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from cloudwarden.detect.alert import severity_of
from cloudwarden.detect.rules.ir import LoadResult, Problem, Rule
from cloudwarden.detect.rules.native import (
    SafeLoader,
    builtin_native_rules,
    is_native,
    load_native,
)
from cloudwarden.detect.rules.sigma import _rule_files, builtin_sigma_rules, load_sigma
from cloudwarden.model import Severity

__all__ = ["builtin_rules", "load_rules", "merge_results", "select_rules"]


def load_rules(paths: Iterable[str | Path]) -> LoadResult:
    """Sigma and native rule files alike: each file goes to the loader of its format."""
    problems: list[Problem] = []
    native: list[Path] = []
    sigma: list[Path] = []
    for path in _rule_files(paths, problems):
        (native if _file_is_native(path) else sigma).append(path)
    results = [LoadResult((), tuple(problems))]
    if sigma:
        results.append(load_sigma(sigma))
    if native:
        results.append(load_native(native))
    return merge_results(*results)


def builtin_rules() -> LoadResult:
    """The packaged SigmaHQ rules and the native built-in pack."""
    return merge_results(builtin_sigma_rules(), builtin_native_rules())


def merge_results(*results: LoadResult) -> LoadResult:
    """One result; a rule whose id an earlier rule already has is left out, with a problem."""
    rules: list[Rule] = []
    problems: list[Problem] = [p for r in results for p in r.problems]
    seen: dict[str, str] = {}
    for rule in (rule for r in results for rule in r.rules):
        if rule.id in seen:
            problems.append(
                Problem(
                    rule.source_path,
                    f"duplicate rule id (first in {seen[rule.id]}), ignored",
                    rule_id=rule.id,
                )
            )
            continue
        seen[rule.id] = rule.source_path
        rules.append(rule)
    return LoadResult(tuple(rules), tuple(problems))


def select_rules(
    rules: Iterable[Rule],
    *,
    min_severity: Severity | None = None,
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
) -> list[Rule]:
    """The rules at or above ``min_severity`` (a Sigma ``level`` / native ``severity``;
    unknown levels count as medium, as alerts do), whose id matches an ``include`` glob
    when any is given and no ``exclude`` glob -- the ``--check`` / ``--exclude-check``
    rule of ``cloudwarden scan``, for rules. Order is kept."""
    out: list[Rule] = []
    for rule in rules:
        if min_severity is not None and severity_of(rule.level).rank < min_severity.rank:
            continue
        if include and not any(fnmatchcase(rule.id, g) for g in include):
            continue
        if any(fnmatchcase(rule.id, g) for g in exclude):
            continue
        out.append(rule)
    return out


def _file_is_native(path: Path) -> bool:
    try:
        first = next(yaml.load_all(path.read_text(encoding="utf-8"), Loader=SafeLoader), None)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the Sigma loader reports the file
    return is_native(first)
