"""The streaming engine's generated predicates and its guard dispatch agree with the evaluator.

Semantics checked here (the reference evaluator's, from the Sigma specification):

* string equality is case-insensitive unless ``cased`` (Sigma "Value modifiers": plain
  values compare case-insensitively), so ``ROOT`` and ``root`` both match ``Root``;
* a missing field (or ``null``) never satisfies a positive test, so ``not`` of it holds;
* a literal dotted key (``"userIdentity.type"`` at top level) is read before the nested path,
  a list is searched element by element, numbers and objects compare through their text --
  shapes the fast path must hand to the evaluator's compiled leaf.

Each case compares :meth:`StreamEngine.matches` (which dispatches the always-rules on
``userIdentity.type``) with the naive loop "every rule's evaluator predicate on every event".
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudwarden.detect.engines.dispatch import GuardDispatch, compile_fast, generate
from cloudwarden.detect.engines.fields import MISSING, UNKNOWN
from cloudwarden.detect.engines.stream import StreamEngine
from cloudwarden.detect.rules import And, Expr, Keyword, Match, Not, Or, Rule, compile_rule
from cloudwarden.detect.rules.hatch import EventFields, resolve_hatch

TYPE = "userIdentity.type"


def eq(field: str, *values: Any, **kw: Any) -> Match:
    return Match(field, "equals", values, **kw)


def naive(rules: list[Rule] | tuple[Rule, ...], record: dict[str, Any]) -> tuple[int, ...]:
    """Every rule's reference predicate (and its hatch) on the record, in rule order."""
    return tuple(i for i, pred in enumerate(reference(tuple(rules))) if pred(record))


@functools.cache
def reference(rules: tuple[Rule, ...]) -> tuple[Callable[[dict[str, Any]], bool], ...]:
    def one(rule: Rule) -> Callable[[dict[str, Any]], bool]:
        pred = compile_rule(rule)
        if not rule.python:
            return pred
        hatch = resolve_hatch(rule.python)
        return lambda record: pred(record) and bool(hatch(EventFields(record)))

    return tuple(one(r) for r in rules)


# Always-rules (no eventSource/eventName restriction) of the shapes the dispatch handles,
# plus indexed rules, so results from both sides must merge in rule order.
RULES: tuple[Rule, ...] = (
    Rule("indexed-first", "i1", And((eq("eventSource", "s3.amazonaws.com"), eq("eventName", "X")))),
    Rule("root", "root", And((eq(TYPE, "Root"), Not(eq("eventType", "AwsServiceEvent"))))),
    # two guards: on the dispatch field and on a deeper one
    Rule(
        "two-fields",
        "two",
        And(
            (eq(TYPE, "AssumedRole"), eq("userIdentity.sessionContext.sessionIssuer.type", "Role"))
        ),
    ),
    # two conjuncts on the dispatch field: only their intersection ("root") admits the rule
    Rule("same-field-twice", "twice", And((eq(TYPE, "Root", "IAMUser"), eq(TYPE, "root")))),
    Rule("guard-only", "only", eq(TYPE, "IAMUser", "FederatedUser")),
    # a guard on another field and on the dispatch field (the pack's multi-region shape)
    Rule("other-guard", "other", And((eq("eventType", "AwsApiCall"), eq(TYPE, "IAMUser", "Root")))),
    Rule("negated", "neg", Not(eq(TYPE, "Root"))),  # holds when the field is missing
    Rule("cased", "cased", eq(TYPE, "Root", cased=True)),  # not a guard: exact case
    Rule("number", "num", eq(TYPE, 1)),  # not a guard: a number compares through its text
    Rule("agent", "agent", eq("userAgent", "TruffleHog")),  # guarded on another field only
    Rule("indexed-last", "i2", And((eq("eventName", "GetObject"), eq(TYPE, "Root")))),
)

TYPE_SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("plain", {"userIdentity": {"type": "Root"}}),
    ("upper", {"userIdentity": {"type": "ROOT"}}),
    ("lower", {"userIdentity": {"type": "root"}}),
    ("iam-odd-case", {"userIdentity": {"type": "iamUSER"}}),
    ("assumed", {"userIdentity": {"type": "AssumedRole"}}),
    ("other", {"userIdentity": {"type": "AWSService"}}),
    ("null", {"userIdentity": {"type": None}}),
    ("absent", {"userIdentity": {}}),
    ("no identity", {}),
    ("identity null", {"userIdentity": None}),
    ("identity string", {"userIdentity": "Root"}),
    ("number", {"userIdentity": {"type": 1}}),
    ("float", {"userIdentity": {"type": 1.0}}),
    ("bool", {"userIdentity": {"type": True}}),
    ("list", {"userIdentity": {"type": ["IAMUser", "ROOT"]}}),
    ("list of identities", {"userIdentity": [{"type": "IAMUser"}, {"type": "Root"}]}),
    ("object", {"userIdentity": {"type": {"x": "Root"}}}),
    ("dotted key", {"userIdentity.type": "Root"}),
    ("dotted key wins", {"userIdentity.type": "IAMUser", "userIdentity": {"type": "Root"}}),
    ("dotted null", {"userIdentity.type": None, "userIdentity": {"type": "Root"}}),
    ("dotted list", {"userIdentity.type": ["root"]}),
]

CONTEXTS: list[dict[str, Any]] = [
    {},
    {"eventType": "AwsApiCall", "eventSource": "s3.amazonaws.com", "eventName": "GetObject"},
    {"eventType": "awsservicEEVENT", "eventName": "X", "eventSource": "S3.amazonaws.com"},
    {"eventType": ["AwsApiCall"], "userAgent": "trufflehog"},
    {"eventName": ["GetObject"], "userAgent": 7},  # slow path: every rule's full predicate
]


def with_issuer(record: dict[str, Any], issuer: Any) -> dict[str, Any]:
    ident = record.get("userIdentity")
    if isinstance(ident, dict):
        record = {**record, "userIdentity": {**ident, "sessionContext": issuer}}
    return record


ISSUERS: list[Any] = [
    None,
    {"sessionIssuer": {"type": "ROLE"}},
    {"sessionIssuer": {"type": "User"}},
    {"sessionIssuer": [{"type": "Role"}]},
    {"sessionIssuer.type": "role"},
]


def cases() -> list[dict[str, Any]]:
    out = []
    for _, shape in TYPE_SHAPES:
        for context in CONTEXTS:
            for issuer in ISSUERS:
                out.append(with_issuer({**context, **shape}, issuer))
    return out


def engine_for(rules: tuple[Rule, ...] | list[Rule], compile_after: int) -> StreamEngine:
    """An engine whose candidate sets get their generated function after ``compile_after``
    events (0: at once), so both the loop over predicates and ``run_all`` are tested."""
    engine = StreamEngine(rules)
    engine.compile_after = compile_after
    return engine


MODES = pytest.mark.parametrize("compile_after", [0, 1024], ids=["generated-sets", "loop"])


@MODES
def test_matches_agree_with_the_evaluator_on_every_shape(compile_after: int) -> None:
    engine = engine_for(RULES, compile_after)
    records = cases()
    assert [engine.matches(r) for r in records] == [naive(RULES, r) for r in records]
    # a fresh engine fed in reverse order: cached candidate sets must not leak across keys
    engine = engine_for(RULES, compile_after)
    assert [engine.matches(r) for r in reversed(records)] == [
        naive(RULES, r) for r in reversed(records)
    ]


@pytest.mark.parametrize(("label", "shape"), TYPE_SHAPES, ids=[s[0] for s in TYPE_SHAPES])
def test_each_type_shape_agrees_with_process_and_the_evaluator(
    label: str, shape: dict[str, Any]
) -> None:
    engine = StreamEngine(RULES)
    record = {"eventType": "AwsApiCall", "eventName": "GetObject", "eventID": "e", **shape}
    want = naive(RULES, record)
    assert engine.matches(record) == want
    assert tuple(RULES.index(h.rule) for h in engine.process(record)) == want


@MODES
def test_specific_outcomes_a_dropped_rule_would_break(compile_after: int) -> None:
    """Hand-checked answers, so that the test does not only compare two implementations."""
    engine = engine_for(RULES, compile_after)
    ids = lambda record: [RULES[i].id for i in engine.matches(record)]  # noqa: E731
    # case-insensitive equality: "ROOT" is Root; the cased rule wants the exact "Root"
    assert ids({"userIdentity": {"type": "ROOT"}}) == ["root", "same-field-twice"]
    assert ids({"userIdentity": {"type": "Root"}}) == ["root", "same-field-twice", "cased"]
    # a missing type fails every positive test and satisfies the negation
    assert ids({"eventName": "GetObject"}) == ["negated"]
    assert ids({"userIdentity": {"type": None}}) == ["negated"]
    # a list is searched element by element: the guarded rules must still see "ROOT"
    listed = ids({"userIdentity": {"type": ["IAMUser", "ROOT"]}, "eventType": "AwsApiCall"})
    assert listed == ["root", "same-field-twice", "guard-only", "other-guard"]
    # a number is compared through its text
    assert ids({"userIdentity": {"type": 1}}) == ["negated", "number"]
    # the literal dotted key is read before the nested object, in both directions
    assert ids({"userIdentity.type": "Root"}) == ["root", "same-field-twice", "cased"]
    shadowed = {"userIdentity.type": "IAMUser", "userIdentity": {"type": "Root"}}
    assert ids(shadowed) == ["guard-only", "negated"]
    # two guards: the deeper one is still tested after the dispatch on the type
    assumed = {"userIdentity": {"type": "assumedrole", "sessionContext": ISSUERS[1]}}
    assert ids(assumed) == ["two-fields", "negated"]
    assert ids(with_issuer(assumed, ISSUERS[2])) == ["negated"]
    # merged in rule order with the indexed rules on both sides
    full = {"eventSource": "s3.amazonaws.com", "eventName": "GetObject"}
    assert ids({**full, "userIdentity": {"type": "Root"}}) == [
        "root",
        "same-field-twice",
        "cased",
        "indexed-last",
    ]
    assert ids({**full, "eventName": "X", "userAgent": "TRUFFLEHOG"}) == [
        "indexed-first",
        "negated",
        "agent",
    ]


def test_dispatch_field_and_selection() -> None:
    engine = StreamEngine(RULES)
    dispatch = engine._dispatch
    assert dispatch.field == TYPE
    by_id = {r.id: i for i, r in enumerate(RULES)}
    guarded = {"root", "two-fields", "same-field-twice", "guard-only", "other-guard"}
    assert dispatch.indices == {by_id[g] for g in guarded}
    assert [RULES[i].id for i, _ in dispatch.select("ROOT")] == [
        "root",
        "same-field-twice",
        "other-guard",
    ]
    assert [RULES[i].id for i, _ in dispatch.select("iamuser")] == ["guard-only", "other-guard"]
    assert dispatch.select(MISSING) == []
    assert {RULES[i].id for i, _ in dispatch.select(UNKNOWN)} == guarded
    # a plain string selection runs the rest only: "guard-only" has nothing left to test
    ((_, rest),) = dispatch.select("FederatedUser")
    assert rest({}) is True


def test_no_guarded_always_rule_means_no_dispatch() -> None:
    rules = (Rule("a", "a", Not(eq(TYPE, "Root"))), Rule("b", "b", eq("eventName", "X")))
    engine = StreamEngine(rules)
    assert engine._dispatch.field is None
    for record in ({}, {"userIdentity": {"type": "Root"}}, {"eventName": "x"}):
        assert engine.matches(record) == naive(rules, record)


def test_dispatch_without_always_rules() -> None:
    dispatch = GuardDispatch((), (), ())
    assert dispatch.field is None and dispatch.select(None) == []


# ---- generated predicates against the evaluator, leaf by leaf ---------------------------

LEAVES: list[Expr] = [
    eq("f", "Abc"),
    eq("f", "Abc", "x"),
    eq("f", "Abc", cased=True),
    eq("f", "a", "b", all=True),
    eq("f", 1),
    eq("f", True),
    Match("f", "contains", ("bC",)),
    Match("f", "contains", ("zz", "BC")),
    Match("f", "contains", ("a", "c"), all=True),
    Match("f", "contains", ("bC",), cased=True),
    Match("f", "startswith", ("AB", "x")),
    Match("f", "endswith", ("bc",)),
    Match("f", "endswith", ("bc",), cased=True),
    Match("f", "wildcard", ("a*c",)),
    Match("f", "re", ("^a.c$",)),
    Match("f", "re", ("B",), regex_flags="i"),
    Match("f", "cidr", ("10.0.0.0/8",)),
    Match("f", "lt", (5,)),
    Match("f", "neq", (1,)),
    Match("f", "null"),
    Match("f", "exists", (True,)),
    Match("f", "exists", (False,)),
    Match("f", "fieldref", ("g",)),
    Match("f", "equals", ()),
    Match("f", "contains", ()),
    Match("f", "startswith", ()),
    Match("f", "re", ()),
    Keyword(("abc",)),
]
FIELDS = ("f", "a.f", "a.b.f")
VALUES: list[Any] = [
    "abc",
    "ABC",
    "Abc",
    "xabcx",
    "10.1.2.3",
    "3",
    "",
    "İ",
    1,
    1.0,
    True,
    None,
    ["x", "ABC"],
    [],
    {"k": "abc"},
]


def at(field: str, value: Any) -> list[dict[str, Any]]:
    """Records holding ``value`` at ``field``: nested, as a literal dotted key, or beside one."""
    parts = field.split(".")
    nested: Any = value
    for p in reversed(parts):
        nested = {p: nested}
    records = [nested, {**nested, "g": "abc"}]
    if len(parts) > 1:
        records += [{field: value}, {field: "other", **nested}, {parts[0]: None}]
        records += [{parts[0]: [nested[parts[0]]]}]
    return records


def relocated(expr: Expr, field: str) -> Expr:
    if isinstance(expr, Match):
        return Match(field, expr.op, expr.values, expr.all, expr.cased, expr.regex_flags)
    return expr


@pytest.mark.parametrize("leaf", LEAVES, ids=[repr(x)[:60] for x in LEAVES])
def test_generated_leaf_is_the_evaluator(leaf: Expr) -> None:
    from cloudwarden.detect.rules import compile_expr

    for field in FIELDS:
        expr = relocated(leaf, field)
        for shape in (expr, Not(expr), And((expr, Not(eq("h", "z")))), Or((eq("h", "z"), expr))):
            fast, ref = compile_fast(shape), compile_expr(shape)
            for value in VALUES:
                for record in [*at(field, value), {}]:
                    assert fast(record) == ref(record), (shape, record)


def test_generated_source_is_one_readable_expression() -> None:
    body, names = generate(And((eq("a", "X"), Not(Match("b.c", "startswith", ("p",))))), "t_")
    assert "r.get('a')" in body and ".lower() in t_C" in body and ".startswith(t_C" in body
    assert all(n == "MISSING" or n.startswith("t_") for n in names)
    assert compile_fast(And(()))({}) is True and compile_fast(Or(()))({}) is False


# ---- properties --------------------------------------------------------------------------

SCALARS = st.one_of(
    st.sampled_from(["Root", "ROOT", "root", "IAMUser", "AssumedRole", "Role", "TruffleHog"]),
    st.sampled_from(["AwsApiCall", "AwsServiceEvent", "GetObject", "X", "s3.amazonaws.com"]),
    st.text(max_size=4),
    st.integers(-2, 2),
    st.none(),
    st.booleans(),
)
VALUE = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2),
        st.dictionaries(st.sampled_from(["type", "sessionContext", "sessionIssuer"]), inner),
    ),
    max_leaves=4,
)
KEYS = st.sampled_from(
    [
        "eventSource",
        "eventName",
        "eventType",
        "userAgent",
        "userIdentity",
        "userIdentity.type",
        "userIdentity.sessionContext",
    ]
)
IDENTITY = st.fixed_dictionaries(
    {"type": VALUE},
    optional={"sessionContext": st.fixed_dictionaries({}, optional={"sessionIssuer": VALUE})},
)
RECORD = st.builds(
    lambda extra, ident: {**extra, "userIdentity": ident} if ident is not None else extra,
    st.dictionaries(KEYS, VALUE, max_size=4),
    st.one_of(st.none(), IDENTITY, VALUE),
)


SHARED = StreamEngine(RULES)
SHARED_GENERATED = engine_for(RULES, 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(RECORD, min_size=1, max_size=6))
def test_matches_is_the_evaluator_on_random_records(records: list[dict[str, Any]]) -> None:
    engine = SHARED  # shared by every example: its caches see many keys, in any order
    for record in records:
        want = naive(RULES, record)
        assert engine.matches(record) == want, record
        assert SHARED_GENERATED.matches(record) == want, record


def test_a_candidate_set_switches_to_its_generated_function() -> None:
    engine = engine_for(RULES, 3)
    upper = {"eventName": "GetObject", "userIdentity": {"type": "ROOT"}, "eventType": "x"}
    plain = {**upper, "userIdentity": {"type": "Root"}}  # another key, the same candidates
    answers = [engine.matches(r) for r in (upper, plain, upper, plain, upper)]
    assert answers == [naive(RULES, upper), naive(RULES, plain)] * 2 + [naive(RULES, upper)]
    # the third event of the set compiled it, and both keys now run the generated function
    (compiled,) = engine._sets.values()
    assert list(engine._match_cache.values()) == [compiled, compiled]
    assert not engine._waiting


# ---- the packaged rules -------------------------------------------------------------------


@functools.cache
def pack() -> list[Rule]:
    sys.path.insert(0, str(Path(__file__).parents[3] / "bench"))
    from detect import all_rules

    return all_rules()


def test_packaged_pack_dispatches_on_the_identity_type() -> None:
    rules = pack()
    engine = StreamEngine(rules)
    assert engine._dispatch.field == TYPE
    assert len(engine._dispatch.indices) >= 4


@MODES
def test_packaged_pack_on_odd_generated_records(compile_after: int) -> None:
    from cloudwarden.detect.corpus import generate_records

    rules = pack()
    engine = engine_for(rules, compile_after)
    records = [r for r in generate_records(3000, seed=11, odd_rate=0.3) if isinstance(r, dict)]
    for record in records[:1500]:  # odd-case copies of the identity type too
        ident = record.get("userIdentity")
        if isinstance(ident, dict) and isinstance(ident.get("type"), str):
            records.append({**record, "userIdentity": {**ident, "type": ident["type"].upper()}})
    records += [{**r, "userIdentity.type": "Root"} for r in records[:200]]
    got = [engine.matches(r) for r in records]
    assert got == [naive(rules, r) for r in records]
    assert sum(map(len, got)) > 1000  # the corpus does hit rules


DEEP_RECORDS: list[Any] = [
    {"a": {"b": {"c": "X"}}},
    {"a": {"b": {"c": None}}},
    {"a": {"b": {}}},
    {"a": {"b": None}},
    {"a": {"b": ["X"]}},
    {"a": {"b": {"c": 1}}},
    {"a": {"b.c": "X", "b": {"c": "Y"}}},  # a literal dotted key one level down
    {"a.b": {"c": "X"}},
    {"a.b.c": "X", "a": {"b": {"c": "Y"}}},
    {"a": None},
    {"a": "X"},
    {},
    [],
]


@pytest.mark.parametrize("record", DEEP_RECORDS, ids=[repr(r) for r in DEEP_RECORDS])
def test_deep_getter_agrees_with_the_evaluator(record: Any) -> None:
    """The generated three-step getter answers a plain string only when the evaluator reaches
    exactly that one value, MISSING only when it reaches nothing but nulls."""
    from cloudwarden.detect.engines.fields import MISSING, UNKNOWN, plain_getter
    from cloudwarden.detect.rules.evaluate import _getter

    got = plain_getter("a.b.c")(record)
    reached = list(_getter("a.b.c")(record)) if isinstance(record, dict) else []
    if type(got) is str:
        assert reached == [got]
    elif got is MISSING:
        assert all(v is None for v in reached)
    else:
        assert got is UNKNOWN
