"""A small HTML front page: what is registered, and where the API and the log are."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from registry.works import list_works

from .auth import PrincipalDep
from .deps import RegistryDep

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(registry: RegistryDep, principal: PrincipalDep) -> str:
    with registry.db.reading() as session:
        checkpoint = registry.log.latest_checkpoint(session)
    works = list_works(registry, limit=200, principal=principal)
    rows = "\n".join(
        f"<tr><td>{w['log_index']}</td><td><a href='/api/v1/works/{w['work_id']}'>{escape(w['title'])}</a></td>"
        f"<td>{w['kind']}</td><td><code>{w['sha256'][:16]}…</code></td>"
        f"<td><a href='/api/v1/works/{w['work_id']}/history'>history</a> · "
        f"<a href='/api/v1/works/{w['work_id']}/manifest'>manifest</a>"
        + (f" · <a href='/api/v1/works/{w['work_id']}/signed'>signed copy</a>" if w["kind"] != "article" else "")
        + "</td></tr>"
        for w in works
    )
    size = checkpoint.size if checkpoint else 0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aigc-registry</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
td,th{{padding:.2rem .6rem;text-align:left}}code{{font-size:.85em}}</style></head>
<body><h1>aigc-registry</h1>
<p>Provenance and copyright registry for AI-generated content.
<a href="/docs">API documentation</a> · <a href="/log/checkpoint">log checkpoint</a> (size {size}) ·
<a href="/log/key">log verifier key</a></p>
<table><thead><tr><th>log index</th><th>title</th><th>kind</th><th>sha256</th><th>provenance</th></tr></thead>
<tbody>{rows}</tbody></table></body></html>"""
