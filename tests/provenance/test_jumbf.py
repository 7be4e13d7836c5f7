"""Manifest labels read from a store's JUMBF boxes agree with what c2pa reads, for every kind of
store the registry signs; a store cut to its active manifest still reads; broken stores are named."""

from __future__ import annotations


import pytest

from provenance import _c2pa
from provenance.errors import ManifestError
from provenance.jumbf import active_manifest_label, active_manifest_only, manifest_labels
from provenance.record import AIProvenance, ParentManifest

from ..conftest import SAMPLES

RECORD = AIProvenance(model_name="m", model_version="1")
TEXT = "The council voted on Tuesday to close the old bridge for repairs.\n"


def _article_store(signer, text: str = TEXT, parents=()) -> bytes:  # type: ignore[no-untyped-def]
    return signer.sign_article(text, RECORD, work_id="w-article", parents=parents)


def _read_detached(store: bytes) -> dict:
    return _c2pa.read_detached(b"", store, _c2pa.reader_settings(None))[0]


def test_the_label_is_the_one_c2pa_calls_active_for_an_article(signer):
    store = _article_store(signer)
    assert manifest_labels(store) == [active_manifest_label(store)]
    assert active_manifest_label(store) == _read_detached(store)["active_manifest"]
    assert active_manifest_label(store).startswith("urn:c2pa:")
    assert active_manifest_only(store) == store  # nothing else in it


@pytest.mark.parametrize(("name", "media_type"), [("market-street-still.jpg", "image/jpeg"),
                                                  ("harbour-drone-pass.mp4", "video/mp4")])
def test_the_label_is_the_one_c2pa_calls_active_for_media(signer, tmp_path, name, media_type):
    signed = tmp_path / name
    with open(SAMPLES / "media" / name, "rb") as source, open(signed, "w+b") as dest:
        store = signer.sign_media(source, media_type, RECORD, work_id="w-media", dest=dest)
    assert active_manifest_label(store) == _c2pa.read_asset(signed, media_type, _c2pa.reader_settings(None))[
        "active_manifest"]


def test_a_derivative_store_holds_its_parent_and_cuts_down_to_itself(signer):
    parent_text = "An earlier report on the bridge, which the council said was safe.\n"
    parent_store = _article_store(signer, parent_text)
    import hashlib

    parent = ParentManifest(work_id="w-parent", title="p", manifest=parent_store,
                            content_sha256=hashlib.sha256(parent_text.encode()).hexdigest())
    store = _article_store(signer, parents=(parent,))
    labels = manifest_labels(store)
    assert len(labels) == 2 and labels[0] == active_manifest_label(parent_store)
    assert labels[-1] == _read_detached(store)["active_manifest"]
    alone = active_manifest_only(store)
    assert manifest_labels(alone) == [labels[-1]] and len(alone) < len(store)
    assert _read_detached(alone)["active_manifest"] == labels[-1]


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda s: s[:7], "cut short"),
        (lambda s: s[:100], "claims"),
        (lambda s: b"\x00\x00\x00\x10jumbxxxxxxxx" + s, "expected one JUMBF superbox"),
        (lambda s: b"PNG stuff, not a store", "claims"),
        (lambda s: b"", "expected one JUMBF superbox"),
    ],
    ids=["header-cut", "body-cut", "two-top-boxes", "not-jumbf", "empty"],
)
def test_a_broken_store_is_named(signer, cut, message):
    with pytest.raises(ManifestError, match=message):
        manifest_labels(cut(_article_store(signer)))


def test_the_registrys_own_assertions_are_created_and_the_registrants_gathered(signer):
    """C2PA 2.x: a claim lists what its generator made as created_assertions (validators apply the
    action rules there), what it collected as gathered_assertions."""
    from provenance.assertions import SoftBinding, SoftBindingBlock

    store = signer.sign_article(TEXT, RECORD, work_id="w-article",
                                soft_binding=SoftBinding("org.example.fp", (SoftBindingBlock("QUJD"),)))
    detail = _c2pa.read_detached(b"", store, _c2pa.reader_settings(None), detailed=True)[1]
    claim = detail["manifests"][detail["active_manifest"]]["claim"]

    def labels(kind: str) -> set[str]:
        return {entry["url"].rsplit("/", 1)[-1] for entry in claim[kind]}

    assert labels("created_assertions") == {"c2pa.actions.v2", "c2pa.hash.data", "c2pa.soft-binding",
                                            "org.aigc-registry.gb45438"}
    assert labels("gathered_assertions") == {"org.aigc-registry.ai-generation", "cawg.training-mining"}
    read = _c2pa.read_detached(TEXT.encode(), store, _c2pa.reader_settings(None))[0]
    failures = [e["code"] for e in _c2pa.status_entries(read.get("validation_results"), "failure")]
    assert failures in ([], [_c2pa.UNTRUSTED]), failures  # no trust anchors given: nothing else may fail
