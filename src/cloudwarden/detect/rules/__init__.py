"""Detection rules: one intermediate form for Sigma and native rules, and its reference evaluator.

Sigma rules (and, later, cloudwarden's own rules) load into :mod:`.ir`; :func:`matches` in
:mod:`.evaluate` is the reference semantics that every engine (batch SQL, streaming) must
agree with.
"""

from cloudwarden.detect.rules.evaluate import compile_expr, compile_rule, matches
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
from cloudwarden.detect.rules.sigma import builtin_sigma_rules, load_sigma

__all__ = [
    "And",
    "Expr",
    "Keyword",
    "LoadResult",
    "Match",
    "Not",
    "Op",
    "Or",
    "Problem",
    "Rule",
    "builtin_sigma_rules",
    "compile_expr",
    "compile_rule",
    "load_sigma",
    "matches",
]
