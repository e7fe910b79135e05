"""AWS Account Management: the account's alternate contacts (security, billing, operations).

AWS sends security notifications (abuse reports, compromised-credential notices) to
the SECURITY alternate contact when one is set, and only to the root e-mail otherwise.
``GetAlternateContact`` answers ``ResourceNotFoundException`` when a contact type was
never set: that is recorded as ``None`` ("not set"), not as an error. Any other
failure (access denied, an endpoint without this API) lands in ``data["_errors"]``
under the contact's key so the checks say NOT_ASSESSED for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cloudwarden.inventory.api import CollectContext, collector
from cloudwarden.model import Resource

ALTERNATE_CONTACT = "AWS::Account::AlternateContact"

# data key -> AlternateContactType
CONTACT_TYPES = {"Security": "SECURITY", "Billing": "BILLING", "Operations": "OPERATIONS"}


def plain(value: Any) -> Any:
    """JSON-safe copy: datetimes become ISO-8601 strings."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


@collector(
    service="account",
    resource_types=(ALTERNATE_CONTACT,),
    permissions=("account:GetAlternateContact",),
    regional=False,
)
def collect_account(ctx: CollectContext) -> Iterator[Resource]:
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for key, contact_type in CONTACT_TYPES.items():
        answer = ctx.detail(
            "account",
            "get_alternate_contact",
            errors,
            key,
            absent=("ResourceNotFoundException",),
            AlternateContactType=contact_type,
        )
        data[key] = None if answer is None else answer.get("AlternateContact")
    if errors:
        data["_errors"] = errors
    yield ctx.resource(
        ALTERNATE_CONTACT,
        arn=f"arn:{ctx.partition}:account::{ctx.account}:account",
        id=ctx.account,
        name="alternate-contacts",
        data=plain(data),
    )
