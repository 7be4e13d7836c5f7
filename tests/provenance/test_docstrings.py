"""Every public module's docstring example runs."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["provenance.article", "provenance.record", "provenance.keys", "provenance.sign", "provenance.verify",
           "provenance.manifest", "provenance.assertions", "provenance.jumbf"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0
