"""External, public and unused access, decided by the IAM engine with a witness each.

``external_access(snapshot)`` answers, for every resource with a resource policy (S3
with its ACL and Block Public Access, KMS, SQS, SNS, Lambda, Secrets Manager, ECR, role
trust policies), who outside the account or the organisation can act and with which
actions; ``unused_access(snapshot, days)`` lists idle users, credentials and roles.
``access_findings`` / ``unused_findings`` turn both into findings and
``access_section`` into a section of the HTML report. See docs/iam-access.md.
"""

from cloudwarden.iam.access.external import (
    ExternalAccess,
    Organization,
    ResourceAccess,
    Witness,
    analyse_policy,
    outsider_policy_set,
)
from cloudwarden.iam.access.findings import access_findings, unused_findings
from cloudwarden.iam.access.s3 import analyse_bucket
from cloudwarden.iam.access.scan import (
    AccessAnalysis,
    analyse_snapshot,
    external_access,
    organization_of,
)
from cloudwarden.iam.access.unused import DEFAULT_DAYS, UnusedAccess, unused_access

__all__ = [
    "DEFAULT_DAYS",
    "AccessAnalysis",
    "ExternalAccess",
    "Organization",
    "ResourceAccess",
    "UnusedAccess",
    "Witness",
    "access_findings",
    "analyse_bucket",
    "analyse_policy",
    "analyse_snapshot",
    "external_access",
    "organization_of",
    "outsider_policy_set",
    "unused_access",
    "unused_findings",
]
