"""What a playbook acts on, and what a run does when the alert does not say.

Inputs are resolved from the alert (a template function reads the instance out of the
session name of instance credentials), from a lookup step (a flow's address to its
interface, instance and groups), or not at all: then the run ends ``needs-input`` before
its first change, naming the input; a resource that does not exist ends it
``not-applicable``. Neither is a failure. Real actions run against moto in-process.
"""

from __future__ import annotations

from typing import Any

import pytest

from cloudwarden.aws.session import AwsContext
from cloudwarden.respond.actions import is_read_only
from cloudwarden.respond.catalog import find_playbook
from cloudwarden.respond.config import Mode, RespondConfig, Scope
from cloudwarden.respond.journal import JournalEntry, run_status
from cloudwarden.respond.playbook import PlaybookError, parse_playbook
from cloudwarden.respond.record import post_incident_record
from cloudwarden.respond.routing import Router, incident_from_alert
from cloudwarden.respond.runner import Runner, RunOutcome
from cloudwarden.respond.template import TemplateError, dedup_field, render, session_instance
from cloudwarden.respond.trigger import alert_trigger
from cloudwarden.store import Store

ACCOUNT = "123456789012"
REGION = "us-east-1"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/i-0a1b2c3d4e5f67890"


# --- template functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SESSION, "i-0a1b2c3d4e5f67890"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/i-12345678", "i-12345678"),
        ("AROAEXAMPLEROLEID:i-0a1b2c3d4e5f67890", "i-0a1b2c3d4e5f67890"),  # principalId
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/alice", None),  # a person's session
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/i-nothex000", None),
        (f"arn:aws:iam::{ACCOUNT}:user/i-0a1b2c3d4e5f67890", None),  # a user so named
        ("AIDAEXAMPLEUSER", None),
        ("", None),
        (None, None),
    ],
)
def test_session_instance(value: Any, expected: str | None) -> None:
    assert session_instance(value) == expected


def test_dedup_field_reads_a_dedup_key() -> None:
    key = "srcaddr=10.20.1.134; dstaddr=203.0.113.200"
    assert dedup_field(key, "srcaddr") == "10.20.1.134"
    assert dedup_field(key, "dstaddr") == "203.0.113.200"
    assert dedup_field(key, "interface-id") is None
    assert dedup_field("", "srcaddr") is None


def test_functions_are_alternatives_like_any_reference() -> None:
    ctx = {"alert": {"context": {"userIdentity.arn": SESSION}, "dedup_key": "srcaddr=10.0.0.9"}}
    template = (
        "${alert.context.requestParameters.instanceId"
        " | session_instance(alert.context.userIdentity.arn)}"
    )
    assert render(template, ctx) == "i-0a1b2c3d4e5f67890"
    assert render("${dedup_field(alert.dedup_key, 'srcaddr')}", ctx) == "10.0.0.9"
    assert render("${dedup_field(alert.dedup_key, 'dstaddr') | ''}", ctx) == ""
    with pytest.raises(TemplateError, match="unknown function 'eval'"):
        render("${eval(alert.x)}", ctx)
    with pytest.raises(TemplateError, match="takes a reference, then literals"):
        render("${dedup_field(alert.dedup_key, alert.x)}", ctx)


# --- playbook inputs ---------------------------------------------------------------------

_LOOKUP = {
    "id": "locate",
    "phase": "contain",
    "action": "ec2.find_network_interface",
    "params": {"private_ips": "${dedup_field(alert.dedup_key, 'srcaddr') | ''}"},
}
_TAG = {
    "id": "tag",
    "phase": "contain",
    "action": "ec2.tag_instance",
    "params": {"instance_id": "${inputs.instance_id}", "tags": {"k": "v"}},
}
_RECORD = {"id": "record", "type": "record", "phase": "post-incident"}


def test_inputs_may_use_only_the_lookups_a_playbook_opens_with() -> None:
    inputs = {"instance_id": "${steps.locate.result.instance_id}"}
    book = parse_playbook({"id": "p", "inputs": inputs, "steps": [_LOOKUP, _TAG, _RECORD]})
    assert book.inputs == inputs and book.optional == frozenset()
    with pytest.raises(PlaybookError) as info:
        parse_playbook({"id": "p", "inputs": inputs, "steps": [_TAG, _LOOKUP, _RECORD]})
    assert "an input may only use a lookup step that comes before every other step" in str(
        info.value
    )
    tagged = {"instance_id": "${steps.tag.result.x}"}
    with pytest.raises(PlaybookError):
        parse_playbook({"id": "p", "inputs": tagged, "steps": [_LOOKUP, _TAG, _RECORD]})


def test_an_input_mapping_is_checked_and_may_be_optional() -> None:
    inputs = {"instance_id": {"value": "${alert.x}", "optional": True, "description": "d"}}
    book = parse_playbook({"id": "p", "inputs": inputs, "steps": [_TAG, _RECORD]})
    assert book.inputs == {"instance_id": "${alert.x}"}
    assert book.optional == frozenset({"instance_id"})
    bad = {"instance_id": {"optional": "yes", "default": 1}}
    with pytest.raises(PlaybookError) as info:
        parse_playbook({"id": "p", "inputs": bad, "steps": [_TAG, _RECORD]})
    located = {p.location for p in info.value.problems}
    assert located == {
        "inputs.instance_id.default",
        "inputs.instance_id.value",
        "inputs.instance_id.optional",
    }


# --- runs ----------------------------------------------------------------------------------


@pytest.fixture
def calls(aws: AwsContext) -> list[str]:
    """Every AWS operation the runner's clients send."""
    sent: list[str] = []
    aws.session.events.register(
        "before-call.*.*", lambda event_name, **_: sent.append(event_name.split(".")[-1])
    )
    return sent


def runner(store: Store, aws: AwsContext, regions: tuple[str, ...] = ()) -> Runner:
    scope = Scope(accounts=frozenset({ACCOUNT}), regions=frozenset(regions))
    config = RespondConfig(mode=Mode.AUTO, scope=scope)
    return Runner(store, lambda region: aws, config, sleep=lambda _s: None)


def alert(alert_id: str, region: str = REGION, **fields: Any) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "rule_id": "rule-1",
        "title": "Something on an instance",
        "severity": "high",
        "account": ACCOUNT,
        "region": region,
        "event_id": "e1",
        "event_time": "2026-11-01T10:00:00+00:00",
        **fields,
    }


def host(aws: AwsContext) -> dict[str, str]:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="ssh", Description="o", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
    )
    nic = {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [group]}
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, NetworkInterfaces=[nic])
    found = instance["Instances"][0]
    return {
        "instance": found["InstanceId"],
        "ip": found["NetworkInterfaces"][0]["PrivateIpAddress"],
        "group": group,
    }


def kinds(outcome: RunOutcome) -> dict[str, str]:
    return {e.step: e.kind for e in outcome.entries if e.step}


def tags(aws: AwsContext, instance: str) -> dict[str, str]:
    found = aws.client("ec2").describe_instances(InstanceIds=[instance])
    raw = found["Reservations"][0]["Instances"][0].get("Tags", [])
    return {t["Key"]: t["Value"] for t in raw}


def test_the_instance_comes_from_the_session_name_of_its_credentials(
    store: Store, aws: AwsContext
) -> None:
    box = host(aws)
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/{box['instance']}"
    trigger = alert_trigger(alert("stolen", context={"userIdentity.arn": session}))
    outcome = runner(store, aws).start(
        find_playbook("ec2-compromised-instance"), trigger, Mode.AUTO
    )
    assert outcome.status == "done", outcome.message
    assert kinds(outcome)["locate_instance"] == "skipped"  # the alert said which instance
    assert tags(aws, box["instance"])["cloudwarden:quarantine"] == "true"


def test_a_flow_alert_reaches_its_instance_through_the_interface_lookup(
    store: Store, aws: AwsContext
) -> None:
    """A flow alert has no region and no instance: the lookup searches the scope's regions
    for the source address, and the run acts where the interface was found."""
    box = host(aws)
    flow = alert("mining", region="", dedup_key=f"srcaddr={box['ip']}; dstaddr=203.0.113.200")
    trigger = alert_trigger(flow)
    outcome = runner(store, aws, regions=("eu-west-1", REGION)).start(
        find_playbook("ec2-compromised-instance"), trigger, Mode.AUTO
    )
    assert outcome.status == "done", outcome.message
    located = next(e for e in outcome.entries if e.step == "locate_instance")
    assert located.kind == "noop" and box["instance"] in located.message
    assert tags(aws, box["instance"])["cloudwarden:quarantine"] == "true"
    assert "refused" not in kinds(outcome).values()


def test_a_flow_to_an_open_port_revokes_the_group_of_the_interface_it_reached(
    store: Store, aws: AwsContext
) -> None:
    box = host(aws)
    flow = alert("ssh", region="", dedup_key=f"srcaddr=198.18.201.7; dstaddr={box['ip']}")
    outcome = runner(store, aws, regions=(REGION,)).start(
        find_playbook("security-group-open"), alert_trigger(flow), Mode.AUTO
    )
    assert outcome.status == "done", outcome.message
    assert kinds(outcome)["revoke_open_ingress"] == "done"
    [group] = aws.client("ec2").describe_security_groups(GroupIds=[box["group"]])["SecurityGroups"]
    assert group["IpPermissions"] == []


def test_the_lookup_runs_in_a_dry_run_with_describe_calls_only(
    store: Store, aws: AwsContext, calls: list[str]
) -> None:
    box = host(aws)
    aws._clients.clear()  # new clients carry the recorder
    calls.clear()
    flow = alert("dry", region="", dedup_key=f"srcaddr={box['ip']}; dstaddr=203.0.113.200")
    outcome = runner(store, aws, regions=(REGION,)).start(
        find_playbook("ec2-compromised-instance"), alert_trigger(flow), Mode.DRY_RUN
    )
    assert outcome.status == "dry-run", outcome.message
    assert kinds(outcome)["locate_instance"] == "noop"
    assert kinds(outcome)["tag_instance"] == "planned"  # fed by the lookup
    assert "DescribeNetworkInterfaces" in calls
    assert calls and all(is_read_only(c) for c in calls), calls


def _needs_input(entries: tuple[JournalEntry, ...]) -> JournalEntry:
    [entry] = [e for e in entries if e.kind == "needs-input"]
    return entry


def test_no_instance_anywhere_ends_needs_input_before_any_change(
    store: Store, aws: AwsContext, calls: list[str]
) -> None:
    aws._clients.clear()
    flow = alert("gone", region="", dedup_key="srcaddr=10.99.9.9; dstaddr=203.0.113.200")
    run = runner(store, aws, regions=(REGION,))
    outcome = run.start(find_playbook("ec2-compromised-instance"), alert_trigger(flow), Mode.AUTO)

    assert outcome.status == "needs-input"
    assert all(is_read_only(c) for c in calls), calls  # the lookup's Describe, nothing else
    entry = _needs_input(outcome.entries)
    assert entry.data["missing"] == ["instance_id"]
    assert "10.99.9.9" in entry.message  # what the lookup tried
    assert set(kinds(outcome)) == {"locate_instance"}  # no tag, no page, no record
    assert not {"failed", "intent", "done"} & {e.kind for e in outcome.entries}
    assert run_status(run.journal.entries(outcome.run_id)) == "needs-input"
    assert outcome.message.startswith("needs input instance_id:")
    info = run.journal.run(outcome.run_id)
    assert info is not None
    left = post_incident_record(info, list(outcome.entries))["left_for_human"]
    assert any(item.startswith("needs input (instance_id)") for item in left)


def test_an_alert_that_names_no_key_ends_needs_input(store: Store, aws: AwsContext) -> None:
    trigger = alert_trigger(alert("who", context={"userIdentity.type": "IAMUser"}))
    outcome = runner(store, aws).start(find_playbook("compromised-access-key"), trigger, Mode.AUTO)
    assert outcome.status == "needs-input"
    assert _needs_input(outcome.entries).data["missing"] == ["user_name", "access_key_id"]
    assert [e.kind for e in outcome.entries] == ["run-started", "needs-input", "run-finished"]


def test_an_optional_input_may_stay_empty(store: Store, aws: AwsContext) -> None:
    iam = aws.client("iam")
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    context = {"userIdentity.userName": "bob", "userIdentity.accessKeyId": key}  # no secret_id
    trigger = alert_trigger(alert("rotate", context=context))
    outcome = runner(store, aws).start(find_playbook("access-key-rotation"), trigger, Mode.AUTO)
    assert outcome.status == "done", outcome.message
    secret = aws.client("secretsmanager").describe_secret(SecretId="cloudwarden/access-keys/bob")
    assert secret["Name"] == "cloudwarden/access-keys/bob"


def test_a_group_that_does_not_exist_ends_not_applicable(
    store: Store, aws: AwsContext, calls: list[str]
) -> None:
    aws._clients.clear()
    context = {"requestParameters.groupId": "sg-0123456789abcdef0"}
    run = runner(store, aws)
    outcome = run.start(
        find_playbook("security-group-open"),
        alert_trigger(alert("old", context=context)),
        Mode.AUTO,
    )
    assert outcome.status == "not-applicable"
    assert all(is_read_only(c) for c in calls), calls
    [entry] = [e for e in outcome.entries if e.kind == "not-applicable"]
    assert entry.step == "revoke_open_ingress" and "sg-0123456789abcdef0" in entry.message
    assert "failed" not in {e.kind for e in outcome.entries}
    again = run.start(
        find_playbook("security-group-open"),
        alert_trigger(alert("old", context=context)),
        Mode.AUTO,
    )
    assert again.status == "not-applicable" and again.run_id != outcome.run_id


def test_a_missing_resource_after_a_change_is_a_failure(store: Store, aws: AwsContext) -> None:
    """Only a run that has changed nothing is not-applicable; once it acted, a resource
    that vanished is a failure someone must look at."""
    iam = aws.client("iam")
    iam.create_user(UserName="carol")
    key = iam.create_access_key(UserName="carol")["AccessKey"]["AccessKeyId"]
    book = parse_playbook(
        {
            "id": "two-keys",
            "inputs": {"user": "${alert.context.user}", "key": "${alert.context.key}"},
            "steps": [
                {
                    "id": "first",
                    "phase": "contain",
                    "action": "iam.deactivate_access_key",
                    "params": {"user_name": "${inputs.user}", "access_key_id": "${inputs.key}"},
                },
                {
                    "id": "second",
                    "phase": "contain",
                    "action": "iam.deactivate_access_key",
                    "params": {"user_name": "${inputs.user}", "access_key_id": "AKIANOSUCHKEY000"},
                },
                _RECORD,
            ],
        }
    )
    trigger = alert_trigger(alert("k", context={"user": "carol", "key": key}))
    outcome = runner(store, aws).start(book, trigger, Mode.AUTO)
    assert outcome.status == "failed"
    assert kinds(outcome) == {"first": "done", "second": "failed"}


def test_credential_alerts_go_to_the_playbook_their_caller_can_feed() -> None:
    router = Router.default()

    def route(playbook: str, caller: str, environment: str = "aws") -> tuple[str, str]:
        doc = alert("r", playbook=playbook, context={"userIdentity.type": caller})
        decision = router.route(incident_from_alert(doc, environment=environment))
        assert decision is not None
        return decision.playbook.replace("_", "-"), decision.mode.value

    assert route("compromised-access-key", "AssumedRole") == ("compromised-role-session", "approve")
    assert route("compromised-role-session", "IAMUser") == ("compromised-access-key", "approve")
    assert route("compromised-access-key", "Root", "lab") == ("root-activity", "auto")
    assert route("compromised-access-key", "IAMUser") == ("compromised-access-key", "approve")
    assert route("compromised-role-session", "AssumedRole", "lab") == (
        "compromised-role-session",
        "auto",
    )
    assert route("ec2-compromised-instance", "AssumedRole") == (
        "ec2-compromised-instance",
        "approve",
    )
