"""Bulk import of an article archive: articles per second, against registering the same files one by one.

    .venv/bin/python bench/import_articles.py [--count 600] [--jobs 0] [--database-url URL]

The archive is `--count` distinct synthetic news texts of ~600 words (`register_articles.py`'s
generator), written as files. Two fresh registries register it: one calls `register_article` per
file, the way `aigc-registry register FILE...` does (each waits for its own log transaction and
checkpoint); the other runs `aigc-registry import`'s path, `import_articles` with `--jobs` worker
processes (0: its default) and shared log batches. Both produce the same thing per file: a signed
C2PA manifest, the rows, a log entry and a receipt. With `--database-url postgresql+psycopg://...`
each registry gets a throwaway schema, dropped at the end.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent.parent))  # the packages before bench/'s own files

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from registry.registration.bulk_import import import_articles
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.service import Registry
from registry.settings import Settings

from isolated_database import isolated  # bench/ is the script's own folder
from register_articles import synthetic_article, vocabulary

REQUEST = RegistrationRequest(model="bench-model", model_version="1")


def write_archive(folder: Path, count: int) -> list[Path]:
    rng = random.Random(7)
    words = vocabulary(rng)
    files = []
    for number in range(count):
        path = folder / f"{number:06d}.txt"
        path.write_bytes(synthetic_article(rng, words))
        files.append(path)
    return files


def one_by_one(settings: Settings, files: list[Path]) -> float:
    registry = Registry.open(settings)
    try:
        started = time.perf_counter()
        for path in files:
            register_article(registry, path.read_bytes(), REQUEST, filename=path.name)
        return len(files) / (time.perf_counter() - started)
    finally:
        registry.close()


def bulk(settings: Settings, files: list[Path], jobs: int) -> tuple[float, float, float]:
    """Articles a second overall, seconds to the first receipt (the workers starting), and articles a
    second over the second half (steady state)."""
    registry = Registry.open(settings)
    try:
        started, receipts = time.perf_counter(), []
        summary = import_articles(registry, files, REQUEST, jobs=jobs,
                                  on_imported=lambda imported: receipts.append(time.perf_counter() - started))
        assert summary.registered == len(files), summary
        half = len(receipts) // 2
        return summary.per_second, receipts[0], (len(receipts) - 1 - half) / (receipts[-1] - receipts[half])
    finally:
        registry.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--jobs", type=int, default=0, help="import worker processes (0: the import's default)")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "archive").mkdir()
        files = write_archive(root / "archive", args.count)
        with isolated(args.database_url) as url:
            serial = one_by_one(Settings(data_dir=root / "one-by-one", database_url=url), files)
        with isolated(args.database_url) as url:
            overall, first, steady = bulk(Settings(data_dir=root / "import", database_url=url), files, args.jobs)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    jobs = args.jobs or "default"
    print(f"{args.count} articles of ~600 words, {backend}, fresh registries, {os.cpu_count()} CPUs")
    print(f"  register one by one         {serial:7.1f} articles/s")
    print(f"  import, jobs {jobs}:  {overall:7.1f} articles/s overall ({overall / serial:.1f}x); first receipt "
          f"after {first:.1f} s, then {steady:.1f} articles/s over the second half ({steady / serial:.1f}x)")


if __name__ == "__main__":
    main()
