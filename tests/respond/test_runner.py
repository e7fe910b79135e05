"""The runner: modes, idempotency, scope, retry/catch/choice/until, recovery and rollback.

Real actions run against moto in-process (``mock_aws``); the control-flow laws use small
test-only actions registered below, whose "AWS" is a dictionary.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.respond.actions import (
    ACTIONS,
    Action,
    ActionError,
    ActionPlan,
    ActionResult,
    ApiCall,
    ParamSpec,
    Target,
)
from cloudwarden.respond.catalog import find_playbook
from cloudwarden.respond.config import Mode, RespondConfig, Scope
from cloudwarden.respond.playbook import Playbook, parse_playbook
from cloudwarden.respond.record import as_run
from cloudwarden.respond.runner import Runner
from cloudwarden.respond.trigger import Trigger, alert_trigger
from cloudwarden.store import Store

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAKE: dict[str, Any] = {}  # the test actions' "AWS"


class SetValueAction(Action):
    """Sets FAKE[key] = value; fails the first FAKE['fail:key'] times it is applied."""

    name = "test.set_value"
    reversible = True
    params = (ParamSpec("key", str, required=True), ParamSpec("value", (str, int), required=True))

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        before = {"value": FAKE.get(p["key"])}
        call = ApiCall("test", "PutValue", dict(p), REGION, mutating=True)
        calls = [] if before["value"] == p["value"] else [call]
        return self.make_plan(
            Target(ACCOUNT, REGION, p["key"]), p, calls, before, f"set {p['key']}"
        )

    def apply(self, aws: AwsContext, plan: ActionPlan) -> ActionResult:
        key = str(plan.params["key"])
        if FAKE.get(f"fail:{key}", 0) > 0:
            FAKE[f"fail:{key}"] -= 1
            raise ActionError(f"test:PutValue: Throttling on {key}")
        FAKE[key] = plan.params["value"]
        after = {"value": FAKE[key]}
        undo = {"before": dict(plan.before)}
        return ActionResult(self.name, plan.target, plan.calls, plan.before, after, undo, after)

    def rollback(self, aws: AwsContext, result: ActionResult) -> ActionResult:
        FAKE[result.target.resource] = result.before["value"]
        return ActionResult(self.name, result.target, (), result.after, result.before, None)


class ReadValueAction(Action):
    """Read-only: the plan reports FAKE[key] and counts how often it was read."""

    name = "test.read_value"
    params = (ParamSpec("key", str, required=True),)

    def plan(self, aws: AwsContext, params: Mapping[str, Any]) -> ActionPlan:
        p = self.checked_params(params)
        FAKE["reads"] = FAKE.get("reads", 0) + 1
        ticks = FAKE.get("ticks", [])
        value = ticks.pop(0) if ticks else FAKE.get(p["key"])
        return self.make_plan(Target(ACCOUNT, REGION, p["key"]), p, (), {"value": value}, "read")


for _cls in (SetValueAction, ReadValueAction):
    if _cls.name not in ACTIONS:
        ACTIONS.add(_cls.name, _cls())


@pytest.fixture(autouse=True)
def _fresh_fake() -> Iterator[None]:
    FAKE.clear()
    yield


def alert(alert_id: str = "a1", **context: Any) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "rule_id": "rule-1",
        "title": "Bucket made public",
        "severity": "high",
        "account": ACCOUNT,
        "region": REGION,
        "event_id": "e1",
        "event_time": "2026-11-01T10:00:00+00:00",
        "context": context,
    }


def make_runner(
    store: Store, aws: AwsContext | None, config: RespondConfig | None = None
) -> tuple[Runner, list[float]]:
    slept: list[float] = []
    context = aws or AwsContext(session=boto3.Session(region_name=REGION), options=AwsOptions())
    return Runner(store, lambda region: context, config, sleep=slept.append), slept


def kinds(entries: Any, step: str | None = None) -> list[str]:
    return [e.kind for e in entries if step is None or e.step == step]


def public_bucket(aws: AwsContext, name: str = "open-bucket", **tags: str) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=name, Policy=orjson.dumps(policy).decode())
    if tags:
        tagset = [{"Key": k.replace("__", ":"), "Value": v} for k, v in tags.items()]
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tagset})


def bpa(aws: AwsContext, name: str = "open-bucket") -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = aws.client("s3").get_public_access_block(Bucket=name)
    except aws.client("s3").exceptions.ClientError:
        return None
    return found["PublicAccessBlockConfiguration"]


def s3_trigger(name: str = "open-bucket", alert_id: str = "a1") -> Trigger:
    return alert_trigger(alert(alert_id, **{"requestParameters.bucketName": name}))


# -- real actions, moto ---------------------------------------------------------------


def test_dry_run_is_the_default_and_changes_nothing(store: Store, aws: AwsContext) -> None:
    public_bucket(aws)
    runner, _ = make_runner(store, aws)
    outcome = runner.start(find_playbook("s3-public-bucket"), s3_trigger())
    assert outcome.status == "dry-run"
    assert kinds(outcome.entries, "block_public_access") == ["planned"]
    assert "intent" not in kinds(outcome.entries)
    assert bpa(aws) is None
    assert "Principal" in aws.client("s3").get_bucket_policy(Bucket="open-bucket")["Policy"]


def test_auto_contains_and_a_second_run_changes_nothing(store: Store, aws: AwsContext) -> None:
    public_bucket(aws)
    runner, _ = make_runner(store, aws)
    book = find_playbook("s3-public-bucket")
    first = runner.start(book, s3_trigger(), Mode.AUTO)
    assert first.status == "done"
    assert kinds(first.entries, "block_public_access") == ["intent", "done"]
    assert bpa(aws) == {
        k: True
        for k in (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
    }

    again = runner.start(book, s3_trigger(), Mode.AUTO)
    assert again.run_id == first.run_id
    assert "already handled" in again.message and "nothing changed" in again.message

    forced = runner.start(book, s3_trigger(), Mode.AUTO, force=True)
    assert forced.run_id != first.run_id
    assert forced.message == "nothing changed: every step was already in place"
    assert kinds(forced.entries, "block_public_access") == ["noop"]
    assert "intent" not in kinds(forced.entries)


def test_rollback_restores_the_journaled_before_state(store: Store, aws: AwsContext) -> None:
    public_bucket(aws)
    runner, _ = make_runner(store, aws)
    run = runner.start(find_playbook("s3-public-bucket"), s3_trigger(), Mode.AUTO)
    assert bpa(aws) is not None
    undone = runner.rollback(run.run_id)
    assert undone.status == "rolled-back"
    assert kinds(undone.entries).count("rolled-back") == 2  # the policy and the block
    assert bpa(aws) is None
    assert "Principal" in aws.client("s3").get_bucket_policy(Bucket="open-bucket")["Policy"]
    again = runner.rollback(run.run_id)  # nothing left to undo
    assert kinds(again.entries).count("rolled-back") == 2


def test_out_of_scope_accounts_are_refused_and_recorded(store: Store, aws: AwsContext) -> None:
    public_bucket(aws)
    config = RespondConfig(mode=Mode.AUTO, scope=Scope(accounts=frozenset({"999999999999"})))
    runner, _ = make_runner(store, aws, config)
    outcome = runner.start(find_playbook("s3-public-bucket"), s3_trigger())
    assert kinds(outcome.entries, "block_public_access") == ["refused"]
    assert bpa(aws) is None
    record = next(e for e in outcome.entries if e.kind == "record").data["record"]
    assert any("block_public_access (refused)" in item for item in record["left_for_human"])


def test_exempt_resources_are_refused(store: Store, aws: AwsContext) -> None:
    public_bucket(aws, cloudwarden__exempt="true")
    runner, _ = make_runner(store, aws)
    outcome = runner.start(find_playbook("s3-public-bucket"), s3_trigger(), Mode.AUTO)
    refused = [e for e in outcome.entries if e.kind == "refused"]
    assert refused and "cloudwarden:exempt=true" in refused[0].message
    assert bpa(aws) is None


def test_approve_mode_waits_then_continues(store: Store, aws: AwsContext) -> None:
    iam = aws.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    ctx = {"userIdentity.userName": "alice", "userIdentity.accessKeyId": key}
    trigger = alert_trigger(alert("k1", **ctx))
    playbook = find_playbook("compromised-access-key")
    runner, _ = make_runner(store, aws)
    waiting = runner.start(playbook, trigger, Mode.APPROVE)
    assert waiting.status == "awaiting-approval"
    assert kinds(waiting.entries, "approve_delete") == ["awaiting-approval"]
    [meta] = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert meta["Status"] == "Inactive"  # containment ran, the one-way delete waits
    # the same incident again: resumes the waiting run rather than starting another
    still = runner.start(playbook, trigger, Mode.APPROVE)
    assert still.run_id == waiting.run_id and still.status == "awaiting-approval"
    done = runner.resume(waiting.run_id, approve=True)
    assert done.status == "done"
    assert kinds(done.entries, "approve_delete")[-1] == "approved"
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []


def test_kms_deletion_is_cancelled(store: Store, aws: AwsContext) -> None:
    kms = aws.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    trigger = alert_trigger(alert("k1", **{"requestParameters.keyId": key}))
    runner, _ = make_runner(store, aws)
    outcome = runner.start(find_playbook("kms-key-deletion"), trigger, Mode.AUTO)
    assert outcome.status == "done"
    assert kinds(outcome.entries, "enable_key") == ["noop"]
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_post_incident_record_says_what_happened_was_done_and_is_left(
    store: Store, aws: AwsContext
) -> None:
    public_bucket(aws)
    runner, _ = make_runner(store, aws)
    outcome = runner.start(find_playbook("s3-public-bucket"), s3_trigger(), Mode.AUTO)
    entry = next(e for e in outcome.entries if e.kind == "record")
    record = entry.data["record"]
    assert record["what_happened"]["title"] == "Bucket made public"
    steps = {d["step"]: d for d in record["what_was_done"]}
    assert steps["block_public_access"]["outcome"] == "done"
    assert steps["block_public_access"]["calls"] == ["s3:PutPublicAccessBlock"]
    assert any(item.startswith("assess_exposure:") for item in record["left_for_human"])
    assert "## Left for a human" in entry.data["markdown"]

    info = runner.journal.run(outcome.run_id)
    assert info is not None
    run = as_run(info, runner.journal.entries(outcome.run_id))  # the shared data model
    assert run.status == "done" and run.finding_id == "a1"
    block = next(s for s in run.steps if s.name == "block_public_access")
    assert (block.status, block.api_call, block.reversible) == (
        "done",
        "s3:PutPublicAccessBlock",
        True,
    )


# -- control flow, test actions ---------------------------------------------------------


def book(*steps: dict[str, Any]) -> Playbook:
    doc = {
        "id": "flow",
        "steps": [*steps, {"id": "record", "type": "record", "phase": "post-incident"}],
    }
    return parse_playbook(doc, "flow.yml")


def setter(step_id: str, key: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "phase": "contain",
        "action": "test.set_value",
        "params": {"key": key, "value": value},
        **extra,
    }


def test_retry_backs_off_exponentially(store: Store) -> None:
    FAKE["fail:k"] = 2
    runner, slept = make_runner(store, None)
    retry = {"max_attempts": 4, "interval": 1, "backoff": 3}
    outcome = runner.start(book(setter("s", "k", "v", retry=retry)), s3_trigger(), Mode.AUTO)
    assert outcome.status == "done"
    assert slept == [1.0, 3.0]
    assert kinds(outcome.entries, "s") == ["intent", "retry", "intent", "retry", "intent", "done"]
    assert FAKE["k"] == "v"


def test_catch_goes_to_the_fallback_step(store: Store) -> None:
    FAKE["fail:k"] = 10
    runner, _ = make_runner(store, None)
    playbook = book(
        setter("s", "k", "v", retry={"max_attempts": 2}, catch="fallback"),
        setter("skipped_by_catch", "x", 1, next="end"),
        setter("fallback", "k2", "fallback"),
    )
    outcome = runner.start(playbook, s3_trigger(), Mode.AUTO)
    assert kinds(outcome.entries, "s")[-1] == "failed"
    assert kinds(outcome.entries, "skipped_by_catch") == []
    assert FAKE["k2"] == "fallback" and "x" not in FAKE
    assert outcome.status == "done"  # a caught failure does not fail the run


def test_an_uncaught_failure_stops_the_run(store: Store) -> None:
    FAKE["fail:k"] = 10
    runner, _ = make_runner(store, None)
    outcome = runner.start(
        book(setter("s", "k", "v"), setter("t", "x", 1)), s3_trigger(), Mode.AUTO
    )
    assert outcome.status == "failed"
    assert "x" not in FAKE


def test_choice_reads_earlier_step_results(store: Store) -> None:
    FAKE["level"] = 7
    runner, _ = make_runner(store, None)
    playbook = book(
        {"id": "read", "phase": "contain", "action": "test.read_value", "params": {"key": "level"}},
        {
            "id": "pick",
            "type": "choice",
            "phase": "contain",
            "choices": [
                {"when": {"value": "${steps.read.result.value}", "greater_than": 5}, "next": "high"}
            ],
            "default": "low",
        },
        setter("low", "branch", "low", next="record"),
        setter("high", "branch", "high"),
    )
    outcome = runner.start(playbook, s3_trigger(), Mode.AUTO)
    assert FAKE["branch"] == "high"
    assert [e.data["next"] for e in outcome.entries if e.kind == "choice"] == ["high"]


def test_until_polls_with_backoff_then_gives_up_to_catch(store: Store) -> None:
    FAKE["ticks"] = [True, True, False]
    runner, slept = make_runner(store, None)
    wait = {
        "id": "wait",
        "phase": "recover",
        "action": "test.read_value",
        "params": {"key": "busy"},
        "until": {"value": "${steps.wait.result.value}", "equals": False},
        "poll": {"max_attempts": 5, "interval": 10, "backoff": 2},
    }
    outcome = runner.start(book(wait, setter("after", "done", 1)), s3_trigger(), Mode.AUTO)
    assert kinds(outcome.entries, "wait") == ["waiting", "waiting", "noop"]
    assert slept == [10.0, 20.0]
    assert FAKE["done"] == 1

    FAKE.clear()
    FAKE["busy"] = True
    runner, slept = make_runner(store, None)
    wait["poll"] = {"max_attempts": 2, "interval": 1}
    outcome = runner.start(
        book(
            {**wait, "catch": "manual"},
            {
                "id": "manual",
                "type": "manual",
                "phase": "recover",
                "instructions": "find the consumer",
            },
        ),
        s3_trigger(alert_id="a2"),
        Mode.AUTO,
    )
    assert kinds(outcome.entries, "wait")[-1] == "failed"
    assert kinds(outcome.entries, "manual") == ["manual"]


def test_when_false_skips_a_step(store: Store) -> None:
    runner, _ = make_runner(store, None)
    step = setter("s", "k", "v", when={"value": "${alert.severity}", "equals": "critical"})
    outcome = runner.start(book(step), s3_trigger(), Mode.AUTO)
    assert kinds(outcome.entries, "s") == ["skipped"]
    assert "k" not in FAKE


class Killed(BaseException):
    """Stands in for SIGKILL in-process: nothing after it runs."""


def _killer(point: str, step: str) -> Any:
    def pause(at: str, step_id: str) -> None:
        if (at, step_id) == (point, step):
            raise Killed

    return pause


@pytest.mark.parametrize(
    ("point", "journal"),
    [
        ("after-intent", ["intent", "intent", "done"]),  # not called: re-planned, applied
        ("after-call", ["intent", "recovered"]),  # called, unrecorded: found done
        ("after-result", ["intent", "done"]),  # recorded: not touched again
    ],
)
def test_a_killed_run_resumes_without_a_step_done_and_unrecorded(
    store: Store, point: str, journal: list[str]
) -> None:
    playbook = book(setter("first", "a", 1), setter("second", "b", 2))
    runner, _ = make_runner(store, None)
    runner.pause = _killer(point, "first")
    with pytest.raises(Killed):
        runner.start(playbook, s3_trigger(), Mode.AUTO)
    [info] = runner.journal.runs()
    assert "b" not in FAKE

    runner.pause = lambda at, step: None
    outcome = runner.resume(info.run_id)
    assert outcome.status == "done"
    assert kinds(outcome.entries, "first") == journal
    assert FAKE["a"] == 1 and FAKE["b"] == 2
    # every change that exists is journaled as done or recovered
    changed = {e.step for e in outcome.entries if e.kind in ("done", "recovered")}
    assert changed == {"first", "second"}


def test_rollback_settles_a_killed_step_first(store: Store) -> None:
    runner, _ = make_runner(store, None)
    runner.pause = _killer("after-call", "first")
    with pytest.raises(Killed):
        runner.start(book(setter("first", "a", 1)), s3_trigger(), Mode.AUTO)
    [info] = runner.journal.runs()
    assert FAKE["a"] == 1  # done in "AWS", not yet in the journal
    outcome = runner.rollback(info.run_id)
    assert kinds(outcome.entries, "first") == [
        "intent",
        "recovered",
        "rollback-intent",
        "rolled-back",
    ]
    assert FAKE["a"] is None


def test_notify_steps_go_to_the_configured_sinks(
    store: Store, aws: AwsContext, tmp_path: Path
) -> None:
    public_bucket(aws)
    sink = tmp_path / "ir.jsonl"
    runner, _ = make_runner(store, aws, RespondConfig(notify=(f"file:{sink}",)))
    outcome = runner.start(find_playbook("s3-public-bucket"), s3_trigger(), Mode.AUTO)
    assert kinds(outcome.entries, "tell_responders") == ["intent", "done"]
    [sent] = [orjson.loads(line) for line in sink.read_text().splitlines()]
    assert "Bucket open-bucket is no longer public" in orjson.dumps(sent).decode()


def _everything(aws: AwsContext) -> dict[str, str]:
    """One of each resource the shipped playbooks act on; an alert context naming them."""
    iam = aws.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"},
            }
        ],
    }
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=orjson.dumps(trust).decode())
    public_bucket(aws)
    kms = aws.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="open", Description="open", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
    aws.client("s3").create_bucket(Bucket="trail-logs")
    trail = aws.client("cloudtrail")
    trail.create_trail(Name="main", S3BucketName="trail-logs")
    return {
        "userIdentity.userName": "alice",
        "userIdentity.accessKeyId": key,
        "userIdentity.sessionContext.sessionIssuer.userName": "app",
        "requestParameters.bucketName": "open-bucket",
        "requestParameters.keyId": key_id,
        "requestParameters.groupId": group,
        "requestParameters.instanceId": instance["InstanceId"],
        "requestParameters.name": "main",
        "secret_id": "rotation/app-key",
    }


def test_every_shipped_playbook_dry_runs_without_a_mutating_call(
    store: Store, aws: AwsContext
) -> None:
    from cloudwarden.respond.actions import is_read_only
    from cloudwarden.respond.catalog import builtin_playbooks

    context = _everything(aws)
    calls: list[str] = []
    aws.session.events.register(
        "before-call.*.*", lambda event_name, **_: calls.append(event_name.split(".")[-1])
    )
    aws._clients.clear()  # new clients carry the recorder
    runner, _ = make_runner(store, aws)
    for name, playbook in builtin_playbooks().items():
        outcome = runner.start(playbook, alert_trigger(alert(f"dry-{name}", **context)))
        assert outcome.status == "dry-run", (name, outcome.message)
        assert "failed" not in kinds(outcome.entries), (name, outcome.entries)
        assert kinds(outcome.entries)[-2:] == ["record", "run-finished"], name
    assert calls and all(is_read_only(c) for c in calls), sorted(set(calls))


def test_every_shipped_playbook_contains_in_auto_and_is_idempotent(
    store: Store, aws: AwsContext
) -> None:
    from cloudwarden.respond.catalog import builtin_playbooks

    context = _everything(aws)
    iam = aws.client("iam")
    iam.create_user(UserName="bob")  # the rotation gets its own user: both playbooks end
    bob_key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]  # in a delete
    runner, _ = make_runner(store, aws)
    books = builtin_playbooks()
    for name, playbook in books.items():
        fields = dict(context)
        if name == "access-key-rotation":
            fields |= {"userIdentity.userName": "bob", "userIdentity.accessKeyId": bob_key}
        trigger = alert_trigger(alert(f"auto-{name}", **fields))
        first = runner.start(playbook, trigger, Mode.AUTO)
        assert first.status == "done", (name, first.message)
        assert not {"failed", "refused"} & set(kinds(first.entries)), (name, first.message)
        if name in ("access-key-rotation", "compromised-access-key"):
            continue  # the key they act on is deleted: a forced re-run finds nothing
        again = runner.start(playbook, trigger, Mode.AUTO, force=True)
        # A forced re-run changes nothing, with one deliberate exception: revoking sessions
        # anchors at the time of the run ("revoke older sessions" denies tokens issued before
        # now), so a re-run a second later moves the cutoff forward; in the same second it is
        # a noop. (Without force, a second run of the incident is "already handled".)
        changed = {e.action for e in again.entries if e.kind == "done"}
        assert changed <= {"iam.revoke_sessions"}, (name, again.message)
        if not changed:
            assert again.message == "nothing changed: every step was already in place", name
        handled = runner.start(playbook, trigger, Mode.AUTO)
        assert "nothing changed" in handled.message, (name, handled.message)
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"] == []
    [new_key] = iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]
    assert new_key["AccessKeyId"] != bob_key and new_key["Status"] == "Active"
    secret = aws.client("secretsmanager").get_secret_value(SecretId="rotation/app-key")
    assert new_key["AccessKeyId"] in secret["SecretString"]
