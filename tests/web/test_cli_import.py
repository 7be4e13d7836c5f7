"""`aigc-registry import`: an archive registered at once, end to end through the command, on SQLite and
PostgreSQL: one work, log entry and verifiable receipt per article; bad files reported and skipped;
duplicates refused; a re-run skips what is registered."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from ..conftest import SAMPLES

ARTICLES = SAMPLES / "articles"
ORIGINALS = ("calder-valley-storm", "tidepool-snail-study", "bolan-lantern-festival", "ashby-mill-food-incubator",
             "chengzhou-ai-labelling-explainer", "shuangqiao-derby-report")


def _archive(tmp_path):
    """Six articles (two in a subfolder, one as Markdown, one as HTML), a copy of one, two bad files and
    files a folder does not contribute (hidden, not an article suffix, sidecars)."""
    archive = tmp_path / "archive"
    (archive / "2025" / "june").mkdir(parents=True)
    (archive / ".drafts").mkdir()
    for name in ORIGINALS[:4]:
        shutil.copyfile(ARTICLES / f"{name}.txt", archive / f"{name}.txt")
    (archive / "2025" / "june" / "explainer.md").write_text(
        "# " + (ARTICLES / f"{ORIGINALS[4]}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    paragraphs = (ARTICLES / f"{ORIGINALS[5]}.txt").read_text(encoding="utf-8").split("\n\n")
    (archive / "2025" / "june" / "derby.html").write_text(
        "<html><head><style>p{color:red}</style><script>var tracking = 1;</script></head><body>"
        + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>", encoding="utf-8")
    shutil.copyfile(ARTICLES / f"{ORIGINALS[0]}.txt", archive / "2025" / "storm-again.txt")  # same bytes
    (archive / "empty.txt").write_text("")
    (archive / "scan.txt").write_bytes(b"\x00\x01\x02binary" * 100)
    (archive / ".drafts" / "draft.txt").write_text("A hidden draft that must not be imported.\n")
    (archive / "cover.pdf").write_bytes(b"%PDF-1.4 not an article")
    return archive


def test_import_registers_an_archive_with_a_receipt_each(cli, tmp_path):
    archive = _archive(tmp_path)
    done = cli("import", str(archive), "--model", "newsroom-llm", "--model-version", "4", "--jobs", "2",
               "--write-sidecars", "--json", expect=1)  # two bad files
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    files = sorted(line["file"] for line in lines)
    assert len(lines) == 6, done.stderr
    assert not any(".drafts" in f or f.endswith(".pdf") for f in files)
    assert sorted({line["log_index"] for line in lines}) == list(range(6))  # one entry each, none lost
    assert all(line["kind"] == "article" and line["receipt"].startswith("c2sp.org/tlog-proof@v1\n") for line in lines)
    # the copy of an earlier file, whichever came second, is refused as already registered
    storm = [f for f in files if f.endswith(("calder-valley-storm.txt", "storm-again.txt"))]
    assert len(storm) == 1
    assert "already registered" in done.stderr
    assert f"error: {archive / 'empty.txt'}:" in done.stderr and f"error: {archive / 'scan.txt'}:" in done.stderr
    assert done.stderr.startswith("aigc-registry: importing 9 files with 2 worker processes\n")
    assert "imported 6 of 9 files" in done.stderr and "1 already registered, 2 failed" in done.stderr
    html = next(line for line in lines if line["file"].endswith("derby.html"))
    assert "tracking" not in html["title"]

    # each receipt verifies offline, against the file, with only the log's public key
    vkey = next((tmp_path / "home" / "keys").glob("*.vkey")).read_text().strip()
    for line in lines:
        path = line["file"]
        offline = subprocess.run(
            [sys.executable, "-m", "web.cli", "log", "verify", path + ".receipt", "--key", vkey, "--json"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "AIGC_REGISTRY_HOME": str(tmp_path / "nowhere")})
        assert offline.returncode == 0, offline.stderr
        assert json.loads(offline.stdout)["statement"]["work_id"] == line["work_id"]
    report = json.loads(cli("verify", str(archive / f"{ORIGINALS[1]}.txt"), "--json").stdout)
    assert report["verdict"] == "authentic" and report["manifest"]["state"] == "Trusted"

    # the registered works are matched as any other: an excerpt of one finds it
    excerpt = tmp_path / "excerpt.txt"
    excerpt.write_text("\n\n".join((archive / f"{ORIGINALS[2]}.txt").read_text(encoding="utf-8")
                                   .split("\n\n")[1:3]), encoding="utf-8")
    matched = json.loads(cli("match", str(excerpt), "--json").stdout)
    lantern = next(line["work_id"] for line in lines if line["file"].endswith(f"{ORIGINALS[2]}.txt"))
    assert lantern in [m["work_id"] for m in matched["matches"]]

    # a re-run (an interrupted import resumed) skips every registered file and registers nothing twice
    again = cli("import", str(archive), "--model", "newsroom-llm", "--json", expect=1)
    assert again.stdout == "" and "importing 9 files in this process" in again.stderr
    assert "imported 0 of 9 files" in again.stderr and "7 already registered, 2 failed" in again.stderr


def test_import_reports_prior_art_registered_before_it(cli, tmp_path):
    original = tmp_path / "original.txt"
    shutil.copyfile(ARTICLES / f"{ORIGINALS[3]}.txt", original)
    work = json.loads(cli("register", str(original), "--model", "m", "--json").stdout)
    archive = tmp_path / "archive"
    archive.mkdir()
    text = original.read_text(encoding="utf-8")
    (archive / "rewrite.txt").write_text("Syndicated from our partners.\n\n" + text.replace("\n\n", "\n\n\n"),
                                         encoding="utf-8")
    shutil.copyfile(ARTICLES / f"{ORIGINALS[1]}.txt", archive / "other.txt")
    done = cli("import", str(archive), "--model", "m", "--json")
    by_file = {json.loads(line)["file"]: json.loads(line) for line in done.stdout.splitlines()}
    rewrite = by_file[str(archive / "rewrite.txt")]
    assert [(m["work_id"], m["verdict"]) for m in rewrite["prior_art"]] == [(work["work_id"], "copy")]
    assert by_file[str(archive / "other.txt")]["prior_art"] == []


@pytest.mark.parametrize("before, after, needle", [
    (("--server", "http://127.0.0.1:9"), ("--model", "m"), "does not run against a server"),
    ((), (), "model is required"),
    ((), ("--model", "m", "--registrant", "nobody"), "unknown registrant 'nobody'"),
    ((), ("--model", "m", "--embargo-until", "soon"), "embargo_until must be an ISO date"),
    ((), ("--model", "m", "--jobs", "-1"), "--jobs must be at least 1"),
], ids=["server", "no-model", "unknown-registrant", "bad-embargo", "bad-jobs"])
def test_import_refuses_what_every_file_would_fail_in_one_line(cli, tmp_path, before, after, needle):
    shutil.copyfile(ARTICLES / f"{ORIGINALS[0]}.txt", tmp_path / "a.txt")
    done = cli(*before, "import", str(tmp_path / "a.txt"), *after, expect=1)
    assert done.stderr.startswith("error: ") and needle in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    registered = cli("import", str(tmp_path / "a.txt"), "--model", "m", "--json")  # nothing was stored before
    assert json.loads(registered.stdout)["log_index"] == 0


def test_import_refuses_a_missing_path_and_a_metadata_title(cli, tmp_path):
    missing = cli("import", str(tmp_path / "nowhere"), "--model", "m", expect=1)
    assert missing.stderr == f"error: {tmp_path / 'nowhere'}: no such file or folder\n"
    metadata = tmp_path / "meta.json"
    metadata.write_text(json.dumps({"model": "m", "title": "One title for all"}))
    shutil.copyfile(ARTICLES / f"{ORIGINALS[0]}.txt", tmp_path / "a.txt")
    titled = cli("import", str(tmp_path / "a.txt"), "--metadata", str(metadata), expect=1)
    assert "titles each article by its first line" in titled.stderr
    (tmp_path / "empty").mkdir()
    nothing = cli("import", str(tmp_path / "empty"), "--model", "m", expect=1)
    assert "no article files to import" in nothing.stderr
