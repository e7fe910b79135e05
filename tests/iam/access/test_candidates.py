"""The candidate contexts: one value per region each condition key distinguishes."""

from __future__ import annotations

from typing import Any

from cloudwarden.iam import parse_policy
from cloudwarden.iam.access.candidates import (
    MAX_CONTEXTS,
    OTHER,
    context_dimensions,
    contexts,
    instantiate,
)
from cloudwarden.iam.access.regions import compile_glob, matches, regions


def _dims(condition: dict[str, Any]) -> Any:
    return context_dimensions(
        [
            parse_policy(
                {
                    "Version": "2012-10-17",
                    "Statement": {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "*",
                        "Condition": condition,
                    },
                }
            )
        ]
    )


def _values(condition: dict[str, Any], key: str) -> list[Any]:
    return [o.value for o in _dims(condition).options[key]]


def test_string_keys_get_each_value_another_and_absent() -> None:
    values = _values({"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}, "aws:SourceVpce")
    assert values == [None, "vpce-1", "vpce-2", OTHER]


def test_wildcards_are_instantiated_and_the_other_value_matches_none() -> None:
    assert instantiate("arn:aws:s3:::logs-*") == [
        "arn:aws:s3:::logs-x",
        "arn:aws:s3:::logs-cloudwarden-0",
    ]
    values = _values({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs-*"}}, "aws:SourceArn")
    assert values[0] is None and "arn:aws:s3:::logs-x" in values
    assert values[-1].startswith("arn:") and "logs-" not in values[-1]


def test_nested_cidrs_get_an_address_in_each_region() -> None:
    values = _values({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "10.1.0.0/16"]}}, "aws:SourceIp")
    assert values[0] is None
    inside = values[1:3]
    assert inside[0].startswith("10.") and not inside[0].startswith("10.1.")
    assert inside[1].startswith("10.1.")
    assert not values[3].startswith("10.")


def test_numeric_thresholds_split_the_line() -> None:
    values = _values({"NumericLessThan": {"s3:max-keys": ["10", "20"]}}, "s3:max-keys")
    assert set(values) == {None, "9", "10", "20", "21", "15"}


def test_multivalued_keys_get_subsets() -> None:
    values = _values({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, "aws:TagKeys")
    assert ["a", "b"] in values and ["a"] in values and [OTHER] in values


def test_principal_keys_are_not_free_dimensions() -> None:
    dims = _dims({"StringEquals": {"aws:PrincipalOrgID": "o-1", "aws:PrincipalArn": "x"}})
    assert dims.options == {}


def test_every_region_of_overlapping_wildcards_gets_a_value() -> None:
    # "a*" and "*b" overlap in "a…b", which neither instantiation reaches
    values = _values({"StringLike": {"s3:prefix": ["a*", "*b"]}}, "s3:prefix")
    present = [v for v in values if v is not None]
    seen = {(v.startswith("a"), v.endswith("b")) for v in present}
    assert seen == {(True, True), (True, False), (False, True), (False, False)}


def test_regions_walk_is_exact_and_prefers_given_strings() -> None:
    patterns = [compile_glob("logs-*"), compile_glob("*-prod"), compile_glob("a?c", literal=True)]
    found, complete = regions(patterns, ["logs-x"])
    assert complete
    assert found[(True, False, False)] == "logs-x"
    assert set(found) == {
        (True, True, False), (True, False, False), (False, True, False), (False, False, True),
        (False, False, False),
    }  # fmt: skip
    assert all(
        tuple(matches(p, text) for p in patterns) == vector for vector, text in found.items()
    )


def test_exact_deny_and_like_allow_region_is_found_end_to_end() -> None:
    from cloudwarden.iam.access import analyse_policy

    arn = "arn:aws:sqs:us-east-1:123456789012:q"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
             "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:alerts-*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
             "Condition": {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*-prod"}}},
        ],
    }  # fmt: skip
    result = analyse_policy(document, arn=arn, resource_type="AWS::SQS::Queue",
                            account="123456789012")  # fmt: skip
    (access,) = result.scoped("outside_org")
    source = str(access.witness.context["aws:SourceArn"])
    assert ":alerts-" in source and source.endswith("-prod")


def test_too_many_combinations_falls_back_to_one_key_at_a_time() -> None:
    condition = {"StringEquals": {f"aws:RequestTag/k{i}": ["a", "b", "c"] for i in range(6)}}
    dims = _dims(condition)
    assert dims.size() > MAX_CONTEXTS
    assert len(list(contexts(dims))) == 1 + 6 * 5
