"""The validation table: for every code, a policy that triggers it and a near miss.

Each case is ``(document, policy type, resource type)``; documents are dicts unless the
check is about the text itself. The near miss differs from the trigger by the one thing
the check is about, so the pair documents the rule.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Case(NamedTuple):
    document: Any
    policy_type: str = "identity"
    resource_type: str | None = None


V = "2012-10-17"
BUCKET = "arn:aws:s3:::example-bucket"
OBJECTS = "arn:aws:s3:::example-bucket/*"
ACCOUNT = "arn:aws:iam::111122223333:root"
ROLE = "arn:aws:iam::111122223333:role/app"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
EKS = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"
SAML = "arn:aws:iam::111122223333:saml-provider/corp"


def pol(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": V, **top, "Statement": list(statements)}


def st(action: Any = "s3:GetObject", resource: Any = OBJECTS, effect: str = "Allow",
       **extra: Any) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"Effect": effect}
    if action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def cond(op: str, key: str, value: Any, **more: Any) -> dict[str, Any]:
    return st(Condition={op: {key: value}}, **more)


def res(principal: Any = None, **kw: Any) -> Case:
    """A bucket policy statement for ``principal`` (an account by default)."""
    kw.setdefault("Principal", principal if principal is not None else {"AWS": ACCOUNT})
    return Case(pol(st(**kw)), "resource")


def trust(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> Case:
    return Case(
        pol({"Effect": "Allow", "Principal": principal, "Action": action, **extra}), "trust"
    )


def scp(*statements: dict[str, Any]) -> Case:
    return Case(pol(*statements), "scp")


def big(n: int) -> list[str]:
    return [f"arn:aws:s3:::bucket-number-{i:05d}/*" for i in range(n)]


SINGLE = {
    "Version": V,
    "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS},
}

# code -> (triggers, near miss)
CASES: dict[str, tuple[Case, Case]] = {
    # grammar
    "JSON_SYNTAX_ERROR": (
        Case('{"Version": "2012-10-17",'),
        Case('{"Version": "2012-10-17", "Statement": []}'),
    ),
    "DATA_TYPE_MISMATCH": (Case(pol(st(action=5))), Case(pol(st(action="s3:GetObject")))),
    "MISSING_VERSION": (Case({"Statement": [st()]}), Case(pol(st()))),
    "INVALID_VERSION": (
        Case(pol(st(), Version="2024-01-01")),
        Case(pol(st(), Version="2008-10-17")),
    ),
    "MISSING_STATEMENT": (Case({"Version": V}), Case(SINGLE)),
    "INVALID_POLICY_ELEMENT": (Case(pol(st(Actions="s3:*"))), Case(pol(st()))),
    "MISSING_EFFECT": (Case(pol({"Action": "s3:GetObject", "Resource": OBJECTS})), Case(pol(st()))),
    "INVALID_EFFECT": (Case(pol(st(effect="allow"))), Case(pol(st(effect="Deny")))),
    "MISSING_ACTION": (
        Case(pol(st(action=None))),
        Case(pol(st(action=None, NotAction="s3:DeleteObject", effect="Deny"))),
    ),
    "MISSING_RESOURCE": (Case(pol(st(resource=None))), trust({"AWS": ACCOUNT})),
    "UNSUPPORTED_ELEMENT_COMBINATION": (Case(pol(st(NotAction="s3:PutObject"))), Case(pol(st()))),
    "UNSUPPORTED_SID": (Case(pol(st(Sid="read objects"))), Case(pol(st(Sid="ReadObjects")))),
    "EMPTY_SID_VALUE": (Case(pol(st(Sid=""))), Case(pol(st(Sid="Read")))),
    "UNIQUE_SIDS_REQUIRED": (
        Case(pol(st(Sid="A"), st(action="s3:PutObject", Sid="A"))),
        Case(pol(st(Sid="A"), st(action="s3:PutObject", Sid="B"))),
    ),
    "UNIQUE_SIDS_RECOMMENDED": (
        Case(
            pol(
                st(Sid="A", Principal={"AWS": ACCOUNT}),
                st(action="s3:PutObject", Sid="A", Principal={"AWS": ACCOUNT}),
            ),
            "resource",
        ),
        Case(
            pol(
                st(Sid="A", Principal={"AWS": ACCOUNT}),
                st(action="s3:PutObject", Sid="B", Principal={"AWS": ACCOUNT}),
            ),
            "resource",
        ),
    ),
    "POLICY_SIZE_EXCEEDS_SCP_QUOTA": (
        scp(st(action="s3:*", resource="*", effect="Deny", NotResource=None) | {"Sid": "x" * 5200}),
        scp(st(action="s3:*", resource="*", effect="Deny")),
    ),
    "POLICY_SIZE_EXCEEDS_RCP_QUOTA": (
        Case(
            pol(st(action="s3:*", resource="*", effect="Deny", Principal="*", Sid="x" * 5200)),
            "rcp",
        ),
        Case(pol(st(action="s3:*", resource="*", effect="Deny", Principal="*")), "rcp"),
    ),
    "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA": (
        Case(pol(st(resource=big(200)))),
        Case(pol(st(resource=big(100)))),
    ),
    "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA": (
        trust({"AWS": [f"arn:aws:iam::111122223333:role/r{i:04d}" for i in range(60)]}),
        trust({"AWS": [f"arn:aws:iam::111122223333:role/r{i:04d}" for i in range(30)]}),
    ),
    "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA": (
        Case(pol(st(resource=big(300), Principal={"AWS": ACCOUNT})), "resource", "sqs:queue"),
        Case(pol(st(resource=big(300), Principal={"AWS": ACCOUNT})), "resource", "s3:bucket"),
    ),
    # principals
    "UNSUPPORTED_PRINCIPAL": (Case(pol(st(Principal={"AWS": ACCOUNT}))), Case(pol(st()))),
    "SCP_SYNTAX_ERROR_PRINCIPAL": (
        scp(st(resource="*", effect="Deny", Principal="*")),
        scp(st(resource="*", effect="Deny")),
    ),
    "MISSING_PRINCIPAL": (Case(pol(st()), "resource"), res()),
    "INVALID_PRINCIPAL_FORMAT": (res(ACCOUNT), res({"AWS": ACCOUNT})),
    "INVALID_PRINCIPAL_KEY": (res({"IAM": ACCOUNT}), res({"AWS": ACCOUNT})),
    "EMPTY_OBJECT_PRINCIPAL": (res({}), res({"AWS": ACCOUNT})),
    "EMPTY_ARRAY_PRINCIPAL": (res({"AWS": []}), res({"AWS": [ACCOUNT]})),
    "ALLOW_WITH_NOT_PRINCIPAL": (
        Case(pol(st(NotPrincipal={"AWS": ACCOUNT})), "resource"),
        Case(pol(st(effect="Deny", NotPrincipal={"AWS": ACCOUNT})), "resource"),
    ),
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL": (
        Case(
            pol({"Effect": "Deny", "NotPrincipal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}),
            "trust",
        ),
        trust({"AWS": ACCOUNT}),
    ),
    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE": (
        trust({"AWS": ACCOUNT}, Resource=ROLE),
        trust({"AWS": ACCOUNT}),
    ),
    "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL": (
        trust("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    ),
    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL": (
        res({"AWS": "arn:aws:iam::111122223333:role/*"}),
        res({"AWS": ROLE}),
    ),
    "INVALID_SERVICE_PRINCIPAL_FORMAT": (
        trust({"Service": "lambda"}),
        trust({"Service": "lambda.amazonaws.com"}),
    ),
    "INVALID_ROLE_REFERENCE": (res({"AWS": "AROAEXAMPLEID1234567"}), res({"AWS": ROLE})),
    "INVALID_USER_REFERENCE": (
        res({"AWS": "AIDAEXAMPLEID1234567"}),
        res({"AWS": "arn:aws:iam::111122223333:user/bob"}),
    ),
    "FEDERATED_PRINCIPAL_NOT_SUPPORTED": (
        res({"Federated": "cognito-identity.amazonaws.com"}),
        res({"AWS": ACCOUNT}),
    ),
    "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY": (
        trust({"Federated": "corp-saml"}, "sts:AssumeRoleWithSAML"),
        trust({"Federated": SAML}, "sts:AssumeRoleWithSAML"),
    ),
    "MISMATCHED_ACTION_FOR_PRINCIPAL": (
        trust({"Federated": SAML}, "sts:AssumeRoleWithWebIdentity"),
        trust({"Federated": SAML}, "sts:AssumeRoleWithSAML"),
    ),
    "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY": (
        trust({"Service": "rolesanywhere.amazonaws.com"}, "sts:AssumeRole"),
        trust(
            {"Service": "rolesanywhere.amazonaws.com"},
            ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
        ),
    ),
    "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY": (
        trust({"AWS": [ROLE, "arn:aws:sts::111122223333:assumed-role/app/session"]}),
        trust({"AWS": [ROLE, "arn:aws:sts::111122223333:assumed-role/other/session"]}),
    ),
    "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL": (
        res({"Service": "cloudtrail.amazonaws.com"}, action="s3:PutObject"),
        res(
            {"Service": "cloudtrail.amazonaws.com"},
            action="s3:PutObject",
            Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}},
        ),
    ),
    "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL": (
        trust({"Service": "lambda.amazonaws.com"}),
        trust(
            {"Service": "lambda.amazonaws.com"},
            Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}},
        ),
    ),
    "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL": (
        res(
            {"Service": "cloudtrail.amazonaws.com"},
            Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        ),
        res({"AWS": ACCOUNT}, Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    ),
    "ALLOW_PUBLIC_PRINCIPAL_WITHOUT_CONDITION": (
        res("*"),
        res("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    ),
    "TRUST_POLICY_OPEN_TO_ANY_ACCOUNT": (
        trust({"AWS": "*"}),
        trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
    ),
    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL": (
        trust({"Federated": EKS}, "sts:AssumeRoleWithWebIdentity"),
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:default:app"
                }
            },
        ),
    ),
    "MISSING_GITHUB_REPO_CONDITION_KEY": (
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
            },
        ),
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"
                }
            },
        ),
    ),
    "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED": (
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}},
        ),
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"
                }
            },
        ),
    ),
    "OIDC_SUBJECT_NOT_RESTRICTED": (
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com"
                }
            },
        ),
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com",
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "system:serviceaccount:default:app",
                }
            },
        ),
    ),
    "MISSING_PAIRED_CONDITION_KEYS": (
        trust(
            {"Federated": "cognito-identity.amazonaws.com"},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}
            },
        ),
        trust(
            {"Federated": "cognito-identity.amazonaws.com"},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"},
            },
        ),
    ),
    "CONFIRM_AUDIENCE_CLAIM_TYPE": (
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "ForAnyValue:StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com"
                }
            },
        ),
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {
                    "oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud": "sts.amazonaws.com"
                }
            },
        ),
    ),
    # actions and resources
    "INVALID_SERVICE_IN_ACTION": (Case(pol(st(action="s4:GetObject"))), Case(pol(st()))),
    "INVALID_ACTION": (Case(pol(st(action="s3:GetObjekt"))), Case(pol(st(action="s3:GetObject*")))),
    "WILDCARD_IN_SERVICE_NAME": (
        Case(pol(st(action="s*:GetObject", resource="*"))),
        Case(pol(st(action="s3:Get*"))),
    ),
    "EMPTY_ARRAY_ACTION": (Case(pol(st(action=[]))), Case(pol(st(action=["s3:GetObject"])))),
    "EMPTY_ARRAY_RESOURCE": (Case(pol(st(resource=[]))), Case(pol(st(resource=[OBJECTS])))),
    "INVALID_ARN_PREFIX": (Case(pol(st(resource="s3:::example-bucket/*"))), Case(pol(st()))),
    "MISSING_ARN_FIELD": (Case(pol(st(resource="arn:aws:s3:example-bucket"))), Case(pol(st()))),
    "INVALID_PARTITION": (
        Case(pol(st(resource="arn:aws-mars:s3:::example-bucket/*"))),
        Case(pol(st(resource="arn:aws-cn:s3:::example-bucket/*"))),
    ),
    "INVALID_ARN_SERVICE_CASE": (
        Case(pol(st(resource="arn:aws:S3:::example-bucket/*"))),
        Case(pol(st())),
    ),
    "INVALID_SERVICE": (Case(pol(st(resource="arn:aws:s4:::example-bucket/*"))), Case(pol(st()))),
    "INVALID_ARN_REGION": (
        Case(pol(st("sqs:SendMessage", "arn:aws:sqs:us-east-9:111122223333:q"))),
        Case(pol(st("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"))),
    ),
    "INVALID_ARN_ACCOUNT": (
        Case(pol(st("sqs:SendMessage", "arn:aws:sqs:us-east-1:1111:q"))),
        Case(pol(st("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"))),
    ),
    "INVALID_ARN_RESOURCE": (
        Case(pol(st("iam:GetRole", "arn:aws:iam::111122223333:roles/app"))),
        Case(pol(st("iam:GetRole", ROLE))),
    ),
    "MISSING_ARN_REGION": (
        Case(pol(st("sqs:SendMessage", "arn:aws:sqs::111122223333:q"))),
        Case(pol(st("sqs:SendMessage", "arn:aws:sqs:*:111122223333:q"))),
    ),
    "ARN_REGION_NOT_ALLOWED": (
        Case(pol(st(resource="arn:aws:s3:us-east-1::example-bucket/*"))),
        Case(pol(st())),
    ),
    "ARN_ACCOUNT_NOT_ALLOWED": (
        Case(pol(st(resource="arn:aws:s3::111122223333:example-bucket/*"))),
        Case(pol(st())),
    ),
    "RESOURCE_MATCHES_NO_ACTION": (
        Case(pol(st("s3:GetObject", BUCKET))),
        Case(pol(st("s3:ListBucket", BUCKET))),
    ),
    "UNSUPPORTED_ACTION_IN_POLICY": (
        Case(pol(st("ec2:RunInstances", "*", Principal={"AWS": ACCOUNT})), "resource", "s3:bucket"),
        Case(pol(st("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})), "resource", "s3:bucket"),
    ),
    "UNSUPPORTED_RESOURCE_ARN_IN_POLICY": (
        Case(
            pol(
                st(
                    "s3:GetObject",
                    "arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*",
                    Principal={"AWS": ACCOUNT},
                )
            ),
            "resource",
            "s3:bucket",
        ),
        Case(
            pol(st("s3:GetObject", OBJECTS, Principal={"AWS": ACCOUNT})),
            "resource",
            "AWS::S3::Bucket",
        ),
    ),
    "RCP_UNSUPPORTED_SERVICE": (
        Case(pol(st("ec2:*", "*", effect="Deny", Principal="*")), "rcp"),
        Case(pol(st("s3:*", "*", effect="Deny", Principal="*")), "rcp"),
    ),
    "RCP_PRINCIPAL_NOT_WILDCARD": (
        Case(pol(st("s3:*", "*", effect="Deny", Principal={"AWS": ACCOUNT})), "rcp"),
        Case(pol(st("s3:*", "*", effect="Deny", Principal="*")), "rcp"),
    ),
    # security
    "PASS_ROLE_WITH_STAR_IN_RESOURCE": (
        Case(pol(st("iam:PassRole", "*"))),
        Case(pol(st("iam:PassRole", ROLE))),
    ),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": (
        Case(pol(st("iam:Pass*", "*"))),
        Case(pol(st("iam:Pass*", ROLE))),
    ),
    "PASS_ROLE_WITH_NOTRESOURCE": (
        Case(pol(st("iam:PassRole", None, NotResource=ROLE))),
        Case(pol(st("iam:PassRole", None, NotResource=ROLE, effect="Deny"))),
    ),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOTRESOURCE": (
        Case(pol(st("iam:*", None, NotResource=ROLE))),
        Case(pol(st("iam:Get*", None, NotResource=ROLE))),
    ),
    "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOTACTION": (
        Case(pol(st(None, "*", NotAction="s3:*"))),
        Case(pol(st(None, "*", NotAction="iam:*"))),
    ),
    "PASS_ROLE_WITH_NOTACTION_AND_NOTRESOURCE": (
        Case(pol(st(None, None, NotAction="s3:*", NotResource=ROLE))),
        Case(pol(st(None, None, NotAction=["s3:*", "iam:PassRole"], NotResource=ROLE))),
    ),
    "CREATE_SLR_WITH_STAR_IN_RESOURCE": (
        Case(pol(st("iam:CreateServiceLinkedRole", "*"))),
        Case(
            pol(
                st(
                    "iam:CreateServiceLinkedRole",
                    "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/*",
                )
            )
        ),
    ),
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE": (
        Case(pol(st("iam:Create*", "*"))),
        Case(pol(st("iam:Create*", ROLE))),
    ),
    "CREATE_SLR_WITH_NOTRESOURCE": (
        Case(pol(st("iam:CreateServiceLinkedRole", None, NotResource=ROLE))),
        Case(pol(st("iam:CreateServiceLinkedRole", ROLE))),
    ),
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOTRESOURCE": (
        Case(pol(st("iam:Create*", None, NotResource=ROLE))),
        Case(pol(st("iam:Get*", None, NotResource=ROLE))),
    ),
    "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOTACTION": (
        Case(pol(st(None, "*", NotAction="s3:*"))),
        Case(pol(st(None, "*", NotAction="iam:Create*"))),
    ),
    "CREATE_SLR_WITH_NOTACTION_AND_NOTRESOURCE": (
        Case(pol(st(None, None, NotAction="s3:*", NotResource=ROLE))),
        Case(pol(st(None, None, NotAction="iam:*", NotResource=ROLE))),
    ),
    "ALLOW_WITH_NOT_ACTION": (
        Case(pol(st(None, NotAction="s3:DeleteObject"))),
        Case(pol(st(None, NotAction="s3:DeleteObject", effect="Deny"))),
    ),
    "ALLOW_WITH_NOT_RESOURCE": (
        Case(pol(st(resource=None, NotResource=BUCKET))),
        Case(pol(st(resource=None, NotResource=BUCKET, effect="Deny"))),
    ),
    "PERMISSIONS_MANAGEMENT_ACTION_WITH_STAR_IN_RESOURCE": (
        Case(pol(st("iam:AttachRolePolicy", "*"))),
        Case(pol(st("iam:AttachRolePolicy", ROLE))),
    ),
    "WRITE_ACTION_WITH_STAR_IN_RESOURCE": (
        Case(pol(st("s3:DeleteObject", "*"))),
        Case(
            pol(
                cond(
                    "Bool",
                    "aws:MultiFactorAuthPresent",
                    "true",
                    action="s3:DeleteObject",
                    resource="*",
                )
            )
        ),
    ),
    # conditions
    "EMPTY_OBJECT_CONDITION": (
        Case(pol(st(Condition={}))),
        Case(pol(cond("Bool", "aws:SecureTransport", "true"))),
    ),
    "INVALID_CONDITION_OPERATOR": (
        Case(pol(cond("StringEqual", "aws:PrincipalAccount", "111122223333"))),
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", "111122223333"))),
    ),
    "NULL_WITH_IF_EXISTS": (
        Case(pol(cond("NullIfExists", "aws:TokenIssueTime", "true"))),
        Case(pol(cond("Null", "aws:TokenIssueTime", "true"))),
    ),
    "NULL_WITH_QUALIFIER": (
        Case(pol(cond("ForAnyValue:Null", "aws:TagKeys", "false"))),
        Case(pol(cond("Null", "aws:TagKeys", "false"))),
    ),
    "INVALID_CONDITION_KEY_FORMAT": (
        Case(pol(cond("StringEquals", "SourceAccount", "111122223333"))),
        Case(pol(cond("StringEquals", "aws:SourceAccount", "111122223333"))),
    ),
    "INVALID_GLOBAL_CONDITION_KEY": (
        Case(pol(cond("StringEquals", "aws:SourceAcount", "111122223333"))),
        Case(pol(cond("StringEquals", "aws:SourceAccount", "111122223333"))),
    ),
    "UNSUPPORTED_GLOBAL_CONDITION_KEY": (
        Case(pol(cond("ArnEquals", "aws:ARN", ROLE))),
        Case(pol(cond("ArnEquals", "aws:PrincipalArn", ROLE))),
    ),
    "MISSING_TAG_KEY_IN_CONDITION": (
        Case(pol(cond("StringEquals", "aws:ResourceTag", "x"))),
        Case(pol(cond("StringEquals", "aws:ResourceTag/team", "x"))),
    ),
    "INVALID_SERVICE_CONDITION_KEY": (
        Case(pol(cond("StringEquals", "s3:x-amz-acll", "private", action="s3:PutObject"))),
        Case(pol(cond("StringEquals", "s3:x-amz-acl", "private", action="s3:PutObject"))),
    ),
    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE": (
        Case(
            pol(
                st(
                    Condition={
                        "StringEquals": {
                            "aws:PrincipalAccount": "111122223333",
                            "aws:principalaccount": "444455556666",
                        }
                    }
                )
            )
        ),
        Case(
            pol(
                st(
                    Condition={
                        "StringEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]}
                    }
                )
            )
        ),
    ),
    "TYPE_MISMATCH": (
        Case(pol(cond("StringEquals", "aws:SourceIp", "203.0.113.1"))),
        Case(pol(cond("IpAddress", "aws:SourceIp", "203.0.113.1"))),
    ),
    "TYPE_MISMATCH_BOOLEAN": (
        Case(pol(cond("Bool", "aws:SecureTransport", "yes"))),
        Case(pol(cond("Bool", "aws:SecureTransport", True))),
    ),
    "TYPE_MISMATCH_DATE": (
        Case(pol(cond("DateGreaterThan", "aws:CurrentTime", "tomorrow"))),
        Case(pol(cond("DateGreaterThan", "aws:CurrentTime", "2025-01-31T00:00:00Z"))),
    ),
    "INVALID_DATE_VALUE": (
        Case(pol(cond("DateGreaterThan", "aws:CurrentTime", "01/31/2025"))),
        Case(pol(cond("DateGreaterThan", "aws:CurrentTime", "2025-01-31"))),
    ),
    "TYPE_MISMATCH_IP_RANGE": (
        Case(pol(cond("IpAddress", "aws:SourceIp", "203.0.113.0/33"))),
        Case(pol(cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))),
    ),
    "TYPE_MISMATCH_NUMBER": (
        Case(pol(cond("NumericLessThan", "aws:MultiFactorAuthAge", "one hour"))),
        Case(pol(cond("NumericLessThan", "aws:MultiFactorAuthAge", 3600))),
    ),
    "TYPE_MISMATCH_STRING": (
        Case(pol(cond("BinaryEquals", "aws:UserAgent", "not base64!"))),
        Case(pol(cond("BinaryEquals", "aws:UserAgent", "QmluYXJ5VmFsdWU="))),
    ),
    "INVALID_CONDITION_MULTIPLE_BOOLEAN": (
        Case(pol(cond("Bool", "aws:SecureTransport", ["true", "false"]))),
        Case(pol(cond("Bool", "aws:SecureTransport", ["true"]))),
    ),
    "INVALID_CONDITION_DATA_TYPE": (
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", ["111122223333", 444455556666]))),
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", ["111122223333", "444455556666"]))),
    ),
    "EMPTY_ARRAY_CONDITION": (
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", []))),
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", ["111122223333"]))),
    ),
    "EMPTY_ARRAY_CONDITION_FORALLVALUES": (
        Case(pol(cond("ForAllValues:StringEquals", "aws:TagKeys", []))),
        Case(pol(cond("ForAllValues:StringEquals", "aws:TagKeys", ["team"]))),
    ),
    "EMPTY_ARRAY_CONDITION_FORANYVALUE": (
        Case(pol(cond("ForAnyValue:StringEquals", "aws:TagKeys", []))),
        Case(pol(cond("ForAnyValue:StringEquals", "aws:TagKeys", ["team"]))),
    ),
    "EMPTY_ARRAY_CONDITION_IFEXISTS": (
        Case(pol(cond("StringEqualsIfExists", "aws:PrincipalAccount", []))),
        Case(pol(cond("StringEqualsIfExists", "aws:PrincipalAccount", ["111122223333"]))),
    ),
    "WILDCARD_WITHOUT_LIKE_OPERATOR": (
        Case(
            pol(cond("StringEquals", "aws:PrincipalOrgPaths", "o-a/r-b/*", action="s3:GetObject"))
        ),
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", "${aws:ResourceAccount}"))),
    ),
    "MISSING_QUALIFIER": (
        Case(pol(cond("StringEquals", "aws:TagKeys", "team"))),
        Case(pol(cond("ForAllValues:StringEquals", "aws:TagKeys", "team"))),
    ),
    "FORALLVALUES_WITH_SINGLE_VALUED_KEY": (
        Case(pol(cond("ForAllValues:StringEquals", "aws:PrincipalAccount", "111122223333"))),
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", "111122223333"))),
    ),
    "INVALID_VPC_FORMAT": (
        Case(pol(cond("StringEquals", "aws:SourceVpc", "vpc-123"))),
        Case(pol(cond("StringEquals", "aws:SourceVpc", "vpc-1a2b3c4d"))),
    ),
    "INVALID_VPCE_FORMAT": (
        Case(pol(cond("StringEquals", "aws:SourceVpce", "vpc-1a2b3c4d"))),
        Case(pol(cond("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d5e6f7a8b9"))),
    ),
    "INVALID_REGION": (
        Case(pol(cond("StringEquals", "aws:RequestedRegion", "us-east-9"))),
        Case(pol(cond("StringEquals", "aws:RequestedRegion", "eu-west-1"))),
    ),
    "PRIVATE_IP_ADDRESS": (
        Case(pol(cond("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "192.168.0.0/16"]))),
        Case(pol(cond("IpAddress", "aws:VpcSourceIp", ["10.0.0.0/8"]))),
    ),
    "PRIVATE_NOTIPADDRESS": (
        Case(pol(cond("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8"], effect="Deny"))),
        Case(pol(cond("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], effect="Deny"))),
    ),
    "PRIVATE_IP_ADDRESS_SUBSET": (
        Case(pol(cond("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.0/24"]))),
        Case(pol(cond("IpAddress", "aws:SourceIp", ["198.51.100.0/24", "203.0.113.0/24"]))),
    ),
    "PRIVATE_NOTIPADDRESS_SUBSET": (
        Case(
            pol(
                cond(
                    "NotIpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.0/24"], effect="Deny"
                )
            )
        ),
        Case(pol(cond("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], effect="Deny"))),
    ),
    "IMPROVE_IP_RANGE": (
        Case(pol(cond("IpAddress", "aws:SourceIp", "203.0.113.5/24"))),
        Case(pol(cond("IpAddress", "aws:SourceIp", "203.0.113.5"))),
    ),
    "REDUNDANT_CONDITION_VALUE_NUM": (
        Case(pol(cond("NumericLessThan", "aws:MultiFactorAuthAge", [3600, 7200]))),
        Case(pol(cond("NumericEquals", "aws:MultiFactorAuthAge", [3600, 7200]))),
    ),
    "IRRELEVANT_CONDITION_KEY_IN_POLICY": (
        Case(
            pol(
                cond(
                    "StringEquals",
                    "aws:ResourceAccount",
                    "111122223333",
                    Principal={"AWS": ACCOUNT},
                )
            ),
            "resource",
            "s3:bucket",
        ),
        Case(
            pol(
                cond(
                    "StringEquals",
                    "aws:PrincipalAccount",
                    "111122223333",
                    Principal={"AWS": ACCOUNT},
                )
            ),
            "resource",
            "s3:bucket",
        ),
    ),
    "UNSUPPORTED_ACTION_FOR_CONDITION_KEY": (
        Case(pol(cond("StringEquals", "s3:x-amz-acl", "private", action="s3:GetObject"))),
        Case(pol(cond("StringEquals", "s3:x-amz-acl", "private", action="s3:PutObject"))),
    ),
    "MISSING_ACTION_FOR_CONDITION_KEY": (
        Case(
            pol(
                cond(
                    "StringEquals",
                    "ec2:CreateAction",
                    "RunInstances",
                    action="ec2:RunInstances",
                    resource="*",
                )
            )
        ),
        Case(
            pol(
                cond(
                    "StringEquals",
                    "ec2:CreateAction",
                    "RunInstances",
                    action=["ec2:RunInstances", "ec2:CreateTags"],
                    resource="*",
                )
            )
        ),
    ),
    # tag keys per service
    "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        Case(
            pol(
                cond(
                    "StringEquals",
                    "aws:ResourceTag/env",
                    "prod",
                    action=["ec2:*", "health:*"],
                    resource="*",
                    effect="Deny",
                )
            )
        ),
        Case(
            pol(
                cond(
                    "StringEquals",
                    "aws:ResourceTag/env",
                    "prod",
                    action=["ec2:*", "s3:*"],
                    resource="*",
                    effect="Deny",
                )
            )
        ),
    ),
    "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        Case(
            pol(
                st(
                    None,
                    "*",
                    effect="Deny",
                    NotAction="iam:*",
                    Condition={"StringEquals": {"aws:ResourceTag/env": "prod"}},
                )
            )
        ),
        Case(
            pol(
                st(
                    None,
                    "*",
                    effect="Deny",
                    NotAction="iam:*",
                    Condition={"StringNotEquals": {"aws:ResourceTag/env": "prod"}},
                )
            )
        ),
    ),
    "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        Case(
            pol(
                cond(
                    "StringEquals",
                    "aws:RequestTag/env",
                    "dev",
                    action=["ec2:RunInstances", "support:CreateCase"],
                    resource="*",
                )
            )
        ),
        Case(
            pol(
                cond(
                    "StringEquals",
                    "aws:RequestTag/env",
                    "dev",
                    action=["ec2:RunInstances"],
                    resource="*",
                )
            )
        ),
    ),
    "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE": (
        Case(
            pol(
                st(
                    None,
                    "*",
                    NotAction="iam:*",
                    Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}},
                )
            )
        ),
        Case(
            pol(
                st(
                    None,
                    "*",
                    NotAction="iam:*",
                    Condition={"StringEqualsIfExists": {"aws:ResourceTag/env": "dev"}},
                )
            )
        ),
    ),
    # variables
    "MISSING_BRACE_IN_VARIABLE": (
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:username"))),
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:username}"))),
    ),
    "EMPTY_VARIABLE": (
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${}"))),
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${*}"))),
    ),
    "MISSING_QUOTE_IN_VARIABLE": (
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:username, guest}"))),
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:username, 'guest'}"))),
    ),
    "UNSUPPORTED_SPACE_IN_VARIABLE": (
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:user name}"))),
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:username}"))),
    ),
    "UNSUPPORTED_SYMBOL_IN_VARIABLE": (
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:user#name}"))),
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:PrincipalTag/team-name}"))),
    ),
    "VARIABLE_UNSUPPORTED_IN_ELEMENT": (
        Case(pol(st(action="s3:${aws:username}"))),
        Case(
            pol(
                cond(
                    "StringEquals",
                    "s3:prefix",
                    "${aws:username}/",
                    action="s3:ListBucket",
                    resource=BUCKET,
                )
            )
        ),
    ),
    "VARIABLE_UNSUPPORTED_IN_VERSION": (
        Case(
            pol(st(resource="arn:aws:s3:::example-bucket/${aws:username}/*"), Version="2008-10-17")
        ),
        Case(pol(st(resource="arn:aws:s3:::example-bucket/${aws:username}/*"))),
    ),
    "INVALID_VARIABLE_FOR_OPERATOR": (
        Case(pol(cond("NumericLessThan", "aws:MultiFactorAuthAge", "${aws:EpochTime}"))),
        Case(pol(cond("StringEquals", "aws:PrincipalAccount", "${aws:ResourceAccount}"))),
    ),
    # redundancy
    "REDUNDANT_ACTION": (
        Case(pol(st(["s3:Get*", "s3:GetObject"]))),
        Case(pol(st(["s3:GetObject", "s3:GetObjectAcl"]))),
    ),
    "REDUNDANT_RESOURCE": (
        Case(pol(st(resource=[OBJECTS, "arn:aws:s3:::example-bucket/reports/*"]))),
        Case(pol(st(resource=[OBJECTS, "arn:aws:s3:::other-bucket/*"]))),
    ),
    "REDUNDANT_STATEMENT": (Case(pol(st(), st())), Case(pol(st(), st(action="s3:PutObject")))),
    "ALLOW_SHADOWED_BY_DENY": (
        Case(pol(st(), st("s3:*", "*", effect="Deny"))),
        Case(
            pol(
                st(),
                cond(
                    "Bool",
                    "aws:SecureTransport",
                    "false",
                    action="s3:*",
                    resource="*",
                    effect="Deny",
                ),
            )
        ),
    ),
}

# further policies that trigger a code by another route than the table's first case
MORE_TRIGGERS: list[tuple[str, Case]] = [
    ("INVALID_SERVICE", Case(pol(cond("StringEquals", "s4:prefix", "home/")))),
    ("MISSING_TAG_KEY_IN_CONDITION", Case(pol(cond("StringEquals", "s3:ExistingObjectTag", "x")))),
    ("DATA_TYPE_MISMATCH", Case("[1, 2]")),
    ("MISSING_STATEMENT", Case({"Version": V, "Statement": []})),
    ("INVALID_POLICY_ELEMENT", Case({"Version": V, "Statment": [st()]})),
    ("UNSUPPORTED_ELEMENT_COMBINATION", res({"AWS": ACCOUNT}, NotPrincipal={"AWS": ROLE})),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL", trust({"Federated": GITHUB}, "sts:AssumeRoleWithSAML")),
    ("MISMATCHED_ACTION_FOR_PRINCIPAL", trust({"AWS": ACCOUNT}, "sts:AssumeRoleWithWebIdentity")),
    ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", trust({"Service": "*.amazonaws.com"})),
    (
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        res({"AWS": "arn:aws:iam::111122223333:user/${aws:username}"}),
    ),
    (
        "VARIABLE_UNSUPPORTED_IN_VERSION",
        Case({"Statement": [cond("StringEquals", "s3:prefix", "${aws:username}/")]}),
    ),
    (
        "RESOURCE_MATCHES_NO_ACTION",
        Case(pol(st("sqs:SendMessage", "arn:aws:sns:us-east-1:111122223333:topic"))),
    ),
    ("REDUNDANT_ACTION", Case(pol(st(["s3:GetObject", "S3:getobject"])))),
    ("RESOURCE_MATCHES_NO_ACTION", Case(pol(st("s3:ListBucket", OBJECTS)))),
    (
        "OIDC_SUBJECT_NOT_RESTRICTED",
        trust(
            {"Federated": EKS},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringLike": {"oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub": "*"}},
        ),
    ),
    (
        "REDUNDANT_STATEMENT",
        Case(
            pol(
                st(["s3:Get*"], "arn:aws:s3:::example-bucket/*"),
                st("s3:GetObject", "arn:aws:s3:::example-bucket/a/*"),
            )
        ),
    ),
    (
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        Case(
            pol(
                cond(
                    "StringEquals",
                    "s3:x-amz-acl",
                    "private",
                    action=["s3:PutObject", "s3:GetObject"],
                )
            )
        ),
    ),
    (
        "INVALID_CONDITION_OPERATOR",
        Case(pol(cond("ForSomeValues:StringEquals", "aws:TagKeys", "team"))),
    ),
]

# policies a reader would call good: no finding of any kind
CLEAN: list[Case] = [
    Case(
        pol(
            st(["s3:GetObject", "s3:ListBucket"], [BUCKET, OBJECTS], Sid="Read"),
            st(
                "secretsmanager:GetSecretValue",
                "*",
                Sid="Tagged",
                Condition={
                    "StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}
                },
            ),
            st(
                "s3:*",
                "*",
                effect="Deny",
                Sid="TlsOnly",
                Condition={"Bool": {"aws:SecureTransport": "false"}},
            ),
            st(
                "iam:PassRole",
                ROLE,
                Sid="Pass",
                Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            ),
            st(
                "s3:ListBucket",
                BUCKET,
                Sid="Home",
                Condition={"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}},
            ),
        )
    ),
    Case(
        pol(
            st(
                "s3:GetObject",
                OBJECTS,
                Principal="*",
                Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
            ),
            st(
                "s3:PutObject",
                "arn:aws:s3:::example-bucket/AWSLogs/*",
                Principal={"Service": "cloudtrail.amazonaws.com"},
                Condition={
                    "StringEquals": {
                        "aws:SourceAccount": "111122223333",
                        "s3:x-amz-acl": "bucket-owner-full-control",
                    }
                },
            ),
        ),
        "resource",
        "s3:bucket",
    ),
    trust(
        {"Federated": GITHUB},
        "sts:AssumeRoleWithWebIdentity",
        Condition={
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:org/app:environment:prod",
            }
        },
    ),
    scp(
        st(
            None,
            "*",
            effect="Deny",
            NotAction=["iam:*", "sts:*"],
            Sid="Regions",
            Condition={"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
        )
    ),
    Case(
        pol(
            st(
                "s3:*",
                "*",
                effect="Deny",
                Principal="*",
                Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123def4"}},
            )
        ),
        "rcp",
    ),
]
