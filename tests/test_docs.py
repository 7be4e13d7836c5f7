"""The README's promises: its two commands, the CI script running the same test command, the CLI help."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _first_sh_block() -> list[str]:
    block = re.search(r"^```sh\n(.*?)^```$", README, re.S | re.M)
    assert block, "README must open with a ```sh block"
    return block.group(1).strip().splitlines()


def test_readme_opens_with_exactly_two_commands():
    assert README.index("```sh") < 600, "the two commands must be in the README's first lines"
    serve, test = _first_sh_block()
    assert serve == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/aigc-registry serve"
    assert test == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    extracted = subprocess.run(
        ["bash", "-c", "sed -n '/^```sh$/,/^```$/p' README.md | sed -n '3p'"], cwd=ROOT,
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert extracted == _first_sh_block()[1]
    assert 'bash -c "$test_command"' in ci


def test_console_script_is_installed():
    assert (Path(sys.executable).parent / "aigc-registry").exists()


def _help(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "web.cli", *args, "--help"], capture_output=True, text=True,
                          env=env, check=True).stdout.replace("python -m web.cli", "aigc-registry")


@pytest.mark.parametrize("command", [(), ("register",), ("import",), ("match",), ("verify",), ("serve",), ("admin",),
                                     ("admin", "key", "issue")],
                         ids=["main", "register", "import", "match", "verify", "serve", "admin", "admin-key-issue"])
def test_cli_help_quoted_in_readme_is_true(command):
    quoted = re.search(
        rf"^<!-- help: {' '.join(('aigc-registry',) + command)} -->\n```text\n(.*?)^```$", README, re.S | re.M
    )
    assert quoted, f"README lacks the help of {' '.join(command) or 'the main command'}"
    assert quoted.group(1) == _help(*command)
