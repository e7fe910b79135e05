"""Load cloudwarden's native rule files (docs/detection-rules.md) into the intermediate form.

A native rule is a Sigma detection plus what an alert pipeline needs: threshold, dedup,
severity, runbook, playbook, an optional ``python:`` hatch and its own tests. The
``detection`` section is handed to pySigma inside a minimal Sigma rule (title, log source,
detection) and converted by the same code as SigmaHQ rules
(:func:`cloudwarden.detect.rules.sigma._detection`), so native rules have exactly Sigma's
field modifiers, conditions and value semantics.

Loading never raises on a bad file: every problem of every file is collected as a located
:class:`~cloudwarden.detect.rules.ir.Problem` (file and, where the YAML says, the line of
the key at fault), and a rule with a problem is left out. Besides the keys of the spec's
table, the Sigma metadata keys ``status``, ``date``, ``modified`` and ``license`` are
accepted, so a Sigma author's habits do not make a rule invalid; any other key is a
problem (a typo such as ``treshold`` must not silently drop the threshold).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from cloudwarden.detect.rules.hatch import HatchError, resolve_hatch
from cloudwarden.detect.rules.ir import (
    Dedup,
    Expr,
    LoadResult,
    Problem,
    Rule,
    RuleTest,
    Threshold,
)
from cloudwarden.detect.rules.sigma import (
    SIGMA_POLICY,
    SigmaConversionError,
    _detection,
    _rule_files,
    not_a_rule,
)

__all__ = [
    "BUILTIN_PREFIX",
    "LOGSOURCES",
    "MAX_DURATION",
    "SEVERITIES",
    "SafeLoader",
    "builtin_native_rules",
    "is_native",
    "load_native",
    "parse_duration",
    "parse_threshold",
]

SEVERITIES = ("informational", "low", "medium", "high", "critical")
LOGSOURCES = ("cloudtrail", "vpcflow", "s3access")
BUILTIN_PREFIX = "cw-"
_REQUIRED = ("id", "title", "severity", "logsource", "detection")
_OPTIONAL = (
    "description",
    "tags",
    "author",
    "references",
    "falsepositives",
    "threshold",
    "dedup",
    "runbook",
    "playbook",
    "python",
    "tests",
    "status",
    "date",
    "modified",
    "license",
)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG = re.compile(r"^[a-z0-9_-]+\.[a-z0-9_.-]+$")
_FIELD = r"[A-Za-z_][\w.-]*"
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: the longest threshold window or suppression: a year (a leap one). Anything longer is a
#: typo, and beyond what date arithmetic can hold (``99999999999d`` overflows ``timedelta``)
MAX_DURATION_DAYS = 366
MAX_DURATION = MAX_DURATION_DAYS * 86400
_THRESHOLD = re.compile(
    rf"^count(?:\(\s*distinct\s+(?P<distinct>{_FIELD})\s*\))?\s*(?P<op>>=|>)\s*(?P<n>\d+)"
    rf"(?:\s+by\s+(?P<by>{_FIELD}(?:\s*,\s*{_FIELD})*))?\s+within\s+(?P<within>\S+)$"
)


def parse_duration(text: str) -> int:
    """``30s``, ``10m``, ``1h``, ``7d`` as seconds (positive, at most :data:`MAX_DURATION`);
    ValueError otherwise."""
    m = _DURATION.match(text.strip())
    if m is None or int(m.group(1)) == 0:
        raise ValueError(f"bad duration {text!r} (a positive number and s, m, h or d: 10m)")
    seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds > MAX_DURATION:
        raise ValueError(f"duration {text!r} is too long (at most {MAX_DURATION_DAYS}d)")
    return seconds


def parse_threshold(text: str) -> Threshold:
    """``count >= 5 by a, b within 10m`` / ``count(distinct f) > 50 by g within 1m``."""
    m = _THRESHOLD.match(" ".join(text.split()))
    if m is None:
        raise ValueError(
            f"bad threshold {text!r} (count OP N [by F1, F2] within D, "
            "or count(distinct F) OP N …; OP is > or >=)"
        )
    op: Literal[">", ">="] = ">=" if m.group("op") == ">=" else ">"
    n = int(m.group("n"))
    if op == ">=" and n < 1:
        raise ValueError(f"threshold {text!r} is always met (drop it instead)")
    by = tuple(f.strip() for f in m.group("by").split(",")) if m.group("by") else ()
    try:
        within = parse_duration(m.group("within"))
    except ValueError as exc:
        raise ValueError(f"threshold {text!r}: {exc}") from None
    return Threshold(op, n, within, by, m.group("distinct"))


def is_native(data: Any) -> bool:
    """Whether a decoded rule document is a native rule rather than a Sigma rule."""
    return isinstance(data, Mapping) and (
        isinstance(data.get("logsource"), str) or "severity" in data
    )


def load_native(paths: Iterable[str | Path]) -> LoadResult:
    """Load native rule files (``*.yml``/``*.yaml`` in any case, folders searched recursively)."""
    problems: list[Problem] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in _rule_files(paths, problems):
        rule = _load_file(path, problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(
                Problem(str(path), f"duplicate rule id (first in {seen[rule.id]})", rule_id=rule.id)
            )
            continue
        seen[rule.id] = str(path)
        rules.append(rule)
    return LoadResult(tuple(rules), tuple(problems))


def builtin_native_rules() -> LoadResult:
    """The native rules packaged with cloudwarden, one folder per log source."""
    root = resources.files("cloudwarden.detect.rules") / "builtin"
    with resources.as_file(root) as folder:
        if not folder.is_dir():
            return LoadResult((), ())
        res = load_native([folder])
    extra: list[Problem] = []
    for r in res.rules:
        if not r.id.startswith(BUILTIN_PREFIX):
            extra.append(Problem(r.source_path, f"built-in ids start with {BUILTIN_PREFIX!r}"))
        folder_kind = Path(r.source_path).parent.name
        if folder_kind in LOGSOURCES and folder_kind != r.service:
            extra.append(Problem(r.source_path, f"logsource {r.service} in folder {folder_kind}/"))
    return LoadResult(res.rules, res.problems + tuple(extra))


@dataclass
class _Ctx:
    """One file being loaded: where its keys are, and what is wrong with it."""

    path: Path
    lines: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    rule_id: str | None = None

    def add(self, message: str, key: str | None = None, line: int | None = None) -> None:
        where = line if line is not None else self.lines.get(key or "")
        self.problems.append(Problem(str(self.path), message, rule_id=self.rule_id, line=where))


def _load_file(path: Path, problems: list[Problem]) -> Rule | None:
    try:
        text = path.read_text(encoding="utf-8")
        nodes, docs = _documents(text)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), f"cannot read rule file: {exc}"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(str(path), f"invalid YAML: {exc}".splitlines()[0], line=line))
        return None
    if (
        len(docs) != 1
        or not isinstance(docs[0], dict)
        or not isinstance(nodes[0], yaml.MappingNode)
    ):
        why = not_a_rule(docs) if len(docs) == 1 else None
        problems.append(Problem(str(path), why or "a rule file holds one YAML mapping (one rule)"))
        return None
    sigma = _sigma_rule(docs[0])
    if sigma is not None:
        rule_id = docs[0].get("id")
        problems.append(
            Problem(str(path), sigma, rule_id=rule_id if isinstance(rule_id, str) else None)
        )
        return None
    ctx = _Ctx(path, {})
    for key_node, _ in nodes[0].value:
        name = str(key_node.value)
        if name in ctx.lines:
            ctx.add(f"key {name!r} given twice", line=key_node.start_mark.line + 1)
        ctx.lines.setdefault(name, key_node.start_mark.line + 1)
    tests_node = next((v for k, v in nodes[0].value if k.value == "tests"), None)
    rule = _parse(_plain(docs[0]), tests_node, ctx)
    problems.extend(ctx.problems)
    return rule if not ctx.problems else None


def _sigma_rule(data: dict[str, Any]) -> str | None:
    """Why a mapping is a Sigma rule rather than a native one (``level`` instead of
    ``severity``, or a ``logsource`` mapping), or None. Its native-key problems would only
    mislead: a Sigma rule carries no tests."""
    if is_native(data):
        return None
    if "level" in data:
        why = "has 'level' and no 'severity'"
    elif isinstance(data.get("logsource"), Mapping):
        why = "its logsource is a mapping"
    else:
        return None
    return f"a Sigma rule ({why}), not a native rule: detect test runs the tests of native rules"


#: libyaml when the build has it: a rule pack with its test events is a lot of YAML
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _documents(text: str) -> tuple[list[Any], list[Any]]:
    """The YAML documents of a file as nodes (for line numbers) and as data, parsed once."""
    loader = SafeLoader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
        return nodes, [loader.construct_document(n) for n in nodes]
    finally:
        loader.dispose()


def _plain(value: Any) -> Any:
    """YAML timestamps back to the ISO text the sources carry (``2026-11-01T10:00:00Z``)."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if value.tzinfo is not None else text + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _check_keys(data: Mapping[str, Any], ctx: _Ctx) -> None:
    rule_id = data.get("id")
    if isinstance(rule_id, str) and _ID.match(rule_id):
        ctx.rule_id = rule_id
    elif "id" in data:
        ctx.add(f"id {rule_id!r} is not [a-z0-9-]+", "id")
    for key in _REQUIRED:
        if key not in data:
            ctx.add(f"missing required key {key!r}")
    for key in data:
        if key not in _REQUIRED and key not in _OPTIONAL:
            ctx.add(f"unknown key {key!r}", key)


def _choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...], ctx: _Ctx) -> str:
    value = _text(data, key, ctx, required=True)
    if value and value not in choices:
        ctx.add(f"{key} {value!r} is not one of {', '.join(choices)}", key)
    return value


def _parse(data: dict[str, Any], tests_node: Any, ctx: _Ctx) -> Rule | None:
    _check_keys(data, ctx)
    title = _text(data, "title", ctx, required=True)
    severity = _choice(data, "severity", SEVERITIES, ctx)
    logsource = _choice(data, "logsource", LOGSOURCES, ctx)
    tags = _strings(data, "tags", ctx)
    for tag in tags:
        if not _TAG.match(tag):
            ctx.add(f"tag {tag!r} is not namespace.name in lower case", "tags")
    detection = _detection_of(data, title, logsource, ctx) if "detection" in data else None
    threshold = _threshold(data, ctx)
    dedup = _dedup(data.get("dedup"), ctx) if "dedup" in data else None
    python = _text(data, "python", ctx)
    if python:
        try:
            resolve_hatch(python)
        except HatchError as exc:
            ctx.add(str(exc), "python")
    tests = _tests(data.get("tests"), tests_node, logsource, ctx) if "tests" in data else ()
    if ctx.problems or detection is None or ctx.rule_id is None:
        return None
    return Rule(
        id=ctx.rule_id,
        title=title,
        detection=detection,
        description=_text(data, "description", ctx).strip(),
        level=severity,
        status=_text(data, "status", ctx),
        author=_text(data, "author", ctx),
        references=_strings(data, "references", ctx),
        tags=tags,
        product="aws",
        service=logsource,
        falsepositives=_strings(data, "falsepositives", ctx),
        source="native",
        source_path=str(ctx.path),
        license=_text(data, "license", ctx),
        threshold=threshold,
        dedup=dedup,
        runbook=_text(data, "runbook", ctx).strip(),
        playbook=_text(data, "playbook", ctx),
        python=python,
        tests=tests,
    )


def _text(data: Mapping[str, Any], key: str, ctx: _Ctx, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        ctx.add(f"{key} must be a non-empty string" if required else f"{key} must be a string", key)
        return ""
    return value


def _strings(data: Mapping[str, Any], key: str, ctx: _Ctx) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        ctx.add(f"{key} must be a list of strings", key)
        return ()
    return tuple(value)


def _detection_of(data: Mapping[str, Any], title: str, logsource: str, ctx: _Ctx) -> Expr | None:
    section = data["detection"]
    if not isinstance(section, dict):
        ctx.add("detection must be a mapping of selections and a condition", "detection")
        return None
    try:
        sigma = SigmaRule.from_dict(
            {
                "title": title or ctx.rule_id or ctx.path.stem,
                "logsource": {"product": "aws", "service": logsource or "cloudtrail"},
                "detection": section,
            },
            collect_errors=True,
            policy=SIGMA_POLICY,
        )
    except Exception as exc:  # pySigma on a shape it does not expect (condition: 5 ...)
        ctx.add(f"detection: {type(exc).__name__}: {exc}", "detection")
        return None
    for err in sigma.errors:
        ctx.add(f"detection: {err.args[0] if err.args else type(err).__name__}", "detection")
    if sigma.errors:
        return None
    try:
        return _detection(sigma)
    except (SigmaError, SigmaConversionError) as exc:
        ctx.add(f"detection: {exc}", "detection")
    except Exception as exc:  # likewise, when the condition is parsed
        ctx.add(f"detection: {type(exc).__name__}: {exc}", "detection")
    return None


def _threshold(data: Mapping[str, Any], ctx: _Ctx) -> Threshold | None:
    text = data.get("threshold")
    if text is None:
        return None
    if not isinstance(text, str):
        ctx.add("threshold must be a string such as 'count >= 5 by a within 10m'", "threshold")
        return None
    try:
        return parse_threshold(text)
    except ValueError as exc:
        ctx.add(str(exc), "threshold")
        return None


def _dedup(value: Any, ctx: _Ctx) -> Dedup | None:
    if not isinstance(value, dict):
        ctx.add("dedup must be a mapping with 'by' and 'suppress'", "dedup")
        return None
    unknown = sorted(set(value) - {"by", "suppress"})
    if unknown:
        ctx.add(f"dedup: unknown key(s) {', '.join(map(str, unknown))}", "dedup")
    by = _strings(value, "by", ctx)
    suppress = value.get("suppress")
    if not isinstance(suppress, str):
        ctx.add("dedup: suppress must be a duration such as 1h", "dedup")
        return None
    try:
        return Dedup(by, parse_duration(suppress))
    except ValueError as exc:
        ctx.add(f"dedup: {exc}", "dedup")
        return None


def _tests(value: Any, node: Any, logsource: str, ctx: _Ctx) -> tuple[RuleTest, ...]:
    if not isinstance(value, list):
        ctx.add("tests must be a list of test cases", "tests")
        return ()
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    out: list[RuleTest] = []
    for i, case in enumerate(value):
        line = items[i].start_mark.line + 1 if i < len(items) else ctx.lines.get("tests")
        test = _test(case, i, line, logsource, ctx)
        if test is not None:
            out.append(test)
    return tuple(out)


def _test(case: Any, i: int, line: int | None, logsource: str, ctx: _Ctx) -> RuleTest | None:
    if not isinstance(case, dict):
        ctx.add(f"test #{i + 1} must be a mapping", line=line)
        return None
    name = case.get("name")
    label = f"test {name!r}" if isinstance(name, str) and name else f"test #{i + 1}"
    before = len(ctx.problems)
    if not isinstance(name, str) or not name:
        ctx.add(f"{label}: needs a name", line=line)
    unknown = sorted(set(case) - {"name", "expect", "alerts", "events", "event"})
    if unknown:
        ctx.add(f"{label}: unknown key(s) {', '.join(map(str, unknown))}", line=line)
    expect: Literal["alert", "no_alert"] | int = "alert"
    if ("expect" in case) == ("alerts" in case):
        ctx.add(f"{label}: give exactly one of 'expect' and 'alerts'", line=line)
    elif "expect" in case:
        if case["expect"] not in ("alert", "no_alert"):
            ctx.add(f"{label}: expect must be alert or no_alert", line=line)
        expect = "no_alert" if case["expect"] == "no_alert" else "alert"
    elif (
        isinstance(case["alerts"], int)
        and not isinstance(case["alerts"], bool)
        and case["alerts"] >= 0
    ):
        expect = case["alerts"]
    else:
        ctx.add(f"{label}: alerts must be a whole number >= 0", line=line)
    if ("events" in case) == ("event" in case):
        ctx.add(f"{label}: give exactly one of 'events' and 'event'", line=line)
        return None
    events = case["events"] if "events" in case else [case["event"]]
    if not isinstance(events, list) or not events:
        ctx.add(f"{label}: events must be a non-empty list", line=line)
        return None
    want: type = dict if logsource == "cloudtrail" else str
    if logsource and not all(isinstance(e, want) for e in events):
        shape = "JSON objects" if want is dict else "log lines (strings)"
        ctx.add(f"{label}: {logsource} test events are {shape}", line=line)
    if len(ctx.problems) > before:
        return None
    return RuleTest(str(name), tuple(events), expect, line)
