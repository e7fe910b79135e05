"""Response actions: small named changes with a read-only plan, an apply and a rollback.

Each module below registers its actions with :func:`~cloudwarden.respond.actions.base.action`;
:func:`all_actions` and :func:`get_action` import them all first.
"""

from cloudwarden.respond.actions.base import (
    ACTIONS,
    EXEMPT_TAG,
    REDACTED,
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Phase,
    Target,
    action,
    all_actions,
    get_action,
    is_read_only,
)

__all__ = [
    "ACTIONS",
    "EXEMPT_TAG",
    "REDACTED",
    "Action",
    "ActionError",
    "ActionPlan",
    "ActionResult",
    "ApiCall",
    "ParamSpec",
    "Phase",
    "Target",
    "action",
    "all_actions",
    "get_action",
    "is_read_only",
]
