"""The runnable example in each public module's docstring really runs."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["__init__", "errors", "merkle", "memory", "note", "checkpoint", "tiles", "receipt", "cosignature",
           "witness", "offline", "monitor", "fsck"]


@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_example_runs(name: str) -> None:
    module = importlib.import_module("registry.tlog" if name == "__init__" else f"registry.tlog.{name}")
    assert module.__doc__ and ">>>" in module.__doc__, f"expected a runnable example in {module.__name__}"
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
