"""End to end through the `aigc-registry` command in a real subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from ..conftest import SAMPLES, steady_utc_today

ARTICLES = SAMPLES / "articles"


def test_register_match_verify(cli, tmp_path):
    parent_meta = ARTICLES / "heling-tea-harvest-machines.json"
    registered = cli("register", str(ARTICLES / "heling-tea-harvest-machines.txt"), "--metadata", str(parent_meta),
                     "--json")
    work = json.loads(registered.stdout)
    assert set(work) >= {"file", "work_id", "kind", "sha256", "log_index", "receipt", "prior_art"}

    # a derivative, with flags instead of a metadata file; its prior art is its parent
    child = json.loads(cli("register", str(ARTICLES / "heling-tea-harvest-brief.txt"), "--model", "claude",
                           "--model-version", "sample-2026-11", "--dataset", "https://dumps.wikimedia.org/",
                           "--parent", work["work_id"], "--json").stdout)
    assert [p["work_id"] for p in child["prior_art"]] == [work["work_id"]]

    excerpt = tmp_path / "excerpt.txt"
    paragraphs = (ARTICLES / "heling-tea-harvest-machines.txt").read_text(encoding="utf-8").split("\n\n")
    excerpt.write_text("转载自某网站。\n\n" + "\n\n".join(paragraphs[2:4]), encoding="utf-8")
    matches = json.loads(cli("match", str(excerpt), "--json").stdout)
    assert matches["file"] == str(excerpt)
    # the derivative reuses these paragraphs verbatim, so it may match as well as the original
    assert work["work_id"] in [m["work_id"] for m in matches["matches"]]

    copy = tmp_path / "copy.txt"
    copy.write_bytes((ARTICLES / "heling-tea-harvest-machines.txt").read_bytes())
    receipt = tmp_path / "copy.receipt"
    receipt.write_text(work["receipt"])
    report = json.loads(cli("verify", str(copy), "--receipt", str(receipt), "--json").stdout)
    assert report["verdict"] == "authentic"
    assert report["manifest"]["state"] == "Trusted"

    tampered = tmp_path / "tampered.txt"
    tampered.write_text(copy.read_text(encoding="utf-8").replace("茶", "菜", 1), encoding="utf-8")
    report = json.loads(cli("verify", str(tampered), "--receipt", str(receipt), "--json", expect=3).stdout)
    assert report["verdict"] != "authentic"


def test_write_sidecars_then_verify_detects_tampering(cli, tmp_path):
    article = tmp_path / "storm.txt"
    article.write_bytes((ARTICLES / "calder-valley-storm.txt").read_bytes())
    cli("register", str(article), "--model", "claude", "--write-sidecars")
    assert (tmp_path / "storm.txt.c2pa").exists() and (tmp_path / "storm.txt.receipt").exists()
    human = cli("verify", str(article)).stdout
    assert "authentic" in human and "Trusted" in human
    article.write_text(article.read_text() + "One more sentence slipped in.\n")
    assert "tampered" in cli("verify", str(article), expect=3).stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["register", "missing.txt", "--model", "m"], "No such file"),
        (["register", str(ARTICLES / "calder-valley-storm.txt")], "model is required"),
        (["register", str(ARTICLES / "calder-valley-storm.txt"), "--model", "m", "--parent", "X"], "unknown parent"),
        (["match", "missing.txt"], "No such file"),
    ],
    ids=["missing-file", "no-model", "unknown-parent", "match-missing-file"],
)
def test_errors_are_one_clear_line_and_exit_1(cli, args, needle):
    done = cli(*args, expect=1)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], done.stderr


def test_binary_file_is_refused(cli, tmp_path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(500))
    done = cli("register", str(binary), "--model", "m", expect=1)
    assert done.stderr.startswith("error: ")
    assert json.loads(cli("match", str(ARTICLES / "calder-valley-storm.txt"), "--json").stdout)["matches"] == []


def _zone_on_another_day() -> str:
    """A POSIX TZ whose local date is not today's UTC date (UTC+14 after 10:00 UTC, else UTC-12)."""
    return "Etc/GMT-14" if datetime.now(timezone.utc).hour >= 10 else "Etc/GMT+12"


def test_revenue_commands(cli, tmp_path):
    work = json.loads(cli("register", str(ARTICLES / "bolan-lantern-festival.txt"), "--model", "claude",
                          "--json").stdout)["work_id"]
    for name in ("Ann", "Bo"):
        cli("party", "add", name)
    # the default dates are the registry's (UTC) today, even where this machine's clock shows another day
    zone = _zone_on_another_day()
    amendment = json.loads(cli("sheet", "propose", work, "--party", "Ann=creator:2/3",
                               "--party", "Bo=editor:1/3", TZ=zone).stdout)
    assert amendment["effective_from"] == steady_utc_today().isoformat()
    cli("sheet", "sign", str(amendment["amendment_id"]), "--party", "Ann")
    assert json.loads(cli("sheet", "sign", str(amendment["amendment_id"]), "--party", "Bo").stdout)["status"] == "adopted"
    paid = json.loads(cli("revenue", "record", work, "0.10", "EUR", TZ=zone).stdout)
    assert {l["party"]: l["amount_minor"] for l in paid["payout"]["lines"]} == {"Ann": 7, "Bo": 3}
    csv = cli("statement", "Ann", "--from", "2000-01-01", "--to", "2100-01-01", "--csv").stdout
    assert csv.splitlines()[1].split(",")[7] == "7"
    done = cli("revenue", "record", work, "0.001", "EUR", expect=1)
    assert done.stderr.startswith("error: ") and "decimal" in done.stderr


def test_log_verify_checks_a_receipt_offline(cli, tmp_path):
    article = tmp_path / "snail.txt"
    article.write_bytes((ARTICLES / "tidepool-snail-study.txt").read_bytes())
    cli("register", str(article), "--model", "claude", "--write-sidecars")
    vkey = next((tmp_path / "home" / "keys").glob("*.vkey")).read_text().strip()
    offline = {**os.environ, "AIGC_REGISTRY_HOME": str(tmp_path / "nowhere"),
               "AIGC_REGISTRY_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}  # unusable on purpose

    def log_verify(*args, expect=0):
        done = subprocess.run([sys.executable, "-m", "web.cli", "log", "verify", *args], capture_output=True,
                              text=True, env=offline, timeout=60)
        assert done.returncode == expect, done.stderr
        return done

    report = json.loads(log_verify(str(article) + ".receipt", "--key", vkey, "--file", str(article), "--json").stdout)
    assert report["file_matches"] and report["statement"]["kind"] == "article"
    other = log_verify(str(article) + ".receipt", "--key", vkey, "--file", str(ARTICLES / "calder-valley-storm.txt"),
                       expect=1)
    assert "other content" in other.stderr
    forged = tmp_path / "forged.receipt"
    forged.write_text((tmp_path / "snail.txt.receipt").read_text().replace("index 0", "index 1"))
    assert log_verify(str(forged), "--key", vkey, expect=1).stderr.startswith("error: ")
    assert not (tmp_path / "nowhere").exists()


def test_log_fsck_passes_then_names_a_corruption(cli, tmp_path, database_url):
    import sqlalchemy

    cli("register", str(ARTICLES / "calder-valley-storm.txt"), "--model", "claude")
    cli("register", str(ARTICLES / "water-main-upgrade.txt"), "--model", "claude")
    clean = json.loads(cli("log", "fsck", "--json").stdout)
    assert clean["first_disagreement"] is None and clean["entries_checked"] == 2
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text('UPDATE log_node SET hash = :h WHERE level = 0 AND "index" = 1'),
                           {"h": bytes(32)})
    engine.dispose()
    broken = cli("log", "fsck", expect=3).stdout
    assert "first disagreement" in broken and "expected" in broken
