"""The API's contract at scale: schemathesis with every check and 100 examples per operation against gunicorn.

`python -m bench.contract [--examples N] [--postgres URL]` serves the report's timeline and runs `schemathesis run`
(fuzzing and stateful phases), printing its summary and writing the figures to
bench/results/contract-<database>.json; the exit code is schemathesis's (0: no failure).
tests/api/test_contract.py runs the same with a few examples.

The server's database is never the test database: an SQLite file in a scratch folder, or on PostgreSQL a
database created next to the test database (and dropped afterwards). It is migrated, the report's timeline
loaded with `load_deepseek_timeline`, and an analyst given a token, each by `manage.py` as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.load import running_gunicorn

ROOT = Path(__file__).resolve().parent.parent
HOOKS_MODULE = "bench.contract_hooks"
CONFIG_FILE = ROOT / "bench" / "schemathesis.toml"
NAMED_TIMELINE = "deepseek-development"

_MAKE_ANALYST = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from events.store import last_position
user = User.objects.create_user(username="contract-analyst", email="analyst@example.org", password="x")
user.groups.add(Group.objects.get_or_create(name="analyst")[0])
print(Token.objects.create(user=user).key, last_position())
"""


@dataclass(frozen=True)
class ContractServer:
    url: str
    analyst_token: str
    log_head: int  # the log's last position once the timeline was loaded

    @property
    def schema_url(self) -> str:
        return f"{self.url}/api/schema/?format=json"


@contextmanager
def _database(directory: Path, postgres_url: str | None) -> Iterator[str]:
    """A fresh database's URL: an SQLite file, or a PostgreSQL database named after the test database."""
    if not postgres_url:
        yield f"sqlite:///{directory / 'contract.sqlite3'}"
        return
    import psycopg

    base, _, name = postgres_url.rpartition("/")
    server_db = f"{name}_contract"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{server_db}"')
        admin.execute(f'CREATE DATABASE "{server_db}"')
    try:
        yield f"{base}/{server_db}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{server_db}" WITH (FORCE)')


@contextmanager
def contract_server(directory: Path, *, postgres_url: str | None = None) -> Iterator[ContractServer]:
    """Serve the report's timeline with gunicorn (2 sync workers, DEBUG off, no throttling) on loopback."""
    with _database(directory, postgres_url) as database_url:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
            "DATABASE_URL": database_url,
            "TIMELINE_VAR_DIR": str(directory),
            "DEBUG": "0",
            "SECRET_KEY": "contract-tests-only-" + "x" * 40,
            "SECURE_SSL_REDIRECT": "0",
            # The live stream ends (and is reconnected to) after a second here, not five minutes, so each
            # request of the run gets its answer whole.
            "ALERTS_STREAM_MAX_SECONDS": "1",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--noinput"], ["load_deepseek_timeline"]):
            subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, capture_output=True)
        made = subprocess.run(
            [*manage, "shell", "-c", _MAKE_ANALYST], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        token, head = made.stdout.strip().splitlines()[-1].split()
        with running_gunicorn(env, workers=2, log=directory / "gunicorn.log") as server:
            yield ContractServer(server.url, token, int(head))


def schemathesis_command(server: ContractServer, *, examples: int, phases: str, seed: int | None = None) -> list[str]:
    """`schemathesis run` with every check, as the analyst (reads are also tried without the token by the
    ignored_auth check), with the hooks that give it the data the schema cannot name."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG_FILE), "run", server.schema_url,
        "--checks", "all",
        # use_after_free expects a GET of a DELETEd development to be a 404; here DELETE retracts it, and a
        # retracted development stays readable (status "retracted", its history, as_of answers) by design.
        "--exclude-checks", "use_after_free",
        "--phases", phases,
        "--max-examples", str(examples),
        "--header", f"Authorization: Token {server.analyst_token}",
        "--workers", "2",
        "--no-color",
        "--suppress-health-check", "all",
    ]  # fmt: skip
    if seed is not None:
        command += ["--seed", str(seed)]
    return command


def schemathesis_env(server: ContractServer) -> dict[str, str]:
    return {
        **os.environ,
        "SCHEMATHESIS_HOOKS": HOOKS_MODULE,
        "CONTRACT_LOG_HEAD": str(server.log_head),
        "CONTRACT_URL": server.url,  # the hooks make what a case links to through the API, as the analyst
        "CONTRACT_TOKEN": server.analyst_token,
        "PYTHONPATH": str(ROOT),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import re
    import tempfile
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="examples per operation (default 100)")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL whose server gets a scratch database")
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as scratch,
        contract_server(Path(scratch), postgres_url=options.postgres or None) as server,
    ):
        started = time.monotonic()
        run = subprocess.run(
            schemathesis_command(server, examples=options.examples, phases="fuzzing,stateful", seed=options.seed),
            env=schemathesis_env(server),
            cwd=scratch,  # schemathesis keeps its cache (.schemathesis/) in the working directory
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
    # The failures (each with its curl to reproduce) and the summary; all of it when the run ended early.
    marker = "FAILURES" if "FAILURES" in run.stdout else "SUMMARY"
    summary = run.stdout[run.stdout.rfind(marker) - 40 :] if marker in run.stdout else run.stdout[-3000:]
    print(summary + run.stderr[-2000:])
    generated = re.search(r"(\d+) generated", run.stdout)
    figures = {
        "examples_per_operation": options.examples,
        "database": "postgresql" if options.postgres else "sqlite",
        "exit_code": run.returncode,
        "test_cases": int(generated.group(1)) if generated else None,
        "failures": 0 if run.returncode == 0 else None,
        "phases_passed": [phase for phase in ("Fuzzing", "Stateful") if f"✅ {phase}" in run.stdout],
        "seconds": round(seconds, 1),
    }
    (ROOT / "bench" / "results" / f"contract-{figures['database']}.json").write_text(
        json.dumps(figures, indent=2) + "\n"
    )
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
