from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="The root user has no access keys",
    severity=Severity.CRITICAL,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::AccountSummary",
    wa=("SEC01-BP02", "SEC02-BP02"),
    cis=("2.4",),
    permissions=("iam:GetAccountSummary",),
    regional=False,
    remediation=Remediation(
        text=(
            "A root access key is a long-lived secret with unlimited power over the account "
            "that no policy can restrict. Delete it; use roles with temporary credentials "
            "for automation, and the console (with MFA) for the few root-only tasks."
        ),
        console=(
            "Sign in as the root user > account menu > Security credentials > Access keys > "
            "Actions > Delete."
        ),
        cli=(
            "aws sts assume-root --target-principal <member-account-id> --task-policy-arn "
            "arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials  "
            "# then, with those credentials: aws iam delete-access-key --access-key-id "
            "<root-access-key-id>"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html",
    ),
)
def iam_root_access_keys_absent(ctx: CheckContext) -> Results:
    """Checks that the root user has no access key, active or not.

    ``GetAccountSummary`` reports ``AccountAccessKeysPresent`` = 1 when the root user
    has at least one access key. Such a key signs API calls with the root user's
    unlimited authority, cannot be limited by IAM policies or SCPs of the account
    itself, and, being long-lived, is exactly what leaks from laptops and repositories.
    """
    for summary in ctx.resources():
        present = (summary.data.get("SummaryMap") or {}).get("AccountAccessKeysPresent")
        if present is None:
            yield ctx.not_assessed(
                summary, "the account summary has no AccountAccessKeysPresent entry"
            )
            continue
        if present == 0:
            yield ctx.passed(summary, "root user has no access keys (AccountAccessKeysPresent=0)")
        else:
            reason = f"root user has access keys (AccountAccessKeysPresent={present})"
            yield ctx.failed(summary, reason)
