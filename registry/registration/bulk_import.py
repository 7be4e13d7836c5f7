"""Import an archive of articles: many files at once, each with its own manifest, log entry and receipt.

A registration spends nearly all its time before the log, in steps that take no lock: reading,
fingerprinting, the prior-art search, C2PA signing (with its RFC 3161 timestamp) and storing the
blobs (`register.prepare_article`). An import runs those in `jobs` worker processes, each with its own
handle on the registry (database connection, signer, local timestamp authority), and hands each
prepared article to this process's log sequencer without waiting for it, so that hundreds share one
transaction and one signed checkpoint instead of one each.

Each file is all or nothing, as with `register`: a file that fails (not text, too large, already
registered, a duplicate of an earlier file of the same import) is reported with its error and the
import goes on. Prior art is looked for among the works committed when the file is prepared: two
files of the same import prepared at the same moment do not see each other (an identical one is
still refused, by the duplicate check in the log's transaction).
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

from ..accounts.principal import OPERATOR, Principal
from ..errors import InvalidInputError, PayloadTooLargeError, RegistryError
from .article import PreparedArticle, commit_article, prepare_article
from .steps import (
    Registrant,
    RegistrationResult,
    provenance_record,
    publication_time,
    resolve_registrant,
    training_mining_of,
)
from ..requests import RegistrationRequest
from ..service import Registry
from ..settings import Settings

#: The files a folder contributes to an import (a file named on its own is imported whatever its name).
ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
#: Files prepared or waiting for the log at any moment, per worker: enough to fill the sequencer's
#: batches, few enough that memory stays bounded on an archive of any size.
IN_FLIGHT_PER_JOB = 64
#: By default a worker process is started per this many files: one starts in about 2 s, the time this
#: process alone takes to register ~100 articles, so a small import runs here, not in workers.
FILES_PER_DEFAULT_JOB = 200


@dataclass(frozen=True)
class Imported:
    """What became of one file: its registration, or the error that stopped it (nothing stored then)."""

    path: Path
    result: RegistrationResult | None = None
    error: RegistryError | None = None


@dataclass(frozen=True)
class ImportSummary:
    registered: int
    failed: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.registered / self.seconds if self.seconds > 0 else 0.0


def article_files(paths: Iterable[Path]) -> list[Path]:
    """The files to import: each file named, and under each folder (recursively, in name order, hidden
    entries skipped) the files whose suffix is one of `ARTICLE_SUFFIXES`."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(_files_under(path)))
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInputError(f"{path}: no such file or folder")
    return files


def _files_under(folder: Path) -> Iterator[Path]:
    """The article files under `folder`; hidden folders (a `.git`) are not walked into at all."""
    for root, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            found = Path(root) / name
            if not name.startswith(".") and found.suffix.lower() in ARTICLE_SUFFIXES and found.is_file():
                yield found


def import_articles(registry: Registry, files: Sequence[Path], request: RegistrationRequest, *,
                    jobs: int = 0, principal: Principal = OPERATOR, text_format: str | None = None,
                    on_imported: Callable[[Imported], None] = lambda imported: None,
                    on_started: Callable[[int], None] = lambda jobs: None) -> ImportSummary:
    """Register every file of `files` as an article with the provenance of `request` (each titled by
    its first line unless the request names a title), calling `on_started(jobs)` once the request is
    checked and `on_imported` once per file as it is committed or refused. `jobs`: worker processes
    preparing articles (0: one per CPU and one more, since each waits on its timestamp authority
    while signing, but at most one per `FILES_PER_DEFAULT_JOB` files; 1: in a thread of this
    process). Stops early only for a broken worker pool (or a bug in a worker); what was committed
    until then stays."""
    jobs = jobs or min((os.cpu_count() or 1) + 1, 1 + len(files) // FILES_PER_DEFAULT_JOB)
    if jobs < 1:
        raise InvalidInputError(f"jobs must be at least 1, got {jobs}")
    started = time.perf_counter()
    provenance_record(request, "checked once")  # a request every file would refuse stops here
    training_mining_of(request)
    publication_time(request, datetime.now(timezone.utc))
    with registry.db.reading() as session:  # once, and before any worker starts: an unknown one stops here
        registrant = resolve_registrant(session, registry, principal, request)
    on_started(jobs)
    registered = failed = 0

    def report(imported: Imported) -> None:
        nonlocal registered, failed
        if imported.error is None:
            registered += 1
        else:
            failed += 1
        on_imported(imported)

    with _preparers(registry, jobs) as pool:
        prepare = _prepare_in_worker if isinstance(pool, ProcessPoolExecutor) else partial(_prepare_file, registry)
        waiting: dict[Future, tuple[str, Path]] = {}
        queued = iter(files)
        exhausted = False
        while waiting or not exhausted:
            while not exhausted and len(waiting) < jobs * IN_FLIGHT_PER_JOB:
                path = next(queued, None)
                if path is None:
                    exhausted = True
                    break
                future = pool.submit(prepare, str(path), request, principal, text_format, registrant)
                waiting[future] = ("prepared", path)
            if not waiting:
                break
            finished, _ = wait(waiting, return_when=FIRST_COMPLETED)
            for future in finished:
                stage, path = waiting.pop(future)
                if stage == "committed":
                    report(_imported(path, future))
                    continue
                outcome = future.result()  # a broken pool raises here and stops the import
                if isinstance(outcome, RegistryError):
                    report(Imported(path, error=outcome.revive() if isinstance(outcome, _Failure) else outcome))
                else:
                    waiting[commit_article(registry, outcome)] = ("committed", path)
    return ImportSummary(registered, failed, time.perf_counter() - started)


def _imported(path: Path, future: Future) -> Imported:
    error = future.exception()
    if error is None:
        return Imported(path, result=future.result())
    if isinstance(error, RegistryError):
        return Imported(path, error=error)
    raise error


class _Failure(RegistryError):
    """A worker's RegistryError as it crosses the process boundary (an error's details do not pickle)."""

    def __init__(self, message: str, kind: type[RegistryError] = RegistryError, details: dict | None = None) -> None:
        super().__init__(message)
        self.kind, self.carried = kind, details or {}

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return _Failure, (self.message, self.kind, self.carried)

    def revive(self) -> RegistryError:
        return self.kind(self.message, **self.carried)


def _preparers(registry: Registry, jobs: int) -> Executor:
    if jobs == 1:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
    # spawned, not forked: this process runs threads (the sequencer, the timestamp authority)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_open_worker,
                               initargs=(registry.settings.model_copy(update={"decode_isolation": False}),))


_worker_registry: Registry | None = None


def _open_worker(settings: Settings) -> None:
    global _worker_registry
    # the importing process checked the log and warned; articles need no video index
    _worker_registry = Registry.open(settings, check_log=False, load_video_index=False)
    atexit.register(_worker_registry.close)


def _prepare_in_worker(path: str, request: RegistrationRequest, principal: Principal, text_format: str | None,
                       registrant: Registrant) -> PreparedArticle | RegistryError:
    assert _worker_registry is not None, "the worker's registry opens in its initializer"
    outcome = _prepare_file(_worker_registry, path, request, principal, text_format, registrant)
    if isinstance(outcome, RegistryError):
        return _Failure(outcome.message, type(outcome), outcome.details)
    return outcome


def _prepare_file(registry: Registry, path: str, request: RegistrationRequest, principal: Principal,
                  text_format: str | None, registrant: Registrant) -> PreparedArticle | RegistryError:
    """The prepared article, or the error that refused it (returned, not raised: it is an outcome)."""
    limit = registry.settings.max_article_bytes
    try:
        size = os.stat(path).st_size
        if size > limit:  # refused before reading: a 2 GB file is never loaded
            raise PayloadTooLargeError(f"article is {size} bytes, the limit is {limit} bytes")
        with open(path, "rb") as file:
            raw = file.read()
        return prepare_article(registry, raw, request, principal=principal, filename=Path(path).name,
                               text_format=text_format, registrant=registrant)
    except OSError as e:
        return InvalidInputError(e.strerror or str(e))
    except RegistryError as e:
        return e
