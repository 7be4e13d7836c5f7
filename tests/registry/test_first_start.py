"""The first start is atomic: the keys folder appears whole or not at all, and an older version's
half-written folder is completed when nothing was signed with it, refused in one line when something was.

The last test is the real thing: `python -m web.cli register` into an empty folder, SIGKILLed at a
random moment of the key-creation window, KILL_TRIALS times (40 with AIGC_REGISTRY_SLOW_TESTS=1);
every folder must then take a second `register` of the same article and pass `log fsck`.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from registry.errors import IntegrityError
from registry.keys import (
    INTERMEDIATE_CERT,
    INTERMEDIATE_KEY,
    KEYS_COMPLETE,
    LOG_KEY,
    LOG_VKEY,
    PKI_FILES,
    ROOT_CERT,
    ROOT_KEY,
    SIGNING_CHAIN,
    SIGNING_KEY,
    TEMP_FOLDER_PREFIX,
    TSA_CERT,
    TSA_KEY,
    load_keys,
)
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings
from web.cli import main

from ..conftest import SAMPLES, database_for
from .test_register_article import ARTICLE as ARTICLE_TEXT

KILL_TRIALS = 40 if os.environ.get("AIGC_REGISTRY_SLOW_TESTS") else 12
PARALLEL = 2  # killed processes at a time: each spends ~1.5 s importing before it touches the folder
SEED = int(os.environ.get("AIGC_REGISTRY_KILL_SEED", "20250601"))
ARTICLE = SAMPLES / "articles" / "calder-valley-storm.txt"
REPO = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.0002
ALL_FILES = (*PKI_FILES, TSA_KEY, TSA_CERT, LOG_VKEY, LOG_KEY)


def _damage(path: Path, how: str) -> None:
    if how == "missing":
        path.unlink()
    else:
        path.write_bytes(b"")


def _identity(settings: Settings) -> tuple[bytes, bytes]:
    """What must not change under a used registry: the root certificate and the checkpoint key."""
    return (settings.key_dir / ROOT_CERT).read_bytes(), (settings.key_dir / LOG_KEY).read_bytes()


def _an_older_versions_folder(settings: Settings) -> tuple[bytes, bytes]:
    """A whole keys folder as versions before the marker left it; its identity."""
    load_keys(settings)
    (settings.key_dir / KEYS_COMPLETE).unlink()
    return _identity(settings)


def _assert_whole(settings: Settings, *, but: str | None = None) -> None:
    """Every file is there and not empty (`but` a CA key that was missing and is not needed)."""
    keys = load_keys(settings)  # a second time: nothing left to do
    assert (settings.key_dir / KEYS_COMPLETE).is_file()
    assert all((settings.key_dir / name).stat().st_size > 0 for name in ALL_FILES if name != but)
    assert (settings.key_dir / LOG_VKEY).read_text().strip() == keys.log_vkey


# Each file of an older version's folder missing or empty, with no log in the database yet: the
# folder is completed. `kept` names what survives: the PKI (its root) and the log key, unless broken.
PKI_KEPT_WHEN_MISSING = {ROOT_KEY, INTERMEDIATE_KEY}  # only needed to issue certificates
NO_LOG_YET = [
    pytest.param(name, how, {"root": name not in PKI_FILES or (how == "missing" and name in PKI_KEPT_WHEN_MISSING),
                             "log": name != LOG_KEY}, id=f"{name}-{how}")
    for name in ALL_FILES for how in ("missing", "empty")
]


@pytest.mark.parametrize(("name", "how", "kept"), NO_LOG_YET)
def test_a_half_written_folder_with_no_log_yet_is_completed(settings, name, how, kept):
    root, log_key = _an_older_versions_folder(settings)
    _damage(settings.key_dir / name, how)
    load_keys(settings)
    _assert_whole(settings, but=name if how == "missing" and name in PKI_KEPT_WHEN_MISSING else None)
    assert ((settings.key_dir / ROOT_CERT).read_bytes() == root) == kept["root"]
    assert ((settings.key_dir / LOG_KEY).read_bytes() == log_key) == kept["log"]


# The same damage once the log holds a registration: the TSA pair, the verifier key and the CA keys'
# absence are completed or tolerated; anything else would change the log's or the manifests' identity.
REFUSED = {name for name in PKI_FILES} | {LOG_KEY}
AFTER_A_REGISTRATION = [
    pytest.param(name, how, None if name not in REFUSED or (how == "missing" and name in PKI_KEPT_WHEN_MISSING)
                 else ("fork the log" if name == LOG_KEY else "would not verify"), id=f"{name}-{how}")
    for name in ALL_FILES for how in ("missing", "empty")
] + [pytest.param(None, None, None, id="only-the-marker-missing")]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def used(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of a registry that holds one registration; tests copy its keys folder and only read it."""
    folder = tmp_path_factory.mktemp("used")
    with database_for(request.param, folder) as url:
        settings = Settings(data_dir=folder / "data", database_url=url, load_samples=False)
        registry = Registry.open(settings)
        register_article(registry, ARTICLE_TEXT.encode(), RegistrationRequest(model="m"))
        registry.close()
        yield settings


@pytest.mark.parametrize(("name", "how", "refusal"), AFTER_A_REGISTRATION)
def test_a_half_written_folder_of_a_used_registry_is_refused_or_completed(used, tmp_path, name, how, refusal):
    settings = used.model_copy(update={"data_dir": tmp_path / "data"})
    shutil.copytree(used.key_dir, settings.key_dir)
    (settings.key_dir / KEYS_COMPLETE).unlink()  # as an older version left it
    identity = _identity(settings)
    if name:
        _damage(settings.key_dir / name, how)
    if refusal:
        with pytest.raises(IntegrityError, match=rf"{name} is {how}.*{refusal}.*restore"):
            load_keys(settings)
        assert not (settings.key_dir / KEYS_COMPLETE).exists()
        return
    load_keys(settings)
    _assert_whole(settings, but=name if how == "missing" and name in PKI_KEPT_WHEN_MISSING else None)
    assert _identity(settings) == identity


def _leftover_folder(settings: Settings) -> Path:
    leftover = settings.data_dir / f"{TEMP_FOLDER_PREFIX}crashed"
    leftover.mkdir(parents=True)
    (leftover / ROOT_CERT).write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    (leftover / ROOT_KEY).write_bytes(b"")
    return leftover


def test_the_reported_state_is_completed(settings):
    """Killed by the old version right after the root certificate: its key file empty, nothing else."""
    pki = load_keys(settings.model_copy(update={"data_dir": settings.data_dir.parent / "elsewhere"}))
    settings.key_dir.mkdir(parents=True)
    (settings.key_dir / ROOT_CERT).write_bytes(pki.trust_anchors_pem)
    (settings.key_dir / ROOT_KEY).write_bytes(b"")
    load_keys(settings)
    _assert_whole(settings)
    discarded = [p for p in settings.key_dir.iterdir() if p.name.startswith("discarded-")]
    assert [sorted(p.name for p in d.iterdir()) for d in discarded] == [[ROOT_KEY, ROOT_CERT]]


def test_an_empty_keys_folder_is_completed(settings):
    settings.key_dir.mkdir(parents=True)  # the old version was killed right after making it
    load_keys(settings)
    _assert_whole(settings)


def test_a_leftover_temporary_folder_is_removed_and_the_keys_made(settings):
    leftover = _leftover_folder(settings)
    load_keys(settings)
    assert not leftover.exists()
    _assert_whole(settings)


def test_a_leftover_beside_a_whole_folder_is_removed_and_nothing_else_changes(settings):
    load_keys(settings)
    identity = _identity(settings)
    leftover = _leftover_folder(settings)
    half_file = settings.key_dir / f".{SIGNING_KEY}.x1y2.tmp"
    half_file.write_bytes(b"")
    load_keys(settings)
    assert not leftover.exists() and not half_file.exists()
    assert _identity(settings) == identity


@pytest.mark.parametrize(("name", "how"), [
    (LOG_KEY, "missing"),  # the old code made a new key here: a fork of the log
    (LOG_KEY, "empty"),
    (ROOT_CERT, "missing"),
    (SIGNING_CHAIN, "empty"),
    (INTERMEDIATE_CERT, "missing"),
], ids=lambda value: value)
def test_a_complete_folder_that_lost_a_file_is_refused_naming_it(settings, name, how):
    load_keys(settings)
    _damage(settings.key_dir / name, how)
    with pytest.raises(IntegrityError, match=rf"{name} is {how} .*restore it from a backup"):
        load_keys(settings)


@pytest.mark.parametrize("name", [TSA_KEY, TSA_CERT, LOG_VKEY])
def test_a_complete_folder_remakes_what_is_derived(settings, name):
    load_keys(settings)
    identity = _identity(settings)
    (settings.key_dir / name).unlink()
    load_keys(settings)
    _assert_whole(settings)
    assert _identity(settings) == identity


def test_a_missing_keys_folder_beside_a_signed_log_is_refused(settings):
    Registry.open(settings).close()  # the empty tree's checkpoint is signed with the log key
    os.rename(settings.key_dir, settings.data_dir / "lost-keys")
    with pytest.raises(IntegrityError, match="does not exist, but the database holds a log .* fork"):
        load_keys(settings)
    assert not settings.key_dir.exists()


def test_a_database_that_cannot_be_asked_is_refused(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url="postgresql+psycopg://nobody@127.0.0.1:9/none")
    settings.key_dir.mkdir(parents=True)
    (settings.key_dir / LOG_VKEY).write_bytes(b"")
    with pytest.raises(IntegrityError, match="cannot say whether it holds a log"):
        load_keys(settings)


def test_first_starts_at_once_agree_on_one_set_of_keys(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    with ThreadPoolExecutor(4) as pool:
        vkeys = set(pool.map(lambda _: load_keys(settings).log_vkey, range(4)))
    assert len(vkeys) == 1
    assert sorted(p.name for p in tmp_path.joinpath("data").iterdir()) == ["keys", "keys.lock"]


def test_the_cli_completes_or_refuses_in_one_line(tmp_path):
    """Through `python -m web.cli` itself: exit 0, or exit 1 with one `error:` line, never a traceback."""
    folder = tmp_path / "data"
    (folder / "keys").mkdir(parents=True)
    (folder / "keys" / ROOT_KEY).write_bytes(b"")
    completed = _cli_in_subprocess("register", str(ARTICLE), "--model", "m", "--data-dir", str(folder))
    assert completed.returncode == 0, completed.stderr
    (folder / "keys" / KEYS_COMPLETE).unlink()
    (folder / "keys" / LOG_KEY).write_bytes(b"")
    refused = _cli_in_subprocess("log", "fsck", "--data-dir", str(folder))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("error: ")
    assert "log-checkpoint.skey is empty" in refused.stderr


# -- kill -9 during the first start --------------------------------------------------------------


def _environment() -> dict[str, str]:
    """The test's environment without AIGC_REGISTRY_* settings that would point elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AIGC_REGISTRY_")}


def _cli_in_subprocess(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=_environment(),
                          capture_output=True, text=True, timeout=120, check=False)


def _register_in_subprocess(folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "web.cli", "register", str(ARTICLE), "--model", "m",
                             "--data-dir", str(folder)], cwd=REPO, env=_environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen, timeout: float = 120.0) -> float:
    """The time `condition` first held (or the process ended), polling every POLL_SECONDS."""
    deadline = time.monotonic() + timeout
    while not condition() and process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"nothing happened within {timeout} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic()


@pytest.fixture(scope="module")
def key_creation_seconds(tmp_path_factory: pytest.TempPathFactory) -> float:
    """From the data folder appearing (Registry.open makes it just before the keys) to the keys being
    in place (the checkpoint key is among the last written, by this version and the ones before)."""
    folder = tmp_path_factory.mktemp("calibrate") / "data"
    process = _register_in_subprocess(folder)
    started = _wait_for(folder.exists, process)
    created = _wait_for(lambda: (folder / "keys" / LOG_KEY).exists(), process)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr.decode()
    return created - started


def _kill_during_first_start(folder: Path, delay: float) -> str:
    """Start the first registration into `folder`, SIGKILL it `delay` s after the folder appears;
    what it left in the folder."""
    process = _register_in_subprocess(folder)
    _wait_for(folder.exists, process)
    time.sleep(delay)
    process.kill()
    process.communicate(timeout=120)
    if not folder.exists():
        return "nothing"
    left = {TEMP_FOLDER_PREFIX + "*" if p.name.startswith(TEMP_FOLDER_PREFIX) else p.name for p in folder.iterdir()}
    return "+".join(sorted(left)) or "an empty folder"


def _cli(*args: str) -> tuple[int, str]:
    """`aigc-registry ARGS` in this process: its exit status and what it printed to stderr.
    An exception escaping `main` is what a traceback would be; it is returned, not raised."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            status = main(list(args))
    except Exception as e:  # noqa: BLE001 - the finding is that one escaped
        return -1, f"Traceback: {type(e).__name__}: {e}"
    return status, stderr.getvalue()


def _unusable(folder: Path) -> str | None:
    """None when a second registration and `log fsck` work in `folder`, else what went wrong."""
    status, stderr = _cli("register", str(ARTICLE), "--model", "m", "--data-dir", str(folder))
    if status not in (0, 1) or (status == 1 and "already registered" not in stderr) or "Traceback" in stderr:
        return f"register: exit {status}: {stderr.strip()}"
    status, stderr = _cli("log", "fsck", "--data-dir", str(folder))
    if status != 0:
        return f"log fsck: exit {status}: {stderr.strip()}"
    return None


def test_kill_during_first_start_leaves_every_folder_usable(tmp_path, monkeypatch, key_creation_seconds):
    for name in [k for k in os.environ if k.startswith("AIGC_REGISTRY_")]:
        monkeypatch.delenv(name)
    window = key_creation_seconds * 2 + 0.010  # the window (measured alone, slower two at a time) and some
    delays = [random.Random(SEED + trial).uniform(0, window) for trial in range(KILL_TRIALS)]
    folders = [tmp_path / f"trial-{trial:02d}" for trial in range(KILL_TRIALS)]
    with ThreadPoolExecutor(PARALLEL) as pool:  # the verification below runs in this thread
        left = list(pool.map(_kill_during_first_start, folders, delays))
    findings = {f"{folder.name} (killed at +{delay * 1000:.1f} ms, left {what})": problem
                for folder, delay, what in zip(folders, delays, left, strict=True)
                if (problem := _unusable(folder))}
    print(f"\n{KILL_TRIALS} kills over {window * 1000:.1f} ms (keys took {key_creation_seconds * 1000:.1f} ms), "
          f"leaving {dict(Counter(left))}: {KILL_TRIALS - len(findings)} folders usable")
    assert findings == {}, f"{len(findings)} of {KILL_TRIALS} folders unusable"


def test_the_keys_docstring_example_runs():
    import doctest

    import registry.keys

    assert doctest.testmod(registry.keys, optionflags=doctest.ELLIPSIS).failed == 0
