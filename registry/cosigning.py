"""Ask the configured witnesses to cosign the log's newest checkpoint, and keep what they sign.

For each witness the log sends (c2sp.org/tlog-witness add-checkpoint) the size it last saw that
witness cosign, a consistency proof from there, and the signed checkpoint. A 409 answer carries the
witness's own recorded size: the log retries once from that size. Every returned cosignature is
verified with the witness's configured key before it is stored; `/log/checkpoint` and receipts then
carry it.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select

from .models import LogCheckpoint, LogCosignature
from .service import Registry
from .tlog.cosignature import CosignatureVerifier
from .tlog.errors import LogError
from .tlog.note import open_note
from .tlog.witness import AddCheckpointRequest

Post = Callable[[str, str], tuple[int, str]]  # (url, body) -> (status, response text)


def http_post(url: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a configured witness URL
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@dataclass(frozen=True)
class CosignOutcome:
    witness: str
    size: int
    ok: bool
    message: str


def request_cosignatures(registry: Registry, *, post: Post = http_post) -> list[CosignOutcome]:
    """One round: every configured witness is asked to cosign the newest checkpoint."""
    outcomes = []
    with registry.db.reading() as session:
        latest = registry.log.latest_checkpoint(session)
    if latest is None:
        return outcomes
    text = open_note(latest.note, [registry.keys.log_verifier]).text
    for config in registry.settings.witnesses:
        verifier = CosignatureVerifier.from_vkey(config.key)
        try:
            outcomes.append(_ask(registry, verifier, config.url.rstrip("/"), latest, text, post))
        except (LogError, OSError, ValueError) as e:
            outcomes.append(CosignOutcome(verifier.name, latest.size, False, f"{type(e).__name__}: {e}"))
    return outcomes


def _last_cosigned_size(registry: Registry, witness: str) -> int:
    with registry.db.reading() as session:
        size = session.exec(select(func.max(LogCosignature.size)).where(LogCosignature.witness == witness)).one()
    return int(size or 0)


def _ask(registry: Registry, verifier: CosignatureVerifier, url: str, latest: LogCheckpoint, text: str,
         post: Post) -> CosignOutcome:
    with registry.db.reading() as session:
        if session.get(LogCosignature, (latest.size, verifier.name)) is not None:
            return CosignOutcome(verifier.name, latest.size, True, "already cosigned")
    old = _last_cosigned_size(registry, verifier.name)
    for _attempt in range(2):
        if old > latest.size:
            return CosignOutcome(verifier.name, latest.size, False,
                                 f"witness has recorded size {old}, beyond this log's {latest.size}: a fork?")
        with registry.db.reading() as session:
            proof = registry.log.consistency(session, old, latest.size) if 0 < old < latest.size else []
        status, answer = post(f"{url}/add-checkpoint", AddCheckpointRequest(old, tuple(proof), latest.note).to_text())
        if status == 409 and answer.strip().isdigit():
            old = int(answer.strip())  # the witness knows another size: go again from there
            continue
        if status != 200:
            return CosignOutcome(verifier.name, latest.size, False, f"HTTP {status}: {answer.strip()[:200]}")
        line = next((line for line in answer.splitlines() if line.strip()), "")
        verifier.verify(text, line)
        with registry.db.writing() as session:
            if session.get(LogCosignature, (latest.size, verifier.name)) is None:
                session.add(LogCosignature(size=latest.size, witness=verifier.name, line=line))
        return CosignOutcome(verifier.name, latest.size, True, "cosigned")
    return CosignOutcome(verifier.name, latest.size, False, "witness kept answering 409")
