"""The C2PA Soft Binding Resolution API (/c2pa/v1) through the real HTTP app: a stripped and
resized image, a re-encoded video and an edited article each resolve to their work's manifest, by
content and by the binding value their manifest's c2pa.soft-binding assertion carries; the manifest
comes back by its id; other organisations' unpublished works only as "a match exists"."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from provenance import _c2pa
from provenance.jumbf import active_manifest_label, manifest_labels

from ..conftest import SAMPLES
from .conftest import bearer, issue_key, post_work

MEDIA = SAMPLES / "media"
ARTICLE = SAMPLES / "articles" / "calder-valley-storm.txt"
OTHER_ARTICLE = SAMPLES / "articles" / "tidepool-snail-study.txt"
VIDEO_ALG, TEXT_ALG = "org.aigc-registry.video-dct64-v1", "org.aigc-registry.text-winnow-v2"


def _store_json(client, work: dict) -> dict:  # type: ignore[no-untyped-def]
    """The work's manifest store as c2pa reads it (the registered copy's, for media)."""
    store = client.get(f"/api/v1/works/{work['work_id']}/manifest").content
    if work["kind"] == "article":
        content = client.get(f"/api/v1/works/{work['work_id']}/content").content
        return _c2pa.read_detached(content, store, _c2pa.reader_settings(None))[0]
    signed = client.get(f"/api/v1/works/{work['work_id']}/signed")
    return _c2pa.read_asset(io.BytesIO(signed.content), signed.headers["content-type"], _c2pa.reader_settings(None))


def _binding(client, work: dict) -> dict:  # type: ignore[no-untyped-def]
    return _c2pa.assertion_data(_c2pa.active_manifest(_store_json(client, work)), "c2pa.soft-binding")


def _stripped_resized_image(tmp_path: Path) -> Path:
    with Image.open(MEDIA / "market-street-still.jpg") as image:
        smaller = image.convert("RGB").resize((image.width * 3 // 5, image.height * 3 // 5), Image.LANCZOS)
    path = tmp_path / "copy.jpg"
    smaller.save(path, "JPEG", quality=70)  # a new file: no manifest, no metadata
    return path


def _reencoded_video(tmp_path: Path) -> Path:
    capture = cv2.VideoCapture(str(MEDIA / "harbour-drone-pass.mp4"))
    fps = capture.get(cv2.CAP_PROP_FPS)
    path = tmp_path / "copy.mp4"
    writer = None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frame = cv2.resize(frame, (frame.shape[1] * 3 // 4 // 2 * 2, frame.shape[0] * 3 // 4 // 2 * 2))
        if writer is None:
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (frame.shape[1], frame.shape[0]))
        writer.write(frame)
    capture.release()
    writer.release()
    return path


def _edited_article() -> bytes:
    text = ARTICLE.read_text(encoding="utf-8")
    words = text.split(" ")
    for at in range(7, len(words), 23):  # a word changed every 23
        words[at] = words[at].upper()
    return ("UPDATED 14:05 - reporting by our staff\n\n" + " ".join(words)).encode()


@pytest.fixture
def works(client):  # type: ignore[no-untyped-def]
    registered = {}
    for kind, path in (("image", MEDIA / "market-street-still.jpg"), ("video", MEDIA / "harbour-drone-pass.mp4"),
                       ("article", ARTICLE)):
        response = post_work(client, path)
        assert response.status_code == 201, response.text
        registered[kind] = response.json()
    return registered


def _manifest_id(client, work: dict) -> str:  # type: ignore[no-untyped-def]
    return active_manifest_label(client.get(f"/api/v1/works/{work['work_id']}/manifest").content)


def test_supported_algorithms_are_the_registrys_fingerprints_and_the_iscc(anonymous):
    response = anonymous.get("/c2pa/v1/services/supportedAlgorithms")
    assert response.status_code == 200
    assert response.json() == {"watermarks": [], "fingerprints": [{"alg": VIDEO_ALG}, {"alg": TEXT_ALG},
                                                                  {"alg": "io.iscc.v0"}]}


def test_copies_resolve_by_content_to_their_manifest(client, anonymous, works, tmp_path):
    copies = {"image": (_stripped_resized_image(tmp_path).read_bytes(), "image/jpeg"),
              "video": (_reencoded_video(tmp_path).read_bytes(), "video/mp4"),
              "article": (_edited_article(), "text/plain; charset=utf-8")}
    for kind, (data, content_type) in copies.items():
        response = anonymous.post("/c2pa/v1/matches/byContent", content=data, headers={"Content-Type": content_type})
        assert response.status_code == 200, (kind, response.text)
        matches = response.json()["matches"]
        assert matches, kind
        best = matches[0]
        assert best["manifestId"] == _manifest_id(client, works[kind]), kind
        assert best["workId"] == works[kind]["work_id"]
        assert isinstance(best["similarityScore"], int) and 50 <= best["similarityScore"] <= 100, (kind, best)

        # the manifest store by its id: the registered one, which c2pa reads with that label active
        store = anonymous.get(f"/c2pa/v1/manifests/{best['manifestId']}")
        assert store.status_code == 200 and store.headers["content-type"] == "application/c2pa"
        assert store.content == client.get(f"/api/v1/works/{works[kind]['work_id']}/manifest").content
        assert _store_json(client, works[kind])["active_manifest"] == best["manifestId"]


def test_the_manifests_own_soft_binding_resolves_by_binding(anonymous, client, works):
    for kind, work in works.items():
        binding = _binding(client, work)
        assert binding["alg"] == (TEXT_ALG if kind == "article" else VIDEO_ALG)
        value = binding["blocks"][-1]["value"]  # a video's last segment, the image or the article
        got = anonymous.get("/c2pa/v1/matches/byBinding", params={"alg": binding["alg"], "value": value})
        posted = anonymous.post("/c2pa/v1/matches/byBinding", json={"alg": binding["alg"], "value": value})
        assert got.status_code == posted.status_code == 200, (kind, got.text, posted.text)
        assert got.json() == posted.json()
        assert [m["manifestId"] for m in got.json()["matches"]] == [_manifest_id(client, work)], kind
        assert got.json()["matches"][0]["similarityScore"] == 100


def test_an_article_that_only_shares_a_quote_does_not_resolve(client, anonymous, works):
    quote = ARTICLE.read_text(encoding="utf-8").split("\n\n")[1]
    suspect = OTHER_ARTICLE.read_text(encoding="utf-8") + "\n\n" + quote
    response = anonymous.post("/c2pa/v1/matches/byContent", content=suspect.encode(),
                              headers={"Content-Type": "text/plain"})
    assert response.status_code == 200 and response.json() == {"matches": []}
    # the registry's own match still reports it, as shared passages
    own = client.post("/api/v1/matches", files={"file": ("s.txt", suspect.encode(), "text/plain")}).json()
    assert [(m["work_id"], m["verdict"]) for m in own["matches"]] == [(works["article"]["work_id"], "shares_passages")]


def test_active_manifest_only_holds_the_active_manifest(client, anonymous, works):
    child = post_work(client, OTHER_ARTICLE, parent=works["article"]["work_id"]).json()
    store = client.get(f"/api/v1/works/{child['work_id']}/manifest").content
    assert len(manifest_labels(store)) == 2  # the parent's manifest is an ingredient in the store
    label = active_manifest_label(store)
    active = anonymous.get(f"/c2pa/v1/manifests/{label}", params={"returnActiveManifest": "true"})
    assert active.status_code == 200 and manifest_labels(active.content) == [label]
    content = client.get(f"/api/v1/works/{child['work_id']}/content").content
    assert _c2pa.read_detached(content, active.content, _c2pa.reader_settings(None))[0]["active_manifest"] == label


def test_another_organisations_unpublished_work_only_as_a_match(client, anonymous, tmp_path):
    from registry.accounts import manage

    manage.create_organisation(client.app.state.registry, "newsroom-b", "newsroom")
    other = TestClient(client.app, headers=bearer(issue_key(client.app, "editor", org="newsroom-b")))
    with other:
        embargoed = post_work(other, ARTICLE, embargo_until="2999-01-01T00:00:00Z")
        assert embargoed.status_code == 201, embargoed.text
        label = _manifest_id(other, embargoed.json())
    response = anonymous.post("/c2pa/v1/matches/byContent", content=_edited_article(),
                              headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
    [match] = response.json()["matches"]
    assert match["manifestId"] == label and match["restricted"] is True and "workId" not in match
    refused = anonymous.get(f"/c2pa/v1/manifests/{label}")
    assert refused.status_code == 404 and label in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("request_", "status", "message"),
    [
        (("GET", "/c2pa/v1/matches/byBinding", {"params": {"alg": "com.example.wm.1", "value": "QUJD"}}), 400,
         "not supported here"),
        (("GET", "/c2pa/v1/matches/byBinding", {"params": {"alg": VIDEO_ALG, "value": "not base64!"}}), 400,
         "must be base64"),
        (("GET", "/c2pa/v1/matches/byBinding", {"params": {"alg": VIDEO_ALG, "value": "QUJDRA=="}}), 400,
         "AVF2 fingerprint bytes"),
        (("GET", "/c2pa/v1/matches/byBinding", {"params": {"alg": TEXT_ALG, "value": "QUJD"}}), 400, "8-byte hashes"),
        (("GET", "/c2pa/v1/matches/byBinding", {"params": {"alg": TEXT_ALG, "value": "QUJD", "maxResults": 0}}), 422,
         "maxResults"),
        (("POST", "/c2pa/v1/matches/byContent", {"content": b"%PDF-1.7 ...", "headers": {"Content-Type":
                                                                                   "application/pdf"}}), 415,
         "image/*, video/* or text/*"),
        (("POST", "/c2pa/v1/matches/byContent", {"content": b"just text", "headers": {"Content-Type": "image/png"}}),
         415, "Content-Type image/png but the bytes"),
        (("POST", "/c2pa/v1/matches/byContent", {"content": (MEDIA / "market-street-still.jpg").read_bytes(),
                                                  "headers": {"Content-Type": "image/jpeg"},
                                                  "params": {"alg": TEXT_ALG}}), 400, "does not fingerprint a image"),
        (("GET", "/c2pa/v1/manifests/urn:c2pa:00000000-0000-0000-0000-000000000000", {}), 404, "no manifest"),
    ],
    ids=["unknown-alg", "bad-base64", "not-avf2", "text-not-8-bytes", "max-results-0", "pdf", "lying-type",
         "alg-for-another-kind", "unknown-manifest"],
)
def test_bad_queries_get_a_clear_error(anonymous, request_, status, message):
    method, path, kwargs = request_
    response = anonymous.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.text


def test_an_oversized_asset_is_refused_before_it_is_read(settings, tmp_path):
    from web.app import create_app

    small = settings.model_copy(update={"max_article_bytes": 1000, "max_video_bytes": 1000, "max_image_bytes": 1000})
    with TestClient(create_app(small)) as anonymous:
        response = anonymous.post("/c2pa/v1/matches/byContent", content=b"x" * 200_000,
                                  headers={"Content-Type": "text/plain"})
    assert response.status_code == 413 and "limit" in response.json()["error"]["message"]


def test_a_stripped_image_binding_computed_by_a_client_resolves(client, anonymous, works, tmp_path):
    """A client that fingerprints a copy with the registry's own library sends its value."""
    from fingerprint.video import fingerprint_image

    value = base64.b64encode(fingerprint_image(_stripped_resized_image(tmp_path).read_bytes()).to_bytes()).decode()
    response = anonymous.get("/c2pa/v1/matches/byBinding", params={"alg": VIDEO_ALG, "value": value})
    assert response.status_code == 200
    assert [m["manifestId"] for m in response.json()["matches"]] == [_manifest_id(client, works["image"])]
    assert np.isclose(response.json()["matches"][0]["similarityScore"], 100)


def test_the_trust_anchor_and_the_tsa_certificate_are_served_and_documented(anonymous, settings):
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from web.app import create_app

    anchors = anonymous.get("/c2pa/trust-anchors.pem")
    tsa = anonymous.get("/c2pa/tsa.pem")
    assert anchors.status_code == tsa.status_code == 200
    [root] = x509.load_pem_x509_certificates(anchors.content)
    chain = x509.load_pem_x509_certificates(tsa.content)
    eku = chain[0].extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert chain[-1].issuer == root.subject  # the intermediate, issued by the served root
    paths = anonymous.get("/openapi.json").json()["paths"]
    for path in ("/c2pa/trust-anchors.pem", "/c2pa/tsa.pem", "/c2pa/v1/matches/byContent",
                 "/c2pa/v1/manifests/{manifest_id}"):
        assert path in paths, path
    with TestClient(create_app(settings.model_copy(update={"timestamp_authority": "off"}))) as without:
        missing = without.get("/c2pa/tsa.pem")
    assert missing.status_code == 404 and "no time-stamping authority" in missing.json()["error"]["message"]
