"""The runnable examples in the video fingerprint's docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["fingerprint.video", "fingerprint.video._borders", "fingerprint.video._index",
           "fingerprint.video._fingerprint", "fingerprint.video._match", "registry.media"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
