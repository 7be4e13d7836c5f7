"""`aigc-registry --server URL`: the command line as a client of a real served registry, on SQLite
and PostgreSQL.

One `serve` subprocess per database for the module (`served`). Its organisation and API keys come
from the local admin commands on the same data folder and database, run in process before the
server starts (and a revocation while it runs); every remote command runs in a subprocess with
AIGC_REGISTRY_SERVER and AIGC_REGISTRY_API_KEY, as a user would.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from registry.accounts.api_keys import KEY_CACHE_SECONDS
from web.cli import main
from web.client import API_KEY_ENV, SERVER_ENV

from ..conftest import SAMPLES, database_for

ARTICLES = SAMPLES / "articles"
ORG = "Harbour Gazette"  # its payee party has its name
TODAY = datetime.now(timezone.utc).date().isoformat()  # the server's today: revenue may not be in the future


def _local(database_url: str, *args: str) -> str:
    """One local-mode command in process (the operator on the data folder); its stdout."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIGC_REGISTRY_DATABASE_URL", database_url)
        patch.delenv(SERVER_ENV, raising=False)
        with contextlib.redirect_stdout(out):
            assert main(list(args)) == 0
    return out.getvalue()


@dataclass
class Served:
    url: str
    data_dir: Path
    database_url: str
    keys: dict[str, dict]  # label -> `admin key issue --json`
    files: Path  # a folder for the files the commands read and write

    def cli(self, *args: str, key: str | None = "owner", expect: int = 0) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in (API_KEY_ENV, "AIGC_REGISTRY_DATABASE_URL")}
        env[SERVER_ENV] = self.url
        if key is not None:
            env[API_KEY_ENV] = self.keys[key]["key"]
        done = subprocess.run([sys.executable, "-m", "web.cli", *args], capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == expect, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def copy(self, name: str, new_name: str | None = None) -> Path:
        return Path(shutil.copyfile(ARTICLES / name, self.files / (new_name or name)))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """conftest's `database_url`, for the whole module: one fresh SQLite file or PostgreSQL schema."""
    with database_for(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("data")
    _local(database, "admin", "org", "create", ORG, "--kind", "newsroom", "--data-dir", str(data_dir))
    keys = {role: json.loads(_local(database, "admin", "key", "issue", "--org", ORG, "--role", role, "--json",
                                    "--data-dir", str(data_dir)))
            for role in ("owner", "viewer")}
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in (SERVER_ENV, API_KEY_ENV)}
    env["AIGC_REGISTRY_DATABASE_URL"] = database
    server = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--data-dir", str(data_dir), "--port",
                               str(port), "--no-samples"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"serve exited {server.returncode}: {server.communicate()[1]}"
            try:
                if httpx.get(f"{url}/log/checkpoint", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer GET /log/checkpoint within 60 s"
            time.sleep(0.2)
        yield Served(url, data_dir, database, keys, tmp_path_factory.mktemp("files"))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def registered(served: Served) -> dict:
    """An article registered remotely with --write-sidecars: `register --json`'s object."""
    article = served.copy("heling-tea-harvest-machines.txt", "tea.txt")
    return json.loads(served.cli("register", str(article), "--metadata",
                                 str(ARTICLES / "heling-tea-harvest-machines.json"), "--write-sidecars",
                                 "--json").stdout)


@pytest.fixture(scope="module")
def local_registration(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same command in local mode, on a throwaway SQLite registry: the keys to expect."""
    folder = tmp_path_factory.mktemp("local")
    article = Path(shutil.copyfile(ARTICLES / "calder-valley-storm.txt", folder / "storm.txt"))
    return json.loads(_local(f"sqlite:///{folder / 'r.sqlite3'}", "register", str(article), "--model", "claude",
                             "--json", "--data-dir", str(folder / "data")))


def test_register_prints_what_local_mode_prints_and_writes_the_sidecars(served, registered, local_registration):
    assert set(registered) == set(local_registration)
    assert registered["file"] == str(served.files / "tea.txt") and registered["kind"] == "article"
    assert (served.files / "tea.txt.c2pa").stat().st_size > 0
    assert (served.files / "tea.txt.receipt").read_text() == registered["receipt"]

    brief = served.copy("heling-tea-harvest-brief.txt")
    human = served.cli("register", str(brief), "--model", "claude", "--parent", registered["work_id"]).stdout
    assert human.startswith(f"{brief}: registered as ") and f"prior art: {registered['work_id']}" in human


def test_several_files_go_on_after_a_refused_one(served, registered):
    again, fresh = served.files / "tea.txt", served.copy("water-main-upgrade.txt")
    done = served.cli("register", str(again), str(fresh), "--model", "claude", "--json", expect=1)
    assert [json.loads(line)["file"] for line in done.stdout.splitlines()] == [str(fresh)]
    refused = done.stderr.strip().splitlines()
    assert len(refused) == 1 and refused[0].startswith(f"error: {again}: ") and "already registered" in refused[0]


def test_an_image_registers_as_a_job_and_its_signed_copy_verifies(served):
    still = Path(shutil.copyfile(SAMPLES / "media" / "market-street-still.jpg", served.files / "still.jpg"))
    image = json.loads(served.cli("register", str(still), "--model", "veo", "--write-sidecars", "--json").stdout)
    assert image["kind"] == "image" and (served.files / "still.jpg.c2pa").exists()
    signed = served.files / "still.signed.jpg"  # streamed from GET /api/v1/works/{id}/signed
    report = json.loads(served.cli("verify", str(signed), "--json").stdout)
    assert report["verdict"] == "authentic" and report["registration"]["work_id"] == image["work_id"]


def test_match_finds_the_registered_article(served, registered):
    paragraphs = (ARTICLES / "heling-tea-harvest-machines.txt").read_text(encoding="utf-8").split("\n\n")
    excerpt = served.files / "excerpt.txt"
    excerpt.write_text("转载自某网站。\n\n" + "\n\n".join(paragraphs[2:4]), encoding="utf-8")
    found = json.loads(served.cli("match", str(excerpt), "--json").stdout)
    assert found["file"] == str(excerpt) and registered["work_id"] in [m["work_id"] for m in found["matches"]]


def test_verify_exits_0_for_the_registered_article_and_3_for_an_unregistered_text(served, registered):
    tea = served.files / "tea.txt"  # its sidecar tea.txt.c2pa is sent as the manifest
    human = served.cli("verify", str(tea), "--receipt", f"{tea}.receipt", key=None).stdout  # public: no key needed
    assert human.startswith(f"{tea}: authentic") and "manifest (sidecar): Trusted" in human
    assert f"registration: {registered['work_id']}" in human
    assert f"log: entry {registered['log_index']} proof verified" in human

    unknown = served.files / "unknown.txt"
    unknown.write_text("Nothing registered reads like this sentence about a quiet harbour at dawn.\n")
    report = json.loads(served.cli("verify", str(unknown), "--json", expect=3).stdout)
    assert report["file"] == str(unknown) and report["verdict"] == "unregistered"


def test_history(served, registered):
    human = served.cli("history", registered["work_id"]).stdout
    assert human.startswith(f"{registered['work_id']} {registered['title']!r} (article, ")


def test_a_videos_segments_list_remotely_and_an_articles_are_refused(served, registered):
    clip = Path(shutil.copyfile(SAMPLES / "media" / "harbour-drone-pass.mp4", served.files / "harbour.mp4"))
    video = json.loads(served.cli("register", str(clip), "--model", "veo", "--json").stdout)
    listing = json.loads(served.cli("segments", video["work_id"], "--json").stdout)
    assert [s["id"] for s in listing["segments"]][0] == f"{video['work_id']}/s/0"
    assert listing["segment_count"] == len(listing["segments"])
    refused = served.cli("segments", registered["work_id"], expect=1)
    assert "only videos have segments" in refused.stderr


def test_split_sheet_revenue_and_statement(served, registered):
    work = registered["work_id"]
    assert json.loads(served.cli("party", "add", "Ann", "--kind", "person").stdout)["organisation"] == ORG
    proposed = json.loads(served.cli("sheet", "propose", work, "--party", f"{ORG}=creator:6000 bps",
                                     "--party", "Ann=editor:4000 bps", "--effective-from", TODAY).stdout)
    assert proposed["missing"] == sorted([ORG, "Ann"])
    amendment = str(proposed["amendment_id"])
    served.cli("sheet", "sign", amendment, "--party", ORG)  # the owner's key signs for both its parties
    assert json.loads(served.cli("sheet", "sign", amendment, "--party", "Ann").stdout)["status"] == "adopted"

    paid = json.loads(served.cli("revenue", "record", work, "1.00", "USD", "--earned-on", TODAY).stdout)
    assert {line["party"]: line["amount_minor"] for line in paid["payout"]["lines"]} == {ORG: 60, "Ann": 40}
    csv = served.cli("statement", ORG, "--from", TODAY, "--to", TODAY, "--csv").stdout
    assert csv.startswith("earned_on,") and len(csv.splitlines()) == 2

    reversed_ = json.loads(served.cli("revenue", "reverse", str(paid["entry_id"]), "--reason", "wrong currency").stdout)
    assert reversed_["kind"] == "reversal" and reversed_["reason"] == "wrong currency"
    ledger = json.loads(served.cli("revenue", "ledger", work).stdout)
    assert [(e["kind"], e["reverses"]) for e in ledger] == [("reversal", paid["entry_id"]), ("revenue", None)]

    again = json.loads(served.cli("sheet", "propose", work, "--party", f"{ORG}=creator:1/1").stdout)
    assert json.loads(served.cli("sheet", "withdraw", str(again["amendment_id"])).stdout)["status"] == "withdrawn"


def test_no_key_says_to_set_it(served, registered):
    done = served.cli("register", str(served.copy("tidepool-snail-study.txt")), "--model", "m", key=None, expect=1)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and API_KEY_ENV in lines[0], done.stderr


def test_a_revoked_key_is_refused(served):
    assert json.loads(served.cli("party", "list", key="viewer").stdout)  # the organisation's party, at least
    _local(served.database_url, "admin", "key", "revoke", served.keys["viewer"]["key_id"], "--data-dir",
           str(served.data_dir))
    time.sleep(KEY_CACHE_SECONDS)  # revoked in another process: the server stops accepting it within this time
    done = served.cli("party", "list", key="viewer", expect=1)
    assert done.stderr.startswith("error: ") and "revoked" in done.stderr and API_KEY_ENV in done.stderr


def test_an_unreachable_server_is_named():
    closed = f"http://127.0.0.1:{_free_port()}"
    done = subprocess.run([sys.executable, "-m", "web.cli", "--server", closed, "history", "W"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.startswith(f"error: cannot reach the registry at {closed}")


NOWHERE = "http://127.0.0.1:9"  # never contacted: these are refused before any call


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--server", NOWHERE, "admin", "key", "list"], "`admin key list` does not run against a server"),
        (["--server", NOWHERE, "log", "fsck"], "`log fsck` does not run against a server"),
        (["--server", NOWHERE, "serve"], "`serve` does not run against a server"),
        (["--server", NOWHERE, "register", "x.txt", "--model", "m", "--data-dir", "d"],
         "--data-dir names a local registry"),
        (["--server", "127.0.0.1:8000", "register", "x.txt", "--model", "m"], "wants the registry's base URL"),
    ],
    ids=["admin", "log-fsck", "serve", "data-dir-with-server", "not-a-url"],
)
def test_server_where_it_does_not_belong_is_one_clear_error(args, needle):
    done = subprocess.run([sys.executable, "-m", "web.cli", *args], capture_output=True, text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and needle in lines[0], done.stderr


def test_local_only_commands_ignore_the_environment_and_say_so(tmp_path, capsys):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SERVER_ENV, NOWHERE)
        patch.delenv("AIGC_REGISTRY_DATABASE_URL", raising=False)
        (tmp_path / "data").mkdir()
        assert main(["migrate", "--data-dir", str(tmp_path / "data")]) == 0
    assert f"{SERVER_ENV} ignored: `migrate` works on the local data folder" in capsys.readouterr().err


def test_the_verdict_the_cli_names_is_the_registrys():
    from registry.verification import AUTHENTIC
    from web import cli

    assert cli.AUTHENTIC == AUTHENTIC
