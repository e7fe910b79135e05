from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.model import Area, Remediation, Severity

MIN_LENGTH = 14
MIN_REUSE_PREVENTION = 24


@check(
    title="The IAM password policy requires 14+ characters and blocks reuse of the last 24",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::PasswordPolicy",
    wa=("SEC02-BP01",),
    cis=("2.8", "2.9"),
    permissions=("iam:GetAccountPasswordPolicy",),
    regional=False,
    remediation=Remediation(
        text=(
            "IAM user passwords are only as strong as the account's password policy. "
            "Require at least 14 characters and prevent reuse of the last 24 passwords, "
            "so short guessable passwords and recycled (possibly leaked) ones are refused."
        ),
        console="IAM > Account settings > Password policy > Edit > Custom.",
        cli=(
            "aws iam update-account-password-policy --minimum-password-length 14 "
            "--password-reuse-prevention 24 --require-symbols --require-numbers "
            "--require-uppercase-characters --require-lowercase-characters "
            "--allow-users-to-change-password"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
    ),
)
def iam_password_policy_strong(ctx: CheckContext) -> Results:
    """Checks the account password policy for minimum length >= 14 and reuse prevention >= 24.

    Without a custom policy (``GetAccountPasswordPolicy`` answers ``NoSuchEntity``) IAM
    accepts any 8-character password and lets users reuse old ones, so "no policy"
    fails. ``PasswordReusePrevention`` is absent from the policy when reuse is allowed.
    """
    for resource in ctx.resources():
        policy = resource.data.get("PasswordPolicy")
        if not isinstance(policy, dict):
            yield ctx.failed(
                resource, "no password policy is set: IAM's default allows 8 characters and reuse"
            )
            continue
        length = int(policy.get("MinimumPasswordLength") or 0)
        reuse = int(policy.get("PasswordReusePrevention") or 0)
        gaps = []
        if length < MIN_LENGTH:
            gaps.append(f"MinimumPasswordLength is {length} (< {MIN_LENGTH})")
        if reuse < MIN_REUSE_PREVENTION:
            gaps.append(
                f"PasswordReusePrevention is {reuse or 'not set'} (< {MIN_REUSE_PREVENTION})"
            )
        if gaps:
            yield ctx.failed(resource, "password policy is weak: " + "; ".join(gaps))
        else:
            yield ctx.passed(
                resource,
                f"password policy requires {length} characters and blocks reuse of the last {reuse}",
            )
