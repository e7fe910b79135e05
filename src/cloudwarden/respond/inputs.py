"""A playbook's inputs: what it acts on, each a template or ``{value, optional, description}``.

Every input is required unless it says ``optional: true``; the runner checks the required
ones before the playbook's first step that is not a lookup (:mod:`cloudwarden.respond.runner`)
and ends the run ``needs-input`` when one has no value. An input may use the answer of a
lookup step the playbook opens with (``${steps.locate.result.instance_id}``), the only
steps that have run by then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.respond.template import TemplateError, references

__all__ = ["INPUT_KEYS", "input_problems", "input_templates", "optional_inputs"]

INPUT_KEYS = frozenset({"value", "optional", "description"})


def input_templates(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Each input's template, from either form (``name: "${…}"`` or ``{value: …}``)."""
    return {k: v.get("value") if isinstance(v, Mapping) else v for k, v in inputs.items()}


def optional_inputs(inputs: Mapping[str, Any]) -> frozenset[str]:
    """The inputs a run may go without (``optional: true``)."""
    return frozenset(k for k, v in inputs.items() if isinstance(v, Mapping) and v.get("optional"))


def input_problems(inputs: Mapping[str, Any], lookups: set[str]) -> list[tuple[str, str]]:
    """``(location, message)`` for every problem: unknown keys, templates that do not parse,
    step references to anything but the opening ``lookups``."""
    problems: list[tuple[str, str]] = []
    for key, raw in inputs.items():
        loc = f"inputs.{key}"
        value = raw
        if isinstance(raw, Mapping):
            for extra in sorted(set(raw) - INPUT_KEYS):
                problems.append((f"{loc}.{extra}", "unknown key (value, optional, description)"))
            if "value" not in raw:
                problems.append((f"{loc}.value", "is required"))
            if not isinstance(raw.get("optional", False), bool):
                problems.append((f"{loc}.optional", "must be true or false"))
            value = raw.get("value")
        try:
            for path in references(value):
                if path[0] == "steps" and (len(path) < 2 or path[1] not in lookups):
                    name = path[1] if len(path) > 1 else ""
                    message = (
                        f"${{steps.{name}...}}: an input may only use a lookup step that "
                        "comes before every other step"
                    )
                    problems.append((loc, message))
        except TemplateError as exc:
            problems.append((loc, str(exc)))
    return problems
