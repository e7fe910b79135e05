"""Detection and incident-response readiness for the lab: CloudTrail, GuardDuty, Security Hub,
AWS Config, EventBridge routing, CIS metric filters and alarms, log retention and Lambda.

"prod" is the well-run account and provides the twins: a multi-region, validated,
KMS-encrypted trail into a private, versioned, logged bucket and into CloudWatch Logs,
all fifteen CIS metric filters with alarms that page a subscribed topic, GuardDuty
with malware protection, Security Hub and Config in both regions, and EventBridge
rules that route findings and trail tampering to an SQS queue. "dev" gets the
weaknesses: a single-region trail into a public bucket, detectors and recorders
missing or half-on, no routing, short log retention, a secret in a function's
environment and a function anyone may invoke. "management" has a multi-region trail
into CloudWatch Logs whose monitoring is incomplete: a root-usage alarm that notifies
nobody, an IAM-policy filter that counts three of sixteen calls, and nothing for
CloudTrail changes. Everything is named ``cw-lab-...``; see ``manifest/detection.yaml``.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from cloudwarden.checks.builtin.logs._cis_catalog import CIS_MONITORS
from cloudwarden.lab.org import LabEnv
from cloudwarden.lab.seed.data import ALL_BLOCKED, deny_insecure_transport

HOME, OTHER = "us-east-1", "eu-west-1"
# Obviously fake credentials from the AWS documentation, planted for the secret scan.
FAKE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
IAM_POLICY_SUBSET = (
    "{ ($.eventName = PutUserPolicy) || ($.eventName = AttachUserPolicy) || "
    "($.eventName = CreatePolicy) }"
)


def seed(env: LabEnv) -> None:
    _prod(env)
    _dev(env)
    _management(env)


# -- the three accounts -------------------------------------------------------------


def _prod(env: LabEnv) -> None:
    bucket = _hardened_bucket(env, "prod")
    group = _log_group(env, "prod", "cw-lab-cloudtrail", retention=400)
    _trail(env, "prod", "cw-lab-main-trail", bucket, multi_region=True, hardened=True, group=group)
    topic = _subscribed_topic(env, "prod")
    for cis, monitor in CIS_MONITORS.items():
        suffix = f"cis-{cis.replace('.', '-')}"
        _metric_alarm(env, "prod", "cw-lab-cloudtrail", suffix, monitor.pattern, [topic])
    for region in (HOME, OTHER):
        _guardduty(env, "prod", region, malware=True)
        env.client("prod", "securityhub", region).enable_security_hub()
        _recorder(env, "prod", region, bucket, all_types=True, running=True)
    _prod_routing(env)
    role = _function_role(env, "prod")
    _function(env, "prod", "cw-lab-clean-fn", role, {"TABLE_NAME": "orders", "LOG_LEVEL": "INFO"})
    env.client("prod", "lambda").add_permission(
        FunctionName="cw-lab-clean-fn",
        StatementId="uploads-bucket",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::cw-lab-{env.account_id('prod')}-trail",
        SourceAccount=env.account_id("prod"),
    )


def _prod_routing(env: LabEnv) -> None:
    """Findings are routed in both regions; trail tampering only where the trail lives."""
    for region in (HOME, OTHER):
        queue = _queue(env, "prod", "cw-lab-ir-queue", region)
        _rule(
            env, "prod", region, "cw-lab-guardduty-findings", {"source": ["aws.guardduty"]}, queue
        )
        pattern = {"source": ["aws.securityhub"]}
        _rule(env, "prod", region, "cw-lab-securityhub-findings", pattern, queue)
        if region == HOME:
            tampering = {
                "source": ["aws.cloudtrail"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {"eventName": ["StopLogging", "DeleteTrail", "UpdateTrail"]},
            }
            _rule(env, "prod", region, "cw-lab-trail-tampering", tampering, queue)


def _dev(env: LabEnv) -> None:
    bucket = _public_bucket(env, "dev")
    _trail(env, "dev", "cw-lab-dev-trail", bucket, multi_region=False, hardened=False)
    _guardduty(env, "dev", HOME, malware=False)
    env.client("dev", "securityhub", HOME).enable_security_hub()
    config_bucket = _hardened_bucket(env, "dev", stem="config")
    _recorder(env, "dev", HOME, config_bucket, all_types=True, running=False)
    _recorder(env, "dev", OTHER, config_bucket, all_types=False, running=True)
    queue = _queue(env, "dev", "cw-lab-dev-queue", HOME)
    pattern = {"source": ["aws.securityhub"]}
    _rule(env, "dev", HOME, "cw-lab-securityhub-findings", pattern, queue, enabled=False)
    _log_group(env, "dev", "cw-lab-app-logs", retention=7)
    silent = env.client("dev", "sns").create_topic(Name="cw-lab-unwatched")["TopicArn"]
    _alarm(env, "dev", "cw-lab-error-rate", ("App", "Errors"), [silent])
    role = _function_role(env, "dev")
    secrets = {"PAYMENTS_KEY_ID": FAKE_KEY_ID, "PAYMENTS_AWS_SECRET": FAKE_SECRET}
    _function(env, "dev", "cw-lab-leaky-fn", role, secrets)
    _function(env, "dev", "cw-lab-public-fn", role, {"LOG_LEVEL": "DEBUG"})
    env.client("dev", "lambda").add_permission(
        FunctionName="cw-lab-public-fn",
        StatementId="anyone",
        Action="lambda:InvokeFunction",
        Principal="*",
    )


def _management(env: LabEnv) -> None:
    bucket = _hardened_bucket(env, "management")
    group = _log_group(env, "management", "cw-lab-mgmt-cloudtrail", retention=400)
    _trail(
        env,
        "management",
        "cw-lab-mgmt-trail",
        bucket,
        multi_region=True,
        hardened=True,
        group=group,
    )
    root = CIS_MONITORS["5.3"].pattern
    _metric_alarm(env, "management", "cw-lab-mgmt-cloudtrail", "root-usage", root, [])
    topic = env.client("management", "sns").create_topic(Name="cw-lab-mgmt-alerts")["TopicArn"]
    group_name = "cw-lab-mgmt-cloudtrail"
    _metric_alarm(env, "management", group_name, "iam-policy", IAM_POLICY_SUBSET, [topic])


# -- CloudTrail and its buckets -----------------------------------------------------


def _trail_statements(bucket: str, account: str) -> list[dict[str, Any]]:
    arn = f"arn:aws:s3:::{bucket}"
    service = {"Service": "cloudtrail.amazonaws.com"}
    return [
        {
            "Sid": "TrailAclCheck",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:GetBucketAcl",
            "Resource": arn,
        },
        {
            "Sid": "TrailWrite",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:PutObject",
            "Resource": f"{arn}/AWSLogs/{account}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]


def _hardened_bucket(env: LabEnv, role: str, stem: str = "trail") -> str:
    """Private, TLS-only, encrypted, versioned, access-logged."""
    s3, account = env.client(role, "s3"), env.account_id(role)
    name, logs = f"cw-lab-{account}-{stem}", f"cw-lab-{account}-{stem}-access"
    s3.create_bucket(Bucket=logs, ACL="log-delivery-write")
    s3.create_bucket(Bucket=name)
    for bucket in (logs, name):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
    tls = deny_insecure_transport(f"arn:aws:s3:::{name}")
    policy = {"Version": "2012-10-17", "Statement": [*_trail_statements(name, account), tls]}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    status = {"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": f"{name}/"}}
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus=status)
    return name


def _public_bucket(env: LabEnv, role: str) -> str:
    """World-readable, unversioned, unlogged: everything a trail bucket must not be."""
    s3, account = env.client(role, "s3"), env.account_id(role)
    name = f"cw-lab-{account}-trail-public"
    s3.create_bucket(Bucket=name)
    public = {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    policy = {"Version": "2012-10-17", "Statement": [*_trail_statements(name, account), public]}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return name


def _trail(
    env: LabEnv,
    role: str,
    name: str,
    bucket: str,
    *,
    multi_region: bool,
    hardened: bool,
    group: str | None = None,
) -> None:
    ct, account = env.client(role, "cloudtrail"), env.account_id(role)
    params: dict[str, Any] = {
        "Name": name,
        "S3BucketName": bucket,
        "IsMultiRegionTrail": multi_region,
    }
    if hardened:
        kms = env.client(role, "kms")
        key = kms.create_key(Description=f"{name} log encryption")["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=key)
        params.update(EnableLogFileValidation=True, KmsKeyId=key)
    if group:
        params["CloudWatchLogsLogGroupArn"] = f"{group}:*"
        params["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{account}:role/cw-lab-trail-to-logs"
    ct.create_trail(**params)
    ct.start_logging(Name=name)
    if hardened:
        s3_objects = [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]
        selector = {
            "ReadWriteType": "All",
            "IncludeManagementEvents": True,
            "DataResources": s3_objects,
        }
        ct.put_event_selectors(TrailName=name, EventSelectors=[selector])


# -- CloudWatch Logs, alarms, SNS ---------------------------------------------------


def _log_group(env: LabEnv, role: str, name: str, retention: int) -> str:
    logs = env.client(role, "logs")
    logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    return f"arn:aws:logs:{HOME}:{env.account_id(role)}:log-group:{name}"


def _metric_alarm(
    env: LabEnv, role: str, group: str, suffix: str, pattern: str, actions: list[str]
) -> None:
    metric = f"cw-lab-{suffix}"
    transform = {"metricName": metric, "metricNamespace": "CISBenchmark", "metricValue": "1"}
    env.client(role, "logs").put_metric_filter(
        logGroupName=group,
        filterName=metric,
        filterPattern=pattern,
        metricTransformations=[transform],
    )
    _alarm(env, role, metric, ("CISBenchmark", metric), actions)


def _alarm(env: LabEnv, role: str, name: str, metric: tuple[str, str], actions: list[str]) -> None:
    env.client(role, "cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace=metric[0],
        MetricName=metric[1],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=actions,
    )


def _queue(env: LabEnv, role: str, name: str, region: str = HOME) -> str:
    sqs = env.client(role, "sqs", region)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return str(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
    )


def _subscribed_topic(env: LabEnv, role: str) -> str:
    sns = env.client(role, "sns")
    topic = str(sns.create_topic(Name="cw-lab-security-alerts")["TopicArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=_queue(env, role, "cw-lab-pager"))
    return topic


# -- detectors, recorders, routing --------------------------------------------------


def _guardduty(env: LabEnv, role: str, region: str, *, malware: bool) -> None:
    status = "ENABLED" if malware else "DISABLED"
    env.client(role, "guardduty", region).create_detector(
        Enable=True, Features=[{"Name": "EBS_MALWARE_PROTECTION", "Status": status}]
    )


def _recorder(
    env: LabEnv, role: str, region: str, bucket: str, *, all_types: bool, running: bool
) -> None:
    cfg = env.client(role, "config", region)
    group: dict[str, Any] = {"allSupported": all_types, "includeGlobalResourceTypes": all_types}
    if not all_types:
        group["resourceTypes"] = ["AWS::EC2::Instance", "AWS::EC2::SecurityGroup"]
    role_arn = f"arn:aws:iam::{env.account_id(role)}:role/cw-lab-config-recorder"
    cfg.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": role_arn, "recordingGroup": group}
    )
    cfg.put_delivery_channel(
        DeliveryChannel={
            "name": "default",
            "s3BucketName": bucket,
            "s3KeyPrefix": f"config/{region}",
        }
    )
    if running:
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")


def _rule(
    env: LabEnv,
    role: str,
    region: str,
    name: str,
    pattern: dict[str, Any],
    target: str,
    *,
    enabled: bool = True,
) -> None:
    events = env.client(role, "events", region)
    state = "ENABLED" if enabled else "DISABLED"
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State=state)
    events.put_targets(Rule=name, Targets=[{"Id": "ir-queue", "Arn": target}])


# -- Lambda -------------------------------------------------------------------------


def _function_role(env: LabEnv, role: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = env.client(role, "iam")
    created = iam.create_role(RoleName="cw-lab-fn-exec", AssumeRolePolicyDocument=json.dumps(trust))
    return str(created["Role"]["Arn"])


def _function(env: LabEnv, role: str, name: str, exec_role: str, variables: dict[str, str]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    env.client(role, "lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=exec_role,
        Handler="index.handler",
        Code={"ZipFile": buf.getvalue()},
        Environment={"Variables": variables},
    )
