"""Benchmark: what authenticating a request costs, beside no authentication at all, in the same run.

    .venv/bin/python bench/auth.py [--requests 1000] [--calls 2000] [--database-url URL]

A registry in a temporary data folder (SQLite; `--database-url postgresql+psycopg://...` runs it in a
throwaway schema, dropped at the end) holds one organisation with an editor key and one sample
article registered by the operator. Requests go in process through the real ASGI app
(`httpx.AsyncClient` over `httpx.ASGITransport`), on two routes:

- GET /api/v1/works/{work_id}: a public route with an object rule (`work_visible`),
- GET /log/key: a public route without an object.

On each route, three callers:
- none (the obvious alternative): the same app with `web.auth.authorize` overridden by a coroutine
  returning a fixed admin Principal, so no key lookup and no policy;
- anonymous: no credential, the declared policy only (and the object rule where the route has one);
- editor key: `Authorization: Bearer KEY`, so the key lookup (parse, one primary-key SELECT,
  constant-time hash compare, the last_used_at write throttled to once a minute) plus the policy.

The six variants take turns request by request, in a new random order each round, so machine noise
hits them alike. Printed: p50/p95/p99 in ms per variant and what each adds over "none" on the same
route; then the authorization steps alone in microseconds, also taking turns: parsing the key and
comparing its hash, `KeyAuthenticator.authenticate` (and, the obvious alternative to its throttle, the
same writing last_used_at on every call), the object rule, and the whole `authorize` dependency
called on a built request; then a rate-limit hit (GET routes count none; writes and matches do),
timed last and alone. Last line: whether the target (at most 1 ms p95 added) holds.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx
from isolated_database import isolated  # bench/ is the script's own folder
from starlette.requests import Request

from registry.accounts import manage
from registry.accounts.api_keys import KeyAuthenticator
from registry.accounts.credentials import parse_api_key, secret_matches
from registry.accounts.object_rules import OBJECT_RULES
from registry.accounts.principal import Principal
from registry.models import ApiKey
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.settings import Settings
from web.app import create_app
from web.auth import authorize
from web.rate_limits import RateLimits

TARGET_MS = 1.0
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "articles" / "calder-valley-storm.txt"
FIXED_ADMIN = Principal(kind="key", role="admin", credential="key:bench-fixed")


async def no_authentication() -> Principal:
    """The baseline's `authorize`: async, so FastAPI calls it on the event loop (a plain function
    would cost a thread-pool hop that `authorize` itself does not pay for its own body)."""
    return FIXED_ADMIN


@dataclass
class Variant:
    route: str  # the route template, for the table
    caller: str  # none | anonymous | editor key
    url: str
    headers: dict[str, str]
    seconds: list[float] = field(default_factory=list)

    @property
    def bypass(self) -> bool:
        return self.caller == "none"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def build_registry(folder: Path, url: str | None):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=folder / "data", database_url=url, load_samples=False)
    app = create_app(settings)
    registry = app.state.registry
    manage.create_organisation(registry, "Bench Gazette", "newsroom")
    key = manage.issue_api_key(registry, org_name="Bench Gazette", role="editor", name="bench")["key"]
    meta = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    work_id = register_article(registry, SAMPLE.read_bytes(), RegistrationRequest.from_metadata(meta)).work_id
    return app, key, work_id


async def time_requests(app, variants: list[Variant], rounds: int, warmup: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(11)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        bad = {"Authorization": "Bearer not-a-key"}
        app.dependency_overrides[authorize] = no_authentication
        assert (await client.get("/log/key", headers=bad)).status_code == 200, "the baseline still authenticates"
        app.dependency_overrides.clear()
        assert (await client.get("/log/key", headers=bad)).status_code == 401, "a bad key went through"
        for turn in range(warmup + rounds):
            order = variants[:]
            rng.shuffle(order)
            for variant in order:
                if variant.bypass:
                    app.dependency_overrides[authorize] = no_authentication
                else:
                    app.dependency_overrides.pop(authorize, None)
                start = time.perf_counter()
                response = await client.get(variant.url, headers=variant.headers)
                elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise SystemExit(f"{variant.caller} on {variant.url}: {response.status_code} {response.text}")
                if turn >= warmup:
                    variant.seconds.append(elapsed)
    app.dependency_overrides.clear()


def built_request(app, method: str, template: str, path: str, path_params: dict, key: str | None) -> Request:  # type: ignore[no-untyped-def]
    """A request as the router hands it to `authorize`: the app, the matched route's template, its parameters."""
    headers = [(b"authorization", f"Bearer {key}".encode())] if key else []
    return Request({"type": "http", "method": method, "path": path, "query_string": b"", "headers": headers,
                    "app": app, "route": SimpleNamespace(path=template), "path_params": path_params,
                    "client": ("127.0.0.1", 50000)})


async def time_steps(app, key: str, work_id: str, calls: int) -> list[tuple[str, list[float]]]:  # type: ignore[no-untyped-def]
    """Each step alone, the steps taking turns call by call in a new random order each round."""
    registry = app.state.registry
    editor = registry.key_authenticator.authenticate(registry.db, key)
    rule = OBJECT_RULES["work_visible"]
    with registry.db.reading() as session:
        stored = session.get(ApiKey, editor.credential.removeprefix("key:")).secret_sha256

    def parse_and_compare() -> None:
        _key_id, secret = parse_api_key(key)  # type: ignore[misc]
        assert secret_matches(secret, stored)

    def object_rule() -> None:
        with registry.db.reading() as session:
            rule(session, editor, work_id)

    def authorize_on(template: str, path: str, params: dict, credential: str | None) -> Callable[[], Awaitable]:
        return lambda: authorize(built_request(app, "GET", template, path, params, credential))

    work = ("/api/v1/works/{work_id}", f"/api/v1/works/{work_id}", {"work_id": work_id})
    steps: list[tuple[str, Callable[[], object]]] = [
        ("parse + SHA-256 compare", parse_and_compare),
        ("authenticate (throttled write)", lambda: registry.key_authenticator.authenticate(registry.db, key)),
        # the obvious alternative to the throttle: a fresh authenticator has written nothing, so it writes
        ("authenticate, write every call", lambda: KeyAuthenticator().authenticate(registry.db, key)),
        ("object rule work_visible", object_rule),
        ("authorize: editor, work", authorize_on(*work, key)),
        ("authorize: editor, /log/key", authorize_on("/log/key", "/log/key", {}, key)),
        ("authorize: anonymous, work", authorize_on(*work, None)),
    ]
    seconds: dict[str, list[float]] = {label: [] for label, _ in steps}
    rng = random.Random(13)
    for turn in range(100 + calls):
        rng.shuffle(steps)
        for label, step in steps:
            started = time.perf_counter()
            result = step()
            if asyncio.iscoroutine(result):
                await result
            elapsed = time.perf_counter() - started
            if turn >= 100:
                seconds[label].append(elapsed)
    return [*seconds.items(), ("rate-limit hit (writes only)", time_rate_limit(registry.settings, calls))]


def time_rate_limit(settings: Settings, calls: int) -> list[float]:
    """One hit of the write limit (default 120/minute), a new caller every 100 hits so none is refused.
    Timed last and alone: a memory:// limiter with live counters starts a thread every 10 ms to expire
    them, which would slow whatever runs beside it."""
    limits = RateLimits(settings)
    seconds = []
    for i in range(calls):
        started = time.perf_counter()
        limits.hit("write", f"key:bench{i // 100}")
        seconds.append(time.perf_counter() - started)
    return seconds


def report(database_url: str | None, variants: list[Variant], steps: list[tuple[str, list[float]]],
           wall: float) -> None:
    count = len(variants[0].seconds)
    print(f"database: {database_url or 'sqlite (embedded default)'}; {count} requests per variant, "
          f"{len(variants)} variants interleaved ({wall:.1f} s)")
    print(f"{'route':<26} {'caller':<10} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'+p50 ms':>8} {'+p95 ms':>8}")
    worst = 0.0
    for variant in variants:
        p50, p95, p99 = (percentile(variant.seconds, q) * 1000 for q in (0.50, 0.95, 0.99))
        base = next(v for v in variants if v.route == variant.route and v.bypass)
        added = ""
        if not variant.bypass:
            add50 = p50 - percentile(base.seconds, 0.50) * 1000
            add95 = p95 - percentile(base.seconds, 0.95) * 1000
            worst = max(worst, add95)
            added = f"{add50:>+8.3f} {add95:>+8.3f}"
        print(f"{variant.route:<26} {variant.caller:<10} {p50:>7.3f} {p95:>7.3f} {p99:>7.3f} {added}")
    print("authorization steps alone (microseconds):")
    print(f"  {'step':<32} {'calls':>6} {'p50 us':>8} {'p95 us':>8}")
    for label, seconds in steps:
        print(f"  {label:<32} {len(seconds):>6} {percentile(seconds, 0.50) * 1e6:>8.1f} "
              f"{percentile(seconds, 0.95) * 1e6:>8.1f}")
    verdict = "holds" if worst <= TARGET_MS else "MISSED"
    print(f"target: at most {TARGET_MS:g} ms p95 added per request; worst added p95 {worst:+.3f} ms: {verdict}")


def run(requests: int, calls: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder, isolated(database_url) as url:
        app, key, work_id = build_registry(Path(folder), url)
        editor = {"Authorization": f"Bearer {key}"}
        variants = [Variant(route, caller, url_, headers)
                    for route, url_ in (("GET /api/v1/works/{id}", f"/api/v1/works/{work_id}"),
                                        ("GET /log/key", "/log/key"))
                    for caller, headers in (("none", {}), ("anonymous", {}), ("editor key", editor))]
        started = time.perf_counter()
        asyncio.run(time_requests(app, variants, rounds=requests, warmup=100))
        wall = time.perf_counter() - started
        steps = asyncio.run(time_steps(app, key, work_id, calls))
        app.state.jobs.close()
        app.state.registry.close()
    report(database_url, variants, steps, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per variant")
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per step measured alone")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    run(args.requests, args.calls, args.database_url)


if __name__ == "__main__":
    main()
