"""The OpenAPI document fuzzed with schemathesis's own conformance checks (schemathesis 4):
every case, sent as the owner of an organisation (a bearer key), passes every check schemathesis
enables by default: not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection,
positive_data_acceptance, missing_required_header, unsupported_method, allow_header_conformance
and ignored_auth (use_after_free, ensure_resource_availability and object_level_authorization are
on too, but judge stateful runs and several identities, which this one is not). Every JSON error
comes in the one shape `{"error": {"code", "message"}}`.

The run is bounded and deterministic: the coverage phase's cases (boundaries, missing and
unexpected parts, unsupported methods) and EXAMPLES_PER_OPERATION derandomized examples per
operation, positive and negative, over a registry seeded before collection with works, parties,
an open and an adopted amendment, a ledger entry, a spare API key and a job. Their ids stand for
path parameters three times in four (the rest are drawn, and mostly 404), so cases reach the
handlers behind the policy's object checks; so do a registration's `model` and `registrant`, and
an uploaded `file` is a sample article in the fuzzed examples (media uploads are tested in
test_media_end_to_end.py). The app runs without its ASGI lifespan (see `_without_lifespan`).

Two checks are spared for some cases, each for a written reason:

- positive_data_acceptance, for a schema-valid case that breaks a rule its operation's
  description states and a schema cannot (STATED_RULES: what a file's bytes must be, a field
  required here or in the metadata, two fields that exclude each other, a day not in the future,
  relations between two parameters): the case must then be refused with the rule's status. And
  for split sheets, terms, revenue and resales, whose shares must add up and whose sheet must be
  in force (REVENUE_RULES): refused with 422 whose `rule` names the broken rule.
- negative_data_rejection, for a case whose only mutations change the JSON type of a file part:
  on the wire every part is bytes, so the request is a valid upload.

SQLite only: schemathesis builds its cases from the app's document when the module is collected,
so the app is made then (its fixture loader does not run on pytest 9); the database-dependent
limits (32-bit ids on PostgreSQL) are in test_hostile_input.py on both databases."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from fingerprint.errors import EmptyTextError
from fingerprint.text import fingerprint_text
from provenance.article import canonicalise_article
from provenance.errors import InvalidArticleError
from registry.accounts import manage
from registry.settings import Settings
from registry.webhooks.targets import url_problem
from web.app import create_app

from ..conftest import SAMPLES, steady_utc_today

EXAMPLES_PER_OPERATION = 25
SEED_PROBABILITY = 0.75  # how often a path id is one of the seeded objects'
ARTICLES = sorted(path.stem for path in (SAMPLES / "articles").glob("*.txt"))  # the first two are seeded
TODAY = steady_utc_today().isoformat()

_folder = Path(tempfile.mkdtemp(prefix="aigc-fuzz-"))
atexit.register(shutil.rmtree, _folder, True)
_app = create_app(Settings(data_dir=_folder, load_samples=False, rate_limit_writes="off", rate_limit_matches="off"))
_KEY = manage.issue_api_key(_app.state.registry, org_name="local", role="owner")["key"]


def _seed(client: TestClient) -> dict[str, list]:
    """A small world for the fuzz to reach: the ids it draws path parameters from."""
    def ok(response, status=200):  # type: ignore[no-untyped-def]
        assert response.status_code == status, response.text
        return response.json()

    works = [ok(client.post("/api/v1/works", files={"file": (f"{slug}.txt", (SAMPLES / "articles" / f"{slug}.txt")
                                                            .read_bytes())}, data={"model": "claude"}), 201)["work_id"]
             for slug in ARTICLES[:2]]
    ok(client.post("/api/v1/parties", json={"name": "Ada", "kind": "person"}), 201)
    ok(client.post("/api/v1/parties", json={"name": "Lab"}), 201)
    adopted = ok(client.post(f"/api/v1/works/{works[0]}/sheet/amendments", json={
        "parties": [{"party": "Ada", "role": "creator", "share": "1/1"}], "effective_from": TODAY}), 201)
    ok(client.post(f"/api/v1/amendments/{adopted['amendment_id']}/signatures", json={"party": "Ada"}))
    open_ = ok(client.post(f"/api/v1/works/{works[1]}/sheet/amendments", json={
        "parties": [{"party": "Ada", "role": "creator", "share": "1/2"},
                    {"party": "Lab", "role": "model_developer", "share": "1/2"}], "effective_from": TODAY}), 201)
    entry = ok(client.post(f"/api/v1/works/{works[0]}/revenue",
                           json={"amount": "12.34", "currency": "EUR", "earned_on": TODAY}))
    spare_key = ok(client.post("/api/v1/keys", json={"role": "viewer", "name": "spare"}), 201)
    job = ok(client.post("/api/v1/matches", files={"file": ("q.txt", b"a suspect text of a few words")},
                         headers={"Prefer": "respond-async"}), 202)
    return {"work_id": works, "amendment_id": [open_["amendment_id"], adopted["amendment_id"]],
            "entry_id": [entry["entry_id"]], "party": ["Ada", "Lab", "local"], "key_id": [spare_key["key_id"]],
            "job_id": [job["job_id"]]}


_IDS = _seed(TestClient(_app, headers={"Authorization": f"Bearer {_KEY}"}))  # no lifespan: the app stays open
_CONFIG = SchemathesisConfig.from_dict({
    "seed": 12,
    "auth": {"openapi": {"apiKey": {"bearer": _KEY}}},
    "dictionaries": {name: {"values": values} for name, values in _IDS.items()}
    | {"articles": {"values": [(SAMPLES / "articles" / f"{slug}.txt").read_text() for slug in ARTICLES]},
       "models": {"values": ["claude", "veo"]}, "organisations": {"values": ["local"]}},
    "parameters": {f"path.{name}": {"dictionary": name, "probability": SEED_PROBABILITY} for name in _IDS}
    | {"body.file": {"dictionary": "articles", "probability": 1.0},
       "body.model": {"dictionary": "models", "probability": SEED_PROBABILITY},
       "body.registrant": {"dictionary": "organisations", "probability": SEED_PROBABILITY}},
})
atexit.register(_app.state.registry.close)


def _without_lifespan(app):  # type: ignore[no-untyped-def]
    """The app with no ASGI lifespan: schemathesis's pytest plugin ends every lifespan it started
    after each test (any test's), and the app's shutdown closes its registry, so the registry
    opened here stays open for the whole module instead and is closed at exit."""
    async def without_lifespan(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "lifespan":
            await app(scope, receive, send)

    return without_lifespan


schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan(_app), config=_CONFIG)


def _text(value: object) -> bytes:
    """A multipart part's bytes as sent: text as UTF-8, generated binary as is."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(getattr(value, "data", value)) if isinstance(getattr(value, "data", value), bytes) else b""


def _is_text(value: object) -> bool:
    """Bytes the registry reads as text: UTF-8, not empty, not binary (provenance/article.py)."""
    try:
        canonicalise_article(_text(value))
    except InvalidArticleError:
        return False
    return True


def _is_article(value: object) -> bool:
    """Text the registry registers and matches: long enough to fingerprint, too."""
    try:
        fingerprint_text(canonicalise_article(_text(value)))
    except (InvalidArticleError, EmptyTextError):
        return False
    return True


def _given(case, name: str, metadata_name: str | None = None) -> object:  # type: ignore[no-untyped-def]
    """A registration field as the registry reads it: the form's value, else the metadata's."""
    form = case.body if isinstance(case.body, dict) else {}
    metadata = form.get("metadata") if isinstance(form.get("metadata"), dict) else {}
    value = form.get(name)
    return value if value not in (None, "", False, []) else metadata.get(metadata_name or name)


def _is_binding(query: object) -> bool:
    """A soft binding query the registry can read: a supported algorithm and a value of its format."""
    from registry.soft_binding.bindings import TEXT_ALG, VIDEO_ALG, text_binding_hashes, video_binding_fingerprint
    from registry.errors import BadQueryError

    if not isinstance(query, dict) or query.get("alg") not in (TEXT_ALG, VIDEO_ALG):
        return False
    try:
        (text_binding_hashes if query["alg"] == TEXT_ALG else video_binding_fingerprint)(query.get("value"))
    except BadQueryError:
        return False
    return True


def _is_asset(case) -> bool:  # type: ignore[no-untyped-def]
    """A byContent body the registry reads: text declared as text/*, or a picture or a video whose
    bytes are of the kind its image/* or video/* names (the fuzz sends the sample files too), and
    no algorithm or the one for that kind."""
    from registry.soft_binding.bindings import TEXT_ALG, VIDEO_ALG
    from registry.media import sniff

    kind = (case.media_type or "").partition("/")[0]
    if (case.query or {}).get("alg") not in (None, "", TEXT_ALG if kind == "text" else VIDEO_ALG):
        return False  # no algorithm, or the one for the asset's kind
    if kind == "text":
        return _is_text(case.body)
    data = getattr(case.body, "data", None)  # schemathesis's Binary: a str subclass holding bytes
    found = sniff((data if isinstance(data, bytes) else _text(case.body))[:64])
    return found is not None and found.kind == kind


def _future(day: object) -> bool:
    return isinstance(day, str) and day > TODAY


_UPLOADS = ("POST /api/v1/works", "POST /api/v1/matches", "POST /api/v1/claims", "POST /api/v1/verifications")


@dataclass(frozen=True)
class StatedRule:
    """A rule an operation's description states and its schema cannot: a case that breaks it is
    refused with one of `statuses`."""

    operations: tuple[str, ...]
    broken_by: Callable  # (case) -> bool
    statuses: frozenset[int]


STATED_RULES = [
    # the bytes of a file: an article (UTF-8 text, 16 characters or more), a video or an image, or 415
    # (RFC 9110 15.5.16: "as a result of inspecting the data directly"); text that is no article is 422
    StatedRule(_UPLOADS[:3], lambda c: not _is_article((c.body or {}).get("file")), frozenset({415, 422})),
    # anything can be verified, so long as it is text, a video or an image
    StatedRule(_UPLOADS[3:], lambda c: not _is_text((c.body or {}).get("file")), frozenset({415, 422})),
    # a file of one kind declared as another
    StatedRule(_UPLOADS[:1], lambda c: _is_article(c.body.get("file")) and _given(c, "kind") not in (None, "article"),
               frozenset({415})),
    # model: required, in the form or in the metadata
    StatedRule(_UPLOADS[:1], lambda c: not _given(c, "model"), frozenset({422})),
    StatedRule(_UPLOADS[:1], lambda c: bool(_given(c, "unpublished") and _given(c, "embargo_until")), frozenset({422})),
    StatedRule(_UPLOADS[:1], lambda c: _given(c, "training_mining") == "constrained"
               and not _given(c, "training_constraint"), frozenset({422})),
    # revenue and resales are recorded once they happened
    StatedRule(("POST /api/v1/works/{work_id}/revenue",), lambda c: _future((c.body or {}).get("earned_on")),
               frozenset({422})),
    StatedRule(("POST /api/v1/works/{work_id}/resales",), lambda c: _future((c.body or {}).get("sold_on")),
               frozenset({422})),
    # the Soft Binding Resolution API: an algorithm it supports and a value of that algorithm's
    # format (C2PA: 400 "Invalid query value"); an asset of the kind its Content-Type names, or 415
    StatedRule(("GET /c2pa/v1/matches/byBinding",), lambda c: not _is_binding(c.query), frozenset({400})),
    StatedRule(("POST /c2pa/v1/matches/byBinding",), lambda c: not _is_binding(c.body), frozenset({400})),
    StatedRule(("POST /c2pa/v1/matches/byContent",), lambda c: not _is_asset(c), frozenset({400, 415, 422})),
    # a statement's period ends on or after its first day
    StatedRule(("GET /api/v1/parties/{party}/statement",), lambda c: c.query["to"] < c.query["from"], frozenset({422})),
    # OpenAPI cannot make exactly one of two optional query parameters required,
    StatedRule(("GET /api/v1/log/inclusion",), lambda c: ("index" in c.query) == ("leaf_hash" in c.query),
               frozenset({422})),
    # a webhook's URL: no credentials in it, a host that is no loopback, private or reserved address
    StatedRule(("POST /api/v1/webhooks",), lambda c: url_problem(c.body["url"], allow_private=False) is not None,
               frozenset({422})),
    # nor relate two parameters' values
    StatedRule(("GET /api/v1/log/consistency",), lambda c: "new" in c.query and int(c.query["old"]) > int(c.query["new"]),
               frozenset({422})),
]
#: Split sheets, terms, revenue and resales follow revenue/'s rules (shares add up to the whole, a
#: sheet in force on the day, the currency's minor unit, no royalty cycles): a case that breaks one
#: is refused with 422 whose `rule` names it.
REVENUE_RULES = ("POST /api/v1/works/{work_id}/sheet/amendments", "POST /api/v1/amendments/{amendment_id}/signatures",
                 "PUT /api/v1/works/{work_id}/terms", "POST /api/v1/works/{work_id}/revenue",
                 "POST /api/v1/works/{work_id}/resales")
#: The policy's checks (the credential, the role, the path's object) come before the body is read.
POLICY_REFUSALS = frozenset({401, 403, 404})
#: The file parts of the multipart forms: any value becomes bytes on the wire, so a `type` mutation
#: of one is still a file (schemathesis calls it schema-violating; the server rightly reads it).
FILE_PARTS = ("file", "manifest", "receipt")


def _broken_rules(case) -> frozenset[int] | None:  # type: ignore[no-untyped-def]
    """The statuses a positive case that breaks a stated rule may get; None when it breaks none."""
    statuses: set[int] = set()
    for rule in STATED_RULES:
        if case.operation.label in rule.operations:
            try:
                broken = rule.broken_by(case)
            except (TypeError, ValueError, KeyError, AttributeError):  # values not even of the schema's types
                continue
            if broken:
                statuses |= rule.statuses
    return frozenset(statuses) or None


def _mutates_only_file_types(case) -> bool:  # type: ignore[no-untyped-def]
    mutations = getattr(case.meta.phase.data, "mutations", ())
    return bool(mutations) and all(m.keywords == ("type",) and m.schema_pointer.rsplit("/", 1)[-1] in FILE_PARTS
                                   for m in mutations)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
def test_every_request_conforms_to_the_document(case):
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    stated = _broken_rules(case) if positive else None
    response = case.call()
    spared = []
    if stated is not None or (positive and case.operation.label in REVENUE_RULES and response.status_code == 422
                              and "rule" in response.json()["error"]):
        spared.append(positive_data_acceptance)
    if not positive and case.meta is not None and _mutates_only_file_types(case):
        spared.append(negative_data_rejection)
    case.validate_response(response, excluded_checks=spared or None)
    if stated is not None:
        assert response.status_code in stated | POLICY_REFUSALS, f"{case.operation.label}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and response.headers.get("content-type", [""])[0].startswith("application/json"):
        assert set(response.json()["error"]) >= {"code", "message"}, response.text[:300]
