from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="The root user signs in with MFA",
    severity=Severity.CRITICAL,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::AccountSummary",
    wa=("SEC01-BP02", "SEC02-BP01"),
    cis=("2.5",),
    permissions=("iam:GetAccountSummary",),
    regional=False,
    remediation=Remediation(
        text=(
            "The root user can do anything in the account, including closing it, and no "
            "policy can restrict it. Protect its password with an MFA device (a hardware "
            "key for accounts people sign in to), or, in an organisation, remove member "
            "accounts' root credentials with centralized root access."
        ),
        console=(
            "Sign in as the root user > account menu > Security credentials > "
            "Multi-factor authentication (MFA) > Assign MFA device."
        ),
        cli=(
            "aws iam get-account-summary --query SummaryMap.AccountMFAEnabled  "
            "# root MFA is assigned in the console while signed in as root; for member "
            "accounts: aws iam enable-organizations-root-credentials-management"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html",
    ),
)
def iam_root_mfa_enabled(ctx: CheckContext) -> Results:
    """Checks that the account's root user has an MFA device.

    ``GetAccountSummary`` reports ``AccountMFAEnabled`` = 1 when the root user has any
    MFA device; it is the only API that shows the root user's MFA state, because the
    root user is not an IAM user and does not appear in ``ListMFADevices``. Without
    MFA, the root password alone opens an identity no IAM policy or SCP can limit.
    Results name the root user (``arn:aws:iam::<account>:root``), which the summary
    describes.
    """
    for summary in ctx.resources():
        state = (summary.data.get("SummaryMap") or {}).get("AccountMFAEnabled")
        if state is None:
            yield ctx.not_assessed(summary, "the account summary has no AccountMFAEnabled entry")
            continue
        if state == 1:
            yield ctx.passed(summary, "root user has an MFA device (AccountMFAEnabled=1)")
        else:
            yield ctx.failed(summary, f"root user has no MFA device (AccountMFAEnabled={state})")
