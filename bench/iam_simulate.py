"""Throughput of the IAM engine on a realistic policy set.

Prints decisions per second of the compiled fast path (``CompiledPolicySet.decide``), of
the explained path, and of the uncompiled baseline (``evaluate`` compiling the policy set
for every request), with the ratios against that baseline measured in the same run. Rates use process CPU
time, so a busy shared machine skews them less.

    python bench/iam_simulate.py [--requests N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

from cloudwarden.iam import PolicySet, Request, compile_policy_set, evaluate, parse_policy

ACCT = "111122223333"
ORG = "o-exampleorg1"


def _policies() -> PolicySet:
    identity = [
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "S3Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
                 "Resource": ["arn:aws:s3:::data-*", "arn:aws:s3:::data-*/*"]},
                {"Sid": "S3Home", "Effect": "Allow", "Action": "s3:PutObject",
                 "Resource": "arn:aws:s3:::home/${aws:username}/*"},
                {"Sid": "DenyLogs", "Effect": "Deny", "Action": "s3:*",
                 "Resource": "arn:aws:s3:::*log*"},
                {"Sid": "Ddb", "Effect": "Allow",
                 "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"],
                 "Resource": f"arn:aws:dynamodb:*:{ACCT}:table/app-*",
                 "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}},
            ],
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Ec2Describe", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
                {"Sid": "Ec2Tagged", "Effect": "Allow",
                 "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                 "Resource": f"arn:aws:ec2:*:{ACCT}:instance/*",
                 "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
                {"Sid": "IamSelf", "Effect": "Allow", "Action": ["iam:GetUser", "iam:*AccessKey*"],
                 "Resource": f"arn:aws:iam::{ACCT}:user/${{aws:username}}"},
                {"Sid": "MfaOnly", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"],
                 "Resource": "*",
                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
            ],
        },
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                 "Resource": f"arn:aws:sqs:*:{ACCT}:queue-*"},
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                 "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}},
                {"Effect": "Allow", "Action": "logs:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}},
            ],
        },
    ]  # fmt: skip
    boundary = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "ec2:*", "iam:*", "sqs:*",
                                           "kms:*", "logs:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*Policy*", "Resource": "*"},
        ],
    }  # fmt: skip
    full = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    region_guard = {
        "Version": "2012-10-17",
        "Statement": [
            full["Statement"][0],
            {"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "s3:*"],
             "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}},
        ],
    }  # fmt: skip
    account_scp = {
        "Version": "2012-10-17",
        "Statement": [
            full["Statement"][0],
            {"Effect": "Deny", "Action": ["organizations:LeaveOrganization", "ec2:DeleteVpc"],
             "Resource": "*"},
        ],
    }  # fmt: skip
    rcp = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Perimeter", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:*", "sqs:*", "kms:*"], "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
                           "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
        ],
    }  # fmt: skip
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/reader"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data-lake/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::data-lake", "arn:aws:s3:::data-lake/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }  # fmt: skip
    return PolicySet(
        identity_policies=[parse_policy(p) for p in identity],
        permission_boundary=parse_policy(boundary),
        resource_policy=parse_policy(bucket),
        scps=[[parse_policy(full)], [parse_policy(region_guard)], [parse_policy(account_scp)]],
        rcps=[[parse_policy(rcp)]],
    )


def _requests(n: int) -> list[Request]:
    fixed = datetime(2025, 1, 1, tzinfo=UTC)
    principals = [f"arn:aws:iam::{ACCT}:user/user{i}" for i in range(20)]
    principals += [f"arn:aws:sts::{ACCT}:assumed-role/reader/s{i}" for i in range(20)]
    shapes = [
        ("s3:GetObject", "arn:aws:s3:::data-lake/k{i}"),
        ("s3:PutObject", "arn:aws:s3:::home/user{u}/f{i}"),
        ("s3:GetObject", "arn:aws:s3:::app-logs/k{i}"),
        ("dynamodb:Query", f"arn:aws:dynamodb:eu-west-1:{ACCT}:table/app-{{i}}"),
        ("ec2:DescribeInstances", "*"),
        ("ec2:StartInstances", f"arn:aws:ec2:us-east-1:{ACCT}:instance/i-{{i}}"),
        ("iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/user{{u}}"),
        ("sqs:SendMessage", f"arn:aws:sqs:ap-south-1:{ACCT}:queue-{{i}}"),
        ("kms:Decrypt", f"arn:aws:kms:eu-west-1:{ACCT}:key/{{i}}"),
        ("logs:PutLogEvents", f"arn:aws:logs:eu-west-1:{ACCT}:log-group:g{{i}}"),
    ]
    out = []
    for i in range(n):
        action, template = shapes[i % len(shapes)]
        principal = principals[(i * 7) % len(principals)]
        context = {
            "aws:PrincipalOrgID": ORG,
            "aws:SecureTransport": "true",
            "aws:MultiFactorAuthPresent": "true",
            "aws:SourceIp": "10.1.2.3",
            "aws:PrincipalTag/team": "blue",
            "aws:ResourceTag/team": "blue" if i % 3 else "red",
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
        }
        resource = template.format(i=i % 500, u=(i * 7) % 20)
        out.append(Request(principal, action, resource, context, clock=lambda: fixed))
    return out


def _rate(fn: Callable[[Request], object], requests: list[Request], seconds: float) -> float:
    done = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for request in requests:
            fn(request)
        done += len(requests)
    return done / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    policies = _policies()
    requests = _requests(args.requests)
    compiled = compile_policy_set(policies)
    baseline = _rate(lambda r: evaluate(r, policies, explain=False), requests[:500], args.seconds)
    fast = _rate(compiled.decide, requests, args.seconds)
    explained = _rate(lambda r: compiled.evaluate(r, explain=True), requests, args.seconds)
    counts: dict[str, int] = {}
    for request in requests:
        decision = compiled.decide(request)
        counts[decision] = counts.get(decision, 0) + 1
    print(f"decisions: {counts}")
    print(f"baseline (compile per request): {baseline:12,.0f} decisions/s  ratio 1.00")
    print(f"compiled fast path:             {fast:12,.0f} decisions/s  ratio {fast / baseline:.2f}")
    print(
        f"compiled with explanation:      {explained:12,.0f} decisions/s  ratio {explained / baseline:.2f}"
    )


if __name__ == "__main__":
    main()
