"""The HTTP face of the registry. `create_app(settings)` builds everything; nothing happens at import.

>>> import tempfile, pathlib
>>> from registry.settings import Settings
>>> app = create_app(Settings(data_dir=pathlib.Path(tempfile.mkdtemp()), load_samples=False))
>>> app.title
'aigc-registry'
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from registry.cosigning import request_cosignatures
from registry.service import Registry
from registry.settings import Settings
from registry.jobs import LocalRunner, RedisRunner
from registry.webhooks import run_sender

from . import api_accounts, api_c2pa, api_checks, api_claims, api_jobs, api_revenue, api_webhooks, api_works, log_routes, pages
from . import pages_account, pages_log, pages_register, pages_verify
from . import operations, pages_claims
from .api_docs import install_api_docs
from .auth import authorize
from .body_limits import BodyLimit
from .errors import error_parts, install_error_handlers
from .openapi import install_openapi
from .policy import check_every_route_has_a_rule
from .rate_limits import RateLimits
from .security import install_browser_safety

log = logging.getLogger("aigc_registry")


def _push_to_witnesses(registry: Registry, stop: threading.Event) -> None:
    """Background: every `witness_interval_seconds`, ask each witness to cosign the newest checkpoint."""
    while not stop.is_set():
        try:
            for outcome in request_cosignatures(registry):
                if not outcome.ok:
                    log.warning("witness %s did not cosign size %d: %s", outcome.witness, outcome.size, outcome.message)
        except Exception:  # noqa: BLE001 - a witness round must never take the server down
            log.exception("witness round failed")
        stop.wait(registry.settings.witness_interval_seconds)


def create_app(settings: Settings, registry: Registry | None = None) -> FastAPI:
    registry = registry or Registry.open(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        stop = threading.Event()
        threads = []
        if settings.witnesses:
            threads.append(threading.Thread(target=_push_to_witnesses, args=(registry, stop), daemon=True,
                                            name="witness-pusher"))
        if settings.webhook_sender and not settings.job_queue:  # with a queue, `aigc-registry worker` sends them
            threads.append(threading.Thread(target=run_sender, args=(registry, stop), daemon=True,
                                            name="webhook-sender"))
        for thread in threads:
            thread.start()
        resumed = app.state.jobs.resume()  # what an earlier process left queued or unfinished
        if resumed:
            log.info("resumed %d job(s) left by an earlier process", resumed)
        yield
        app.state.jobs.close()
        stop.set()
        for thread in threads:
            thread.join(timeout=settings.webhook_timeout_seconds + 5)
        registry.close()

    app = FastAPI(
        title="aigc-registry",
        summary="Provenance and copyright registry for AI-generated content",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # served offline by web/api_docs.py
        dependencies=[Depends(authorize)],  # every route passes the declared policy (web/policy.py)
    )
    app.state.registry = registry
    app.state.jobs = RedisRunner(settings.job_queue) if settings.job_queue else LocalRunner(
        registry, error_parts, workers=settings.job_threads)
    app.state.rate_limits = RateLimits(settings)

    install_error_handlers(app)
    for module in (api_works, api_checks, api_c2pa, api_claims, api_jobs, api_revenue, api_accounts, api_webhooks, log_routes,
                   pages):
        app.include_router(module.router)
    app.include_router(log_routes.api)
    app.include_router(api_c2pa.certificates)
    app.include_router(api_accounts.pages)
    app.include_router(pages_verify.router)
    app.include_router(pages_log.router)
    app.include_router(pages_register.router)
    app.include_router(pages_account.router)
    app.include_router(pages_claims.router)
    app.include_router(operations.router)
    pages.mount_assets(app)
    install_api_docs(app)
    check_every_route_has_a_rule(app)
    install_browser_safety(app, settings)
    install_openapi(app)
    operations.install_request_metrics(app)
    app.add_middleware(BodyLimit, settings=settings)  # outermost of ours: counts every body's bytes
    return app


def app_from_environment() -> FastAPI:
    """The app of one of several server processes (`serve --workers N`): settings from the environment."""
    warm_text_kernels_in_background()
    return create_app(Settings())


def warm_text_kernels_in_background() -> None:
    """A server's first article need not wait ~1 s for the text fingerprint's compiled kernels."""
    from fingerprint.text import warm_up

    threading.Thread(target=warm_up, daemon=True, name="text-kernels-warm-up").start()
