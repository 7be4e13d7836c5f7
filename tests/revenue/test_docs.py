"""The runnable example in each public module's docstring really runs, and the library stays pure."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

import revenue

MODULES = ["revenue", "revenue.errors", "revenue.money", "revenue.shares", "revenue.versions", "revenue.graph",
           "revenue.allocate", "revenue.payout", "revenue.statements"]
PACKAGE = Path(revenue.__file__).parent
# Standard library only: exact arithmetic, no web, no database, no floats.
ALLOWED_IMPORTS = {"__future__", "collections", "csv", "dataclasses", "datetime", "decimal", "enum", "fractions",
                   "io", "math", "re", "types", "typing", "revenue"}


@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_example_runs(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and ">>>" in module.__doc__, f"expected a runnable example in {name}"
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_every_module_is_listed_and_small() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert {f"revenue.{f.stem}" if f.stem != "__init__" else "revenue" for f in files} == set(MODULES)
    for path in files:
        assert len(path.read_text().splitlines()) < 400, f"{path.name} should stay under ~400 lines"


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_pure_stdlib_and_no_floats(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                assert name.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {name}"
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), f"float literal in {path.name}"
        assert not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"float", "round"}), \
            f"{path.name} calls {node.func.id}()"
        assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                    and all(isinstance(side, ast.Constant) and type(side.value) is int for side in (node.left, node.right))), \
            f"int / int makes a float in {path.name}"
