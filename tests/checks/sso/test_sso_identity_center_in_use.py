"""Per account: reached through an Identity Center assignment or a SAML provider."""

from __future__ import annotations

from cloudwarden.model import Resource, Status
from cloudwarden.testing import (
    ACCOUNT,
    collection_error,
    findings_for,
    make_resource,
    make_snapshot,
)

CHECK = "sso_identity_center_in_use"
PROD = "210987654321"
DEV = "310987654321"
PS = "arn:aws:sso:::permissionSet/ssoins-1111/ps-2222"


def assignment(target: str) -> Resource:
    key = f"{target}/GROUP/g-1"
    data = {
        "AccountId": target,
        "PermissionSetArn": PS,
        "PrincipalType": "GROUP",
        "PrincipalId": "g-1",
    }
    return make_resource("AWS::SSO::Assignment", f"{PS}/{key}", data, region="global")


def saml(account: str) -> Resource:
    return make_resource(
        "AWS::IAM::SAMLProvider",
        f"arn:aws:iam::{account}:saml-provider/corp",
        {},
        region="global",
        account=account,
        name="corp",
    )


def statuses(resources: list[Resource], **kwargs: object) -> dict[str, Status]:
    snap = make_snapshot(resources, accounts=[ACCOUNT, PROD, DEV], **kwargs)  # type: ignore[arg-type]
    return {f.account: f.status for f in findings_for(snap, CHECK)}


def test_assignments_and_saml_federation_pass() -> None:
    assert statuses([assignment(PROD), saml(DEV)]) == {
        ACCOUNT: Status.FAIL,
        PROD: Status.PASS,
        DEV: Status.PASS,
    }


def test_reason_names_the_permission_sets() -> None:
    snap = make_snapshot([assignment(PROD)], accounts=[PROD])
    [finding] = findings_for(snap, CHECK)
    assert "ps-2222" in finding.status_reason
    assert finding.resource_arn == f"arn:aws:sso::{PROD}:account"


def test_missing_identity_center_data_is_not_assessed_elsewhere() -> None:
    err = collection_error("AWS::SSO::Assignment", account=ACCOUNT)
    found = statuses([assignment(PROD)], errors=[err])
    assert found == {ACCOUNT: Status.NOT_ASSESSED, PROD: Status.PASS, DEV: Status.NOT_ASSESSED}


def test_member_scanned_without_its_management_account_is_not_assessed() -> None:
    org = {
        "Id": "o-1",
        "Arn": f"arn:aws:organizations::{ACCOUNT}:organization/o-1",
        "MasterAccountId": ACCOUNT,
    }
    member_view = make_resource(
        "AWS::Organizations::Organization", org["Arn"], org, region="global", account=DEV
    )
    [finding] = findings_for(make_snapshot([member_view], accounts=[DEV]), CHECK)
    assert finding.status is Status.NOT_ASSESSED


def test_a_member_error_does_not_cloud_the_other_members() -> None:
    err = collection_error("AWS::SSO::Instance", account=DEV)
    org = {"id": "o-1", "management_account": ACCOUNT}
    found = statuses([assignment(PROD)], errors=[err], organization=org)
    assert found == {ACCOUNT: Status.FAIL, PROD: Status.PASS, DEV: Status.NOT_ASSESSED}
