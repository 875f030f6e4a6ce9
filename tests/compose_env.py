"""Reading docker-compose.yml, .env.example and the settings' environment variables, for the static checks in
tests/test_compose.py and the production-settings tests (no Docker engine needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Packages whose code runs in the service (tests and benchmarks set variables, they are not settings).
SOURCE_DIRS = ["config", "events", "timeline", "sources", "digests", "api", "workers"]
APP_IMAGE = "intelligence-timeline:local"

_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|env_bool|env_list|env_int|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_EXAMPLE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def load_compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run this project's image (web, workers, beat)."""
    return {name: svc for name, svc in compose["services"].items() if svc.get("image") == APP_IMAGE}


def settings_env_reads() -> dict[str, list[str]]:
    """Every environment variable the service's code reads, with the files that read it."""
    found: dict[str, list[str]] = {}
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in _READ.findall(path.read_text()):
                found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    # DJANGO_SETTINGS_MODULE is how Django finds the settings, not a setting.
    found.pop("DJANGO_SETTINGS_MODULE", None)
    return found


def env_example_names() -> set[str]:
    """Names in .env.example, set (NAME=value) or shown commented with their default (# NAME=default)."""
    return set(_EXAMPLE.findall((ROOT / ".env.example").read_text()))


def env_example_values() -> dict[str, str]:
    """The uncommented NAME=value lines of .env.example, as `cp .env.example .env` gives them."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def interpolations(text: str) -> list[tuple[str, str, str]]:
    """(name, operator, argument) of every ${...} in the compose file ($$ is a literal dollar)."""
    return [(m.group(1), m.group(2) or "", m.group(3) or "") for m in _INTERPOLATION.finditer(text.replace("$$", ""))]


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default} and ${NAME:?error}, with `variables` as the .env."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        current = variables.get(name)
        if operator == ":-":
            return current if current else argument
        if operator == "-":
            return current if current is not None else argument
        if operator in {":?", "?"} and not current:
            raise KeyError(f"{name}: {argument}")
        return current or ""

    return _INTERPOLATION.sub(one, value).replace("$$", "$")


def app_environment(service: str, variables: dict[str, str]) -> dict[str, str]:
    """What a compose service's container gets: .env (env_file), then its own `environment:`, interpolated."""
    svc = load_compose()["services"][service]
    env = dict(variables) if svc.get("env_file") else {}
    env |= {key: interpolate(str(value), variables) for key, value in (svc.get("environment") or {}).items()}
    return env
