#!/usr/bin/env python3
"""Developer entry point, standard library only: `run` the embedded service, `test`, `lint`.

python3 dev.py run [--port 8000]   # .venv, migrate, load the report's timeline, admin login, web + worker + beat
python3 dev.py test [pytest args]  # .venv with the dev requirements, then pytest; exits with pytest's code
python3 dev.py lint                # ruff check, ruff format --check, mypy, lint-imports, makemigrations --check
python3 dev.py manage COMMAND ...  # manage.py COMMAND ... in .venv (made if missing); exits with its code
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
# The same default as config/settings.py, so the database, broker folders and beat schedule sit together.
VAR = Path(os.environ.get("TIMELINE_VAR_DIR", ROOT / "var"))
ADMIN_USER = "admin"
ADMIN_PASSWORD_FILE = VAR / "admin-password"
STOP_GRACE_SECONDS = 15.0
# Started by root, dev.py runs the service as this account (see service_account()).
SERVICE_ACCOUNT = "nobody"

# Run inside the venv by `manage.py shell -c`: create the first superuser unless one exists.
ADMIN_SNIPPET = """
import os
from django.contrib.auth import get_user_model
User = get_user_model()
if User.objects.filter(is_superuser=True).exists():
    print("exists")
else:
    User.objects.create_superuser(os.environ["DEV_ADMIN_USER"], "admin@localhost", os.environ["DEV_ADMIN_PASSWORD"])
    print("created")
"""


class CommandError(Exception):
    """A step failed; main() prints the message as one line and exits non-zero."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line saying what is wrong, instead of argparse's usage block.
        self.exit(2, f"dev.py: {message} (see: python3 dev.py --help)\n")


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


@dataclass(frozen=True)
class Account:
    """The unprivileged account the service runs as when dev.py is started by root."""

    name: str
    uid: int
    gid: int

    def process_options(self) -> dict[str, Any]:
        """subprocess arguments that start a process as this account, with none of root's groups."""
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def call(
    *args: str | Path,
    env: dict[str, str] | None = None,
    capture: bool = False,
    check: bool = True,
    account: Account | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command in the repository root (as the account, if given); with check, raise CommandError if it fails."""
    # Only dev.py's own fixed commands run here, with arguments from its own command line.
    command = [str(a) for a in args]
    options = account.process_options() if account else {}
    result = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, text=True, capture_output=capture, check=False, **options
    )
    if check and result.returncode != 0:
        if capture:
            sys.stderr.write(result.stdout + result.stderr)
        raise CommandError(f"`{' '.join(str(a) for a in args)}` failed with exit code {result.returncode}")
    return result


def manage(
    *args: str, env: dict[str, str] | None = None, capture: bool = False, account: Account | None = None
) -> subprocess.CompletedProcess[str]:
    return call(PYTHON, "manage.py", *args, env=env, capture=capture, account=account)


def requirements_closure(path: Path) -> list[Path]:
    """The file and every file it includes with -r, depth first."""
    files = [path]
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in {"-r", "--requirement"}:
            files += requirements_closure(path.parent / parts[1])
    return files


def requirements_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for file in requirements_closure(path):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def stamp_path(requirements: Path) -> Path:
    return VENV / f".dev-py-{requirements.name}.sha256"


def ensure_venv(requirements: Path) -> None:
    """Create .venv with the stdlib venv module if missing; pip-install unless the stamp says nothing changed."""
    if not PYTHON.exists():
        say(f"creating {VENV.name}/ with {sys.executable}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    stamp = stamp_path(requirements)
    if stamp.exists() and stamp.read_text().strip() == requirements_hash(requirements):
        return
    say(f"installing {requirements.name} into {VENV.name}/ (a minute or two the first time)")
    pip_install(PYTHON, requirements)
    # Installing a file installs everything it includes, so each included file is up to date too.
    for file in requirements_closure(requirements):
        stamp_path(file).write_text(requirements_hash(file) + "\n")


# pip's lines that show the install moving, one or two per package; "Requirement already satisfied" and the
# like are left out, and errors go to stderr unchanged.
PIP_PROGRESS = (
    "Collecting ", "Processing ", "Downloading ", "Building ", "Installing collected packages", "Successfully installed"
)  # fmt: skip


def pip_install(python: Path, requirements: Path) -> None:
    """pip install -r, printing each package as pip collects and installs it (a first install takes minutes)."""
    command = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    # Only dev.py's own fixed command runs here, on a requirements file of the repository.
    with subprocess.Popen(  # noqa: S603
        [*command, "-r", str(requirements)], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    ) as pip:
        assert pip.stdout is not None
        for line in pip.stdout:
            if line.lstrip().startswith(PIP_PROGRESS):
                say(f"  {line.strip()}")
    if pip.returncode != 0:
        raise CommandError(f"`pip install -r {requirements.name}` failed with exit code {pip.returncode}")


def child_env(account: Account | None = None) -> dict[str, str]:
    # The embedded default ingests the sample feeds it serves itself on 127.0.0.1, so it opens loopback (and
    # only loopback: link-local and private addresses stay refused). Deployments leave it closed.
    env = {"FEEDS_ALLOW_LOOPBACK": "1", **os.environ, "PYTHONUNBUFFERED": "1"}
    if account:
        env["HOME"] = str(VAR)  # root's home is not the account's to write (fontconfig keeps a cache there)
    return env


def service_account() -> Account | None:
    """Started by root: the unprivileged account to run the service as, now owning var/. Otherwise None.

    Nothing in the service needs root, and Celery rightly warns (SecurityWarning) about a worker running as
    root. When the account cannot reach var/ or .venv (a private folder on the way), the service runs as root.
    """
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd  # POSIX only

    try:
        entry = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        say(f"running as root: there is no account {SERVICE_ACCOUNT!r} to run the service as, so it runs as root")
        return None
    account = Account(SERVICE_ACCOUNT, entry.pw_uid, entry.pw_gid)
    # The account must get the same interpreter (a venv's base Python in a private home resolves elsewhere for
    # it) and reach var/ (no private folder on the way).
    probe = "import os, sys; print(sys.version, sys.base_prefix, os.access(sys.argv[1], os.X_OK))"
    expected = call(PYTHON, "-c", probe, VAR, capture=True, check=False).stdout
    try:
        found = call(PYTHON, "-c", probe, VAR, capture=True, check=False, account=account).stdout
    except OSError:  # the repository itself is out of its reach
        found = ""
    if found != expected or not found.strip().endswith("True"):
        say(
            f"running as root: account {SERVICE_ACCOUNT!r} cannot use {VENV} or {VAR}, so the service runs as root "
            "(and Celery warns about it)"
        )
        return None
    # What earlier runs as root left in var/ (the database, the broker's folders, mail) becomes the account's.
    for path in [VAR, *(p for p in VAR.rglob("*") if not p.is_symlink())]:
        os.chown(path, account.uid, account.gid)
    return account


def load_timeline(account: Account | None) -> None:
    commands = manage("help", "--commands", capture=True, account=account).stdout.split()
    if "load_deepseek_timeline" not in commands:
        say("WARNING: manage.py has no load_deepseek_timeline command yet; starting without the report's timeline")
        return
    manage("load_deepseek_timeline", env=child_env(account), account=account)


def ensure_admin(account: Account | None) -> str:
    """Create the first superuser if there is none; return a line telling how to log in."""
    stored = ADMIN_PASSWORD_FILE.exists()
    password = ADMIN_PASSWORD_FILE.read_text().strip() if stored else secrets.token_urlsafe(12)
    env = {**child_env(account), "DEV_ADMIN_USER": ADMIN_USER, "DEV_ADMIN_PASSWORD": password}
    shell = manage("shell", "--no-imports", "-c", ADMIN_SNIPPET, env=env, capture=True, account=account)
    outcome = shell.stdout.split()
    if "created" in outcome:
        ADMIN_PASSWORD_FILE.write_text(password + "\n")
        ADMIN_PASSWORD_FILE.chmod(0o600)
    if ADMIN_PASSWORD_FILE.exists():
        return f"user {ADMIN_USER!r}, password {password!r} (kept in {ADMIN_PASSWORD_FILE})"
    return "a superuser exists already and dev.py does not know its password (python3 dev.py manage changepassword)"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(port: int, children: list[subprocess.Popen[bytes]], stopping: threading.Event) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stopping.is_set() and all(c.poll() is None for c in children):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            stopping.wait(0.2)
    return False


def stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child's process group (celery's embedded beat is a grandchild), then SIGKILL stragglers."""
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"pid {child.pid} did not stop in {STOP_GRACE_SECONDS:.0f}s; killing it")
        # The group outlives its leader when a grandchild lingers; make sure nothing is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def worker_command(var: Path) -> list[str]:
    """The embedded default's one worker, beat inside it. No -Q: it consumes every queue config/celery.py lists."""
    return [
        str(BIN / "celery"), "-A", "config", "worker", "-B", "--pool=solo", "--loglevel=INFO",
        "-s", str(var / "celerybeat-schedule"),
    ]  # fmt: skip


DISPATCH_SNIPPET = "from workers.feeds import dispatch_due_sources; dispatch_due_sources.delay()"


def run(port: int, feeds_port: int) -> int:
    if not port_is_free(port):
        raise CommandError(f"port {port} on 127.0.0.1 is in use; choose another with --port")
    if feeds_port == port or not port_is_free(feeds_port):
        raise CommandError(f"port {feeds_port} on 127.0.0.1 is in use; choose another with --feeds-port")
    VAR.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    # Links in mail (confirmations, digests) point at this server, wherever --port put it, unless the environment
    # names the site's address itself. Every child below inherits it through child_env().
    os.environ.setdefault("SITE_URL", base)
    ensure_venv(ROOT / "requirements.txt")
    account = service_account()
    env = child_env(account)
    manage("migrate", "--no-input", "--verbosity", "0", env=env, account=account)
    load_timeline(account)
    # Sources remember their URL, port included: the samples are registered for this port (idempotent).
    manage("add_sample_sources", "--port", str(feeds_port), env=env, account=account)
    login = ensure_admin(account)

    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda _signum, _frame: stopping.set())
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.set())
    commands = {
        "web": [str(PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker+beat": worker_command(VAR),
        "sample feeds": [str(PYTHON), "manage.py", "serve_sample_feeds", "--port", str(feeds_port)],
    }
    # Each child leads its own process group: Ctrl-C reaches only dev.py, which then stops every group in order.
    options = account.process_options() if account else {}
    children = {
        name: subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, **options)  # noqa: S603
        for name, cmd in commands.items()
    }
    try:
        if wait_for_port(port, list(children.values()), stopping):
            # Poll the sample feeds now rather than at beat's first tick, so candidates appear within seconds.
            manage("shell", "-c", DISPATCH_SNIPPET, env=env, account=account)
            print(
                f"\n  Timeline service is running (web, Celery worker with embedded beat; data in {VAR}).\n"
                f"  Admin:        {base}/admin/  — {login}\n"
                f"  Figure 1:     {base}/timelines/deepseek-development/\n"
                f"  Candidates:   {base}/admin/sources/candidate/  (sample feeds on 127.0.0.1:{feeds_port})\n"
                f"  Timeline API: {base}/api/timelines/deepseek-development/\n"
                f"  API docs:     {base}/api/docs/\n"
                f"  API schema:   {base}/api/schema/\n"
                f"  API root:     {base}/api/\n"
                f"  Press Ctrl-C to stop.\n",
                flush=True,
            )
        elif not stopping.is_set() and all(child.poll() is None for child in children.values()):
            say(f"the web server is not answering on port {port} after 60 s; still waiting")
        while not stopping.wait(0.3):
            dead = [name for name, child in children.items() if child.poll() is not None]
            if dead:
                say(f"{', '.join(dead)} exited (code {children[dead[0]].returncode}); stopping the rest")
                return 1
        say("stopping web, worker+beat and the sample feeds")
        return 0
    finally:
        stop(list(children.values()))


def manage_command(manage_args: list[str]) -> int:
    """manage.py with the given arguments in .venv: works on a fresh machine without activating anything."""
    # Install messages go to stderr: stdout belongs to the command (`flag_feed ... --jsonl > flags.jsonl`).
    with contextlib.redirect_stdout(sys.stderr):
        ensure_venv(ROOT / "requirements.txt")
    command = [str(PYTHON), str(ROOT / "manage.py"), *manage_args]
    os.environ["DEV_PY_MANAGE"] = "1"  # manage.py then names itself `python3 dev.py manage` in usage and help
    if os.name == "posix":
        # Replaced rather than wrapped: signals, the terminal and pipes reach manage.py directly, and its exit
        # code is dev.py's.
        sys.stdout.flush()
        os.execv(command[0], command)  # noqa: S606
    return subprocess.run(command, check=False).returncode  # noqa: S603


def test(pytest_args: list[str]) -> int:
    ensure_venv(ROOT / "requirements-dev.txt")
    code = call(PYTHON, "-m", "pytest", *pytest_args, check=False).returncode
    if code == 5:
        say("pytest collected no tests; that is a failure")
    return code


def project_packages() -> list[str]:
    """Top-level packages that mypy type-checks (tests and benchmarks are excluded in pyproject.toml)."""
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "bench"})


def lint() -> int:
    ensure_venv(ROOT / "requirements-dev.txt")
    VAR.mkdir(parents=True, exist_ok=True)  # makemigrations --check opens the SQLite file to check the history
    checks = {
        "ruff check": [str(BIN / "ruff"), "check", "."],
        "ruff format": [str(BIN / "ruff"), "format", "--check", "."],
        "mypy": [str(BIN / "mypy"), *project_packages(), "dev.py", "manage.py"],
        "import layers": [str(BIN / "lint-imports")],
        "makemigrations": [str(PYTHON), "manage.py", "makemigrations", "--check", "--dry-run"],
    }
    failed = []
    for name, cmd in checks.items():
        say(f"{name}: {' '.join(cmd[1:])}")
        if call(*cmd, check=False).returncode != 0:
            failed.append(name)
    say(f"lint failed: {', '.join(failed)}" if failed else "lint passed")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = Parser(prog="dev.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    run_parser = commands.add_parser("run", help="start web + worker + beat on the embedded default")
    run_parser.add_argument("--port", type=int, default=8000, help="web port on 127.0.0.1 (default 8000)")
    run_parser.add_argument(
        "--feeds-port", type=int, default=8765, help="port of the sample feeds served on 127.0.0.1 (default 8765)"
    )
    commands.add_parser("test", help="run pytest; extra arguments go to pytest", add_help=False)
    commands.add_parser("lint", help="ruff, mypy and makemigrations --check")
    commands.add_parser(
        "manage", help="run manage.py COMMAND ... in .venv; extra arguments go to manage.py", add_help=False
    )
    # Everything after `test` belongs to pytest, and after `manage` to manage.py: only the command name is parsed.
    args = parser.parse_args(argv[:1] if argv[:1] in (["test"], ["manage"]) else argv)
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        raise CommandError(f"needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    if args.command == "run":
        for option, value in (("--port", args.port), ("--feeds-port", args.feeds_port)):
            if not 0 < value < 65536:
                parser.error(f"{option} {value} is not a TCP port")
        return run(args.port, args.feeds_port)
    if args.command == "test":
        return test(argv[1:])
    if args.command == "manage":
        return manage_command(argv[1:])
    return lint()


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except CommandError as error:
        say(f"error: {error}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
