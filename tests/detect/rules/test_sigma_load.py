"""The packaged SigmaHQ AWS CloudTrail set loads completely into the intermediate form."""

from __future__ import annotations

from pathlib import Path

from cloudwarden.detect.rules import Match, builtin_sigma_rules, load_sigma


def test_all_packaged_aws_rules_load_or_say_why() -> None:
    result = builtin_sigma_rules()
    converted = len(result.rules)
    unsupported = result.unsupported
    print(f"\nSigma AWS CloudTrail rules converted: {converted}/57 ({converted / 57:.0%})")
    assert converted + len(unsupported) == 57
    assert all(p.message for p in unsupported)
    assert not [p for p in result.problems if p.kind == "invalid"]
    assert converted == 57


def test_rules_keep_drl_attribution_and_metadata() -> None:
    rules = {r.id: r for r in builtin_sigma_rules().rules}
    stop_logging = rules["4db60cc0-36fb-42b7-9b58-a5b53019fb74"]
    assert stop_logging.author
    assert "github.com/SigmaHQ/sigma" in stop_logging.attribution
    assert stop_logging.license
    assert stop_logging.source == "sigma"
    assert (stop_logging.product, stop_logging.service) == ("aws", "cloudtrail")
    assert stop_logging.attack_ids and all(a.startswith("T") for a in stop_logging.attack_ids)
    assert stop_logging.level == "medium"


def test_license_files_are_packaged_beside_the_rules() -> None:
    folder = Path(builtin_sigma_rules().rules[0].source_path).parent
    for name in ("LICENSE", "LICENSE.Detection.Rules.md", "SOURCE.md"):
        assert (folder / name).is_file()


def test_modifiers_are_kept_for_provenance() -> None:
    rules = {Path(r.source_path).stem: r for r in builtin_sigma_rules().rules}
    leaves = _leaves(rules["aws_cloudtrail_imds_malicious_usage"].detection)
    assert any(m.op == "re" and m.modifiers == ("re",) for m in leaves)


def test_problems_are_collected_per_file_never_raised(tmp_path: Path) -> None:
    (tmp_path / "bad_yaml.yml").write_text("title: [unclosed\n")
    (tmp_path / "no_detection.yml").write_text(
        "title: t\nid: 11111111-1111-1111-1111-111111111111\nlogsource: {product: aws}\n"
        "detection:\n  sel: {a: 1}\n  condition: sel and missing\n"
    )
    (tmp_path / "placeholder.yml").write_text(
        "title: t\nid: 22222222-2222-2222-2222-222222222222\nlogsource: {product: aws}\n"
        "detection:\n  sel: {a|expand: '%admins%'}\n  condition: sel\n"
    )
    (tmp_path / "timestamp.yml").write_text(
        "title: t\nid: 55555555-5555-5555-5555-555555555555\nlogsource: {product: aws}\n"
        "detection:\n  sel: {eventTime|hour: 3}\n  condition: sel\n"
    )
    (tmp_path / "good.yml").write_text(
        "title: ok\nid: 33333333-3333-3333-3333-333333333333\nlogsource: {product: aws}\n"
        "detection:\n  sel: {eventName: X}\n  condition: sel\n"
    )
    result = load_sigma([tmp_path, tmp_path / "absent.yml"])
    assert [r.title for r in result.rules] == ["ok"]
    by_file = {Path(p.path).name: p for p in result.problems}
    assert set(by_file) == {
        "bad_yaml.yml",
        "no_detection.yml",
        "placeholder.yml",
        "timestamp.yml",
        "absent.yml",
    }
    assert by_file["timestamp.yml"].kind == "unsupported"
    assert by_file["placeholder.yml"].kind == "unsupported"
    assert "placeholder" in by_file["placeholder.yml"].message
    assert "missing" in by_file["no_detection.yml"].message


def _leaves(expr: object) -> list[Match]:
    if isinstance(expr, Match):
        return [expr]
    args = getattr(expr, "args", None) or (getattr(expr, "arg", None),)
    return [leaf for a in args if a is not None for leaf in _leaves(a)]
