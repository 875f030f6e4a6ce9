"""dev.py's command line: one-line errors, pytest's exit code passed through, the requirements stamp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dev

ROOT = Path(dev.__file__).resolve().parent


def run_dev(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: command"),
        (["run", "--port", "eighty"], "invalid int value: 'eighty'"),
        (["run", "--port", "70000"], "--port 70000 is not a TCP port"),
        (["lint", "--fix"], "unrecognized arguments: --fix"),
    ],
)
def test_a_bad_argument_exits_non_zero_with_one_line(args: list[str], says: str) -> None:
    result = run_dev(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dev.py: ")
    assert says in lines[0]


def test_test_exits_with_pytest_exit_code_for_a_failing_test(tmp_path: Path) -> None:
    (tmp_path / "test_fails.py").write_text("def test_it_fails():\n    assert 1 == 2\n")
    result = run_dev("test", str(tmp_path / "test_fails.py"), "-p", "no:cacheprovider", "-q")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout


def test_test_passes_extra_arguments_to_pytest_and_exits_zero_when_they_pass(tmp_path: Path) -> None:
    (tmp_path / "test_some.py").write_text("def test_kept():\n    pass\n\ndef test_dropped():\n    assert False\n")
    result = run_dev("test", str(tmp_path / "test_some.py"), "-p", "no:cacheprovider", "-q", "-k", "kept")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 deselected" in result.stdout


def test_test_treats_no_tests_collected_as_a_failure(tmp_path: Path) -> None:
    (tmp_path / "test_empty.py").write_text("")
    result = run_dev("test", str(tmp_path / "test_empty.py"), "-p", "no:cacheprovider", "-q")
    assert result.returncode == 5
    assert "collected no tests" in result.stdout


def test_the_requirements_hash_changes_when_an_included_file_changes(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django==5.2.19\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest==8.4.2\n")
    before = dev.requirements_hash(tmp_path / "requirements-dev.txt")
    assert dev.requirements_closure(tmp_path / "requirements-dev.txt") == [
        tmp_path / "requirements-dev.txt",
        tmp_path / "requirements.txt",
    ]
    assert dev.requirements_hash(tmp_path / "requirements-dev.txt") == before
    (tmp_path / "requirements.txt").write_text("Django==5.2.20\n")
    assert dev.requirements_hash(tmp_path / "requirements-dev.txt") != before


def test_mypy_checks_the_app_packages_but_not_tests_or_benchmarks() -> None:
    packages = dev.project_packages()
    assert {"config", "events", "timeline", "workers"} <= set(packages)
    assert "tests" not in packages
    assert "bench" not in packages


def test_manage_runs_a_management_command_in_the_venv_and_keeps_stdout_for_its_output() -> None:
    """`python3 dev.py manage ...` works without activating anything; stdout carries only the command's output."""
    feed = ROOT / "tests" / "sources" / "heldout" / "heldout-feed.xml"
    result = run_dev("manage", "flag_feed", str(feed), "--jsonl", "--default-rules")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 40 and any(row["flagged"] for row in rows)


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["flag_feed", "README.md", "--default-rules"], 1, "README.md: not a feed"),
        (["no_such_command"], 1, "Unknown command: 'no_such_command'"),
        (["flag_feed"], 2, "the following arguments are required: path_or_url"),
    ],
)
def test_manage_passes_the_commands_exit_code_and_error_through(args: list[str], code: int, says: str) -> None:
    result = run_dev("manage", *args)
    assert result.returncode == code
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_help_names_the_dev_py_form_that_works_on_a_fresh_machine() -> None:
    usage = run_dev("manage", "add_source", "--help")
    assert usage.returncode == 0
    assert usage.stdout.startswith("usage: python3 dev.py manage add_source ")
    overview = run_dev("manage", "help")
    assert "Type 'python3 dev.py manage help <subcommand>' for help" in overview.stdout
