from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.iam._credentials import is_true
from cloudwarden.model import Area, Remediation, Resource, Severity


@check(
    title="IAM users with a console password have MFA",
    severity=Severity.HIGH,
    area=Area.IDENTITY,
    resource_type="AWS::IAM::User",
    wa=("SEC02-BP01",),
    cis=("2.10",),
    permissions=("iam:GetLoginProfile", "iam:ListMFADevices", "iam:GetAccountAuthorizationDetails"),
    regional=False,
    remediation=Remediation(
        text=(
            "A console password alone is phished, guessed or reused from another breach. "
            "Assign an MFA device (preferably a passkey or security key) to every user "
            "who signs in to the console, or remove the password if the user does not need it."
        ),
        console="IAM > Users > <user> > Security credentials > Multi-factor authentication > Assign MFA device.",
        cli=(
            "aws iam create-virtual-mfa-device --virtual-mfa-device-name <user-name> "
            "--outfile <qr-code.png> --bootstrap-method QRCodePNG && aws iam enable-mfa-device "
            "--user-name <user-name> --serial-number arn:aws:iam::<account-id>:mfa/<user-name> "
            "--authentication-code1 <code-1> --authentication-code2 <code-2>"
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html",
    ),
)
def iam_user_console_mfa_enabled(ctx: CheckContext) -> Results:
    """Checks that every IAM user who can sign in to the console has an MFA device.

    A user can sign in to the console exactly when it has a login profile
    (``GetLoginProfile`` answers ``NoSuchEntity`` otherwise). MFA devices come from
    ``ListMFADevices`` (virtual, hardware and passkeys alike). Users without a console
    password pass: this control is about console sign-in; their access keys are covered
    by the rotation and unused-credential checks.
    """
    for user in ctx.resources():
        errors = user.data.get("_errors") or {}
        missing = [k for k in ("LoginProfile", "MFADevices") if k in errors]
        if missing:
            yield ctx.not_assessed(user, f"could not read {missing[0]}: {errors[missing[0]]}")
            continue
        if not _has_console_password(user):
            yield ctx.passed(user, f"user {user.name} has no console password")
            continue
        devices = user.data.get("MFADevices") or []
        if devices:
            serials = ", ".join(str(d.get("SerialNumber")) for d in devices)
            yield ctx.passed(user, f"user {user.name} has a console password and MFA ({serials})")
        else:
            yield ctx.failed(user, f"user {user.name} has a console password and no MFA device")


def _has_console_password(user: Resource) -> bool:
    if user.data.get("LoginProfile"):
        return True
    if "LoginProfile" in user.data:
        return False
    return is_true((user.data.get("CredentialReport") or {}).get("password_enabled"))
