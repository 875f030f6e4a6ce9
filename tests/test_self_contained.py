"""The repository stands alone: no test or CI script reads a file beside it, the README links nothing outside it,
and the README's commands run through dev.py (which makes its own .venv). No server, no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# A path beside the checkout, in the spellings the old tests used: up and out of it (`../name`), absolute under
# /work/, or the folder's name joined to a parent path as a string.
_OUTSIDE = re.compile(r"\.\./[a-z]|/work/|[\"']shared[\"']")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _test_and_ci_files() -> list[Path]:
    files = [p for p in (ROOT / "tests").rglob("*") if p.is_file() and p.suffix in {".py", ".md", ".sh", ".json"}]
    files += [p for p in (ROOT / ".ci").iterdir() if p.is_file()]
    return [p for p in files if "node_modules" not in p.parts and p != Path(__file__)]


def test_no_test_or_ci_script_names_a_path_beside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _test_and_ci_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert found == []


def test_the_readme_links_nothing_outside_the_repository() -> None:
    text = README.read_text()
    assert re.search(r"(?<!\.)\.\./|/work/", text) is None
    for target in _LINK.findall(text):
        if target.startswith(("http://", "https://", "#")):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target


@pytest.mark.parametrize("spelling", ["python manage.py", "python3 manage.py", "./manage.py"])
def test_the_readme_runs_every_management_command_through_dev_py(spelling: str) -> None:
    """`python manage.py ...` needs an activated venv (ModuleNotFoundError on a fresh machine); dev.py makes one.
    Inside the Docker image (`docker compose exec web ...`) manage.py runs with the image's own Python."""
    lines = [line for line in README.read_text().splitlines() if spelling in line and "compose exec" not in line]
    assert lines == []


def test_every_make_target_the_readme_and_requirements_name_exists() -> None:
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    for name in ("README.md", "requirements.txt", "requirements-dev.txt"):
        named = set(re.findall(r"`make ([\w-]+)`", (ROOT / name).read_text()))
        assert named <= targets, (name, named - targets)
