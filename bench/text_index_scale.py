"""The text index as the registry grows: match and registration latency, database bytes per article.

    .venv/bin/python bench/text_index_scale.py [--sizes 10000,100000] [--database-url URL]
                                              [--queries 40] [--registrations 40]

A registry (temporary data folder; SQLite unless `--database-url`, where a throwaway PostgreSQL
schema is used) is filled to each size in turn with synthetic articles (half English, half
Chinese, words drawn with their frequencies in ``tests/assets/text`` as in bench/text_match.py).
Filling writes each article's rows with the registry's own ``insert_rows`` (work, version,
fingerprint, postings) and its text blob, in transactions of 2,000, without a manifest or a log
entry each (a real registration signs and logs; those costs do not grow with the registry and are
in bench/register_articles.py). At each size the run then times, end to end on the real paths:

- ``match_article`` on ``--queries`` suspects: half edited copies of filled articles (3% typos
  and a header, or an excerpt of a fifth), half fresh articles that must match nothing;
- ``register_article`` of ``--registrations`` new articles (C2PA signing, prior-art check, log);

and prints p50/p95 of each, how many copies found their work, and the database's bytes per
article (SQLite: its pages in use; PostgreSQL: the schema's relations), with the index's own share
and the largest tables'. On PostgreSQL it also prints one probe's plan figures (index-only scans
need the visibility map: heap fetches are what a table autovacuum has not yet reached costs), then
runs ``VACUUM (ANALYZE)`` on the index and times both paths again. ``--keep`` leaves the schema.

The obvious alternative, in the same run at the first size: every hash of every article posted
in a rowid table with two indexes (what the registry did before: ``text_hash``): its bytes per
article, and the time of its unbounded lookup of a query's hashes against our capped probe.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# `python bench/x.py` puts bench/ first on the path, where bench/provenance.py and bench/revenue.py would
# shadow the packages of the same name: the repository root goes before it.
_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))

import argparse
import hashlib
import multiprocessing
import random
import statistics
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from fingerprint.text import TextFingerprint, fingerprint_texts, index_hashes
from provenance.article import canonicalise_article
from provenance.record import AIProvenance
from registry import matching
from registry.ids import new_id
from registry.matching import match_article
from registry.models import Work
from registry.registration.article import register_article
from registry.registration.steps import insert_rows
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

from isolated_database import isolated  # bench/ is the script's own folder
from text_match import make_query, synthetic_article, vocabularies

FILL_BATCH = 2_000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def made_batch(seed: int, count: int) -> list[tuple[str, bytes]]:
    """`count` synthetic articles as (canonical text, fingerprint bytes): made in a worker process
    while the parent writes the previous batch."""
    rng, vocab = random.Random(seed), _vocabulary()
    texts = [canonicalise_article(synthetic_article(rng, vocab, chinese=rng.random() < 0.5).encode())
             for _ in range(count)]
    return [(text_, fingerprint.to_bytes()) for text_, fingerprint in zip(texts, fingerprint_texts(texts))]


_vocabulary = cache(vocabularies)  # read once a worker process, not once a batch


class Filler:
    """Adds synthetic articles to a registry through its own row writer, and remembers a sample."""

    def __init__(self, registry: Registry, seed: int) -> None:
        self.registry, self.rng, self.vocab, self.seed = registry, random.Random(seed), vocabularies(), seed
        self.count, self.kept = 0, []  # (work_id, text) of some filled articles, to make copies of
        request = RegistrationRequest(model="bench-model", model_version="1")
        first = register_article(registry, self.article().encode(), request)  # a registrant, and one real row
        with registry.db.reading() as session:
            self.registrant = session.exec(select(Work.registrant_id).where(Work.id == first.work_id)).one()
        self.record = AIProvenance(model_name="bench-model", model_version="1")
        self.maker = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.writers = ThreadPoolExecutor(8)  # blob writes wait on fsync, not on the GIL
        self.batches = 0

    def close(self) -> None:
        self.maker.shutdown()
        self.writers.shutdown()

    def article(self) -> str:
        return synthetic_article(self.rng, self.vocab, chinese=self.rng.random() < 0.5)

    def _make(self, count: int) -> Future:
        self.batches += 1
        return self.maker.submit(made_batch, self.seed * 1_000_003 + self.batches, count)

    def fill_to(self, size: int) -> float:
        """Articles a second while filling to `size` (the next batch is made while one is written)."""
        started, added = time.perf_counter(), 0
        counts = [min(FILL_BATCH, size - start) for start in range(self.count, size, FILL_BATCH)]
        pending = [self._make(count) for count in counts[:2]]
        for n in range(len(counts)):
            batch = pending.pop(0).result()
            if n + 2 < len(counts):
                pending.append(self._make(counts[n + 2]))
            contents = [text_.encode() for text_, _ in batch]
            digests = list(self.writers.map(self.registry.blobs.put, contents))
            now = datetime.now(timezone.utc)
            with self.registry.db.writing() as session:
                for (text_, data), content, sha256 in zip(batch, contents, digests):
                    work_id = new_id()
                    insert_rows(session, work_id=work_id, title=text_[:40], registrant_id=self.registrant,
                                sha256=sha256, size=len(content), record=self.record,
                                log_index=10**9 + self.count, parents=[], manifest_sha256=sha256, manifest_size=0,
                                fingerprint=TextFingerprint.from_bytes(data), fingerprint_bytes=data,
                                fingerprint_sha256=hashlib.sha256(data).hexdigest(), created_at=now)
                    self.count += 1
                    added += 1
                    if self.rng.random() < 0.01 and len(self.kept) < 500:
                        self.kept.append((work_id, text_))
            if size >= 100_000 and self.count % 50_000 < FILL_BATCH:
                print(f"  filled {self.count:,} ({added / (time.perf_counter() - started):,.0f}/s)", flush=True)
        return added / (time.perf_counter() - started)


def largest_tables(registry: Registry, count: int) -> str:
    """The largest tables and indexes, in KB an article (SQLite's dbstat; PostgreSQL's relation sizes)."""
    with registry.db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' "
                "ORDER BY 2 DESC LIMIT 5")).all()
        else:
            rows = connection.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 5")).all()
    return ", ".join(f"{name} {size / count / 1024:.1f}" for name, size in rows)


def database_bytes(registry: Registry, settings: Settings) -> tuple[int, int]:
    """(the whole database, the text index) in bytes."""
    with registry.db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            total = connection.execute(text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar()
            index = connection.execute(text("SELECT pg_total_relation_size('text_posting')")).scalar()
            return int(total), int(index)
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = connection.execute(text("SELECT count(*) FROM dbstat WHERE name = 'text_posting'")).scalar()
        page_size = connection.execute(text("PRAGMA page_size")).scalar()
        used = connection.execute(text("PRAGMA page_count")).scalar() - connection.execute(
            text("PRAGMA freelist_count")).scalar()  # the old design's dropped table leaves free pages
        return int(used) * int(page_size), int(pages) * int(page_size)


def measure(registry: Registry, filler: Filler, queries: int, registrations: int) -> dict:
    rng = random.Random(filler.count)
    copies = [(work_id, make_query(rng, text_)) for work_id, text_ in rng.sample(filler.kept, min(queries // 2,
                                                                                                   len(filler.kept)))]
    fresh = [(None, filler.article()) for _ in range(queries - len(copies))]
    match_times, found = [], 0
    for expected, suspect in copies + fresh:
        t0 = time.perf_counter()
        matches = match_article(registry, suspect.encode())
        match_times.append(time.perf_counter() - t0)
        best = matches[0].work_id if matches else None
        found += expected is not None and best == expected
        assert expected is not None or not matches, "a fresh article matched a filled one"
    request = RegistrationRequest(model="bench-model", model_version="1")
    register_times = []
    for _ in range(registrations):
        raw = filler.article().encode()
        t0 = time.perf_counter()
        register_article(registry, raw, request)
        register_times.append(time.perf_counter() - t0)
    return {"match": match_times, "register": register_times, "found": found, "copies": len(copies)}


def probe_plan(registry: Registry, filler: Filler) -> str:
    """PostgreSQL: one copy's probe, EXPLAIN (ANALYZE, BUFFERS): its time, heap fetches and buffers."""
    import json

    from fingerprint.text import fingerprint_text

    query = fingerprint_text(make_query(random.Random(1), filler.kept[0][1]))
    hashes = index_hashes(query.distinct_hashes).tolist()
    with registry.db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT q.h, p.fingerprint_id FROM "
                       "unnest(%s::bigint[]) AS q(h) CROSS JOIN LATERAL (SELECT fingerprint_id FROM text_posting "
                       "WHERE hash = q.h ORDER BY fingerprint_id LIMIT %s) AS p",
                       (hashes, matching.COMMON_HASH_MIN_DF + 1))
        (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    top = plan[0]

    def scans(node: dict) -> list[dict]:
        found = [node] if "Index" in node.get("Node Type", "") else []
        return found + [s for child in node.get("Plans", []) for s in scans(child)]

    scan = scans(top["Plan"])
    fetches = sum(s.get("Heap Fetches", 0) for s in scan)
    kinds = ",".join(sorted({s["Node Type"] for s in scan}))
    return (f"{len(hashes)} hashes in {top['Execution Time']:.1f} ms ({kinds}): heap fetches {fetches:,}, "
            f"shared buffers hit {top['Plan'].get('Shared Hit Blocks', 0):,} "
            f"read {top['Plan'].get('Shared Read Blocks', 0):,}")


def report(label: str, result: dict) -> str:
    m, r = result["match"], result["register"]
    return (f"{label}: match p50 {statistics.median(m) * 1000:.1f} ms, p95 {percentile(m, 0.95) * 1000:.1f} ms "
            f"({result['found']}/{result['copies']} copies found); register p50 {statistics.median(r) * 1000:.1f} ms, "
            f"p95 {percentile(r, 0.95) * 1000:.1f} ms")


def old_design(registry: Registry, filler: Filler) -> tuple[float, float, float]:
    """Every hash posted in a rowid table with two indexes, beside ours: (its bytes per article,
    ms of its unbounded lookup of a suspect's hashes, ms of our capped probe), on SQLite only."""
    from fingerprint.text import fingerprint_text

    with registry.db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE old_text_hash (id INTEGER PRIMARY KEY, fingerprint_id INTEGER "
                                   "NOT NULL, hash BIGINT NOT NULL)")
        rows = connection.execute(text("SELECT id, data FROM fingerprint")).all()
        connection.exec_driver_sql("CREATE INDEX old_h ON old_text_hash (hash)")
        connection.exec_driver_sql("CREATE INDEX old_f ON old_text_hash (fingerprint_id)")
        for fingerprint_id, data in rows:
            values = TextFingerprint.from_bytes(bytes(data)).distinct_hashes.tolist()
            connection.connection.cursor().executemany("INSERT INTO old_text_hash (fingerprint_id, hash) VALUES (?, ?)",
                                                       [(fingerprint_id, v) for v in values])
        pages = connection.execute(text("SELECT count(*) FROM dbstat WHERE name IN "
                                        "('old_text_hash', 'old_h', 'old_f')")).scalar()
        page_size = connection.execute(text("PRAGMA page_size")).scalar()
    suspects = [fingerprint_text(make_query(random.Random(i), t)) for i, (_, t) in enumerate(filler.kept[:20])]
    old, ours = [], []
    with registry.db.reading() as session:
        cursor = session.connection().connection.cursor()
        for query in suspects:
            hashes = query.distinct_hashes.tolist()
            t0 = time.perf_counter()
            cursor.execute(f"SELECT hash, fingerprint_id FROM old_text_hash WHERE hash IN ({','.join('?' * len(hashes))})",
                           hashes)
            cursor.fetchall()
            cursor.execute("SELECT count(*) FROM fingerprint").fetchall()  # the old rarity rule's 1% of fingerprints
            old.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            matching._postings(session, index_hashes(query.distinct_hashes))
            ours.append(time.perf_counter() - t0)
    with registry.db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE old_text_hash")
    return int(pages) * int(page_size) / filler.count, statistics.median(old) * 1000, statistics.median(ours) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--registrations", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="leave the PostgreSQL schema behind")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as folder, isolated(args.database_url, keep=args.keep) as url:
        settings = Settings(data_dir=Path(folder), database_url=url, load_samples=False)
        registry = Registry.open(settings)
        filler = Filler(registry, seed=7)
        print(f"database: {args.database_url or 'sqlite (embedded default)'}")
        for n, size in enumerate(sizes):
            rate = filler.fill_to(size)
            if n == 0 and registry.db.engine.dialect.name == "sqlite":
                per_article, old_ms, ours_ms = old_design(registry, filler)
                print(f"  the old index (every hash, rowid + 2 indexes) at {filler.count:,}: "
                      f"{per_article / 1024:.1f} KB/article; a suspect's lookup {old_ms:.1f} ms vs ours {ours_ms:.1f} ms")
            postgres = registry.db.engine.dialect.name == "postgresql"
            if postgres:
                print(f"    probe plan as filled: {probe_plan(registry, filler)}", flush=True)
            result = measure(registry, filler, args.queries, args.registrations)
            total, index = database_bytes(registry, settings)
            print(f"{report(f'{filler.count:>9,} articles (filled at {rate:,.0f}/s)', result)}; "
                  f"database {total / filler.count / 1024:.1f} KB/article (index {index / filler.count / 1024:.1f} KB)",
                  flush=True)
            print(f"    KB an article by table: {largest_tables(registry, filler.count)}", flush=True)
            if postgres:
                t0 = time.perf_counter()
                with registry.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("VACUUM (ANALYZE) text_posting")
                print(f"    VACUUM (ANALYZE) text_posting: {time.perf_counter() - t0:.0f} s; probe plan: "
                      f"{probe_plan(registry, filler)}", flush=True)
                print(f"    {report('after VACUUM', measure(registry, filler, args.queries, args.registrations))}",
                      flush=True)
        filler.close()
        registry.close()


if __name__ == "__main__":
    main()
