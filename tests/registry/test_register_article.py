"""Article registration through the registry service, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import func, select

from registry.errors import (
    ConflictError,
    InvalidInputError,
    PayloadTooLargeError,
    UnknownPartyError,
    UnknownWorkError,
)
from registry.models import Fingerprint, LogCheckpoint, LogEntry, Manifest, TextPosting, Work, WorkParent, WorkVersion
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.statement import RegistrationStatement
from registry.tlog.receipt import Receipt, verify_receipt
from registry.works import work_details, work_manifest

ARTICLE = (
    "Harbour council approves tidal barrier study\n\n"
    "The harbour council voted on Tuesday to fund a two-year study of a tidal barrier across the "
    "estuary mouth, after three winters in which storm surges flooded the lower quay. Engineers will "
    "model how a movable gate would change sediment flows, fish passage and the shipping channel.\n\n"
    "Residents of the quay district told the meeting that sandbags and temporary walls had become a "
    "seasonal ritual. The study's first report is due next autumn, and the council said public "
    "hearings would follow before any construction money is committed.\n"
)
REQUEST = RegistrationRequest(model="claude", model_version="sample-2026-11", title="Tidal barrier",
                              datasets=("https://commoncrawl.org/",), prompt="write about the barrier",
                              editors=("night desk",))


def _counts(registry) -> dict[str, int]:
    with registry.db.reading() as session:
        return {model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Work, WorkVersion, WorkParent, Manifest, Fingerprint, TextPosting, LogEntry, LogCheckpoint)}


def test_register_stores_everything_and_returns_a_verifiable_receipt(registry):
    result = register_article(registry, ARTICLE.encode(), REQUEST)

    assert result.sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert result.log_index == 0 and result.kind == "article" and result.prior_art == ()
    details = work_details(registry, result.work_id)
    assert details["title"] == "Tidal barrier"
    assert details["provenance"]["model_name"] == "claude"
    assert details["provenance"]["prompt_digest"].startswith("sha256:")
    with registry.db.reading() as session:
        leaf = registry.log.entry(session, 0).leaf
    statement = RegistrationStatement.from_leaf(leaf)
    assert (statement.work_id, statement.content_sha256) == (result.work_id, result.sha256)
    assert statement.manifest_sha256 == hashlib.sha256(work_manifest(registry, result.work_id)).hexdigest()
    assert "local" not in leaf.decode(), "the registrant appears only as a commitment"
    checkpoint = verify_receipt(Receipt.from_text(result.receipt), leaf, registry.keys.log_verifier,
                                origin=registry.settings.log_origin)
    assert checkpoint.size == 1


def test_canonical_form_is_what_gets_hashed(registry):
    crlf = ARTICLE.replace("\n", "\r\n").encode()
    result = register_article(registry, b"\xef\xbb\xbf" + crlf, REQUEST)
    assert result.sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()


def test_parents_are_recorded_and_prior_art_reported(registry):
    parent = register_article(registry, ARTICLE.encode(), REQUEST)
    edited = ARTICLE.replace("Tuesday", "Wednesday") + "\nA council spokesperson confirmed the timetable.\n"
    child = register_article(registry, edited.encode(),
                             RegistrationRequest(model="claude", parents=(parent.work_id,)))
    assert [m.work_id for m in child.prior_art] == [parent.work_id]
    assert work_details(registry, child.work_id)["parents"] == [parent.work_id]
    assert work_details(registry, parent.work_id)["children"] == [child.work_id]
    assert child.log_index == 1


@pytest.mark.parametrize(
    ("raw", "request_", "error", "message"),
    [
        (b"", REQUEST, InvalidInputError, "empty"),  # nothing at all
        (b"   \n\t\n", REQUEST, InvalidInputError, "empty"),  # whitespace only
        (b"\x89PNG\r\n\x1a\n" + bytes(200), REQUEST, InvalidInputError, ""),  # binary posing as text
        (b"caf\xe9 au lait " * 20, REQUEST, InvalidInputError, "UTF-8"),  # Latin-1, not UTF-8
        (b"tiny", REQUEST, InvalidInputError, ""),  # too short to fingerprint
        (ARTICLE.encode(), RegistrationRequest(), InvalidInputError, "model"),  # no model named
        (ARTICLE.encode(), RegistrationRequest(model="m", parents=("01ARZ3NDEKTSV4RRFFQ69G5FAV",)),
         UnknownWorkError, "unknown parent"),  # parent not registered
        (ARTICLE.encode(), RegistrationRequest(model="m", registrant="nobody"), UnknownPartyError, "nobody"),
        (ARTICLE.encode(), RegistrationRequest(model="m", datasets=("not a uri",)), InvalidInputError, ""),
    ],
    ids=["empty", "whitespace", "png", "latin1", "too-short", "no-model", "unknown-parent",
         "unknown-registrant", "bad-dataset-uri"],
)
def test_bad_input_is_refused_and_stores_nothing(registry, raw, request_, error, message):
    before = _counts(registry)
    with pytest.raises(error) as caught:
        register_article(registry, raw, request_)
    assert message.lower() in str(caught.value).lower()
    assert _counts(registry) == before


def test_over_the_limit_is_refused(registry):
    registry.settings.max_article_bytes = 1000
    with pytest.raises(PayloadTooLargeError, match="limit is 1000 bytes"):
        register_article(registry, ARTICLE.encode() * 10, REQUEST)


def test_duplicate_content_is_a_conflict_naming_the_existing_work(registry):
    first = register_article(registry, ARTICLE.encode(), REQUEST)
    before = _counts(registry)
    with pytest.raises(ConflictError) as caught:
        register_article(registry, ARTICLE.encode(), REQUEST)
    assert caught.value.details["work_id"] == first.work_id
    assert _counts(registry) == before


def test_malformed_metadata_names_the_field():
    with pytest.raises(InvalidInputError, match="'datasets' must be a list"):
        RegistrationRequest.from_metadata(json.loads('{"model": "m", "datasets": "https://x"}'))
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        RegistrationRequest.from_metadata({"kind": "podcast"})
