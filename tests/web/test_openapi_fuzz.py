"""The OpenAPI document fuzzed (schemathesis, a bounded deterministic run, 8 examples per operation): whatever a request that
fits the document carries, the server answers without a server error, and every JSON error comes in
the one shape `{"error": {"code", "message"}}`.

SQLite only: schemathesis builds its cases from the app's document when the module is collected,
so the app is made then (its fixture loader does not run on pytest 9); the database-dependent
limits (32-bit ids on PostgreSQL) are in test_hostile_input.py on both databases."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from registry.accounts import manage
from registry.settings import Settings
from web.app import create_app

EXAMPLES_PER_OPERATION = 8

_folder = Path(tempfile.mkdtemp(prefix="aigc-fuzz-"))
atexit.register(shutil.rmtree, _folder, True)
_app = create_app(Settings(data_dir=_folder, load_samples=False, rate_limit_writes="off", rate_limit_matches="off"))
_KEY = manage.issue_api_key(_app.state.registry, org_name="local", role="owner")["key"]
schema = schemathesis.openapi.from_asgi("/openapi.json", _app)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
def test_no_request_the_document_allows_is_a_server_error(case):
    response = case.call(headers={"Authorization": f"Bearer {_KEY}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    content_type = response.headers.get("content-type", [""])
    if response.status_code >= 400 and str(content_type[0] if isinstance(content_type, list) else content_type).startswith(
            "application/json"):
        assert set(response.json()["error"]) >= {"code", "message"}, response.text[:300]
