"""ISCC-CODEs through the registry, on SQLite and PostgreSQL: every registration gets one (articles,
images, videos), the work's JSON and its manifest name it, the work search and the Soft Binding
Resolution API find it, `aigc-registry migrate` gives older versions theirs, and a video without an
FFmpeg that signs videos still gets a code (no Video-Code)."""

from __future__ import annotations

import pytest
from sqlmodel import delete, select

from fingerprint.iscc import ISCC_ALG, article_iscc, units_of
from provenance.verify import verify_article, verify_media
from registry.errors import BadQueryError
from registry.iscc import backfill_iscc, versions_without_iscc
from registry.models import Manifest, WorkIscc, WorkVersion
from registry.registration.article import register_article
from registry.registration.media import register_media
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.soft_binding import resolution
from registry.work_search import WorkQuery, search_works
from registry.works import work_details, work_manifest

from ..conftest import SAMPLES, run_migrate

ARTICLE = (SAMPLES / "articles" / "calder-valley-storm.txt").read_bytes()
VIDEO = SAMPLES / "media" / "harbour-drone-pass.mp4"
STILL = SAMPLES / "media" / "market-street-still.jpg"
REQUEST = RegistrationRequest(model="m", title="Calder valley storm")


def _iscc_bindings(store: dict) -> list[str]:
    """The ISCC soft-binding values of a read store's active manifest."""
    assertions = store["manifests"][store["active_manifest"]]["assertions"]
    return [block["value"] for a in assertions if a["label"].startswith("c2pa.soft-binding")
            and a["data"]["alg"] == ISCC_ALG for block in a["data"]["blocks"]]


def test_an_article_gets_its_iscc_code_in_its_json_and_its_manifest(registry):
    result = register_article(registry, ARTICLE, REQUEST)
    shown = work_details(registry, result.work_id)["iscc"]
    expected = article_iscc(ARTICLE.decode("utf-8"), title="Calder valley storm")
    assert shown == expected.to_dict() and shown["code"].startswith("ISCC:KA")  # ISCC-TEXT, four units
    report = verify_article(registry.blobs.get(result.sha256), work_manifest(registry, result.work_id),
                            trust_anchors_pem=registry.keys.trust_anchors_pem)
    assert report.state == "Trusted" and _iscc_bindings(report.manifest_json) == [shown["code"]]


def test_images_and_videos_get_their_content_codes(registry):
    still = register_media(registry, STILL, RegistrationRequest(model="m", kind="image"))
    video = register_media(registry, VIDEO, RegistrationRequest(model="m", title="Harbour at dusk, drone pass"))
    image_code = work_details(registry, still.work_id)["iscc"]
    video_code = work_details(registry, video.work_id)["iscc"]
    assert image_code["units"]["content"] == "ISCC:EEAYFGGKS3LOK6E5"  # iscc-sdk's Image-Code of the file
    # iscc-sdk 0.9.7 `code_iscc(file, name="Harbour at dusk, drone pass")`: the very same code
    assert video_code["code"] == "ISCC:KMC5DP7MP7K76MP36DFA7KCMAGNS3VPBTQ2BPXYSZWH4Q5YDDRML2DQ"
    with registry.db.reading() as session:
        manifest = session.exec(select(Manifest).join(WorkVersion, WorkVersion.id == Manifest.version_id)
                                .where(WorkVersion.work_id == video.work_id)).one()
    report = verify_media(registry.blobs.path_of(manifest.asset_sha256), "video/mp4",
                          trust_anchors_pem=registry.keys.trust_anchors_pem)
    assert report.state == "Trusted" and _iscc_bindings(report.manifest_json) == [video_code["code"]]


def test_without_an_ffmpeg_that_signs_videos_a_video_has_no_video_code(settings, tmp_path):
    (tmp_path / "ffmpeg").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "ffmpeg").chmod(0o755)
    # switched off; a program without the filter
    for choice, video in (("off", VIDEO), (str(tmp_path / "ffmpeg"), SAMPLES / "media" / "market-street-walk.mp4")):
        registry = Registry.open(settings.model_copy(update={"iscc_ffmpeg": choice}))
        try:
            work_id = register_media(registry, video, RegistrationRequest(model="m")).work_id
            code = work_details(registry, work_id)["iscc"]
            assert code["units"]["content"] is None and code["code"].startswith("ISCC:KY"), choice  # NONE-MDI
        finally:
            registry.close()


def test_the_search_finds_a_work_by_its_code_or_a_shared_unit(registry):
    article = register_article(registry, ARTICLE, REQUEST)
    code = work_details(registry, article.work_id)["iscc"]
    units = units_of(code["code"])

    def found(text: str) -> list[str]:
        return [w["work_id"] for w in search_works(registry, WorkQuery(text=text)).works]

    assert found(code["code"]) == [article.work_id]
    assert found(code["code"].lower()) == [article.work_id]
    assert found(units["content"]) == [article.work_id]
    # another registry's code of the same text under another title: the same Content, Data, Instance
    elsewhere = article_iscc(ARTICLE.decode("utf-8"), title="Storm in the valley")
    assert elsewhere.code != code["code"] and found(elsewhere.code) == [article.work_id]
    assert found(article_iscc("Something else entirely, in a text of its own.", title="x").code) == []
    assert search_works(registry, WorkQuery(text="Calder")).works[0]["iscc"] == code["code"]


def test_the_resolution_api_resolves_an_iscc_code_to_the_manifest(registry):
    article = register_article(registry, ARTICLE, REQUEST)
    code = work_details(registry, article.work_id)["iscc"]["code"]
    assert ISCC_ALG in [f["alg"] for f in resolution.supported_algorithms()["fingerprints"]]
    matches = resolution.matches_by_binding(registry, ISCC_ALG, code)["matches"]
    assert [(m["workId"], m["similarityScore"]) for m in matches] == [(article.work_id, 100)]
    with registry.db.reading() as session:
        label = session.exec(select(Manifest.label).join(WorkVersion, WorkVersion.id == Manifest.version_id)
                             .where(WorkVersion.work_id == article.work_id)).one()
    assert matches[0]["manifestId"] == label
    retitled = article_iscc(ARTICLE.decode("utf-8") + "\nA line added.", title="Other")  # only the Meta... differs
    partial = resolution.matches_by_binding(registry, ISCC_ALG, retitled.code)["matches"]
    assert all(m["similarityScore"] < 100 for m in partial)
    with pytest.raises(BadQueryError, match="ISCC"):
        resolution.matches_by_binding(registry, ISCC_ALG, "not-a-code")


def test_migrate_gives_older_versions_their_codes(registry):
    article = register_article(registry, ARTICLE, REQUEST)
    video = register_media(registry, VIDEO, RegistrationRequest(model="m", title="Harbour at dusk, drone pass"))
    before = {w: work_details(registry, w)["iscc"] for w in (article.work_id, video.work_id)}
    with registry.db.writing() as session:
        session.exec(delete(WorkIscc))  # type: ignore[call-overload]  # as registered before migration 0013
    assert work_details(registry, article.work_id)["iscc"] is None
    with registry.db.reading() as session:
        assert versions_without_iscc(session) == 2
    seen = []
    assert backfill_iscc(registry, progress=lambda done, total: seen.append((done, total))) == 2
    assert seen == [(2, 2)]
    assert {w: work_details(registry, w)["iscc"] for w in before} == before
    assert backfill_iscc(registry) == 0  # nothing left to do


def test_aigc_registry_migrate_gives_older_versions_their_codes(settings):

    registry = Registry.open(settings)
    try:
        work_id = register_article(registry, ARTICLE, REQUEST).work_id
        code = work_details(registry, work_id)["iscc"]
        with registry.db.writing() as session:
            session.exec(delete(WorkIscc))  # type: ignore[call-overload]
    finally:
        registry.close()
    ran = run_migrate(settings)
    assert ran.returncode == 0, ran.stderr
    assert "ISCC-CODEs made from the registered content: 1 of 1" in ran.stdout
    after = Registry.open(settings)
    try:
        assert work_details(after, work_id)["iscc"] == code
    finally:
        after.close()
