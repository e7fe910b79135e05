"""Detection rules: one intermediate form for Sigma and native rules, and its reference evaluator.

Sigma rules (:mod:`.sigma`) and cloudwarden's native rules (:mod:`.native`, the format of
docs/detection-rules.md) load into :mod:`.ir`; :func:`matches` in :mod:`.evaluate` is the
reference semantics that every engine (batch SQL, streaming) must agree with;
:mod:`.testing` runs the tests native rules carry.
"""

from cloudwarden.detect.rules.catalog import builtin_rules, load_rules, merge_results
from cloudwarden.detect.rules.evaluate import compile_expr, compile_rule, matches
from cloudwarden.detect.rules.ir import (
    And,
    Dedup,
    Expr,
    Keyword,
    LoadResult,
    Match,
    Not,
    Op,
    Or,
    Problem,
    Rule,
    RuleTest,
    Threshold,
)
from cloudwarden.detect.rules.native import (
    builtin_native_rules,
    load_native,
    parse_duration,
    parse_threshold,
)
from cloudwarden.detect.rules.sigma import builtin_sigma_rules, load_sigma

__all__ = [
    "And",
    "Dedup",
    "Expr",
    "Keyword",
    "LoadResult",
    "Match",
    "Not",
    "Op",
    "Or",
    "Problem",
    "Rule",
    "RuleTest",
    "Threshold",
    "builtin_native_rules",
    "builtin_rules",
    "builtin_sigma_rules",
    "compile_expr",
    "compile_rule",
    "load_native",
    "load_rules",
    "load_sigma",
    "matches",
    "merge_results",
    "parse_duration",
    "parse_threshold",
]
