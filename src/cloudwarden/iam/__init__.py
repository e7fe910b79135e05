"""The pure IAM policy engine: parse, match, evaluate conditions, decide and explain.

No AWS SDK is imported here (a test enforces it): the engine works on policy documents
and requests, online or offline, and on collected snapshots (account mode).
"""

from cloudwarden.iam.account import (
    Access,
    AccountDataError,
    AccountPolicies,
    policies_for,
    principal_context,
    who_can,
)
from cloudwarden.iam.batch import run_batch
from cloudwarden.iam.conditions import ConditionClause, ConditionFailure
from cloudwarden.iam.errors import PolicyParseError, PolicyProblem
from cloudwarden.iam.evaluate import (
    CompiledPolicySet,
    Decision,
    PolicySet,
    compile_policy_set,
    evaluate,
)
from cloudwarden.iam.explain import DecisionValue, Explanation, LayerExplanation, StatementResult
from cloudwarden.iam.matching import action_matches, resource_matches
from cloudwarden.iam.policy import Policy, PrincipalSpec, Statement, parse_policy
from cloudwarden.iam.principals import PrincipalInfo, PrincipalKind, principal_info
from cloudwarden.iam.request import Request, RequestContext

__all__ = [
    "Access",
    "AccountDataError",
    "AccountPolicies",
    "CompiledPolicySet",
    "ConditionClause",
    "ConditionFailure",
    "Decision",
    "DecisionValue",
    "Explanation",
    "LayerExplanation",
    "Policy",
    "PolicyParseError",
    "PolicyProblem",
    "PolicySet",
    "PrincipalInfo",
    "PrincipalKind",
    "PrincipalSpec",
    "Request",
    "RequestContext",
    "Statement",
    "StatementResult",
    "action_matches",
    "compile_policy_set",
    "evaluate",
    "parse_policy",
    "policies_for",
    "principal_context",
    "principal_info",
    "resource_matches",
    "run_batch",
    "who_can",
]
