"""The responder's configuration: default mode, scope and notification sinks.

Safety first: with no configuration every run is a dry run (plans, no changes), and the
scope (an allow-list of accounts and regions) is what an operator widens on purpose.
Resources tagged with the exemption tag are refused by the actions themselves
(:data:`cloudwarden.respond.actions.EXEMPT_TAG`). The file is YAML::

    mode: approve                # dry-run (default) | approve | auto
    scope:
      accounts: ["111122223333"] # empty or absent: any account
      regions: [us-east-1, eu-west-1]
    notify: ["file:/var/log/cloudwarden/ir.jsonl"]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cloudwarden.respond.routing import Mode

__all__ = ["CONFIG_ENV", "ConfigError", "Mode", "RespondConfig", "Scope", "load_config"]

CONFIG_ENV = "CLOUDWARDEN_RESPOND_CONFIG"


class ConfigError(Exception):
    """The responder configuration file is missing or wrong (one line)."""


@dataclass(frozen=True)
class Scope:
    """Where the responder may act. Empty allow-lists allow everything.

    The third part of the scope, the exemption tag (:data:`cloudwarden.respond.actions.EXEMPT_TAG` ``=true`` on a
    resource), is checked by each action's plan, which reads the resource's tags anyway.
    """

    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    def account_refusal(self, account: str) -> str | None:
        """Why ``account`` is out of scope, or None."""
        if self.accounts and account not in self.accounts:
            return f"account {account or '(unknown)'} is not in the responder's allowed accounts"
        return None

    def refusal(self, account: str, region: str) -> str | None:
        """Why acting in ``account``/``region`` is out of scope, or None."""
        refused = self.account_refusal(account)
        if refused:
            return refused
        if self.regions and region not in self.regions:
            return f"region {region or '(unknown)'} is not in the responder's allowed regions"
        return None


@dataclass(frozen=True)
class RespondConfig:
    mode: Mode = Mode.DRY_RUN
    scope: Scope = Scope()
    notify: tuple[str, ...] = field(default_factory=tuple)


def _strings(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return frozenset(str(v) for v in value)


def parse_config(data: Any, source: str = "<config>") -> RespondConfig:
    if data is None:
        return RespondConfig()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the responder configuration is a mapping")
    unknown = set(data) - {"mode", "scope", "notify"}
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}")
    try:
        mode = Mode(str(data.get("mode", Mode.DRY_RUN.value)))
    except ValueError:
        raise ConfigError(f"{source}:mode: use dry-run, approve or auto") from None
    scope = data.get("scope") or {}
    if not isinstance(scope, Mapping):
        raise ConfigError(f"{source}:scope must be a mapping")
    return RespondConfig(
        mode=mode,
        scope=Scope(
            accounts=_strings(scope.get("accounts"), f"{source}:scope.accounts"),
            regions=_strings(scope.get("regions"), f"{source}:scope.regions"),
        ),
        notify=tuple(sorted(_strings(data.get("notify"), f"{source}:notify"))),
    )


def load_config(path: str | Path | None = None) -> RespondConfig:
    """The configuration at ``path``, else ``$CLOUDWARDEN_RESPOND_CONFIG``, else defaults."""
    chosen = path if path is not None else os.environ.get(CONFIG_ENV)
    if not chosen:
        return RespondConfig()
    target = Path(chosen)
    try:
        data = yaml.safe_load(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read responder config {target}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise ConfigError(f"responder config {target} is not valid YAML") from None
    return parse_config(data, str(target))
