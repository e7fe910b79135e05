from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="A security alternate contact is registered for the account",
    severity=Severity.MEDIUM,
    area=Area.INCIDENT_RESPONSE,
    resource_type="AWS::Account::AlternateContact",
    wa=("SEC10-BP01",),
    cis=("2.3",),
    permissions=("account:GetAlternateContact",),
    regional=False,
    remediation=Remediation(
        text=(
            "AWS sends security notices (abuse reports, exposed credentials, suspected "
            "compromise) to the security alternate contact; without one they go only to "
            "the root user's e-mail, which often nobody on the security team reads. "
            "Register a monitored team address and phone number."
        ),
        console="Account (top-right menu) > Account > Alternate contacts > Edit > Security contact.",
        cli=(
            "aws account put-alternate-contact --alternate-contact-type SECURITY "
            '--email-address <security-team@example.com> --name "<team name>" '
            '--phone-number "<+1-555-0100>" --title "<title>" [--account-id <member-account-id>]'
        ),
        url="https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html",
    ),
)
def account_security_contact_registered(ctx: CheckContext) -> Results:
    """Checks that the account has a SECURITY alternate contact with an e-mail address.

    ``account:GetAlternateContact`` answers ``ResourceNotFoundException`` for a contact
    type that was never set, which the collector records as ``Security: None``. AWS's
    security notifications reach the team through this contact, so it is the first
    entry of an incident-response contact list (who AWS calls, and how).
    """
    for acct in ctx.resources():
        errors = acct.data.get("_errors") or {}
        if "Security" in errors:
            yield ctx.not_assessed(
                acct, f"could not read the security contact: {errors['Security']}"
            )
            continue
        contact = acct.data.get("Security")
        if isinstance(contact, dict) and contact.get("EmailAddress"):
            who = f"{contact.get('Name', '')} <{contact['EmailAddress']}>"
            yield ctx.passed(acct, f"security contact {who} is registered")
        else:
            yield ctx.failed(acct, f"account {acct.account} has no security alternate contact")
