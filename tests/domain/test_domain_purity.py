"""bot/domain is pure: it imports neither telegram nor aiosqlite (nor the layers built on them)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import bot.domain

DOMAIN_DIR = Path(bot.domain.__file__).parent
FORBIDDEN = ("telegram", "aiosqlite", "sqlite3", "storage", "handlers")
MODULES = sorted(DOMAIN_DIR.glob("*.py"))


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays inside bot.domain
                names.add("bot.domain")
            elif node.module:
                names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def is_forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def test_the_checker_catches_an_import() -> None:
    found = imported_modules("import telegram.ext\nfrom aiosqlite import Row\nimport json\n")
    assert {m for m in found if is_forbidden(m)} == {"telegram.ext", "aiosqlite"}
    assert not is_forbidden("bot.domain.vin")


def test_all_domain_modules_are_checked() -> None:
    names = {path.stem for path in MODULES}
    assert {"lifecycle", "vin", "geo", "visa", "models"} <= names


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_domain_module_imports(path: Path) -> None:
    imports = imported_modules(path.read_text(encoding="utf-8"))
    assert not {m for m in imports if is_forbidden(m)}
    # Inside bot/, the domain may only lean on itself.
    assert not {m for m in imports if m.startswith("bot.") and not m.startswith("bot.domain")}


def test_importing_the_domain_loads_neither_telegram_nor_aiosqlite() -> None:
    # A fresh interpreter, so that whatever other tests imported does not count.
    modules = ", ".join(f"bot.domain.{path.stem}" for path in MODULES if path.stem != "__init__")
    code = f"import sys, {modules}\nprint('\\n'.join(sorted(m for m in sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=DOMAIN_DIR.parent.parent,
    )
    loaded = set(result.stdout.split())
    assert "bot.domain.visa" in loaded
    assert not {m for m in loaded if is_forbidden(m)}
