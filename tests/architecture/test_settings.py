"""Every setting the service's code reads is declared, with its default, in config/settings.py (or by Django):
the code reads `settings.X`, never `getattr(settings, "X", default)` with a default of its own (read with ast,
no server)."""

from __future__ import annotations

import ast

from django.conf import global_settings

from tests.compose_env import ROOT, SOURCE_DIRS

SETTINGS_FILE = ROOT / "config" / "settings.py"


def _app_modules() -> dict[str, str]:
    """Relative path -> source of every module of the service's packages."""
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for folder in SOURCE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def _settings_names(tree: ast.Module) -> set[str]:
    """The names `django.conf.settings` is bound to in a module (`settings`, or an alias)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.conf"
        for alias in node.names
        if alias.name == "settings"
    }


def _lookups_with_defaults(source: str, where: str) -> list[str]:
    """`getattr(settings, ...)` and `hasattr(settings, ...)` calls in a module, as "file:line"."""
    tree = ast.parse(source)
    names = _settings_names(tree)
    return [
        f"{where}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "hasattr"}
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id in names
    ]


def _settings_read(source: str, where: str) -> dict[str, str]:
    """NAME -> "file:line" for every `settings.NAME` a module reads."""
    tree = ast.parse(source)
    names = _settings_names(tree)
    return {
        node.attr: f"{where}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in names
        and node.attr.isupper()
    }


def _declared() -> set[str]:
    """The upper-case names config/settings.py assigns, at any depth (some only under a condition)."""
    declared = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            declared |= {target.id for target in targets if isinstance(target, ast.Name) and target.id.isupper()}
    return declared


def test_the_services_code_reads_no_setting_through_getattr_with_a_default() -> None:
    modules = _app_modules()
    assert len(modules) > 50, "the service's packages were not found"
    offenders = [line for where, source in modules.items() for line in _lookups_with_defaults(source, where)]
    assert offenders == [], "declare the setting in config/settings.py and read settings.X instead"


def test_every_setting_the_services_code_reads_is_declared() -> None:
    read: dict[str, str] = {}
    for where, source in _app_modules().items():
        read |= _settings_read(source, where)
    assert {"FEEDS_MAX_BYTES", "DIGEST_UNSUBSCRIBE_MAILTO", "DATA_UPLOAD_MAX_MEMORY_SIZE"} <= set(read)
    declared = _declared() | {name for name in dir(global_settings) if name.isupper()}
    assert {name: where for name, where in read.items() if name not in declared} == {}


def test_the_checks_find_a_getattr_lookup_and_an_undeclared_setting() -> None:
    # the two tests above would pass vacuously if the ast walks missed what they look for
    source = (
        "from django.conf import settings as conf\n\n"
        "def limit() -> int:\n"
        '    return int(getattr(conf, "FEEDS_SOMETHING", 3)) + conf.FEEDS_NOT_DECLARED\n'
    )
    assert _lookups_with_defaults(source, "sample.py") == ["sample.py:4"]
    assert _settings_read(source, "sample.py") == {"FEEDS_NOT_DECLARED": "sample.py:4"}
    assert "FEEDS_NOT_DECLARED" not in _declared() and "FEEDS_MAX_BYTES" in _declared()
