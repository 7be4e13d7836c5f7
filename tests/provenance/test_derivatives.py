"""Derivative works: parents become ingredients whose manifests travel in the new store."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from provenance.errors import InvalidRecordError, ManifestError, SigningError
from provenance.keys import LocalPki
from provenance.record import AIProvenance, ParentManifest
from provenance.sign import ManifestSigner
from provenance.verify import verify_article

CHILD = "一篇由两篇父作品改写而成的新文章。\n"


@pytest.fixture(scope="module")
def parents(signer: ManifestSigner, record: AIProvenance, make_parent) -> list[tuple[str, ParentManifest]]:
    texts = {"parent-a": "第一篇父作品。\n", "parent-b": "The second parent work.\n"}
    return [(text, make_parent(signer, record, work_id, text)) for work_id, text in texts.items()]


@pytest.fixture(scope="module")
def child_sidecar(signer: ManifestSigner, record: AIProvenance, parents) -> bytes:
    return signer.sign_article(CHILD, record, work_id="child", parents=[p for _, p in parents])


def test_each_parent_validates_on_its_own(pki: LocalPki, parents) -> None:
    for text, parent in parents:
        report = verify_article(text.encode(), parent.manifest, trust_anchors_pem=pki.trust_anchor_pem)
        assert report.state == "Trusted" and report.work_id == parent.work_id


def test_two_parents_one_parent_of_one_component_of(pki: LocalPki, child_sidecar: bytes, parents) -> None:
    report = verify_article(CHILD.encode(), child_sidecar, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted" and not report.tampered
    first, second = report.ingredients
    # C2PA allows a single parentOf ingredient; c2pa-rs refuses a second (manifest.multipleParents)
    assert (first["relationship"], second["relationship"]) == ("parentOf", "componentOf")
    assert (first["work_id"], second["work_id"]) == ("parent-a", "parent-b")
    assert (first["title"], second["title"]) == ("title of parent-a", "title of parent-b")
    for ingredient in report.ingredients:
        assert ingredient["validated"]
        # recorded at signing (signer had no anchors): untrusted; re-checked now: trusted, hash matched
        assert ingredient["status_codes"] == [
            "signingCredential.untrusted", "ingredient.manifest.validated", "signingCredential.trusted"]
    # the parents' own manifests travel inside the child's store
    assert {i["active_manifest"] for i in report.ingredients} <= set(report.manifest_json["manifests"])


def test_derivative_actions(pki: LocalPki, child_sidecar: bytes, record: AIProvenance) -> None:
    report = verify_article(CHILD.encode(), child_sidecar, trust_anchors_pem=pki.trust_anchor_pem)
    opened, placed, edited = report.actions
    assert opened["action"] == "c2pa.opened" and len(opened["parameters"]["ingredients"]) == 1
    assert placed["action"] == "c2pa.placed" and len(placed["parameters"]["ingredients"]) == 1
    assert edited["action"] == "c2pa.edited"
    assert edited["digitalSourceType"] == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    assert edited["softwareAgent"] == {"name": record.model_name, "version": record.model_version}


def test_custom_assertion_lists_the_parents(pki: LocalPki, child_sidecar: bytes, parents) -> None:
    store = verify_article(CHILD.encode(), child_sidecar).manifest_json
    active = store["manifests"][store["active_manifest"]]
    (custom,) = [a["data"] for a in active["assertions"] if a["label"] == "org.aigc-registry.ai-generation"]
    assert [(p["work_id"], p["content_sha256"], p["relationship"]) for p in custom["parents"]] == [
        (parent.work_id, parent.content_sha256, relationship)
        for (_, parent), relationship in zip(parents, ("parentOf", "componentOf"), strict=True)
    ]


def test_one_parent_is_parent_of_and_the_chain_nests(
    signer: ManifestSigner, pki: LocalPki, record: AIProvenance, make_parent
) -> None:
    grandparent = make_parent(signer, record, "gen-0", "grandparent\n")
    text1 = "parent\n"
    middle = signer.sign_article(text1, record, work_id="gen-1", parents=[grandparent])
    parent = ParentManifest("gen-1", "middle", middle, hashlib.sha256(text1.encode()).hexdigest())
    child = signer.sign_article("child\n", record, work_id="gen-2", parents=[parent])
    report = verify_article(b"child\n", child, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.state == "Trusted"
    assert [(i["relationship"], i["work_id"]) for i in report.ingredients] == [("parentOf", "gen-1")]
    assert [a["action"] for a in report.actions] == ["c2pa.opened", "c2pa.edited"]
    assert len(report.manifest_json["manifests"]) == 3  # child, parent, grandparent


def test_tampered_child_text_is_caught(pki: LocalPki, child_sidecar: bytes) -> None:
    report = verify_article(CHILD.encode() + b"!", child_sidecar, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.tampered and report.state == "Invalid"


REFUSED_PARENTS = [
    # (how to spoil the first parent, error, phrase)
    pytest.param(lambda p: dataclasses.replace(p, content_sha256="0" * 64), SigningError, "binds sha256",
                 id="content-hash-does-not-match-manifest"),
    pytest.param(lambda p: dataclasses.replace(p, manifest=b"garbage" * 10), ManifestError, "parent-a",
                 id="garbage-manifest"),
    pytest.param(lambda p: dataclasses.replace(p, manifest=p.manifest[:-40] + bytes(40)), SigningError,
                 "fails validation", id="manifest-signature-damaged"),
]


@pytest.mark.parametrize(("spoil", "error", "phrase"), REFUSED_PARENTS)
def test_bad_parents_are_refused(signer: ManifestSigner, record: AIProvenance, parents, spoil, error, phrase) -> None:
    spoiled = spoil(parents[0][1])
    with pytest.raises(error, match=phrase):
        signer.sign_article(CHILD, record, work_id="child", parents=[spoiled])


def test_the_same_parent_twice_is_refused(signer: ManifestSigner, record: AIProvenance, parents) -> None:
    with pytest.raises(InvalidRecordError, match="twice"):
        signer.sign_article(CHILD, record, work_id="child", parents=[parents[0][1], parents[0][1]])


def test_a_signer_with_anchors_refuses_untrusted_parents(
    pki: LocalPki, other_pki: LocalPki, record: AIProvenance, make_parent
) -> None:
    strict = ManifestSigner(pki.signing_material(), trust_anchors_pem=pki.trust_anchor_pem)
    ours = make_parent(strict, record, "ours", "ours\n")
    theirs = make_parent(ManifestSigner(other_pki.signing_material()), record, "theirs", "theirs\n")
    child = strict.sign_article(CHILD, record, work_id="child", parents=[ours])
    report = verify_article(CHILD.encode(), child, trust_anchors_pem=pki.trust_anchor_pem)
    assert report.ingredients[0]["status_codes"] == ["ingredient.manifest.validated"]  # trusted when recorded
    with pytest.raises(SigningError, match="signingCredential.untrusted"):
        strict.sign_article(CHILD, record, work_id="child", parents=[theirs])
