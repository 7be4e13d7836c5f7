"""A verdict per text match, through the HTTP app and the command line: a copy or an excerpt is a
"copy", another article quoting two paragraphs "shares_passages"; both coverages are reported; the
verdict filters matches; prior art at registration is labelled; only copies become claims."""

from __future__ import annotations

import json

from ..conftest import SAMPLES

WORK = SAMPLES / "articles" / "calder-valley-storm.txt"
OTHER = SAMPLES / "articles" / "ashby-mill-food-incubator.txt"


def _paragraphs(path) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for p in path.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]


def _quoting(tmp_path):  # type: ignore[no-untyped-def]
    """Another article with two of the work's paragraphs pasted into its middle: shares passages."""
    other, quoted = _paragraphs(OTHER), _paragraphs(WORK)[1:3]
    path = tmp_path / "quoting.txt"
    path.write_text("\n\n".join(other[:3] + quoted + other[3:]) + "\n", encoding="utf-8")
    return path


def _excerpt(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "excerpt.txt"
    path.write_text("\n\n".join(_paragraphs(WORK)[:3]) + "\n", encoding="utf-8")
    return path


def _match(client, path, verdict=None) -> list[dict]:  # type: ignore[no-untyped-def]
    query = {"verdict": verdict} if verdict else {}
    answer = client.post("/api/v1/matches", params=query, files={"file": (path.name, path.read_bytes())})
    assert answer.status_code == 200, answer.text
    return answer.json()["matches"]


def test_a_copy_and_a_shared_quote_are_told_apart(client, tmp_path):
    registered = client.post("/api/v1/works", files={"file": (WORK.name, WORK.read_bytes())}, data={"model": "m"})
    work_id = registered.json()["work_id"]
    (excerpt,) = _match(client, _excerpt(tmp_path))
    assert (excerpt["work_id"], excerpt["verdict"]) == (work_id, "copy")
    assert excerpt["suspect_coverage"] >= 0.9 and excerpt["work_coverage"] < 0.9  # most of the suspect is the work
    (quote,) = _match(client, _quoting(tmp_path))
    assert (quote["work_id"], quote["verdict"]) == (work_id, "shares_passages")
    assert quote["score"] == max(quote["suspect_coverage"], quote["work_coverage"]) < 0.43
    sent, work = _quoting(tmp_path).read_text(encoding="utf-8"), WORK.read_text(encoding="utf-8")
    quoted = "\n\n".join(_paragraphs(WORK)[1:3])
    first, last = sent.index(quoted), sent.index(quoted) + len(quoted)
    for passage in quote["passages"]:  # placed in the suspect as sent and in the work's text, to a word
        assert first - 20 <= passage["suspect_text_start"] < passage["suspect_text_end"] <= last + 20
        shown = work[passage["work_text_start"]:passage["work_text_end"]]
        assert shown.strip() and shown.strip() in quoted

    assert _match(client, _quoting(tmp_path), "copy") == []
    assert [m["verdict"] for m in _match(client, _quoting(tmp_path), "shares_passages")] == ["shares_passages"]
    assert [m["verdict"] for m in _match(client, _excerpt(tmp_path), "copy")] == ["copy"]
    refused = client.post("/api/v1/matches", params={"verdict": "maybe"},
                          files={"file": ("e.txt", _excerpt(tmp_path).read_bytes())})
    assert refused.status_code == 422

    later = client.post("/api/v1/works", files={"file": ("quoting.txt", _quoting(tmp_path).read_bytes())},
                        data={"model": "m"}).json()
    assert [(p["work_id"], p["verdict"]) for p in later["prior_art"]] == [(work_id, "shares_passages")]


def test_only_copies_become_claims(settings, tmp_path):
    from fastapi.testclient import TestClient

    from web.app import create_app

    from .conftest import bearer, issue_key

    app = create_app(settings.model_copy(update={"claim_threshold": 0.05, "webhook_sender": False}))
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        client.post("/api/v1/works", files={"file": (WORK.name, WORK.read_bytes())}, data={"model": "m"})
        quoted = client.post("/api/v1/claims", files={"file": ("q.txt", _quoting(tmp_path).read_bytes())}).json()
        assert quoted["claims"] == [] and [m["verdict"] for m in quoted["matches"]] == ["shares_passages"]
        copied = client.post("/api/v1/claims", files={"file": ("e.txt", _excerpt(tmp_path).read_bytes())}).json()
        assert len(copied["claims"]) == 1


def test_the_command_line_filters_and_labels(cli, tmp_path):
    assert cli("register", str(WORK), "--model", "m").returncode == 0
    labelled = cli("match", str(_quoting(tmp_path)))
    assert labelled.returncode == 0 and "shares passages (suspect" in labelled.stdout
    filtered = cli("match", str(_quoting(tmp_path)), "--verdict", "copy", "--json")
    assert json.loads(filtered.stdout)["matches"] == []
