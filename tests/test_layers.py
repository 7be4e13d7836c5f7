"""The house's arrows point down only (DESIGN.md): the pure libraries import no web framework, no
database and nothing of the registry; the registry imports nothing of the faces."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_FORBIDDEN = ("registry", "web", "fastapi", "starlette", "sqlmodel", "sqlalchemy", "alembic", "psycopg")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", ["fingerprint", "provenance", "revenue"])
def test_pure_libraries_import_no_web_database_or_registry(package: str) -> None:
    offenders = {str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(PURE_FORBIDDEN))
                 for path in (ROOT / package).rglob("*.py")}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_registry_imports_nothing_of_the_faces() -> None:
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "registry").rglob("*.py")
                 if {"web", "fastapi", "starlette", "uvicorn"} & _imported_roots(path)]
    assert offenders == []
