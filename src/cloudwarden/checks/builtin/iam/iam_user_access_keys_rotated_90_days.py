from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._credentials import age_days
from cloudwarden.model import Area, Remediation, Severity

MAX_AGE_DAYS = 90


@check(
    title="Active IAM user access keys are at most 90 days old",
    severity=Severity.MEDIUM,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::User",
    wa=("SEC02-BP05",),
    cis=("2.12",),
    permissions=("iam:ListAccessKeys", "iam:GetAccountAuthorizationDetails"),
    regional=False,
    remediation=Remediation(
        text=(
            "An access key stays valid until someone deletes it, so an old key has had a long "
            "time to be copied into scripts, images and repositories. Rotate keys at least "
            "every 90 days: create a new key, move its users over, deactivate then delete the "
            "old one. Better: replace the key with a role and temporary credentials."
        ),
        console="IAM > Users > <user> > Security credentials > Access keys > Create access key, then deactivate and delete the old key.",
        cli=(
            "aws iam create-access-key --user-name <user-name> && aws iam update-access-key "
            "--user-name <user-name> --access-key-id <old-access-key-id> --status Inactive && "
            "aws iam delete-access-key --user-name <user-name> --access-key-id <old-access-key-id>"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id-credentials-access-keys-update.html",
    ),
)
def iam_user_access_keys_rotated_90_days(ctx: CheckContext) -> Results:
    """Checks that no active access key of an IAM user was created more than 90 days ago.

    ``ListAccessKeys`` gives each key's ``Status`` and ``CreateDate``; a key's age is its
    time since creation, measured from the snapshot. Inactive keys cannot sign requests
    and are not counted. Users without active keys pass.
    """
    now = ctx.snapshot.created_at
    for user in ctx.resources():
        errors = user.data.get("_errors") or {}
        if "AccessKeys" in errors:
            yield ctx.not_assessed(user, f"could not list access keys: {errors['AccessKeys']}")
            continue
        active = [k for k in user.data.get("AccessKeys") or [] if k.get("Status") == "Active"]
        if not active:
            yield ctx.passed(user, f"user {user.name} has no active access keys")
            continue
        stale = [
            (key["AccessKeyId"], days)
            for key in active
            if (days := age_days(key.get("CreateDate"), now)) is not None and days > MAX_AGE_DAYS
        ]
        if stale:
            listed = ", ".join(f"{kid} ({days} days)" for kid, days in stale)
            yield ctx.failed(
                user,
                f"user {user.name} has active access keys older than {MAX_AGE_DAYS} days: {listed}",
            )
        else:
            ids = ", ".join(str(k.get("AccessKeyId")) for k in active)
            yield ctx.passed(
                user,
                f"user {user.name}'s active access keys ({ids}) are at most {MAX_AGE_DAYS} days old",
            )
