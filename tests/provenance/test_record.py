"""AIProvenance and ParentManifest: valid by construction, lossless to and from dicts."""

from __future__ import annotations

import hashlib
import json

import pytest

from provenance.errors import ProvenanceError
from provenance.record import AIProvenance, InvalidRecordError, ParentManifest, prompt_digest_of

GOOD_DIGEST = "sha256:" + "ab" * 32

VALID = [
    # keyword arguments that must build a record
    pytest.param({"model_name": "gpt-4o", "model_version": "2024-08-06"}, id="minimal"),
    pytest.param({"model_name": "gpt-4o", "model_version": ""}, id="version-unknown"),
    pytest.param({"model_name": "文心一言", "model_version": "4.0", "model_provider": "百度"}, id="chinese-names"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": ["https://a.org/x", "s3://b/c",
                  "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "doi:10.1000/182", "hf:org/dataset"]},
                 id="dataset-uris-as-list"),
    pytest.param({"model_name": "m", "model_version": "1", "prompt_digest": GOOD_DIGEST}, id="prompt-digest"),
    pytest.param({"model_name": "m", "model_version": "1", "editors": ("李四", "Ann O'Neil")}, id="editors"),
    pytest.param({"model_name": "m", "model_version": "1", "title": "First line\twith a tab"}, id="title-with-tab"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": [
        "https://a.org/x CC-BY-4.0", {"uri": "s3://b/c", "licence": "proprietary, licensed 2025"}]},
                 id="dataset-licences"),
    pytest.param({"model_name": "m", "model_version": "1", "generation_parameters": {
        "seed": 42, "steps": 30, "cfg_scale": 7.5, "sampler": "euler a", "upscaled": False}}, id="parameters"),
    pytest.param({"model_name": "m", "model_version": "1", "edit_actions": [
        "c2pa.cropped", {"action": "c2pa.color_adjustments", "description": "graded", "editor": "李四"},
        {"action": "com.example.face-blur"}]}, id="edit-actions"),
]


def test_old_records_with_plain_dataset_uris_still_read() -> None:
    # manifests written before licences existed carry a list of URI strings
    record = AIProvenance.from_dict({"model_name": "m", "model_version": "1", "dataset_sources": ["https://a.org/x"]})
    assert record.dataset_sources[0].uri == "https://a.org/x" and record.dataset_sources[0].licence is None


@pytest.mark.parametrize("kwargs", VALID)
def test_valid_records_round_trip(kwargs: dict) -> None:
    record = AIProvenance(**kwargs)
    assert isinstance(record.dataset_sources, tuple) and isinstance(record.editors, tuple)
    as_json = json.loads(json.dumps(record.to_dict(), ensure_ascii=False))
    assert AIProvenance.from_dict(as_json) == record


INVALID = [
    # (keyword arguments, a phrase the message must contain)
    pytest.param({"model_name": "", "model_version": "1"}, "model_name", id="empty-model-name"),
    pytest.param({"model_name": "   ", "model_version": "1"}, "model_name", id="blank-model-name"),
    pytest.param({"model_name": None, "model_version": "1"}, "model_name", id="model-name-none"),
    pytest.param({"model_name": " gpt", "model_version": "1"}, "whitespace", id="padded-model-name"),
    pytest.param({"model_name": "gpt\n4", "model_version": "1"}, "single line", id="newline-in-model-name"),
    pytest.param({"model_name": "m" * 257, "model_version": "1"}, "at most 256", id="model-name-too-long"),
    pytest.param({"model_name": "m", "model_version": 4}, "model_version", id="version-not-str"),
    pytest.param({"model_name": "m", "model_version": "1", "model_provider": ""}, "model_provider",
                 id="empty-provider"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": ["example.org/data"]},
                 "scheme", id="dataset-without-scheme"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": ["C:\\data\\set"]},
                 "scheme", id="dataset-windows-path"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": [{"uri": "https://a b"}]},
                 "scheme", id="dataset-with-space"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": [{"url": "https://a.org"}]},
                 "uri", id="dataset-dict-without-uri"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": ["https://a.org x\ny"]},
                 r"dataset_sources\[0\]: licence", id="dataset-licence-two-lines"),
    pytest.param({"model_name": "m", "model_version": "1", "edit_actions": ["cropped"]},
                 "C2PA action name", id="action-without-namespace"),
    pytest.param({"model_name": "m", "model_version": "1", "edit_actions": ["c2pa.created"]},
                 "written by the signer", id="action-reserved"),
    pytest.param({"model_name": "m", "model_version": "1", "edit_actions": [{"action": "c2pa.cropped", "by": "x"}]},
                 "edit action", id="action-unknown-key"),
    pytest.param({"model_name": "m", "model_version": "1", "generation_parameters": {"seed": [1, 2]}},
                 "JSON scalar", id="parameter-not-scalar"),
    pytest.param({"model_name": "m", "model_version": "1", "generation_parameters": {"cfg": float("nan")}},
                 "JSON scalar", id="parameter-nan"),
    pytest.param({"model_name": "m", "model_version": "1", "generation_parameters": ["seed"]},
                 "mapping", id="parameters-not-mapping"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": ["https:"]},
                 "scheme", id="dataset-scheme-only"),
    pytest.param({"model_name": "m", "model_version": "1", "dataset_sources": "https://a.org"},
                 "tuple or list", id="dataset-sources-as-string"),
    pytest.param({"model_name": "m", "model_version": "1", "prompt_digest": "ab" * 32},
                 "prompt_digest", id="digest-without-prefix"),
    pytest.param({"model_name": "m", "model_version": "1", "prompt_digest": "sha256:" + "AB" * 32},
                 "lowercase", id="digest-uppercase"),
    pytest.param({"model_name": "m", "model_version": "1", "prompt_digest": "sha256:abc"},
                 "64", id="digest-too-short"),
    pytest.param({"model_name": "m", "model_version": "1", "prompt_digest": "md5:" + "a" * 32},
                 "sha256", id="digest-other-algorithm"),
    pytest.param({"model_name": "m", "model_version": "1", "editors": ["ok", ""]}, r"editors\[1\]", id="empty-editor"),
    pytest.param({"model_name": "m", "model_version": "1", "title": ""}, "title", id="empty-title"),
    pytest.param({"model_name": "m", "model_version": "1", "title": "two\nlines"}, "single line", id="multiline-title"),
    pytest.param({"model_name": "m", "model_version": "1", "extra": {"model_name": "x"}}, "known fields",
                 id="extra-shadows-known-field"),
    pytest.param({"model_name": "m", "model_version": "1", "extra": {"when": object()}}, "JSON values",
                 id="extra-not-json"),
    pytest.param({"model_name": "m", "model_version": "1", "extra": {"t": float("nan")}}, "JSON values",
                 id="extra-nan"),
]


@pytest.mark.parametrize(("kwargs", "phrase"), INVALID)
def test_invalid_records_are_refused(kwargs: dict, phrase: str) -> None:
    with pytest.raises(InvalidRecordError, match=phrase) as caught:
        AIProvenance(**kwargs)
    assert isinstance(caught.value, ProvenanceError)


def test_from_dict_keeps_unknown_fields() -> None:
    """python-tuf ADR 0008: fields from a newer writer survive a round trip."""
    data = {"model_name": "m", "model_version": "1", "temperature": 0.7, "seed": {"value": 42}}
    record = AIProvenance.from_dict(data)
    assert dict(record.extra) == {"temperature": 0.7, "seed": {"value": 42}}
    assert record.to_dict()["temperature"] == 0.7
    assert AIProvenance.from_dict(record.to_dict()) == record


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        pytest.param({"model_version": "1"}, "model_name", id="missing-model-name"),
        pytest.param({"model_name": "m"}, "model_version", id="missing-model-version"),
        pytest.param(["model_name"], "mapping", id="not-a-mapping"),
        pytest.param({"model_name": "m", "model_version": "1", "editors": "solo"}, "tuple or list", id="editors-str"),
    ],
)
def test_from_dict_refuses_malformed_input(data: object, phrase: str) -> None:
    with pytest.raises(InvalidRecordError, match=phrase):
        AIProvenance.from_dict(data)  # type: ignore[arg-type]


def test_from_dict_accepts_nulls_for_optional_lists() -> None:
    record = AIProvenance.from_dict({"model_name": "m", "model_version": "1", "editors": None, "dataset_sources": None})
    assert record.editors == () and record.dataset_sources == ()


def test_record_is_immutable() -> None:
    record = AIProvenance("m", "1", extra={"k": 1})
    with pytest.raises(AttributeError):
        record.model_name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        record.extra["k"] = 2  # type: ignore[index]


@pytest.mark.parametrize(
    ("prompt", "expected_hex"),
    [
        pytest.param("", hashlib.sha256(b"").hexdigest(), id="empty"),
        pytest.param("写一首诗", hashlib.sha256("写一首诗".encode()).hexdigest(), id="chinese-utf8"),
        # no normalisation: the digest commits to the exact prompt
        pytest.param("Cafe\u0301", hashlib.sha256("Cafe\u0301".encode()).hexdigest(), id="nfd-kept"),
    ],
)
def test_prompt_digest_of(prompt: str, expected_hex: str) -> None:
    digest = prompt_digest_of(prompt)
    assert digest == f"sha256:{expected_hex}"
    assert AIProvenance("m", "1", prompt_digest=digest).prompt_digest == digest


PARENT_OK = {"work_id": "w-1", "title": "A parent", "manifest": b"\x00jumbf", "content_sha256": "0" * 64}


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        pytest.param({"work_id": ""}, "work_id", id="empty-work-id"),
        pytest.param({"title": ""}, "title", id="empty-title"),
        pytest.param({"manifest": b""}, "manifest", id="empty-manifest"),
        pytest.param({"manifest": "text"}, "manifest", id="manifest-not-bytes"),
        pytest.param({"content_sha256": "sha256:" + "0" * 64}, "content_sha256", id="sha-with-prefix"),
        pytest.param({"content_sha256": "F" * 64}, "lowercase", id="sha-uppercase"),
    ],
)
def test_parent_manifest_validation(changes: dict, phrase: str) -> None:
    ParentManifest(**PARENT_OK)
    with pytest.raises(InvalidRecordError, match=phrase):
        ParentManifest(**{**PARENT_OK, **changes})


def test_parent_manifest_repr_hides_the_bytes() -> None:
    assert "6 bytes" in repr(ParentManifest(**PARENT_OK))
