"""Effective admins: principals the engine allows every action of ``ADMIN_ACTIONS`` on
``*`` (identity, compute, data and keys), within their boundaries and SCPs.

A principal that passes can grant itself anything else, so it is treated as holding
``*`` on ``*``; ``AdministratorAccess`` passes, ``PowerUserAccess`` and
``IAMFullAccess`` do not (IAMFullAccess reaches admin through an escalation edge).
"""

from __future__ import annotations

from collections.abc import Iterable

from cloudwarden.iam.analysis.oracle import ADMIN_ACTIONS, Oracle
from cloudwarden.iam.analysis.records import AdminGrant
from cloudwarden.model import Resource

__all__ = ["find_admins"]


def find_admins(oracle: Oracle, principals: Iterable[Resource]) -> list[AdminGrant]:
    """Every effective admin among ``principals``, with the statements that allowed the
    representative actions."""
    out: list[AdminGrant] = []
    for who in principals:
        if not oracle.is_admin(who):
            continue
        statements: list[str] = []
        for action in ADMIN_ACTIONS:
            for name in oracle.statements(who, action, "*").split(", "):
                if name and name not in statements:
                    statements.append(name)
        out.append(AdminGrant(who.arn, who.account, statements))
    return out
