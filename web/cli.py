"""The `aigc-registry` command: a thin face over the registry's use cases.

Local mode (the default): every command opens the registry in `--data-dir` (default
`$AIGC_REGISTRY_HOME`, else `~/.local/share/aigc-registry`), initialising an empty folder (database,
keys) on first use, and acts as the registry's operator.

Remote mode: `aigc-registry --server URL COMMAND ...` (or `$AIGC_REGISTRY_SERVER`) runs `register`,
`match`, `verify`, `history`, `party`, `sheet`, `terms`, `revenue` and `statement` against a served
registry over HTTP (`web.client`), sending `$AIGC_REGISTRY_API_KEY` as the Bearer key; the output
and exit codes are those of local mode, since both paths produce the same dicts for one printer.
`--data-dir` does not go with `--server`. The other commands work on a data folder (`serve`, `import`,
`migrate`, `keys`, `log fsck`, `log cosign`, `admin`) or need no registry at all (`log verify`,
`log monitor URL`, `log witness`): they refuse `--server` given on the command line, and ignore
`$AIGC_REGISTRY_SERVER`, saying so on stderr when they open the data folder.

Errors print one line, `error: ...`, and exit 1 (for several files: `error: FILE: ...` per file,
going on with the next; an unreachable server or a refused credential stops at once). `verify`
exits 0 only for an authentic file, 3 for any other verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from registry.errors import InvalidInputError, RegistryError
from registry.tlog.errors import LogError
from web.client import API_KEY_ENV, SERVER_ENV, CredentialError, RegistryClient, UnreachableError

EXIT_ERROR = 1
EXIT_NOT_AUTHENTIC = 3
AUTHENTIC = "authentic"  # registry.verification.AUTHENTIC, named here so remote mode skips importing the verifier
#: Commands that run against a served registry with --server; the rest are local or offline only.
REMOTE_COMMANDS = frozenset({"register", "match", "verify", "history", "segments", "party", "sheet", "terms",
                             "revenue", "statement"})
#: Errors that stop a multi-file command at once instead of moving on to the next file.
STOPPING_ERRORS = (CredentialError, UnreachableError)


def settings_of(args: argparse.Namespace, **overrides):  # type: ignore[no-untyped-def]
    from registry.settings import Settings

    values = {k: v for k, v in overrides.items() if v is not None}
    if args.data_dir is not None:
        values["data_dir"] = args.data_dir
    return Settings(**values)


def open_registry(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from registry.service import Registry

    return Registry.open(settings_of(args))


@contextmanager
def connect(args: argparse.Namespace) -> Iterator:
    """What a command runs against: with --server a `RegistryClient`, else the data folder's registry."""
    if args.server:
        with RegistryClient(args.server, os.environ.get(API_KEY_ENV) or None) as client:
            yield client
        return
    registry = open_registry(args)
    try:
        yield registry
    finally:
        registry.close()


def _choose_mode(args: argparse.Namespace) -> None:
    """Settle `args.server`: the URL for a remote-capable command, None for the others (see above)."""
    explicit, environment = args.server, os.environ.get(SERVER_ENV) or None
    if args.command in REMOTE_COMMANDS:
        args.server = explicit or environment
        if args.server and args.data_dir is not None:
            raise InvalidInputError("--data-dir names a local registry: it does not go with --server")
        return
    words = ("command", "log_command", "keys_command", "admin_command", "admin_action", "blobs_command")
    name = " ".join(getattr(args, word) for word in words if getattr(args, word, None))
    if explicit:
        raise InvalidInputError(f"`{name}` does not run against a server (only {', '.join(sorted(REMOTE_COMMANDS))} "
                                "do): drop --server")
    if environment and hasattr(args, "data_dir"):
        print(f"aigc-registry: {SERVER_ENV} ignored: `{name}` works on the local data folder", file=sys.stderr)
    args.server = None


class LazyModule:
    """A module imported on first use, so remote mode never pays for the local machinery (seconds)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str):  # type: ignore[no-untyped-def]
        import importlib

        return getattr(importlib.import_module(self._name), attribute)


def read_input_file(path: Path, *, name_it: bool = True) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise RegistryError(f"{path}: {e.strerror}" if name_it else str(e.strerror)) from e


def _is_article(path: Path, declared: str | None) -> bool:
    """Whether `path` goes the article way: declared so, or (undeclared) text by its first bytes."""
    from registry.media import sniff_file

    if declared is not None:
        return declared == "article"
    try:
        media = sniff_file(path)
    except OSError as e:
        raise RegistryError(str(e.strerror)) from e
    return media is None or media.kind == "article"  # unknown bytes get the article path's error


def _progress(path: Path):  # type: ignore[no-untyped-def]
    """A progress callback printing `file: stage NN%` to stderr at most every 10%."""
    shown: dict[str, int] = {}

    def report(stage: str, share: float) -> None:
        step = int(share * 10)
        if shown.get(stage, -1) < step:
            shown[stage] = step
            if stage == "fingerprint" or step == 0:
                print(f"  {path.name}: {stage} {step * 10}%", file=sys.stderr, flush=True)
    return report


def emit(args: argparse.Namespace, data: dict, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else human, flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sqlalchemy.exc import IntegrityError as SqlIntegrityError

    from registry.accounts.bootstrap import first_admin
    from registry.samples import register_samples
    from registry.service import Registry
    from registry.works import list_works
    from web.app import create_app, warm_text_kernels_in_background

    settings = settings_of(args, load_samples=False if args.no_samples else None)
    if args.workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {args.workers}")
    if args.workers > 1 and settings.effective_database_url.startswith("sqlite"):
        raise InvalidInputError("several server processes need a database they can share: set "
                                "AIGC_REGISTRY_DATABASE_URL=postgresql+psycopg://... (SQLite serves one process)")
    registry = Registry.open(settings)
    print(f"aigc-registry: data in {settings.data_dir}", file=sys.stderr)
    try:
        with registry.db.writing() as session:
            admin = first_admin(session)
    except SqlIntegrityError:  # another process starting at the same moment made it (and showed it)
        admin = None
    if admin is not None:
        print("aigc-registry: first start: an admin credential, shown this once (keep it safe):\n"
              f"  API key   {admin.api_key}\n  sign in   {admin.email} / {admin.password}", file=sys.stderr)
    if settings.load_samples and not list_works(registry, limit=1):
        print("aigc-registry: empty registry, registering the samples (organisation 'samples')", file=sys.stderr)
        register_samples(registry, progress=lambda line: print(f"  {line}", file=sys.stderr))
    print(f"aigc-registry: serving on http://{args.host}:{args.port}  (API docs at /docs)", file=sys.stderr)
    if args.workers == 1:
        warm_text_kernels_in_background()
        uvicorn.run(create_app(settings, registry), host=args.host, port=args.port, log_level="info")
        return 0
    registry.close()  # each server process opens its own, from the same settings
    metrics = settings.data_dir / "metrics"  # prometheus-client's multiprocess mode: one file per process
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    os.environ.update({"AIGC_REGISTRY_HOME": str(settings.data_dir), "AIGC_REGISTRY_LOAD_SAMPLES": "false",
                       "PROMETHEUS_MULTIPROC_DIR": str(metrics)})
    print(f"aigc-registry: {args.workers} server processes", file=sys.stderr)
    uvicorn.run("web.app:app_from_environment", factory=True, workers=args.workers, host=args.host, port=args.port,
                log_level="info")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from registry.jobs.worker import work
    from web.errors import error_parts

    settings = settings_of(args)
    if not settings.job_queue:
        raise InvalidInputError("a worker serves the Redis job queue: set AIGC_REGISTRY_JOB_QUEUE=redis://HOST:PORT/DB "
                                "(and the same on the API processes)")
    print(f"aigc-registry: worker on {settings.job_queue}{' until the queue is empty' if args.burst else ''}",
          file=sys.stderr)
    work(settings, error_parts, burst=args.burst)
    return 0


def _metadata(args: argparse.Namespace) -> object:
    if not args.metadata:
        return {}
    from registry.requests import parse_metadata

    try:
        return parse_metadata(read_input_file(args.metadata))
    except RegistryError as e:
        raise RegistryError(f"{args.metadata}: {e}") from e


#: `register` options sent as the POST /api/v1/works form fields of the same names.
_REGISTRATION_FIELDS = ("kind", "title", "model", "model_version", "model_provider", "dataset", "prompt", "editor",
                        "parent", "edit_action", "training_mining", "training_constraint", "registrant",
                        "embargo_until", "unpublished")


def _registration_request(args: argparse.Namespace, base: object):  # type: ignore[no-untyped-def]
    from registry.requests import RegistrationRequest

    return RegistrationRequest.from_metadata(  # checked here in both modes, so errors read alike
        base, kind=getattr(args, "kind", None), title=getattr(args, "title", None), model=args.model,
        model_version=args.model_version, model_provider=args.model_provider, datasets=args.dataset,
        prompt=args.prompt, editors=args.editor, parents=getattr(args, "parent", []), registrant=args.registrant,
        edit_actions=args.edit_action, training_mining=args.training_mining,
        training_constraint=args.training_constraint, embargo_until=args.embargo_until, unpublished=args.unpublished,
    )


def cmd_register(args: argparse.Namespace) -> int:
    base = _metadata(args)
    request = _registration_request(args, base)
    form = {name: getattr(args, name) for name in _REGISTRATION_FIELDS}
    form["unpublished"] = "true" if args.unpublished else None
    form["metadata"] = json.dumps(base) if base else None
    declared = args.kind or (request.kind if request.kind != "article" else None)
    failed = 0
    with connect(args) as target:
        for path in args.files:
            try:
                data = {"file": str(path), **_register_file(target, path, request, form, declared)}
                if args.write_sidecars:
                    _write_sidecars(target, path, data)
            except STOPPING_ERRORS:
                raise
            except RegistryError as e:
                print(f"error: {path}: {e}", file=sys.stderr)
                failed += 1
                continue
            emit(args, data, registration_lines(data))
    return EXIT_ERROR if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    from registry.registration.bulk_import import article_files, import_articles
    from registry.errors import ConflictError

    request = _registration_request(args, _metadata(args))
    if request.kind != "article":
        raise InvalidInputError(f"import registers articles; register {request.kind}s with `aigc-registry register`")
    if request.title:
        raise InvalidInputError("import titles each article by its first line: drop 'title' from the metadata")
    files = article_files(args.paths)
    if not files:
        raise InvalidInputError("no article files to import (folders contribute their .txt, .md, .markdown, "
                                ".html and .htm files)")
    if args.jobs < 0:
        raise InvalidInputError(f"--jobs must be at least 1 (or 0, the default), got {args.jobs}")
    failures = skipped = 0

    with connect(args) as registry:
        def on_imported(imported) -> None:  # type: ignore[no-untyped-def]
            nonlocal failures, skipped
            if isinstance(imported.error, ConflictError):  # what a re-run after an interruption skips
                print(f"skipped: {imported.path}: {imported.error}", file=sys.stderr, flush=True)
                skipped += 1
                return
            if imported.error is not None:
                print(f"error: {imported.path}: {imported.error}", file=sys.stderr, flush=True)
                failures += 1
                return
            data = {"file": str(imported.path), **imported.result.to_dict()}
            if args.write_sidecars:
                _write_sidecars(registry, imported.path, data)
            emit(args, data, registration_lines(data))

        def on_started(jobs: int) -> None:
            workers = "in this process" if jobs == 1 else f"with {jobs} worker processes"
            print(f"aigc-registry: importing {len(files)} files {workers}", file=sys.stderr, flush=True)

        summary = import_articles(registry, files, request, jobs=args.jobs, on_imported=on_imported,
                                  on_started=on_started)
    print(f"aigc-registry: imported {summary.registered} of {len(files)} files in {summary.seconds:.1f} s "
          f"({summary.per_second:.0f} articles/s); {skipped} already registered, {failures} failed", file=sys.stderr)
    return EXIT_ERROR if failures else 0


def _register_file(target, path: Path, request, form: dict, declared: str | None) -> dict:  # type: ignore[no-untyped-def]
    article = _is_article(path, declared)
    if isinstance(target, RegistryClient):
        return target.register(path, form, progress=None if article else _progress(path))
    if article:
        from registry.registration.article import register_article

        return register_article(target, read_input_file(path, name_it=False), request, filename=path.name).to_dict()
    from registry.registration.media import register_media

    return register_media(target, path, request, progress=_progress(path)).to_dict()


def _write_sidecars(target, path: Path, registered: dict) -> None:  # type: ignore[no-untyped-def]
    """FILE.c2pa (the manifest store), FILE.receipt and, for a video or image, STEM.signed.EXT."""
    work_id, signed = registered["work_id"], path.with_name(f"{path.stem}.signed{path.suffix}")
    if isinstance(target, RegistryClient):
        manifest = target.manifest(work_id)
        save_signed_copy = lambda: target.save_signed_copy(work_id, signed)  # noqa: E731
    else:
        import shutil

        from registry.works import work_manifest, work_signed_copy

        manifest = work_manifest(target, work_id)
        save_signed_copy = lambda: shutil.copyfile(work_signed_copy(target, work_id)[0], signed)  # noqa: E731
    path.with_name(path.name + ".c2pa").write_bytes(manifest)
    path.with_name(path.name + ".receipt").write_text(registered["receipt"])
    if registered["kind"] != "article":
        save_signed_copy()


def registration_lines(registered: dict) -> str:
    prior = "".join(f"\n  prior art: {m['work_id']} {m.get('title')!r} score {m['score']:.2f}"
                    for m in registered["prior_art"])
    return f"{registered['file']}: registered as {registered['work_id']} (log index {registered['log_index']}){prior}"


def cmd_match(args: argparse.Namespace) -> int:
    failed = 0
    with connect(args) as target:
        for path in args.files:
            try:
                data = {"file": str(path), "matches": _match_file(target, path, args.verdict)}
            except STOPPING_ERRORS:
                raise
            except RegistryError as e:
                print(f"error: {path}: {e}", file=sys.stderr)
                failed += 1
                continue
            emit(args, data, match_lines(data))
    return EXIT_ERROR if failed else 0


def _match_file(target, path: Path, verdict: str | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    article = _is_article(path, None)
    if isinstance(target, RegistryClient):
        return target.match(path, progress=None if article else _progress(path), verdict=verdict)
    from registry.matching import with_verdict

    if article:
        from registry.matching import match_article

        found = match_article(target, read_input_file(path, name_it=False), filename=path.name)
        return [m.to_dict() for m in with_verdict(found, verdict)]
    from registry.registration.media import match_media

    return [m.to_dict() for m in with_verdict(match_media(target, path, progress=_progress(path)), verdict)]


def match_lines(matched: dict) -> str:
    found = matched["matches"]
    lines = [f"{matched['file']}: {len(found)} match{'es' if len(found) != 1 else ''}"]
    for m in found:
        if m.get("restricted"):  # another organisation's unpublished work: its id and score only
            lines.append(f"  {m['work_id']} (restricted) score {m['score']:.2f}: {m.get('note')}")
            continue
        what = "segments (s)" if "segments" in m else "passages"
        spans = ", ".join(f"{p['query_start']}-{p['query_end']}~{p['work_start']}-{p['work_end']}"
                          for p in m.get("segments", m.get("passages", []))[:5])
        verdict = (f" {m['verdict'].replace('_', ' ')} (suspect {m['suspect_coverage']:.0%}, work "
                   f"{m['work_coverage']:.0%})") if m.get("verdict") else ""
        lines.append(f"  {m['work_id']} {m['title']!r} {m['kind']} score {m['score']:.2f}{verdict} {what} {spans}")
    return "\n".join(lines)


def cmd_verify(args: argparse.Namespace) -> int:
    from web.cli_provenance import verification_lines

    if not args.file.is_file():
        raise RegistryError(f"{args.file}: no such file")
    sidecar_path = args.manifest or args.file.with_name(args.file.name + ".c2pa")
    sidecar = read_input_file(sidecar_path) if (args.manifest or sidecar_path.exists()) else None
    receipt = read_input_file(args.receipt).decode("utf-8", "replace") if args.receipt else None
    progress = None if _is_article(args.file, None) else _progress(args.file)
    with connect(args) as target:
        if isinstance(target, RegistryClient):
            report = target.verify(args.file, sidecar=sidecar, receipt=receipt, progress=progress)
        else:
            from registry.verification import verify_file

            report = verify_file(target, args.file, sidecar=sidecar, receipt_text=receipt, progress=progress).to_dict()
    data = {"file": str(args.file), **report}
    emit(args, data, "\n".join(verification_lines(data)))
    return 0 if data["verdict"] == AUTHENTIC else EXIT_NOT_AUTHENTIC


def cmd_migrate(args: argparse.Namespace) -> int:
    """The schema to the newest revision, then the data steps a schema migration cannot do (they
    read the blob store or the registered texts): manifest labels, older text fingerprints, ISCC-CODEs."""
    from registry.database import Database
    from registry.iscc import backfill_iscc, versions_without_iscc
    from registry.soft_binding.labels import label_manifests, unlabelled_manifests
    from registry.text_refingerprint import older_text_fingerprints, refingerprint_texts

    settings = settings_of(args)
    db = Database(settings.effective_database_url)
    before = db.current_revision()
    db.migrate()
    print(f"database {db.url_for_humans}: revision {before or '(empty)'} -> {db.current_revision()}")
    with db.reading() as session:
        unlabelled = unlabelled_manifests(session)
        older = older_text_fingerprints(session)
        without_iscc = versions_without_iscc(session)
    db.dispose()
    if unlabelled:
        labelled = _with_progress(settings, label_manifests, "manifest labels")
        print(f"manifest labels read from the stored manifests: {labelled:,} of {unlabelled:,} "
              "(their ids in the C2PA Soft Binding Resolution API)")
    if older:
        done = _with_progress(settings, refingerprint_texts, "text fingerprints")
        print(f"text fingerprints made again with the current algorithm: {done.checked:,} checked, "
              f"{done.changed:,} changed (traditional Chinese now folded to simplified)")
    if without_iscc:
        given = _with_progress(settings, backfill_iscc, "ISCC-CODEs")
        print(f"ISCC-CODEs made from the registered content: {given:,} of {without_iscc:,}")
    return 0


def _with_progress(settings, step, what: str):  # type: ignore[no-untyped-def]
    """Run `step(registry, progress=...)` on the opened registry, its progress on stderr."""
    from registry.service import Registry

    registry = Registry.open(settings)
    try:
        return step(registry, progress=lambda n, total: print(
            f"\r  {what}: {n:,} of {total:,}", end="", file=sys.stderr, flush=True))
    finally:
        registry.close()
        print(file=sys.stderr)


def _add_registration_options(parser: argparse.ArgumentParser, *, one_work: bool) -> None:
    """The provenance options of `register` (`one_work`) and of `import` (the same for every file:
    no --kind, --title or --parent)."""
    if one_work:
        parser.add_argument("--kind", choices=["article", "video", "image"], default=None,
                            help="default: judged from the file's bytes")
        parser.add_argument("--title", metavar="T", help="default: the first line of the text")
    parser.add_argument("--model", metavar="NAME", help="the AI model that generated the work (required)")
    parser.add_argument("--model-version", metavar="V")
    parser.add_argument("--model-provider", metavar="P")
    parser.add_argument("--dataset", action="append", default=[], metavar="'URI [LICENCE]'",
                        help="training-data source and its licence, e.g. 'https://x.org/set CC-BY-4.0'; repeatable")
    parser.add_argument("--prompt", metavar="TEXT", help="the prompt (only its SHA-256 digest is recorded)")
    parser.add_argument("--editor", action="append", default=[], metavar="NAME", help="human editor; repeatable")
    if one_work:
        parser.add_argument("--parent", action="append", default=[], metavar="WORK_ID",
                            help="your own work this derives from (first: opened, others: placed); repeatable")
    parser.add_argument("--edit-action", action="append", default=[], metavar="ACTION",
                        help="C2PA action done after generation, e.g. c2pa.cropped; repeatable")
    parser.add_argument("--training-mining", choices=["notAllowed", "allowed", "constrained"], default=None,
                        help="AI inference, training and data mining of the work (default notAllowed)")
    parser.add_argument("--training-constraint", metavar="TEXT", help="how to ask, with --training-mining constrained")
    parser.add_argument("--registrant", metavar="ORG",
                        help="the organisation registering: the operator's or an admin's choice (default: local"
                        + ("; with --server, your key's organisation)" if one_work else ")"))
    parser.add_argument("--unpublished", action="store_true",
                        help="seen only by your organisation until published (POST .../publication)")
    parser.add_argument("--embargo-until", metavar="DATE", help="unpublished until this ISO date or time")
    parser.add_argument("--metadata", type=Path, metavar="JSON",
                        help="metadata file (samples/ layout); flags override it")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, metavar="D",
                        help="registry folder (default: $AIGC_REGISTRY_HOME or ~/.local/share/aigc-registry)")
    parser = argparse.ArgumentParser(
        prog="aigc-registry",
        description="Provenance and copyright registry for AI-generated content.",
    )
    parser.add_argument("--server", metavar="URL",
                        help=f"run register, match, verify, history, segments and the revenue commands against a served "
                             f"registry (default ${SERVER_ENV}); the API key is read from ${API_KEY_ENV}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the registry (API docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1", metavar="H", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, metavar="P", help="port (default 8000)")
    serve.add_argument("--no-samples", action="store_true", help="do not register the samples on an empty registry")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="server processes (default 1; more need PostgreSQL: AIGC_REGISTRY_DATABASE_URL)")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", parents=[common],
                                 help="run the jobs of the Redis queue (AIGC_REGISTRY_JOB_QUEUE)")
    worker.add_argument("--burst", action="store_true", help="stop once the queue is empty")
    worker.set_defaults(handler=cmd_worker)

    register = commands.add_parser("register", parents=[common], help="register AI-generated works")
    register.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _add_registration_options(register, one_work=True)
    register.add_argument("--write-sidecars", action="store_true",
                          help="write FILE.c2pa and FILE.receipt beside each file (and STEM.signed.EXT for media)")
    register.add_argument("--json", action="store_true", help="one JSON object per file")
    register.set_defaults(handler=cmd_register)

    imports = commands.add_parser("import", parents=[common],
                                  help="register an archive of articles at once (local registry only)")
    imports.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                         help="article files, or folders: their .txt, .md, .markdown, .html and .htm files")
    _add_registration_options(imports, one_work=False)
    imports.add_argument("--jobs", type=int, default=0, metavar="N",
                         help="worker processes preparing articles (default: one per CPU and one more)")
    imports.add_argument("--write-sidecars", action="store_true",
                         help="write FILE.c2pa and FILE.receipt beside each file")
    imports.add_argument("--json", action="store_true", help="one JSON object per file, its receipt included")
    imports.set_defaults(handler=cmd_import)

    match = commands.add_parser("match", parents=[common], help="find registered works a file copies")
    match.add_argument("files", nargs="+", type=Path, metavar="FILE")
    match.add_argument("--verdict", choices=("copy", "shares_passages"),
                       help="only text matches of this verdict (a copy, or only a quote or sentence in common)")
    match.add_argument("--json", action="store_true", help="one JSON object per file")
    match.set_defaults(handler=cmd_match)

    verify = commands.add_parser("verify", parents=[common], help="verify a file's manifest, registration and receipt")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument("--receipt", type=Path, metavar="RECEIPT", help="tlog-proof@v1 receipt to check")
    verify.add_argument("--manifest", type=Path, metavar="SIDECAR", help="detached manifest (default: FILE.c2pa if present)")
    verify.add_argument("--json", action="store_true", help="the report as one JSON object")
    verify.set_defaults(handler=cmd_verify)

    from web.cli_provenance import add_log_commands, add_provenance_commands

    add_log_commands(commands, common)

    add_provenance_commands(commands, common)

    migrate = commands.add_parser("migrate", parents=[common], help="upgrade the database schema")
    migrate.set_defaults(handler=cmd_migrate)

    from web.cli_revenue import add_revenue_commands

    add_revenue_commands(commands, common)

    from web.cli_admin import add_admin_commands, add_blob_commands, add_video_index_commands

    add_admin_commands(commands, common)
    add_blob_commands(commands, common)
    add_video_index_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _choose_mode(args)
        return args.handler(args)
    except (RegistryError, LogError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
