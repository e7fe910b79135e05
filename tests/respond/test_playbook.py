"""Playbook loading: the shipped set, located validation errors, the template language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudwarden.respond.catalog import builtin_playbooks, find_playbook, load_playbook
from cloudwarden.respond.playbook import PHASES, PlaybookError, RetryPolicy, parse_playbook
from cloudwarden.respond.template import TemplateError, evaluate, render

SHIPPED = {
    "compromised-access-key",
    "compromised-role-session",
    "s3-public-bucket",
    "ec2-compromised-instance",
    "root-activity",
    "cloudtrail-logging-stopped",
    "security-group-open",
    "kms-key-deletion",
    "access-key-rotation",
}


def minimal(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "demo",
        "title": "Demo",
        "inputs": {"bucket": "${finding.resource_name}"},
        "steps": [
            {
                "id": "block",
                "phase": "contain",
                "action": "s3.block_public_access",
                "params": {"bucket": "${inputs.bucket}"},
            },
            {"id": "record", "type": "record", "phase": "post-incident"},
        ],
    }
    doc.update(extra)
    return doc


def problems_of(doc: Any) -> list[str]:
    with pytest.raises(PlaybookError) as err:
        parse_playbook(doc, "pb.yml")
    return [str(p) for p in err.value.problems]


def test_the_shipped_set_loads_and_follows_the_aws_playbooks() -> None:
    books = builtin_playbooks()
    assert set(books) >= SHIPPED
    for book in books.values():
        assert all(step.phase in PHASES for step in book.steps), book.id
        assert book.steps[-1].type == "record", book.id  # ends with the post-incident record
        assert book.references, book.id


def test_rotation_waits_until_the_old_key_is_unused_before_deactivating() -> None:
    book = find_playbook("access-key-rotation")
    order = [s.action or s.type for s in book.steps]
    assert order[:5] == [
        "iam.create_access_key_to_secret",
        "iam.access_key_last_used",
        "iam.deactivate_access_key",
        "approval",
        "iam.delete_access_key",
    ]
    wait = book.step("wait_unused")
    assert wait.until is not None and wait.poll.max_attempts > 1
    assert wait.catch == "still_used"


def test_route_file_ids_with_underscores_find_the_playbook() -> None:
    assert find_playbook("s3_public_bucket").id == "s3-public-bucket"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["steps"][0].update(retry={"max_attempts": 0}),
            "pb.yml:steps[0].retry.max_attempts: must be an integer from 1 to 50",
        ),
        (
            lambda d: d["steps"][0].update(phase="analyse"),
            "pb.yml:steps[0].phase: must be one of contain, eradicate, recover, post-incident",
        ),
        (
            lambda d: d["steps"][0].update(action="s3.make_private"),
            "pb.yml:steps[0].action: unknown action 's3.make_private'",
        ),
        (
            lambda d: d["steps"][0]["params"].update(colour="red"),
            "pb.yml:steps[0].params.colour: s3.block_public_access has no parameter 'colour'",
        ),
        (
            lambda d: d["steps"][0].update(params={}),
            "pb.yml:steps[0].params: s3.block_public_access needs parameter 'bucket'",
        ),
        (
            lambda d: d["steps"][0].update(params={"bucket": "${steps.nope.result.x}"}),
            "pb.yml:steps[0].params.bucket: ${steps.nope...} names no step of this playbook",
        ),
        (
            lambda d: d["steps"][0].update(params={"bucket": "${secrets.x}"}),
            "is not one of alert, config, finding, incident, inputs, run, steps",
        ),
        (
            lambda d: d["steps"][0].update(catch="missing"),
            "pb.yml:steps[0].catch: 'missing' names no step of this playbook",
        ),
        (
            lambda d: d["steps"][1].update(next="block"),
            "pb.yml:steps[1].next: 'block' is not a later step (no loops)",
        ),
        (
            lambda d: d["steps"].insert(
                1,
                {
                    "id": "pick",
                    "type": "choice",
                    "phase": "contain",
                    "choices": [{"when": {"value": "${run.mode}", "eq": 1}, "next": "record"}],
                },
            ),
            "pb.yml:steps[1].choices[0].when.eq: unknown comparison",
        ),
        (
            lambda d: d["steps"].insert(1, {"id": "ask", "type": "manual", "phase": "recover"}),
            "pb.yml:steps[1].instructions: a manual step says what the human should do",
        ),
        (lambda d: d["steps"].pop(), "pb.yml:steps: a playbook ends with a 'record' step"),
        (lambda d: d.update(colour=1), "pb.yml:colour: unknown key"),
    ],
)
def test_validation_errors_are_located(change: Any, expected: str) -> None:
    doc = minimal()
    change(doc)
    assert any(expected in p for p in problems_of(doc)), problems_of(doc)


def test_every_problem_is_reported_not_just_the_first() -> None:
    doc = minimal()
    doc["steps"][0].update(phase="later", retry={"backoff": 0.5, "max_attempts": "3"})
    found = problems_of(doc)
    assert len(found) == 3
    assert all(p.startswith("pb.yml:steps[0].") for p in found)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("id: x\nsteps: [\n  - id: a\n")
    with pytest.raises(PlaybookError) as err:
        load_playbook(bad)
    assert str(err.value).startswith(f"{bad}:line ")


def test_a_valid_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(yaml.safe_dump(minimal()))
    book = load_playbook(path)
    assert [s.id for s in book.steps] == ["block", "record"]
    assert book.after(book.steps[0]) == "record"
    assert book.after(book.steps[1]) is None


def test_retry_backoff_grows_exponentially_up_to_its_cap() -> None:
    policy = RetryPolicy(max_attempts=5, interval=1, backoff=2, max_interval=5)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


CTX = {
    "alert": {
        "group": {"userIdentity.accessKeyId": "AKIAFLAT"},
        "context": {"userIdentity": {"userName": "alice"}},
        "event_ids": ["e1", "e2"],
        "count": 3,
    },
    "finding": {},
    "steps": {"create": {"result": {"handed_over_at": "2026-11-01T10:00:00+00:00"}}},
}


@pytest.mark.parametrize(
    ("template", "value"),
    [
        ("${alert.group.userIdentity.accessKeyId}", "AKIAFLAT"),  # a flat dotted key
        ("${alert.context.userIdentity.userName}", "alice"),  # nested mappings
        ("${alert.event_ids[1]}", "e2"),
        ("${alert.event_ids}", ["e1", "e2"]),  # one reference keeps its type
        ("${alert.count}", 3),
        ("key ${alert.group.userIdentity.accessKeyId} of ${alert.count}", "key AKIAFLAT of 3"),
        ("${finding.resource_name | alert.context.userIdentity.userName}", "alice"),
        ("${finding.resource_name | 'fallback'}", "fallback"),
        ("${steps.create.result.handed_over_at}", "2026-11-01T10:00:00+00:00"),
    ],
)
def test_templates_resolve_paths_not_code(template: str, value: Any) -> None:
    assert render(template, CTX) == value


@pytest.mark.parametrize(
    "template", ["${finding.resource_arn}", "${alert.__class__}", "${__import__('os')}"]
)
def test_templates_that_name_nothing_are_errors(template: str) -> None:
    with pytest.raises(TemplateError):
        render(template, CTX)


@pytest.mark.parametrize(
    ("cond", "holds"),
    [
        ({"value": "${alert.count}", "greater_than": 2}, True),
        ({"value": "${alert.context.userIdentity.userName}", "in": ["bob", "alice"]}, True),
        ({"value": "${finding.nothing}", "exists": False}, True),
        ({"value": "Bitcoin miner on i-1", "contains": "bitcoin"}, True),
        (
            {
                "value": "${steps.create.result.handed_over_at}",
                "before": "2026-11-01T11:00:00Z",
            },
            True,
        ),
        ({"not": {"value": "${alert.count}", "equals": 3}}, False),
        (
            {
                "any": [
                    {"value": "${alert.count}", "less_than": 1},
                    {"value": "${alert.event_ids}", "contains": "e2"},
                ]
            },
            True,
        ),
        ({"all": [{"value": 1, "equals": 1}, {"value": "${alert.nope}", "truthy": True}]}, False),
    ],
)
def test_conditions(cond: dict[str, Any], holds: bool) -> None:
    assert evaluate(cond, CTX) is holds
