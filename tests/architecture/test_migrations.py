"""Migrations freeze the data and SQL they write: none imports the project's own code (read with ast, no server)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = {"api", "bench", "config", "digests", "events", "sources", "timeline", "workers"}


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_migration_imports_the_projects_code() -> None:
    migrations = sorted(ROOT.glob("*/migrations/[0-9]*.py"))
    assert migrations, "no migrations found"
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & PROJECT_PACKAGES)
        for path in migrations
        if _imported_packages(path) & PROJECT_PACKAGES
    }
    assert offenders == {}
