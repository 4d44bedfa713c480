"""The package layout and dependency direction DESIGN.md fixes, checked on the source."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("generator", "watermark", "detector", "policy", "gateway")
# Which talkgate packages each package may import (DESIGN.md, "Layout").
ALLOWED = {
    "generator": set(),
    "watermark": set(),
    "policy": set(),
    "detector": {"generator"},
    "gateway": {"generator", "watermark", "detector", "policy"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_and_declares_its_api(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__ and isinstance(module.__all__, list)


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        reached = _imported_packages(path) - {package}
        assert reached <= ALLOWED[package], f"{path.relative_to(ROOT)} imports {reached}"
