"""Concurrent registrations never lose an entry and never give two entries one index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.tlog.receipt import Receipt, verify_receipt

from ..conftest import SAMPLES


def _article(n: int) -> bytes:
    return (f"Bulletin number {n}\n\n" + " ".join(
        f"Item {n}-{i}: the parish council of district {n * 31 + i} met to discuss drainage works." for i in range(12)
    ) + "\n").encode()


def _assert_log_is_whole(registry, expected: int) -> None:
    with registry.db.reading() as session:
        registry.log.check_root(session)
        checkpoint = registry.log.latest_checkpoint(session)
        assert checkpoint.size == registry.log.size(session) == expected
        for index in range(expected):
            leaf = registry.log.entry(session, index).leaf
            verify_receipt(registry.log.receipt(session, index), leaf, registry.keys.log_verifier)


def test_threads_registering_at_once(registry):
    request = RegistrationRequest(model="claude")
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda n: register_article(registry, _article(n), request), range(18)))
    assert sorted(r.log_index for r in results) == list(range(18))
    for result in results:  # each receipt verifies against the checkpoint it was issued with
        Receipt.from_text(result.receipt)
    _assert_log_is_whole(registry, 18)


def test_processes_registering_at_once(registry, settings, tmp_path):
    env = {**os.environ, "AIGC_REGISTRY_HOME": str(settings.data_dir),
           "AIGC_REGISTRY_DATABASE_URL": settings.effective_database_url}
    batches = []
    for worker in range(3):
        files = []
        for n in range(worker * 4, worker * 4 + 4):
            path = tmp_path / f"a{n}.txt"
            path.write_bytes(_article(n))
            files.append(str(path))
        batches.append(files)
    processes = [subprocess.Popen([sys.executable, "-m", "web.cli", "register", *files, "--model", "m", "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for files in batches]
    indexes = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        indexes += [json.loads(line)["log_index"] for line in out.splitlines()]
    assert sorted(indexes) == list(range(12))
    _assert_log_is_whole(registry, 12)


def test_samples_register_once_even_when_loaded_twice(registry):
    from registry.samples import register_samples

    first = register_samples(registry, SAMPLES)
    second = register_samples(registry, SAMPLES)
    assert all(result is not None for result in first.values())
    assert all(result is None for result in second.values())
