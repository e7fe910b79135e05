"""Finding playbooks: the shipped set, plugins' playbooks, and files.

The shipped playbooks are package data (``respond/playbooks/*.yml``), found by being
there; third-party packages add theirs under the ``cloudwarden.playbooks`` entry-point
group, naming a folder or a file.
"""

from __future__ import annotations

from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path

import yaml

from cloudwarden.respond.playbook import Playbook, PlaybookError, PlaybookProblem, parse_playbook

__all__ = ["builtin_playbooks", "find_playbook", "load_playbook"]


def load_playbook(path: str | Path) -> Playbook:
    """A playbook from a YAML file; PlaybookError (located) when it is invalid."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError(
            [PlaybookProblem(str(target), "", exc.strerror or "unreadable")]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise PlaybookError([PlaybookProblem(str(target), where, str(problem))]) from None
    return parse_playbook(data, str(target))


def _builtin_files() -> list[Path]:
    folder = resources.files("cloudwarden.respond") / "playbooks"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".yml", ".yaml")))


def _entry_point_files() -> list[Path]:
    """Files or folders that third-party packages name under ``cloudwarden.playbooks``."""
    out: list[Path] = []
    for ep in entry_points(group="cloudwarden.playbooks"):
        target = Path(str(ep.load()))
        out.extend(sorted(target.glob("*.y*ml")) if target.is_dir() else [target])
    return out


def builtin_playbooks() -> dict[str, Playbook]:
    """The shipped playbooks and those of installed plugins, by id (first id wins)."""
    found: dict[str, Playbook] = {}
    problems: list[PlaybookProblem] = []
    for path in [*_builtin_files(), *_entry_point_files()]:
        try:
            pb = load_playbook(path)
        except PlaybookError as exc:
            problems.extend(exc.problems)
            continue
        found.setdefault(pb.id, pb)
    if problems:
        raise PlaybookError(problems)
    return found


def find_playbook(name: str) -> Playbook:
    """A playbook by builtin id, or from a YAML file path."""
    if name.endswith((".yml", ".yaml")) or Path(name).is_file():
        return load_playbook(name)
    known = builtin_playbooks()
    name = name.replace("_", "-")  # route files may spell ids with underscores
    if name not in known:
        raise PlaybookError(
            [PlaybookProblem(name, "", f"no such playbook (known: {', '.join(sorted(known))})")]
        )
    return known[name]
