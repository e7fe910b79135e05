"""Sinks: specs, JSON Lines to stdout and files, webhooks and Slack on 127.0.0.1, SNS and
EventBridge through the AWS layer (moto in-process, and a fake client for partial failures)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from moto import mock_aws

from cloudwarden.aws.session import AwsContext, AwsOptions
from cloudwarden.detect import sinks as sinks_mod
from cloudwarden.detect.sinks import (
    EventBridgeSink,
    FileSink,
    SinkError,
    SlackSink,
    SnsSink,
    StdoutSink,
    StoreSink,
    WebhookSink,
    parse_sink,
    slack_message,
    sns_subject,
)
from cloudwarden.testing.webhook import Receiver, down_url, webhook_server

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"


def alert(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "alert_id": f"id-{n}",
        "rule_id": "cw-cloudtrail-stopped",
        "title": "CloudTrail logging stopped",
        "severity": "high",
        "account": "111122223333",
        "region": "eu-west-1",
        "event_id": f"e{n}",
        "first_time": "2026-11-01T10:00:00+00:00",
        "count": 1,
        "runbook": "Turn logging back on; find who stopped it.",
        "playbook": "cloudtrail-tampering",
        **extra,
    }


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with webhook_server() as receiver:
        yield receiver


# -- specs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "kind", "name"),
    [
        ("stdout", StdoutSink, "stdout"),
        ("file:/tmp/a.jsonl", FileSink, "file:/tmp/a.jsonl"),
        ("webhook:https://example.com/in/abc", WebhookSink, "webhook:https://example.com/in/abc"),
        (
            "webhook:https://u:pw@example.com:8443/hook/secret-token-123?key=k#f",
            WebhookSink,
            "webhook:https://example.com:8443/hook/secr…?…",
        ),
        (
            "slack:https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx",
            SlackSink,
            "slack:https://hooks.slack.com/services/T012…/B045…/abcd…",
        ),
        (f"sns:{TOPIC}", SnsSink, f"sns:{TOPIC}"),
        ("eventbridge:default", EventBridgeSink, "eventbridge:default"),
        ("store:/tmp/s.duckdb", StoreSink, "store:/tmp/s.duckdb"),
    ],
)
def test_specs_name_their_sink_without_secrets(spec: str, kind: type, name: str) -> None:
    sink = parse_sink(spec)
    assert isinstance(sink, kind)
    assert sink.name == name  # a webhook URL's tokens, credentials and query are not shown
    assert sink.spec == spec  # ... but kept to rebuild the sink


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "bad sink ''"),
        ("kafka:topic", "bad sink 'kafka:topic'"),
        ("file:", "bad sink 'file:'"),
        ("webhook:ftp://example.com/x", "expects an http(s) URL"),
        ("slack:not-a-url", "expects an http(s) URL"),
        ("sns:alerts", "expects a topic ARN"),
    ],
)
def test_bad_specs_are_one_line(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        parse_sink(spec)
    assert "\n" not in str(info.value)


# -- local sinks ---------------------------------------------------------------------------


def test_stdout_writes_json_lines() -> None:
    out = io.BytesIO()
    StdoutSink(out).send([alert(1), alert(2)])
    assert [json.loads(x)["alert_id"] for x in out.getvalue().splitlines()] == ["id-1", "id-2"]


def test_file_appends_whole_lines_after_a_torn_one(tmp_path: Path) -> None:
    target = tmp_path / "out" / "alerts.jsonl"
    sink = FileSink(target)
    sink.send([alert(1)])
    with target.open("ab") as fh:
        fh.write(b'{"alert_id": "torn')  # a writer killed mid-line
    sink.send([alert(2), alert(3)])
    lines = target.read_bytes().splitlines()
    assert lines[1] == b'{"alert_id": "torn'
    assert [json.loads(x)["alert_id"] for x in (lines[0], *lines[2:])] == ["id-1", "id-2", "id-3"]
    assert target.read_bytes().endswith(b"\n")


def test_unwritable_file_is_a_sink_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SinkError, match="file:"):
        FileSink(blocker / "alerts.jsonl").send([alert()])


# -- webhooks ------------------------------------------------------------------------------


def test_webhook_posts_a_json_array(hook: Receiver) -> None:
    WebhookSink(hook.url).send([alert(1), alert(2)])
    assert hook.bodies == [[alert(1), alert(2)]]
    assert hook.paths == ["/hook/secret-token"]


def test_webhook_splits_large_batches(hook: Receiver) -> None:
    WebhookSink(hook.url).send([alert(i) for i in range(250)])
    assert [len(b) for b in hook.bodies] == [100, 100, 50]


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (404, False)]
)
def test_webhook_http_errors(hook: Receiver, status: int, retryable: bool) -> None:
    hook.fail, hook.status = 1, status
    with pytest.raises(SinkError) as info:
        WebhookSink(hook.url).send([alert()])
    assert info.value.retryable is retryable
    assert f"HTTP {status}" in str(info.value)
    assert "secret-token" not in str(info.value)


def test_webhook_down_is_retryable() -> None:
    with pytest.raises(SinkError, match="cannot reach") as info:
        WebhookSink(down_url(), timeout=2).send([alert()])
    assert info.value.retryable


def test_webhook_reports_the_unsent_tail(hook: Receiver) -> None:
    """Chunks already accepted are not reported unsent, so they are not sent twice."""
    hook.fail, hook.status = 0, 500
    alerts = [alert(i) for i in range(250)]
    sink = WebhookSink(hook.url)
    hook.bodies.clear()

    original = sinks_mod._post_json
    calls: list[int] = []

    def second_fails(name: str, url: str, body: Any, timeout: float) -> None:
        calls.append(len(body))
        if len(calls) == 2:
            raise SinkError("boom")
        original(name, url, body, timeout)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sinks_mod, "_post_json", second_fails)
        with pytest.raises(SinkError) as info:
            sink.send(alerts)
    assert info.value.unsent == alerts[100:]
    assert [len(b) for b in hook.bodies] == [100]


def test_slack_message_shape() -> None:
    msg = slack_message(alert(title="<script> & co", runbook="https://wiki.example.com/rb/1"))
    assert msg["text"].startswith("[HIGH] <script> & co — 111122223333 / eu-west-1")
    header, fields, runbook, context = msg["blocks"]
    assert header["text"]["text"] == "[HIGH] <script> & co"  # plain_text: no escaping
    texts = [f["text"] for f in fields["fields"]]
    assert "*Account / region*\n111122223333 / eu-west-1" in texts
    assert "*Rule*\n`cw-cloudtrail-stopped`" in texts
    assert runbook["text"]["text"] == "<https://wiki.example.com/rb/1|Runbook>"
    assert "playbook cloudtrail-tampering" in context["elements"][0]["text"]


def test_slack_runbook_text_is_escaped_and_bounded() -> None:
    msg = slack_message(alert(runbook="Check <who> & why\n" + "x" * 5000))
    text = msg["blocks"][2]["text"]["text"]
    assert text.startswith("*Runbook*\nCheck &lt;who&gt; &amp; why")
    assert len(text) < 3000  # a section's text limit


def test_slack_posts_one_message_per_alert(hook: Receiver) -> None:
    SlackSink(hook.url).send([alert(1), alert(2)])
    assert len(hook.bodies) == 2
    assert all(set(b) == {"text", "blocks"} for b in hook.bodies)


# -- SNS and EventBridge --------------------------------------------------------------------


@pytest.fixture
def aws() -> Iterator[AwsContext]:
    with mock_aws():
        yield AwsContext(session=boto3.Session(region_name="eu-west-1"), options=AwsOptions())


def _queue(aws: AwsContext, name: str) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def _drain(aws: AwsContext, url: str) -> list[dict[str, Any]]:
    got = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [orjson.loads(m["Body"]) for m in got.get("Messages", [])]


def test_subject_is_one_short_line() -> None:
    subject = sns_subject(alert(title="Line one\nline two " + "y" * 200))
    assert len(subject) < 100 and "\n" not in subject
    assert subject.startswith("[HIGH] Line one line two")


def test_sns_publishes_one_message_per_alert(aws: AwsContext) -> None:
    topic = aws.client("sns").create_topic(Name="alerts")["TopicArn"]
    url, arn = _queue(aws, "sns-out")
    aws.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    SnsSink(topic, aws).send([alert(1), alert(2)])
    notes = _drain(aws, url)
    assert len(notes) == 2
    assert [orjson.loads(n["Message"])["alert_id"] for n in notes] == ["id-1", "id-2"]
    assert notes[0]["Subject"] == "[HIGH] CloudTrail logging stopped"
    assert notes[0]["MessageAttributes"]["severity"]["Value"] == "high"


def test_sns_missing_topic_is_not_retryable(aws: AwsContext) -> None:
    with pytest.raises(SinkError) as info:
        SnsSink(TOPIC, aws).send([alert(1), alert(2)])
    assert not info.value.retryable
    assert info.value.unsent is not None and len(info.value.unsent) == 2


class FakeClient:
    """Records calls; ``put_events`` fails the entries whose alert id is in ``refuse``."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.refuse = refuse or set()

    def publish(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return {"MessageId": "m"}

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append({"Entries": Entries})
        out = []
        for e in Entries:
            refused = orjson.loads(e["Detail"])["alert_id"] in self.refuse
            out.append(
                {"ErrorCode": "InternalFailure", "ErrorMessage": "x"}
                if refused
                else {"EventId": "ok"}
            )
        return {"FailedEntryCount": sum("ErrorCode" in o for o in out), "Entries": out}


class FakeContext(AwsContext):
    def __init__(self, client: FakeClient) -> None:
        super().__init__(session=boto3.Session(region_name="us-east-1"), options=AwsOptions())
        self.fake = client
        self.regions: list[str | None] = []

    def client(self, service: str, region: str | None = None) -> Any:
        self.regions.append(region)
        return self.fake


def test_sns_fifo_topic_dedups_by_alert_id() -> None:
    fake = FakeClient()
    ctx = FakeContext(fake)
    SnsSink(TOPIC + ".fifo", ctx).send([alert(7)])
    (call,) = fake.calls
    assert call["MessageDeduplicationId"] == "id-7"
    assert call["MessageGroupId"] == "cw-cloudtrail-stopped"
    assert ctx.regions == ["eu-west-1"]  # the topic's region, from its ARN


def test_eventbridge_batches_of_ten_and_reports_only_failed_entries() -> None:
    fake = FakeClient(refuse={"id-3", "id-12"})
    alerts = [alert(i) for i in range(23)]
    with pytest.raises(SinkError, match="2 of 23 entries failed") as info:
        EventBridgeSink("security", FakeContext(fake)).send(alerts)
    assert [len(c["Entries"]) for c in fake.calls] == [10, 10, 3]
    assert [a["alert_id"] for a in info.value.unsent or []] == ["id-3", "id-12"]
    entry = fake.calls[0]["Entries"][0]
    assert entry["Source"] == "cloudwarden" and entry["DetailType"] == "cloudwarden alert"
    assert entry["EventBusName"] == "security"


def test_eventbridge_delivers_to_a_rule_target(aws: AwsContext) -> None:
    url, arn = _queue(aws, "eb-out")
    events = aws.client("events")
    events.put_rule(Name="cw", EventPattern=json.dumps({"source": ["cloudwarden"]}))
    events.put_targets(Rule="cw", Targets=[{"Id": "q", "Arn": arn}])
    EventBridgeSink("default", aws).send([alert(1)])
    (got,) = _drain(aws, url)
    assert got["detail-type"] == "cloudwarden alert"
    assert got["detail"]["alert_id"] == "id-1"


def test_store_sink_records_new_alerts_once(tmp_path: Path) -> None:
    sink = StoreSink(tmp_path / "s.duckdb")
    sink.send([alert(1), alert(2)])
    sink.send([alert(2), alert(3)])
    assert sink.recorded == 3
