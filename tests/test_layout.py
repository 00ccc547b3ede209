"""The layout's rules (README *Layout*), checked on the imports themselves."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("actions", "bench", "bot", "connectors", "tests")


def modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, top level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def under(folder: str) -> list[Path]:
    return [p for p in modules() if p.is_relative_to(ROOT / folder)]


def test_no_two_modules_share_a_file_name():
    names = Counter(
        p.name
        for p in modules()
        if p.name not in {"__init__.py", "conftest.py"} and "migrations" not in p.parts
    )
    assert [name for name, n in names.items() if n > 1] == []


def test_no_folder_holds_more_than_about_twelve_modules():
    """Alembic's numbered migrations are one history, never split up."""
    folders = Counter(
        p.parent
        for p in modules()
        if p.name != "__init__.py" and "migrations" not in p.parts
    )
    crowded = {str(f.relative_to(ROOT)): n for f, n in folders.items() if n > 13}
    assert crowded == {}


@pytest.mark.parametrize("path", under("connectors"), ids=lambda p: p.name)
def test_connectors_depend_on_nothing_in_bot(path):
    assert not [m for m in imported(path) if m == "bot" or m.startswith("bot.")]


ACTIONS_MAY_IMPORT = ("bot.club", "bot.text", "bot.settings")


@pytest.mark.parametrize("path", under("actions"), ids=lambda p: p.name)
def test_actions_import_only_the_club_domain(path):
    outside = [
        m
        for m in imported(path)
        if m.startswith("bot.") and not m.startswith(ACTIONS_MAY_IMPORT)
    ]
    assert outside == []


@pytest.mark.parametrize("path", under("bot/club"), ids=lambda p: p.name)
def test_the_club_domain_builds_on_no_later_stage(path):
    later = ("bot.bridge", "bot.ops", "bot.cli", "bot.simulator", "connectors")
    assert [m for m in imported(path) if m.startswith(later)] == []


SIMULATOR_USERS = {"bot/bridge/app.py", "bot/cli/platform_commands.py"}


@pytest.mark.parametrize("path", under("bot"), ids=lambda p: p.name)
def test_production_code_does_not_import_the_simulator(path):
    relative = str(path.relative_to(ROOT))
    if relative.startswith("bot/simulator/") or relative in SIMULATOR_USERS:
        return  # the app factory when enabled; the `simulator` dev command
    assert [m for m in imported(path) if m.startswith("bot.simulator")] == []
