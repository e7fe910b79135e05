from __future__ import annotations

from cloudwarden.checks.api import CheckContext, Results, check
from cloudwarden.checks.builtin.ec2._ec2 import INSTANCE, detail_error, live_instances
from cloudwarden.model import Area, Remediation, Severity


@check(
    title="EC2 instance user data holds no secrets",
    severity=Severity.HIGH,
    area=Area.DATA,
    resource_type=INSTANCE,
    wa=("SEC02-BP03",),
    permissions=("ec2:DescribeInstances", "ec2:DescribeInstanceAttribute"),
    remediation=Remediation(
        text=(
            "User data is not a secret store: anyone allowed ec2:DescribeInstanceAttribute "
            "can read it, and so can every process on the instance through the metadata "
            "service. Rotate the exposed credential first, then have the boot script fetch "
            "it at run time from AWS Secrets Manager or SSM Parameter Store using the "
            "instance role."
        ),
        console=(
            "EC2 console > Instances > <instance> > Actions > Instance settings > Edit user "
            "data (the instance must be stopped): remove the secret."
        ),
        cli=(
            "aws ec2 modify-instance-attribute --instance-id <instance-id> "
            "--attribute userData --value file://<clean-user-data-file>"
        ),
        url="https://docs.aws.amazon.com/secretsmanager/latest/userguide/intro.html",
    ),
    references=("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html",),
)
def ec2_instance_user_data_no_secrets(ctx: CheckContext) -> Results:
    """The instance's user data contains no secret-looking value.

    The collector decodes user data (base64, and gzip if compressed) and scans it with
    :mod:`cloudwarden.inventory.secret_scan`: AWS access key ids, secret access keys
    next to their variable name, PEM private keys, passwords in assignments and URLs,
    and well-known token formats. Only the pattern, line number and a redacted excerpt
    reach the snapshot. Terminated instances are skipped.
    """
    for instance in live_instances(ctx):
        error = detail_error(instance, "UserData")
        summary = instance.data.get("UserData")
        if error or summary is None:
            why = error or "user data was not collected"
            yield ctx.not_assessed(instance, f"user data of {instance.id} unknown: {why}")
            continue
        secrets = summary.get("Secrets") or []
        if not secrets and summary.get("Encoding") == "undecodable":
            yield ctx.not_assessed(
                instance, f"user data of {instance.id} is neither text nor gzip and was not scanned"
            )
        elif secrets:
            first = secrets[0]
            more = f" (and {len(secrets) - 1} more)" if len(secrets) > 1 else ""
            yield ctx.failed(
                instance,
                f"user data of {instance.id} holds a secret-looking value ({first['Pattern']}) "
                f"on line {first['Line']}: {first['Excerpt']}{more}",
                secrets=secrets,
            )
        elif summary.get("Present"):
            yield ctx.passed(
                instance,
                f"user data of {instance.id} ({summary.get('Bytes', 0)} bytes) has no "
                "secret-looking value",
            )
        else:
            yield ctx.passed(instance, f"{instance.id} has no user data")
