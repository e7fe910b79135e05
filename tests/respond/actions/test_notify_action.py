"""notify.send through the detection sinks: a file and an SNS topic read back over SQS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.respond.actions import ActionError, get_action
from cloudwarden.respond.actions.notify import SendNotificationAction


@pytest.fixture(autouse=True)
def _spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWARDEN_SPOOL", str(tmp_path / "spool"))


def topic_with_queue(env: Any) -> tuple[str, str]:
    sns, sqs = env.client("sns"), env.client("sqs")
    topic = sns.create_topic(Name=env.name("pager"))["TopicArn"]
    queue = sqs.create_queue(QueueName=env.name("inbox"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def test_notify_to_file_and_sns(env: Any, tmp_path: Path) -> None:
    topic, queue = topic_with_queue(env)
    out = tmp_path / "alerts.jsonl"
    act = get_action("notify.send")
    params = {
        "sinks": [f"file:{out}", f"sns:{topic}"],
        "message": "Access key AKIA... deactivated\nsee the run journal",
        "severity": "high",
        "playbook": "compromised_access_key",
    }

    env.recorder.clear()
    plan = act.plan(env.aws, params)
    assert env.recorder.calls == []  # planning builds sinks, it sends nothing
    assert not plan.noop
    assert [(c.service, c.operation) for c in plan.calls] == [("file", "Send"), ("sns", "Publish")]
    assert plan.calls[1].params["Subject"] == "[HIGH] Access key AKIA... deactivated"
    assert plan.params["alert_id"] and plan.params["time"]

    result = act.apply(env.aws, plan)
    assert result.outputs == {"delivered": 2, "spooled": 0}
    written = json.loads(out.read_text().splitlines()[0])
    assert written["description"] == params["message"] and written["severity"] == "high"
    assert written["alert_id"] == plan.params["alert_id"]

    messages = env.client("sqs").receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(messages[0]["Body"])
    assert envelope["Subject"] == "[HIGH] Access key AKIA... deactivated"
    assert json.loads(envelope["Message"])["playbook"] == "compromised_access_key"

    with pytest.raises(ActionError, match="cannot be unsent"):
        act.rollback(env.aws, result)


def test_failed_sink_is_spooled_not_lost(env: Any, tmp_path: Path) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:" + env.name("no-such-topic")
    act = SendNotificationAction()
    act.attempts = 1  # no backoff sleeps in the test
    plan = act.plan(env.aws, {"sinks": [f"sns:{missing}"], "message": "hello"})
    result = act.apply(env.aws, plan)
    (delivery,) = result.after["deliveries"]
    assert delivery["spooled"] == 1 and delivery["error"]
    assert list((tmp_path / "spool").glob("*.jsonl"))


def test_webhook_url_stays_out_of_the_plan(env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_URL", "http://127.0.0.1:9/hooks/T000/very-secret-token")
    plan = get_action("notify.send").plan(env.aws, {"sinks": ["webhook:$HOOK_URL"], "message": "x"})
    assert "very-secret-token" not in json.dumps(plan.as_dict())
    assert plan.calls[0].service == "webhook"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"sinks": ["carrier-pigeon:x"], "message": "m"}, "bad sink"),
        ({"sinks": [], "message": "m"}, "no sinks"),
        ({"sinks": ["stdout"], "message": "m", "severity": "urgent"}, "unknown severity"),
        ({"sinks": "stdout", "message": "m"}, "wrong type"),
    ],
)
def test_bad_notify_params(env: Any, params: dict[str, Any], error: str) -> None:
    with pytest.raises(ActionError, match=error):
        get_action("notify.send").plan(env.aws, params)
