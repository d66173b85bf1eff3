"""The house rules the folder tree stands for, checked on the source (issue 9).

- `core/` is pure: it imports only `core/` and the standard library, and does no I/O;
- `ooxml/` is the package layer under everything else: it imports nothing from `report/`,
  `refresh/`, `excel/` or `accessibility/`;
- `accessibility/` reads workbooks through `ooxml/` only (no report or refresh code).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "xlplugin"

#: Standard-library modules that read or write files, processes or the network.
IO_MODULES = {
    "io",
    "os",
    "pathlib",
    "shutil",
    "tempfile",
    "zipfile",
    "subprocess",
    "socket",
    "urllib",
    "http",
    "sqlite3",
    "glob",
    "fileinput",
    "mmap",
    "pickle",
    "shelve",
}
#: Built-ins that do I/O.
IO_CALLS = {"open", "input", "print", "exec", "eval", "__import__"}


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imports(path: Path, package_dir: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `path`, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(package_dir.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def _top(name: str) -> str:
    return name.split(".")[0]


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(PACKAGE.parent)}:{line}"


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_imports_only_core_and_the_standard_library(path):
    bad = [
        f"{_where(path, line)} imports {name}"
        for line, name in _imports(path)
        if not (name == "xlplugin.core" or name.startswith("xlplugin.core.") or name == "__future__")
        and (_top(name) not in sys.stdlib_module_names or _top(name) == "xlplugin")
    ]
    assert bad == []


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_does_no_io(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"{_where(path, line)} imports {name}" for line, name in _imports(path) if _top(name) in IO_MODULES]
    bad += [
        f"{_where(path, node.lineno)} calls {node.func.id}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in IO_CALLS
    ]
    assert bad == []


@pytest.mark.parametrize("path", _modules("ooxml"), ids=lambda p: p.name)
def test_ooxml_imports_nothing_from_the_layers_above(path):
    above = ("xlplugin.report", "xlplugin.refresh", "xlplugin.excel", "xlplugin.accessibility", "xlplugin.cli")
    bad = [f"{_where(path, line)} imports {name}" for line, name in _imports(path) if name.startswith(above)]
    assert bad == []


@pytest.mark.parametrize("path", _modules("accessibility"), ids=lambda p: p.name)
def test_accessibility_reads_through_ooxml_only(path):
    above = ("xlplugin.report", "xlplugin.refresh", "xlplugin.excel", "xlplugin.cli")
    bad = [f"{_where(path, line)} imports {name}" for line, name in _imports(path) if name.startswith(above)]
    assert bad == []


def test_the_contract_sees_the_modules_and_catches_a_breach(tmp_path):
    """The checks above must be able to fail: they find the modules, and flag a planted breach."""
    assert len(_modules("core")) >= 5 and len(_modules("ooxml")) >= 5
    planted = tmp_path / "xlplugin" / "core" / "bad.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("import os\nfrom xlplugin.report import build\nfrom . import counts\nopen('x')\n")
    names = [name for _, name in _imports(planted, tmp_path / "xlplugin")]
    assert names == ["os", "xlplugin.report", "xlplugin.core"]
    assert {"os"} <= IO_MODULES and "xlplugin" not in sys.stdlib_module_names


def test_the_readme_house_table_names_every_folder():
    """The README's "The house" table is the layout: every subpackage is in it, and nothing else is."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### The house", 1)[1].split("###", 1)[0]
    named = set(re.findall(r"`xlplugin/([a-z_]+)/`", table))
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert named == folders
