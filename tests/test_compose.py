"""docker-compose.yml checked statically (no Docker engine runs here): it parses, its services and health checks
are there, exactly one beat, workers consume every queue, and its environment matches what the settings read."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest

from config.celery import QUEUES, app
from tests.compose_env import (
    ROOT,
    app_environment,
    app_services,
    env_example_names,
    env_example_values,
    interpolations,
    load_compose,
    settings_env_reads,
)

# The passwords compose requires (.env.example leaves them empty), one apart from another.
PASSWORDS = {"POSTGRES_PASSWORD": "super-pw", "POSTGRES_OWNER_PASSWORD": "owner-pw", "POSTGRES_APP_PASSWORD": "app-pw"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def celery_role(service: dict[str, Any]) -> str | None:
    """'worker', 'beat' or None, from a `celery -A config <role>` command."""
    words = command_words(service)
    if "celery" not in words:
        return None
    return next((word for word in words if word in {"worker", "beat"}), None)


def queues_of(service: dict[str, Any]) -> set[str]:
    words = command_words(service)
    for flag in ("-Q", "--queues"):
        if flag in words:
            return set(words[words.index(flag) + 1].split(","))
    return set()


def test_the_file_parses_and_has_every_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "mailpit", "web", "worker", "beat", "proxy"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    assert set(app_services(compose)) == {"web", "worker", "worker-email", "worker-alerts", "worker-default", "beat"}
    for name, svc in app_services(compose).items():
        assert svc["build"] == ".", name
        assert (ROOT / "Dockerfile").exists()


def test_web_applies_the_migrations_and_then_runs_gunicorn(compose: dict[str, Any]) -> None:
    command = " ".join(command_words(compose["services"]["web"]))
    assert "manage.py migrate" in command and "gunicorn config.wsgi:application" in command
    assert command.index("manage.py migrate") < command.index("gunicorn")
    assert "exec gunicorn" in command  # gunicorn replaces the shell, so it gets the stop signal


def test_exactly_one_beat_and_nothing_scales_it(compose: dict[str, Any]) -> None:
    beats = [name for name, svc in compose["services"].items() if celery_role(svc) == "beat"]
    assert beats == ["beat"]
    beat = compose["services"]["beat"]
    assert "scale" not in beat and "replicas" not in (beat.get("deploy") or {})
    for name, svc in compose["services"].items():
        words = command_words(svc)
        assert "-B" not in words and "--beat" not in words, f"{name} embeds a second beat"


def test_workers_consume_every_queue_and_the_routes_only_name_those_queues(compose: dict[str, Any]) -> None:
    workers = {name: svc for name, svc in compose["services"].items() if celery_role(svc) == "worker"}
    assert set(workers) == {"worker", "worker-email", "worker-alerts", "worker-default"}
    consumed = {name: queues_of(svc) for name, svc in workers.items()}
    assert consumed == {
        "worker": {"feeds"},
        "worker-email": {"email"},
        "worker-alerts": {"alerts"},
        "worker-default": {"default"},
    }
    assert set().union(*consumed.values()) == set(QUEUES)
    routed = {route["queue"] for route in app.conf.task_routes.values()} | {app.conf.task_default_queue}
    assert routed == set(QUEUES)
    # each worker service has its own node name per container, so --scale gives distinct workers
    for name, svc in workers.items():
        words = command_words(svc)
        assert words[words.index("-n") + 1].endswith("@%h"), name


def test_the_feed_worker_is_the_one_to_scale_and_has_no_fixed_container_name(compose: dict[str, Any]) -> None:
    for name in ("web", "worker", "worker-email", "worker-alerts", "worker-default"):
        assert "container_name" not in compose["services"][name]
    assert "--scale worker=" in (ROOT / "docker-compose.yml").read_text()


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        assert svc.get("healthcheck", {}).get("test"), f"{name} has no health check"
    web = compose["services"]["web"]["healthcheck"]["test"]
    assert web == ["CMD", "python", "config/probe.py", "http://127.0.0.1:8000/health/live"]
    beat = compose["services"]["beat"]["healthcheck"]["test"]
    assert beat[-3:] == ["http://web:8000/health/ready", "--check", "beat"]
    for name in ("worker", "worker-email", "worker-alerts", "worker-default"):
        test = compose["services"][name]["healthcheck"]["test"]
        node = command_words(compose["services"][name])[command_words(compose["services"][name]).index("-n") + 1]
        assert f"inspect ping --timeout 10 -d {node.split('@')[0]}@$$HOSTNAME" in test[1], name
    assert (ROOT / "config" / "probe.py").exists()


def test_start_order_waits_for_healthy_backends_and_for_migrations(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("worker", "worker-email", "worker-default", "beat", "proxy"):
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy", name


def test_data_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    mounts = {name: [str(v).split(":")[0] for v in svc.get("volumes", [])] for name, svc in compose["services"].items()}
    assert "postgres-data" in mounts["postgres"] and "redis-data" in mounts["redis"]
    assert "beat-data" in mounts["beat"]
    for name, sources in mounts.items():
        for source in sources:
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts a missing file {source}"
            else:
                assert source in declared, f"{name} uses an undeclared volume {source}"


def test_every_variable_the_compose_file_sets_for_the_app_is_read_by_the_settings(compose: dict[str, Any]) -> None:
    read = settings_env_reads()
    for name, svc in app_services(compose).items():
        unread = set(svc.get("environment") or {}) - set(read)
        assert not unread, f"{name} sets {sorted(unread)}, which nothing in the service reads"


def test_every_variable_the_settings_read_is_in_env_example() -> None:
    read = settings_env_reads()
    missing = {name: files for name, files in read.items() if name not in env_example_names()}
    assert not missing, f"read from the environment but missing in .env.example: {missing}"
    # and the reverse, for the app's own settings: nothing listed that nothing reads
    compose_only = {"POSTGRES_PASSWORD", "POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD", "SITE_ADDRESS"}
    assert env_example_names() - set(read) == compose_only


def test_the_scan_of_the_settings_finds_what_they_read() -> None:
    # guards the check above against a scan that finds nothing
    read = settings_env_reads()
    for name in (
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "EMAIL_URL",
        "LOG_FORMAT",
    ):
        assert name in read
    assert "config/settings.py" in read["SECRET_KEY"]
    assert "workers/schedule.py" in read["HEARTBEAT_SECONDS"]


def test_every_required_interpolation_is_set_in_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    example = env_example_values()
    for name, operator, _ in interpolations(text):
        if operator in {":?", "?", ""}:
            assert name in example, f"docker-compose.yml needs ${{{name}}}, which .env.example does not set"
    assert "$$HOSTNAME" in text  # escaped: the container's shell expands it, not compose


def test_the_app_environment_after_interpolation_is_the_production_one() -> None:
    variables = env_example_values() | {"SECRET_KEY": "x" * 50} | PASSWORDS
    env = app_environment("web", variables)
    assert env["DEBUG"] == "0"
    assert env["DATABASE_URL"] == "postgres://timeline_app:app-pw@postgres:5432/timeline"
    assert env["MIGRATE_DATABASE_URL"] == "postgres://timeline:owner-pw@postgres:5432/timeline"
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    # Every gunicorn worker counts the throttles in one place, apart from the broker's database.
    assert env["CACHE_URL"].startswith("redis://redis:6379/") and env["CACHE_URL"] != env["CELERY_BROKER_URL"]
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert (env["ALLOWED_HOSTS"], env["CSRF_TRUSTED_ORIGINS"], env["SITE_URL"]) == (
        "localhost",
        "https://localhost",
        "https://localhost",
    )
    assert env["TRUST_X_FORWARDED_PROTO"] == "1" and env["LOG_FORMAT"] == "json"
    # an empty password stops compose, as it should
    needs = {"web": {"POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD"}, "worker": {"POSTGRES_APP_PASSWORD"}}
    needs["postgres"] = set(PASSWORDS)
    for service, names in needs.items():
        for name in names:
            with pytest.raises(KeyError, match=name):
                app_environment(service, env_example_values() | PASSWORDS | {name: ""})


def test_the_service_runs_as_a_role_that_owns_nothing_and_only_web_migrates_as_the_owner(
    compose: dict[str, Any],
) -> None:
    from django.conf import settings

    services = compose["services"]
    postgres = services["postgres"]
    # The init script creates the database and both roles; the image's superuser is neither of them.
    mounts = {str(volume).split(":")[1]: str(volume).split(":")[0] for volume in postgres["volumes"]}
    assert mounts["/docker-entrypoint-initdb.d/10-roles.sh"] == "./config/postgres-roles.sh"
    assert "POSTGRES_USER" not in postgres["environment"] and "POSTGRES_DB" not in postgres["environment"]
    assert {"POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD"} <= set(postgres["environment"])
    script = (ROOT / "config" / "postgres-roles.sh").read_text()
    names = dict(re.findall(r"\$\{(TIMELINE_\w+):-(\w+)\}", script))
    assert names == {"TIMELINE_DB": "timeline", "TIMELINE_OWNER": "timeline", "TIMELINE_APP": "timeline_app"}

    variables = env_example_values() | {"SECRET_KEY": "x" * 50} | PASSWORDS
    for name in app_services(compose):
        env = app_environment(name, variables)
        assert env["DATABASE_URL"] == "postgres://timeline_app:app-pw@postgres:5432/timeline", name
        if name != "web":
            assert "MIGRATE_DATABASE_URL" not in env, f"{name} has the owner's password"
    owner = app_environment("web", variables)["MIGRATE_DATABASE_URL"]
    assert owner == "postgres://timeline:owner-pw@postgres:5432/timeline"

    # migrate is the one owner command web runs; the owner's URL is gone before gunicorn starts.
    command = " ".join(command_words(services["web"]))
    steps = [step.strip() for step in command.removeprefix("sh -c").split("&&")]
    assert steps[0].startswith("python manage.py migrate") and "migrate" in settings.OWNER_COMMANDS
    assert "load_deepseek_timeline" not in settings.OWNER_COMMANDS  # it records events: the service's role
    unset = steps.index("unset MIGRATE_DATABASE_URL")
    assert unset == len(steps) - 2 and steps[-1].startswith("exec gunicorn")


def test_postgres_is_healthy_only_once_its_init_scripts_are_done(compose: dict[str, Any]) -> None:
    # The image's temporary server for the init scripts listens on its socket only; TCP answers after them.
    test = compose["services"]["postgres"]["healthcheck"]["test"]
    assert "-h 127.0.0.1" in test[1] and "-d timeline" in test[1]


def test_web_is_reachable_only_through_the_tls_proxy(compose: dict[str, Any]) -> None:
    assert "ports" not in compose["services"]["web"]
    proxy = compose["services"]["proxy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    caddyfile = (ROOT / "config" / "Caddyfile").read_text()
    assert re.search(r"reverse_proxy\s+web:8000", caddyfile)


def test_the_image_collects_static_files_with_the_production_storage_and_ignores_local_state() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"DEBUG=0 SECRET_KEY=\S+ \\\s*\n\s*python manage.py collectstatic", dockerfile)
    assert "USER timeline" in dockerfile
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "var", ".env", ".git"} <= ignored
