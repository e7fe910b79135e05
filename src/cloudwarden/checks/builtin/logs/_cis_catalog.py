"""The CIS AWS Foundations "Monitoring" items 5.1–5.15 as data.

Each item carries the filter pattern CIS recommends (used in remediation and as a
self-test) and sample CloudTrail records: the events a conforming metric filter
must count and ones it must not. A filter implements the item when it counts every
``must_match`` event and none of the ``must_not_match`` events, whatever its
spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Event = Mapping[str, Any]


@dataclass(frozen=True)
class CisMonitor:
    cis: str
    what: str
    metric: str
    pattern: str
    must_match: tuple[Event, ...]
    must_not_match: tuple[Event, ...]


def _call(source: str, name: str, **extra: Any) -> Event:
    return {
        "eventVersion": "1.09",
        "eventSource": source,
        "eventName": name,
        "eventType": "AwsApiCall",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userIdentity": {"type": "IAMUser", "userName": "alice"},
        **extra,
    }


def _calls(source: str, names: str) -> tuple[Event, ...]:
    return tuple(_call(source, n) for n in names.split())


def _ored(names: str, source: str = "") -> str:
    body = " || ".join(f"($.eventName = {n})" for n in names.split())
    return f"{{ ($.eventSource = {source}) && ({body}) }}" if source else f"{{ {body} }}"


def _login(mfa: str, result: str, **extra: Any) -> Event:
    return _call(
        "signin.amazonaws.com",
        "ConsoleLogin",
        additionalEventData={"MFAUsed": mfa, "LoginTo": "https://console.aws.amazon.com/"},
        responseElements={"ConsoleLogin": result},
        **extra,
    )


_IAM_POLICY = (
    "DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy "
    "PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion "
    "AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy "
    "DetachGroupPolicy"
)
_TRAIL = "CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging"
_S3 = (
    "PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication "
    "DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication"
)
_CONFIG = (
    "StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder"
)
_SG = (
    "AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress "
    "RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup"
)
_NACL = (
    "CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry "
    "ReplaceNetworkAclEntry ReplaceNetworkAclAssociation"
)
_GATEWAY = (
    "CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway "
    "DeleteInternetGateway DetachInternetGateway"
)
_ROUTE = (
    "CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable "
    "DeleteRoute DisassociateRouteTable"
)
_VPC = (
    "CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection CreateVpcPeeringConnection "
    "DeleteVpcPeeringConnection RejectVpcPeeringConnection AttachClassicLinkVpc "
    "DetachClassicLinkVpc DisableVpcClassicLink EnableVpcClassicLink"
)
_ORG = (
    "AcceptHandshake AttachPolicy CreateAccount CreateOrganizationalUnit CreatePolicy "
    "DeclineHandshake DeleteOrganization DeleteOrganizationalUnit DeletePolicy DetachPolicy "
    "DisablePolicyType EnablePolicyType InviteAccountToOrganization LeaveOrganization MoveAccount "
    "RemoveAccountFromOrganization UpdatePolicy UpdateOrganizationalUnit"
)
_EC2 = "ec2.amazonaws.com"


def _item(cis: str, what: str, metric: str, pattern: str, yes: Any, no: Any) -> CisMonitor:
    return CisMonitor(cis, what, metric, pattern, tuple(yes), tuple(no))


CIS_MONITORS: dict[str, CisMonitor] = {
    m.cis: m
    for m in (
        _item(
            "5.1",
            "unauthorized API calls",
            "UnauthorizedAPICalls",
            '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
            '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
            [
                _call(_EC2, "RunInstances", errorCode="Client.UnauthorizedOperation"),
                _call("iam.amazonaws.com", "CreateUser", errorCode="AccessDenied"),
                _call("s3.amazonaws.com", "GetObject", errorCode="AccessDeniedException"),
            ],
            [
                _call(_EC2, "DescribeInstances"),
                _call("kms.amazonaws.com", "Decrypt", errorCode="ThrottlingException"),
            ],
        ),
        _item(
            "5.2",
            "console sign-in without MFA",
            "ConsoleSigninWithoutMFA",
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
            '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
            [_login("No", "Success")],
            [_login("Yes", "Success"), _call(_EC2, "DescribeInstances")],
        ),
        _item(
            "5.3",
            "root user activity",
            "RootAccountUsage",
            '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType != "AwsServiceEvent" }',
            [
                _call("iam.amazonaws.com", "CreateAccessKey", userIdentity={"type": "Root"}),
                _login("No", "Success", userIdentity={"type": "Root"}),
            ],
            [
                _call(_EC2, "DescribeInstances"),
                _call(
                    "s3.amazonaws.com",
                    "PutObject",
                    userIdentity={"type": "Root", "invokedBy": "cloudtrail.amazonaws.com"},
                ),
            ],
        ),
        _item(
            "5.4",
            "IAM policy changes",
            "IAMPolicyChanges",
            _ored(_IAM_POLICY),
            _calls("iam.amazonaws.com", _IAM_POLICY),
            _calls("iam.amazonaws.com", "GetPolicy ListPolicies"),
        ),
        _item(
            "5.5",
            "CloudTrail configuration changes",
            "CloudTrailConfigChanges",
            _ored(_TRAIL),
            _calls("cloudtrail.amazonaws.com", _TRAIL),
            _calls("cloudtrail.amazonaws.com", "DescribeTrails"),
        ),
        _item(
            "5.6",
            "console authentication failures",
            "ConsoleSigninFailures",
            '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
            [{**_login("No", "Failure"), "errorMessage": "Failed authentication"}],
            [_login("Yes", "Success")],
        ),
        _item(
            "5.7",
            "disabling or scheduled deletion of customer managed KMS keys",
            "DisableOrDeleteCMK",
            _ored("DisableKey ScheduleKeyDeletion", "kms.amazonaws.com"),
            _calls("kms.amazonaws.com", "DisableKey ScheduleKeyDeletion"),
            _calls("kms.amazonaws.com", "Decrypt EnableKey"),
        ),
        _item(
            "5.8",
            "S3 bucket policy changes",
            "S3BucketPolicyChanges",
            _ored(_S3, "s3.amazonaws.com"),
            _calls("s3.amazonaws.com", _S3),
            _calls("s3.amazonaws.com", "GetBucketPolicy PutObject"),
        ),
        _item(
            "5.9",
            "AWS Config configuration changes",
            "AWSConfigChanges",
            _ored(_CONFIG, "config.amazonaws.com"),
            _calls("config.amazonaws.com", _CONFIG),
            _calls("config.amazonaws.com", "DescribeConfigRules"),
        ),
        _item(
            "5.10",
            "security group changes",
            "SecurityGroupChanges",
            _ored(_SG),
            _calls(_EC2, _SG),
            _calls(_EC2, "DescribeSecurityGroups"),
        ),
        _item(
            "5.11",
            "network ACL changes",
            "NACLChanges",
            _ored(_NACL),
            _calls(_EC2, _NACL),
            _calls(_EC2, "DescribeNetworkAcls"),
        ),
        _item(
            "5.12",
            "network gateway changes",
            "NetworkGatewayChanges",
            _ored(_GATEWAY),
            _calls(_EC2, _GATEWAY),
            _calls(_EC2, "DescribeInternetGateways"),
        ),
        _item(
            "5.13",
            "route table changes",
            "RouteTableChanges",
            _ored(_ROUTE, _EC2),
            _calls(_EC2, _ROUTE),
            _calls(_EC2, "DescribeRouteTables"),
        ),
        _item(
            "5.14",
            "VPC changes",
            "VPCChanges",
            _ored(_VPC),
            _calls(_EC2, _VPC),
            _calls(_EC2, "DescribeVpcs"),
        ),
        _item(
            "5.15",
            "AWS Organizations changes",
            "OrganizationsChanges",
            _ored(_ORG, "organizations.amazonaws.com"),
            _calls("organizations.amazonaws.com", _ORG),
            _calls("organizations.amazonaws.com", "DescribeOrganization ListAccounts"),
        ),
    )
}
