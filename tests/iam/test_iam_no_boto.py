"""The IAM engine is pure: no module under ``cloudwarden.iam`` imports the AWS SDK."""

from __future__ import annotations

import ast
from pathlib import Path

import cloudwarden.iam

FORBIDDEN = {"boto3", "botocore", "aiobotocore", "moto"}


def _imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_imports_boto() -> None:
    package_dir = Path(cloudwarden.iam.__file__).parent
    modules = sorted(package_dir.rglob("*.py"))
    assert len(modules) > 5
    for module in modules:
        found = _imported_roots(module.read_text(encoding="utf-8")) & FORBIDDEN
        assert not found, f"{module.name} imports {sorted(found)}"


def test_checker_sees_imports() -> None:
    assert _imported_roots("import boto3\nfrom botocore.x import y\n") == {"boto3", "botocore"}
