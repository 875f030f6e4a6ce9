"""dev.py's command line: one-line errors, pytest's exit code passed through, the requirements stamp."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from collections.abc import Iterator
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


def _wheel(folder: Path, name: str, version: str) -> None:
    """A minimal pure-Python wheel, written by hand, so the install test needs no package index."""
    files = {
        f"{name}/__init__.py": b"VALUE = 1\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{name}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for path, data in files.items()
    )
    files[f"{name}-{version}.dist-info/RECORD"] = (record + f"{name}-{version}.dist-info/RECORD,,\n").encode()
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)


@pytest.mark.slow
def test_the_install_prints_each_package_as_pip_collects_and_installs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A first `dev.py run` installs for minutes; it must show that it is moving, package by package."""
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "tinyfirst", "1.0")
    _wheel(wheels, "tinysecond", "2.0")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--no-index\n--find-links {wheels}\ntinyfirst==1.0\ntinysecond==2.0\n")
    dev.pip_install(tmp_path / "venv" / "bin" / "python", requirements)
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("dev.py:   ") for line in lines)
    # One line per package as pip takes it (Collecting from an index, Processing from a file), then the install.
    assert "tinyfirst-1.0-py3-none-any.whl" in lines[0] and "tinysecond-2.0-py3-none-any.whl" in lines[1]
    assert lines[-1] == "dev.py:   Successfully installed tinyfirst-1.0 tinysecond-2.0"


def test_a_failed_install_is_one_line_naming_the_file(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("--no-index\nno-such-package-anywhere==1.0\n")
    with pytest.raises(dev.CommandError, match=r"`pip install -r requirements.txt` failed with exit code 1"):
        dev.pip_install(Path(sys.executable), requirements)


root_only = pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="only root drops privileges")


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder every account can reach (pytest's own temporary folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="dev-py-account-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@root_only
def test_started_by_root_the_service_runs_as_an_unprivileged_account_owning_var(
    open_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Celery's SecurityWarning is about a worker running as root: dev.py run does not run it as root."""
    # A venv on the system Python, which every account can run (unlike one on a Python in root's home).
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", open_folder / "venv"], check=True)
    var = open_folder / "var"
    (var / "mail").mkdir(parents=True)
    (var / "mail" / "earlier-run.eml").write_text("written by root\n")
    monkeypatch.setattr(dev, "PYTHON", open_folder / "venv" / "bin" / "python")
    monkeypatch.setattr(dev, "VAR", var)
    account = dev.service_account()
    assert account is not None and account.name == dev.SERVICE_ACCOUNT != "root" and account.uid != 0
    assert {path.stat().st_uid for path in [var, *var.rglob("*")]} == {account.uid}
    whoami = dev.call("/usr/bin/id", "-u", capture=True, account=account).stdout.strip()
    assert whoami == str(account.uid)


@root_only
def test_when_the_account_cannot_reach_var_the_service_runs_as_root_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dev, "VAR", tmp_path / "private" / "var")  # pytest's folders are root's alone (0700)
    dev.VAR.mkdir(parents=True)
    assert dev.service_account() is None
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("dev.py: running as root: account 'nobody' cannot use ") and "runs as root" in line
