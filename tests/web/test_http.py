"""End to end through the real FastAPI app (httpx TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from registry.tlog.checkpoint import open_checkpoint
from registry.tlog.merkle import leaf_hash
from registry.tlog.note import NoteVerifier
from registry.tlog.receipt import Receipt, verify_receipt
from web.app import create_app

from ..conftest import SAMPLES
from .conftest import bearer, issue_key


def _register(client, slug: str, **fields):
    text = (SAMPLES / "articles" / f"{slug}.txt").read_bytes()
    meta = (SAMPLES / "articles" / f"{slug}.json").read_text()
    return client.post("/api/v1/works", files={"file": (f"{slug}.txt", text, "text/plain")},
                       data={"metadata": meta, **fields})


def test_register_read_match_verify_round_trip(client):
    response = _register(client, "water-main-upgrade")
    assert response.status_code == 201, response.text
    work = response.json()
    assert set(work) >= {"work_id", "kind", "sha256", "log_index", "receipt", "prior_art"}
    work_id = work["work_id"]

    details = client.get(f"/api/v1/works/{work_id}").json()
    assert details["provenance"]["model_name"] == "claude"
    content = client.get(f"/api/v1/works/{work_id}/content").content
    sidecar = client.get(f"/api/v1/works/{work_id}/manifest")
    assert sidecar.headers["content-type"] == "application/c2pa"
    receipt = client.get(f"/api/v1/works/{work_id}/receipt").text

    excerpt = b"\n\n".join(content.split(b"\n\n")[1:3])
    matches = client.post("/api/v1/matches", files={"file": ("suspect.txt", excerpt, "text/plain")}).json()
    assert matches["matches"][0]["work_id"] == work_id
    assert set(matches["matches"][0]) == {"work_id", "title", "kind", "score", "verdict", "suspect_coverage", "work_coverage", "passages"}
    assert set(matches["matches"][0]["passages"][0]) == {"query_start", "query_end", "work_start", "work_end",
                                                          "suspect_text_start", "suspect_text_end", "work_text_start", "work_text_end"}

    report = client.post("/api/v1/verifications", files={
        "file": ("a.txt", content, "text/plain"), "manifest": ("a.c2pa", sidecar.content),
        "receipt": ("a.receipt", receipt.encode())}).json()
    assert report["verdict"] == "authentic", report
    assert report["manifest"]["state"] == "Trusted"

    tampered = client.post("/api/v1/verifications", files={
        "file": ("a.txt", content.replace(b"water", b"wine", 1), "text/plain"),
        "manifest": ("a.c2pa", sidecar.content)}).json()
    assert tampered["verdict"] == "tampered"


def test_log_endpoints_serve_c2sp_formats(client):
    work = _register(client, "calder-valley-storm").json()
    vkey = client.get("/log/key").text.strip()
    verifier = NoteVerifier.from_vkey(vkey)
    note = client.get("/log/checkpoint").text
    checkpoint = open_checkpoint(note, verifier)
    assert checkpoint.size == 1
    level0 = client.get("/log/tile/0/000.p/1")
    assert level0.status_code == 200
    entries = client.get("/log/tile/entries/000.p/1").content
    leaf = entries[2:]
    assert level0.content == leaf_hash(leaf)
    assert verify_receipt(Receipt.from_text(work["receipt"]), leaf, verifier).size == 1


def test_a_client_at_an_older_checkpoint_still_gets_its_partial_tiles(client):
    """C2SP tlog-tiles: the partial tiles of every size the log published stay served as it grows
    (Go's sumdb/tlog client asks for the tile of the checkpoint it holds)."""
    articles = sorted((SAMPLES / "articles").glob("*.txt"))[:3]
    tiles, bundles = {}, {}
    for size, path in enumerate(articles, start=1):
        assert client.post("/api/v1/works", files={"file": (path.name, path.read_bytes())},
                           data={"model": "m"}).status_code == 201
        assert open_checkpoint(client.get("/log/checkpoint").text,
                               NoteVerifier.from_vkey(client.get("/log/key").text.strip())).size == size
        tiles[size] = client.get(f"/log/tile/0/000.p/{size}").content
        bundles[size] = client.get(f"/log/tile/entries/000.p/{size}").content
    for size in (1, 2):  # asked again at size 3: the same bytes as when the log was that size
        again = client.get(f"/log/tile/0/000.p/{size}")
        assert again.status_code == 200 and again.content == tiles[size] == tiles[3][: 32 * size]
        assert client.get(f"/log/tile/entries/000.p/{size}").content == bundles[size]
    assert client.get("/log/tile/0/000.p/4").status_code == 404  # not reached yet


@pytest.mark.parametrize(
    ("path", "status"),
    [("/log/tile/0/000.p/5", 404), ("/log/tile/0/x001/000", 404), ("/log/tile/junk", 400),
     ("/log/tile/entries/000.p/300", 400)],
    ids=["beyond-tree", "beyond-tree-deep", "malformed", "width-too-big"],
)
def test_bad_tile_paths_are_4xx(client, path, status):
    _register(client, "calder-valley-storm")
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("e.txt", b"", "text/plain")}, {"model": "m"}, 422, "invalid_input"),
        ({"file": ("b.bin", b"\x00\x01\x02" * 100, "text/plain")}, {"model": "m"}, 422, "invalid_input"),
        ({"file": ("l.txt", "caf\u00e9 ".encode("latin-1") * 50, "text/plain")}, {"model": "m"}, 422, "invalid_input"),
        ({"file": ("t.txt", b"word " * 100, "text/plain")}, {"model": "m", "parent": "nope"}, 404, "unknown_work"),
        ({"file": ("t.txt", b"word " * 100, "text/plain")}, {"metadata": "{not json"}, 422, "invalid_input"),
        ({"file": ("t.txt", b"word " * 100, "text/plain")}, {"model": "m", "registrant": "ghost"}, 403, "forbidden"),
        ({"file": ("t.txt", b"word " * 100, "text/plain")}, {"model": "m", "kind": "video"}, 415, "unsupported_media"),
    ],
    ids=["empty", "binary", "invalid-utf8", "unknown-parent", "malformed-metadata", "registrant-not-yours", "text-declared-video"],
)
def test_bad_registrations_are_4xx_and_store_nothing(client, files, data, status, code):
    before = client.get("/log/checkpoint").text
    response = client.post("/api/v1/works", files=files, data=data)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert client.get("/log/checkpoint").text == before
    assert client.get("/api/v1/works").json() == []


def test_upload_over_the_limit_is_413(settings):
    settings.max_article_bytes = 2048
    app = create_app(settings)
    with TestClient(app, headers=bearer(issue_key(app))) as client:
        response = client.post("/api/v1/works", files={"file": ("big.txt", b"a" * 5000, "text/plain")},
                               data={"model": "m"})
        assert response.status_code == 413
        assert "2048" in response.json()["error"]["message"]


def test_duplicate_registration_is_409(client):
    first = _register(client, "water-main-upgrade").json()
    again = _register(client, "water-main-upgrade")
    assert again.status_code == 409
    assert again.json()["error"]["work_id"] == first["work_id"]


def test_unknown_work_is_404(client):
    assert client.get("/api/v1/works/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_docs_and_home_page(client):
    assert client.get("/docs").status_code == 200
    assert "/api/v1/works" in client.get("/openapi.json").json()["paths"]
    assert "aigc-registry" in client.get("/").text


def test_log_api_proofs_verify_against_the_checkpoint(client):
    from registry.tlog.merkle import verify_consistency, verify_inclusion

    works = [_register(client, slug).json() for slug in ("calder-valley-storm", "water-main-upgrade", "tidepool-snail-study")]
    head = client.get("/api/v1/log").json()
    assert head["size"] == 3 and head["key"] == client.get("/log/key").text.strip()
    root = base64.b64decode(head["root_hash"])
    for work in works:
        by_index = client.get("/api/v1/log/inclusion", params={"index": work["log_index"]}).json()
        leaf_hash = base64.b64decode(by_index["leaf_hash"])
        verify_inclusion(leaf_hash, work["log_index"], 3, [base64.b64decode(h) for h in by_index["proof"]], root)
        by_hash = client.get("/api/v1/log/inclusion", params={"leaf_hash": leaf_hash.hex()}).json()
        assert by_hash["index"] == work["log_index"] and by_hash["proof"] == by_index["proof"]
    old = client.get("/api/v1/log/inclusion", params={"index": 0, "size": 1}).json()
    old_root = base64.b64decode(old["leaf_hash"])  # the root of a one-leaf tree is its leaf hash
    proof = client.get("/api/v1/log/consistency", params={"old": 1}).json()
    verify_consistency(1, 3, old_root, root, [base64.b64decode(h) for h in proof["proof"]])
    entry = client.get("/api/v1/log/entries/1").json()
    assert entry["statement"]["work_id"] == works[1]["work_id"]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/log/inclusion", {"index": -1}, 422),
        ("/api/v1/log/inclusion", {"index": 5}, 404),
        ("/api/v1/log/inclusion", {"index": 2 ** 70}, 422),
        ("/api/v1/log/inclusion", {"index": 0, "size": 9}, 404),
        ("/api/v1/log/inclusion", {}, 422),
        ("/api/v1/log/inclusion", {"leaf_hash": "zz"}, 422),
        ("/api/v1/log/inclusion", {"leaf_hash": "00" * 32}, 404),
        ("/api/v1/log/consistency", {"old": 2, "new": 1}, 422),
        ("/api/v1/log/consistency", {"old": 0, "new": 50}, 404),
        ("/api/v1/log/consistency", {"old": 50}, 404),
        ("/api/v1/log/entries/99", {}, 404),
    ],
    ids=["negative", "beyond-size", "huge", "size-beyond-log", "nothing-named", "bad-hex", "unknown-hash",
         "old-after-new", "new-beyond-log", "old-beyond-log", "unknown-entry"],
)
def test_log_api_bad_requests_are_clear_4xx(client, path, params, status):
    _register(client, "calder-valley-storm")
    _register(client, "water-main-upgrade")
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("error", {}).get("message") or body.get("detail")
