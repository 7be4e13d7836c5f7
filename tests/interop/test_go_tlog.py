"""The transparency log checked from outside by Go: interop/go-tlog, built on golang.org/x/mod's
sumdb/note and sumdb/tlog, reads a live registry (uvicorn on a free port) as a C2SP client that
saved the checkpoint one entry ago.

Go and the x/mod source come from Debian (interop/go-tlog/install.sh). Without them these tests
skip, except in CI (CI set), where they fail: `.ci/run` installs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "interop" / "go-tlog"
X_MOD = Path("/usr/share/gocode/src/golang.org/x/mod")
ARTICLES = ["calder-valley-storm", "tidepool-snail-study", "water-main-upgrade"]
ONE_MORE = "bolan-lantern-festival"
GO_RUN_TIMEOUT_SECONDS = 60

# Every check a client one entry behind must see pass (the names the checker prints).
EXPECTED_CHECKS = [
    "key/pinned", "key/parses", "key/id",
    "checkpoint/opens", "checkpoint/origin", "checkpoint/body", "checkpoint/forged-size",
    "checkpoint/forged-signature",
    "tiles/root", "entries/bundles", "entries/tile-leaves", "entries/api-leaves", "entries/root", "tiles/all",
    "inclusion/go", "inclusion/registry-same", "inclusion/registry-checks", "inclusion/checkpoint",
    "inclusion/by-leaf-hash", "inclusion/wrong-leaf",
    "consistency/go", "consistency/registry-same", "consistency/registry-checks", "consistency/signed-older",
    "behind/opens", "behind/origin", "behind/size", "behind/go", "behind/registry", "behind/registry-same",
    "behind/forged-root", "behind/own-tiles",
]


@pytest.fixture(scope="session")
def go_tlog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checker, built once per session offline (Debian's x/mod through go.mod's replace)."""
    go = shutil.which("go")
    if go is None or not (X_MOD / "sumdb" / "tlog").is_dir():
        missing = "go" if go is None else f"the x/mod source ({X_MOD})"
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {missing} for the Go log check: .ci/run installs it via interop/go-tlog/install.sh")
        pytest.skip(f"no {missing} here (bash interop/go-tlog/install.sh installs Debian's golang-go and x/mod)")
    build = tmp_path_factory.mktemp("go-tlog")
    env = {**os.environ, "GOPATH": str(build / "gopath"), "GOCACHE": str(build / "cache"), "GOFLAGS": "-mod=mod",
           "GOPROXY": "off", "GOTOOLCHAIN": "local"}
    binary = build / "go-tlog"
    done = subprocess.run([go, "build", "-o", str(binary), "."], cwd=CHECKER, env=env, capture_output=True,
                          text=True, timeout=GO_RUN_TIMEOUT_SECONDS)
    assert done.returncode == 0, f"go build failed:\n{done.stdout}\n{done.stderr}"
    return binary


@dataclass
class LogOneEntryBehind:
    """A live registry and the checkpoint a client saved one registration ago."""

    url: str
    registry: object
    saved_checkpoint: str
    saved_size: int


def _register_sample_article(registry, slug: str) -> int:  # type: ignore[no-untyped-def]
    from registry.registration.article import register_article
    from registry.requests import RegistrationRequest

    text = (ROOT / "samples" / "articles" / f"{slug}.txt").read_bytes()
    return register_article(registry, text, RegistrationRequest(model="claude", title=slug)).log_index


@pytest.fixture(scope="module")
def log_one_entry_behind(tmp_path_factory: pytest.TempPathFactory, serve) -> Iterator[LogOneEntryBehind]:  # type: ignore[no-untyped-def]
    from registry.settings import Settings
    from web.app import create_app

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("registry") / "data", load_samples=False,
                              rate_limit_writes="off", rate_limit_matches="off"))
    with serve(app) as url:
        registry = app.state.registry
        for slug in ARTICLES:
            _register_sample_article(registry, slug)
        saved = urllib.request.urlopen(f"{url}/log/checkpoint", timeout=10).read().decode()
        assert _register_sample_article(registry, ONE_MORE) == len(ARTICLES)
        yield LogOneEntryBehind(url, registry, saved, len(ARTICLES))


def run_checker(binary: Path, log: LogOneEntryBehind, folder: Path, saved: str,
                key: str | None = None) -> tuple[int, dict[str, str], str]:
    """Run the checker with `saved` as the client's old checkpoint: (exit status, {check: ok|FAIL}, output)."""
    saved_path = folder / "saved-checkpoint.txt"
    saved_path.write_text(saved, encoding="utf-8")
    done = subprocess.run([str(binary), "-url", log.url, "-key", key or log.registry.log_vkey,
                           "-old", str(saved_path)], capture_output=True, text=True, timeout=GO_RUN_TIMEOUT_SECONDS)
    verdicts = {}
    for line in done.stdout.splitlines():
        verdict, _, rest = line.partition(" ")
        if verdict in ("ok", "FAIL"):
            verdicts[rest.split(":", 1)[0].strip()] = verdict
    return done.returncode, verdicts, done.stdout + done.stderr


def test_a_go_client_one_entry_behind_verifies_the_log(go_tlog, log_one_entry_behind, tmp_path):
    status, verdicts, output = run_checker(go_tlog, log_one_entry_behind, tmp_path,
                                           log_one_entry_behind.saved_checkpoint)

    assert status == 0, output
    not_ok = {name: verdicts.get(name, "missing") for name in EXPECTED_CHECKS if verdicts.get(name) != "ok"}
    assert not not_ok, output
    assert "FAIL" not in verdicts.values(), output
    assert f"(saved: size {log_one_entry_behind.saved_size} " in output


def _tampered_root(log: LogOneEntryBehind) -> tuple[str, None]:
    """The saved note with one character of its root hash changed; the signature no longer fits."""
    origin, size, root, rest = log.saved_checkpoint.split("\n", 3)
    changed = ("B" if root[0] == "A" else "A") + root[1:]
    return "\n".join([origin, size, changed, rest]), None


def _forked(log: LogOneEntryBehind) -> tuple[str, None]:
    """A note of the saved size with another root, validly signed by the log's key: a split view."""
    from registry.tlog.checkpoint import Checkpoint, sign_checkpoint

    fork = Checkpoint(log.registry.settings.log_origin, log.saved_size, bytes(32))
    return sign_checkpoint(fork, log.registry.keys.log_signer), None


def _another_key(log: LogOneEntryBehind) -> tuple[str, str]:
    """The honest saved note, but the client pinned another key of the same name."""
    from registry.tlog.note import generate_note_key

    _, vkey = generate_note_key(log.registry.settings.log_origin)
    return log.saved_checkpoint, vkey


@pytest.mark.parametrize(("make_case", "must_fail"), [
    # the saved note was altered after signing: the client's own copy no longer verifies
    pytest.param(_tampered_root, ["behind/opens"], id="tampered-saved-checkpoint"),
    # a signed fork: it verifies, but the newest tree does not extend it
    pytest.param(_forked, ["behind/go", "behind/registry", "behind/own-tiles"], id="forked-saved-checkpoint"),
    # the log's key is not the one the client pinned: nothing verifies
    pytest.param(_another_key, ["key/pinned", "checkpoint/opens"], id="wrong-pinned-key"),
])
def test_the_go_client_fails_on(make_case, must_fail, go_tlog, log_one_entry_behind, tmp_path):
    saved, key = make_case(log_one_entry_behind)

    status, verdicts, output = run_checker(go_tlog, log_one_entry_behind, tmp_path, saved, key)

    assert status == 1, output
    assert {name: verdicts.get(name) for name in must_fail} == dict.fromkeys(must_fail, "FAIL"), output
