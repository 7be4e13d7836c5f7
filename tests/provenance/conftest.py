"""Fixtures for the provenance tests: fresh keys once per session, never a key on disk."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from provenance.keys import LocalPki, create_local_pki
from provenance.record import AIProvenance, ParentManifest, prompt_digest_of
from provenance.sign import ManifestSigner


@pytest.fixture(scope="session")
def pki() -> LocalPki:
    return create_local_pki("aigc-registry-test")


@pytest.fixture(scope="session")
def other_pki() -> LocalPki:
    """A stranger's PKI: well-formed, but not the registry's."""
    return create_local_pki("someone-else")


@pytest.fixture(scope="session")
def signer(pki: LocalPki) -> ManifestSigner:
    return ManifestSigner(pki.signing_material())


@pytest.fixture(scope="session")
def record() -> AIProvenance:
    return AIProvenance(
        model_name="通义千问",
        model_version="2.5-72b-instruct",
        model_provider="阿里云",
        dataset_sources=(
            "https://example.org/corpus/新闻", "s3://bucket/set-1", "doi:10.1000/182", "urn:isbn:0451450523"
        ),
        prompt_digest=prompt_digest_of("写一篇关于春天的短文"),
        editors=("张三", "Jane Doe"),
        title="春天的故事",
    )


@pytest.fixture(scope="session")
def make_parent() -> Callable[[ManifestSigner, AIProvenance, str, str], ParentManifest]:
    """``make_parent(signer, record, work_id, text)``: sign ``text`` as a registered work, as a parent."""

    def make(signer: ManifestSigner, record: AIProvenance, work_id: str, text: str) -> ParentManifest:
        manifest = signer.sign_article(text, record, work_id=work_id)
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return ParentManifest(
            work_id=work_id, title=f"title of {work_id}", manifest=manifest, content_sha256=sha256
        )

    return make
