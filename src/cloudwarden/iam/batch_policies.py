"""The policies of batch lines, parsed and compiled once per distinct text.

Real batches repeat policies: every line about one principal carries the same identity
policies, every line about one bucket the same bucket policy, every line of one account
the same SCPs. ``LinePolicies`` keeps bounded caches keyed by a policy's JSON text (its
``orjson`` serialisation as it appears in the line), so a repeated policy is parsed once,
a repeated layer (the identity policies of a principal, one SCP level) is compiled once,
and a repeated policy set is reused whole, decision caches included. ``run_batch``
compiles a line's policy set only when its policy fields come back (``first_sighting``):
a line with new policies is decided by ``cloudwarden.iam.batch_fast`` without compiling
them, and only lines that path declines (bad lines) come here on first sight. The
results are the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import orjson

from cloudwarden.iam.compiled import CompiledLayer, compile_layer
from cloudwarden.iam.errors import PolicyParseError, PolicyProblem
from cloudwarden.iam.evaluate import CompiledPolicySet, PolicySet
from cloudwarden.iam.policy import Policy, parse_policy

__all__ = ["POLICY_FIELDS", "BatchLineError", "LinePolicies"]

POLICY_FIELDS = frozenset(
    {
        "identity_policies",
        "resource_policy",
        "resource_account",
        "permission_boundary",
        "session_policy",
        "scps",
        "rcps",
        "principal_is_management_account",
        "resource_is_management_account",
    }
)
K = TypeVar("K")
V = TypeVar("V")
_LIMIT = 4096
_PROBE_AFTER = 512
_PROBE_EVERY = 16
LevelKeys = tuple[tuple[bytes, ...], ...]


class BatchLineError(ValueError):
    """A line that cannot be decided; ``problems`` are located by JSON path."""

    def __init__(self, problems: Sequence[PolicyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _remember(cache: dict[K, V], key: K, value: V) -> V:
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _text(value: object) -> bytes | None:
    if isinstance(value, dict):
        return orjson.dumps(value)
    if isinstance(value, str):
        return value.encode()
    return None


class _Line:
    """The parsed policies of one line, with the text key of each."""

    def __init__(self, owner: LinePolicies) -> None:
        self.owner = owner
        self.problems: list[PolicyProblem] = []
        self.keys: dict[int, bytes] = {}

    def policy(self, value: object, path: str) -> tuple[Policy, bytes] | None:
        key = _text(value)
        if key is None:
            self.problems.append(PolicyProblem(path, "a policy must be a JSON object or JSON text"))
            return None
        parsed = self.owner.parse(key, value)
        if isinstance(parsed, PolicyParseError):
            self.problems.extend(parsed.with_prefix(path).problems)
            return None
        self.keys[id(parsed)] = key
        return parsed, key

    def many(self, value: object, path: str) -> tuple[list[Policy], tuple[bytes, ...]]:
        if not isinstance(value, list):
            self.problems.append(PolicyProblem(path, "expected a list of policies"))
            return [], ()
        found = [self.policy(item, f"{path}[{i}]") for i, item in enumerate(value)]
        kept = [f for f in found if f is not None]
        return [p for p, _ in kept], tuple(k for _, k in kept)

    def optional(self, line: Mapping[str, Any], key: str) -> tuple[Policy | None, bytes | None]:
        value = line.get(key)
        found = None if value is None else self.policy(value, key)
        return (None, None) if found is None else found

    def levels(
        self, value: object, path: str
    ) -> tuple[list[list[Policy]] | None, LevelKeys | None]:
        if value is None:
            return None, None
        if not isinstance(value, list):
            self.problems.append(
                PolicyProblem(path, "expected a list of levels, each a list of policies")
            )
            return None, None
        found = [self.many(level, f"{path}[{i}]") for i, level in enumerate(value)]
        return [p for p, _ in found], tuple(k for _, k in found)

    def flag(self, line: Mapping[str, Any], key: str) -> bool | None:
        value = line.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.problems.append(PolicyProblem(key, "expected true or false"))
        return None


class LinePolicies:
    """Bounded caches of parsed policies, compiled layers and compiled policy sets."""

    def __init__(self) -> None:
        self._parsed: dict[bytes, Policy | PolicyParseError] = {}
        self._layers: dict[tuple[tuple[bytes, ...], int | None], CompiledLayer] = {}
        self._sets: dict[tuple[object, ...], CompiledPolicySet] = {}
        self._lines: dict[bytes, CompiledPolicySet] = {}
        self._seen: set[bytes] = set()
        self._fresh = 0
        self._skipped = 0

    def parse(self, key: bytes, value: object) -> Policy | PolicyParseError:
        hit = self._parsed.get(key)
        if hit is None:
            try:
                hit = parse_policy(value if isinstance(value, dict) else key)
            except PolicyParseError as exc:
                hit = exc
            _remember(self._parsed, key, hit)
        return hit

    @staticmethod
    def key(line: Mapping[str, Any]) -> bytes:
        """The text of a line's policy fields: lines with the same key share one set."""
        return orjson.dumps({k: v for k, v in line.items() if k in POLICY_FIELDS})

    def worth_keying(self) -> bool:
        """Whether to look for this line's policies among earlier lines' (``key``).

        Serialising a line's policies costs about a tenth of deciding it without them.
        After ``_PROBE_AFTER`` lines in a row whose policies were all new, only one line
        in ``_PROBE_EVERY`` is looked up, until one of those is found again. Decisions
        are the same either way; only the time differs.
        """
        if self._fresh < _PROBE_AFTER:
            return True
        self._skipped += 1
        if self._skipped < _PROBE_EVERY:
            return False
        self._skipped = 0
        return True

    def known(self, key: bytes) -> CompiledPolicySet | None:
        """The compiled set of an earlier line with these policy fields, if kept."""
        hit = self._lines.get(key)
        if hit is not None:
            self._fresh = 0
        return hit

    def first_sighting(self, key: bytes) -> bool:
        """Whether no earlier line had these policy fields (then they are noted).

        The batch path compiles a line's policies only when they come back: a line whose
        policies are new is decided without compiling them (``batch_fast``).
        """
        if key in self._seen:
            self._fresh = 0
            return False
        if len(self._seen) >= _LIMIT:
            self._seen.clear()
        self._seen.add(key)
        self._fresh += 1
        return True

    def compiled(self, line: Mapping[str, Any]) -> CompiledPolicySet:
        """The compiled policy set of a decoded line; raises ``BatchLineError``.

        Lines whose policy fields are textually the same as an earlier line's share its
        compiled set (one serialisation, one look-up, and warm decision caches); other
        lines are assembled policy by policy from the caches below.
        """
        text = self.key(line)
        hit = self._lines.get(text)
        if hit is None:
            hit = _remember(self._lines, text, self._assemble(line))
        return hit

    def _assemble(self, line: Mapping[str, Any]) -> CompiledPolicySet:
        found = _Line(self)
        identity, identity_keys = found.many(line.get("identity_policies", []), "identity_policies")
        resource, resource_key = found.optional(line, "resource_policy")
        boundary, boundary_key = found.optional(line, "permission_boundary")
        session, session_key = found.optional(line, "session_policy")
        scps, scp_keys = found.levels(line.get("scps"), "scps")
        rcps, rcp_keys = found.levels(line.get("rcps"), "rcps")
        account = line.get("resource_account")
        if account is not None and not isinstance(account, str):
            found.problems.append(
                PolicyProblem("resource_account", "expected an account id string")
            )
        principal_mgmt = found.flag(line, "principal_is_management_account")
        resource_mgmt = found.flag(line, "resource_is_management_account")
        if found.problems:
            raise BatchLineError(found.problems)
        key = (identity_keys, resource_key, boundary_key, session_key, scp_keys, rcp_keys,
               account, principal_mgmt, resource_mgmt)  # fmt: skip
        hit = self._sets.get(key)
        if hit is not None:
            return hit
        policies = PolicySet(
            identity_policies=identity,
            resource_policy=resource,
            resource_account=account,
            permission_boundary=boundary,
            session_policy=session,
            scps=scps,
            rcps=rcps,
            principal_is_management_account=bool(principal_mgmt),
            resource_is_management_account=resource_mgmt,
        )
        return _remember(self._sets, key, CompiledPolicySet(policies, self._compiler(found)))

    def _compiler(self, found: _Line) -> Any:
        def compile_cached(policies: Sequence[Policy], level: int | None) -> CompiledLayer:
            key = (tuple(found.keys[id(p)] for p in policies), level)
            hit = self._layers.get(key)
            if hit is None:
                hit = _remember(self._layers, key, compile_layer(policies, level))
            return hit

        return compile_cached
