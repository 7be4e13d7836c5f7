"""`aigc-registry history|segments|keys|log` and the human form of `verify`: edit histories, a
video's segments, signing keys, the transparency log's tools, reports.

`history` and `segments` run locally or, with `--server`, against a served registry (`web.cli.connect`); `keys`,
`log fsck` and `log cosign` work on the local data folder only; `log verify` needs no registry,
`log monitor` and `log witness` talk to logs by their own URLs and keys.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from registry.errors import RegistryError
from registry.tlog.errors import LogError
from web.cli import EXIT_ERROR, EXIT_NOT_AUTHENTIC, emit, open_registry, read_input_file, settings_of, connect
from web.client import RegistryClient


def verification_lines(report: dict) -> list[str]:
    """A verification report (`{"file", **VerificationResult.to_dict()}`, local or from the server) as
    Content Credentials Verify would show it: verdict, manifest, tree."""
    lines = [f"{report['file']}: {report['verdict']}"]
    for key in ("manifest", "registered_manifest"):
        manifest = report.get(key)
        if manifest is None:
            continue
        source = f" ({report['manifest_source']})" if key == "manifest" and report.get("manifest_source") else ""
        tampered = ", TAMPERED" if manifest.get("tampered") else ""
        lines.append(f"  {key.replace('_', ' ')}{source}: {manifest['state']}{tampered}")
        lines.append(f"    signed by {manifest.get('signer')} (issuer {manifest.get('issuer')}) at "
                     f"{manifest.get('signed_at')} ({manifest.get('time_source') or 'no time'})")
        if manifest.get("record"):
            lines.append(f"    model: {manifest['record'].get('model_name')} {manifest['record'].get('model_version')}")
        if manifest.get("status_codes"):
            lines.append(f"    codes: {', '.join(manifest['status_codes'])}")
        lines += _tree_lines(manifest.get("tree") or {}, "    ")
    if report.get("manifest") is None and not report.get("problems"):
        lines.append("  manifest: none in the file")
    if report.get("registration"):
        r = report["registration"]
        score = f", score {r['score']}" if "score" in r else ""
        lines.append(f"  registration: {r['work_id']} {r.get('title')!r} (found by {r.get('found_by')}{score})")
        if r.get("signed_url"):
            lines.append(f"    signed copy: {r['signed_url']}")
    if report.get("log"):
        log = report["log"]
        lines.append(f"  log: entry {log.get('index')} proof "
                     f"{'verified' if log.get('receipt_verified') else 'NOT verified'}"
                     f" against checkpoint size {log.get('checkpoint_size')}")
    lines += [f"  problem: {p}" for p in report.get("problems") or []]
    return lines


def _tree_lines(node: dict, indent: str) -> list[str]:
    if not node:
        return []
    lines = [f"{indent}{node.get('title')!r} [{node.get('format')}] work {node.get('work_id')}, "
             f"actions {', '.join(a for a in node.get('actions') or [] if a)}"]
    for ingredient in node.get("ingredients") or []:
        lines.append(f"{indent}  <- {ingredient['relationship']} {ingredient['title']!r}: "
                     f"{'validated' if ingredient['validated'] else 'NOT validated'}")
        if ingredient.get("manifest"):
            lines += _tree_lines(ingredient["manifest"], indent + "     ")
    return lines


def cmd_history(args: argparse.Namespace) -> int:
    with connect(args) as target:
        if isinstance(target, RegistryClient):
            tree = target.history(args.work_id)
        else:
            from registry.works import work_history

            tree = work_history(target, args.work_id)
    if args.json:
        print(json.dumps(tree, ensure_ascii=False), flush=True)
    else:
        print("\n".join(_history_lines(tree, "")), flush=True)
    return 0


def cmd_segments(args: argparse.Namespace) -> int:
    with connect(args) as target:
        if isinstance(target, RegistryClient):
            listing = target.segments(args.work_id)
        else:
            from registry.works import work_segments

            listing = work_segments(target, args.work_id)
    if args.segment is not None:
        chosen = [s for s in listing["segments"] if s["number"] == args.segment]
        if not chosen:
            raise RegistryError(f"work {args.work_id} has {len(listing['segments'])} segments: no segment "
                                f"{args.segment}")
        one = {key: value for key, value in listing.items() if key != "segments"}
        print(json.dumps({**one, **chosen[0]}, ensure_ascii=False), flush=True)
        return 0
    lines = [f"{listing['work_id']}: {len(listing['segments'])} segments, root {listing['segments_root']} "
             f"(log entry {listing['log_index']})" if listing["segments"] else
             f"{listing['work_id']}: no segments ({listing.get('note')})"]
    lines += [f"  {s['id']}  {s['start']:.2f}-{s['end']:.2f} s  fingerprint sha256 {s['fingerprint_sha256']}"
              for s in listing["segments"]]
    emit(args, listing, "\n".join(lines))
    return 0


def _history_lines(node: dict, indent: str) -> list[str]:
    how = f"{node['relationship']} " if node.get("relationship") else ""
    model = node.get("model") or {}
    lines = [f"{indent}{how}{node['work_id']} {node['title']!r} ({node['kind']}, {model.get('name')} "
             f"{model.get('version')}, log {node['log_index']}){' ...' if node.get('truncated') else ''}"]
    for parent in node["parents"]:
        lines += _history_lines(parent, indent + "  ")
    return lines


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from registry.keys import rotate_signing_key

    rotated = rotate_signing_key(settings_of(args), valid_days=args.valid_days)
    print(json.dumps(rotated, indent=2), flush=True)
    print("aigc-registry: new signing leaf in place; restart `serve` to sign with it", file=sys.stderr)
    return 0


def cmd_log_verify(args: argparse.Namespace) -> int:
    """Offline: a receipt, the log's verifier key and optionally the file; no database, no server."""
    import hashlib

    from provenance.article import canonicalise_article
    from provenance.errors import ProvenanceError
    from registry.tlog.offline import verify_receipt_offline

    receipt = read_input_file(args.receipt).decode("utf-8", "replace")
    key = args.key if "+" in args.key else read_input_file(Path(args.key)).decode().strip()
    verdict = verify_receipt_offline(receipt, None, key, witness_vkeys=args.witness,
                                     required_cosignatures=args.require_cosignatures, origin=args.origin)
    data = verdict.to_dict()
    statement = verdict.statement or {}
    if args.file is not None:
        raw = read_input_file(args.file)
        try:
            content = canonicalise_article(raw).encode("utf-8")
        except ProvenanceError:
            content = raw  # not an article: compare the bytes as they are
        sha256 = hashlib.sha256(content).hexdigest()
        if statement.get("content_sha256") != sha256:
            raise RegistryError(f"receipt is for other content: expected sha256 {statement.get('content_sha256')}, "
                                f"got {sha256} for {args.file}")
        data["file_matches"] = True
    if args.segment is not None:
        data["segment"] = _verified_segment(args.segment, statement)
    emit(args, data, f"{args.receipt}: verified: entry {verdict.index} of {verdict.origin} at tree size "
                      f"{verdict.size}; {statement.get('kind', 'entry')} {statement.get('work_id', '')} "
                      f"registered {statement.get('registered_at', statement.get('recorded_at', ''))}"
                      + (f"; {args.file} matches" if args.file is not None else "")
                      + (f"; segment {data['segment']['id']} ({data['segment']['start_ms'] / 1000:.2f}-"
                         f"{data['segment']['end_ms'] / 1000:.2f} s) is part of it" if args.segment else ""))
    return 0


def _verified_segment(path: Path, statement: dict) -> dict:
    """Check a segment (one entry of `aigc-registry segments WORK --segment N`, or of the HTTP
    listing) is part of the work the verified statement registers; its record when it is."""
    from registry.segments import SegmentRecord, verify_segment

    try:
        segment = json.loads(read_input_file(path))
        leaf = segment["leaf"].encode("utf-8")
        record = SegmentRecord.from_leaf(leaf)
        proof = [bytes.fromhex(h) for h in segment["inclusion_proof"]]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise RegistryError(f"{path}: expected one segment as JSON with its leaf and inclusion_proof: {e}") from e
    if not statement.get("segments_root"):
        raise RegistryError(f"the receipt's statement commits to no segments ({statement.get('kind')} "
                            f"{statement.get('work_id')})")
    if record.work_id != statement.get("work_id"):
        raise RegistryError(f"{path}: segment {record.id} is of work {record.work_id}, the receipt registers "
                            f"{statement.get('work_id')}")
    verify_segment(leaf, record.number, int(statement["segment_count"]), proof, statement["segments_root"])
    return {"id": record.id, "start_ms": record.start_ms, "end_ms": record.end_ms,
            "fingerprint_sha256": record.fingerprint_sha256, "verified": True}


def _http_get(url: str) -> str:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the user's own log URL
            return response.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as e:
        raise RegistryError(f"GET {url} failed: {getattr(e, 'reason', e)}") from e


def cmd_log_monitor(args: argparse.Namespace) -> int:
    """Follow a log's checkpoints; prove each consistent with the last seen. Exit 2 on a fork."""
    import base64
    import time

    from registry.tlog.monitor import LogForkError, LogMonitor
    from registry.tlog.note import NoteVerifier

    base = args.url.rstrip("/")
    vkey = args.key or _http_get(f"{base}/log/key").strip()
    if not args.key:
        print(f"warning: trusting the key the log serves ({vkey}); pass --key to pin it", file=sys.stderr)
    monitor = LogMonitor(NoteVerifier.from_vkey(vkey))

    def fetch_consistency(old: int, new: int) -> list[bytes]:
        data = json.loads(_http_get(f"{base}/api/v1/log/consistency?old={old}&new={new}"))
        return [base64.b64decode(h) for h in data["proof"]]

    checks = 0
    while args.count is None or checks < args.count:
        if checks:
            time.sleep(args.interval)
        checks += 1
        try:
            event = monitor.observe(_http_get(f"{base}/log/checkpoint"), fetch_consistency)
        except LogForkError as e:
            print(f"ALERT: {base}: {e}", file=sys.stderr)
            return 2
        except LogError as e:
            print(f"ALERT: {base}: the log's checkpoint or proof does not verify: {e}", file=sys.stderr)
            return 2
        except RegistryError as e:
            print(f"warning: {e}", file=sys.stderr)  # unreachable this time: try again next interval
            continue
        emit(args, {"kind": event.kind, "size": event.size, "root_hash": event.root_hash.hex(),
                     "previous_size": event.previous_size}, f"{base}: {event.describe()}")
    return 0


def cmd_log_cosign(args: argparse.Namespace) -> int:
    """One round: ask every configured witness to cosign the newest checkpoint."""
    from registry.cosigning import request_cosignatures

    registry = open_registry(args)
    try:
        if not registry.settings.witnesses:
            raise RegistryError('no witnesses configured: set AIGC_REGISTRY_WITNESSES=[{"url": ..., "key": ...}]')
        outcomes = request_cosignatures(registry)
    finally:
        registry.close()
    for outcome in outcomes:
        emit(args, outcome.__dict__, f"{outcome.witness}: size {outcome.size}: {outcome.message}")
    return 0 if all(o.ok for o in outcomes) else EXIT_ERROR


def cmd_log_witness(args: argparse.Namespace) -> int:
    """Run a witness: cosign checkpoints of the given logs that extend what it cosigned before."""
    import os

    import uvicorn

    from registry.tlog.cosignature import CosignatureSigner, generate_cosignature_key
    from registry.tlog.note import NoteVerifier
    from registry.tlog.witness import Witness, WitnessState
    from web.witness_app import create_witness_app

    if not args.log:
        raise RegistryError("name at least one log to witness: --log VKEY (the log's GET /log/key)")
    if not args.key_file.exists():
        skey, vkey = generate_cosignature_key(args.name)
        fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(skey + "\n")
    signer = CosignatureSigner.from_skey(read_input_file(args.key_file).decode().strip())
    logs: dict[str, list[NoteVerifier]] = {}
    for vkey in args.log:
        verifier = NoteVerifier.from_vkey(vkey)
        logs.setdefault(verifier.name, []).append(verifier)
    state = WitnessState.from_json(read_input_file(args.state)) if args.state.exists() else WitnessState()

    def persist(new_state: WitnessState) -> None:
        temporary = args.state.with_name(args.state.name + ".tmp")
        temporary.write_text(new_state.to_json())
        os.replace(temporary, args.state)

    witness = Witness(signer, logs, state, persist=persist)
    print(f"witness {signer.name}: key {signer.verifier_key()}", file=sys.stderr, flush=True)
    uvicorn.run(create_witness_app(witness), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_log_mirror_tiles(args: argparse.Namespace) -> int:
    from registry.errors import InvalidInputError
    from registry.service import Registry
    from registry.tile_mirror import mirror_tiles

    registry = Registry.open(settings_of(args))
    try:
        if registry.tile_mirror is None:
            raise InvalidInputError("set AIGC_REGISTRY_TILES=s3://BUCKET/PREFIX (or a folder): where the tiles go")
        run = mirror_tiles(registry, registry.tile_mirror)
    finally:
        registry.close()
    emit(args, run.to_dict(), f"tiles mirror {run.mirror}: {run.tiles:,} full tiles copied, tree size "
          f"{run.from_size:,} to {run.to_size:,}, in {run.seconds:.1f} s")
    return 0


def cmd_log_fsck(args: argparse.Namespace) -> int:
    """Recompute every leaf hash, node and checkpoint root from the entries; name the first disagreement."""
    from registry.log_fsck import fsck_log

    def progress(done: int, total: int) -> None:
        if not args.json:
            print(f"\r  checked {done:,} of {total:,} entries", end="", file=sys.stderr, flush=True)

    from registry.service import Registry

    registry = Registry.open(settings_of(args), check_log=False)  # fsck is how to find out what is wrong
    try:
        report = fsck_log(registry, progress=progress)
    finally:
        registry.close()
    if not args.json:
        print(file=sys.stderr)
    summary = (f"log fsck: {report.entries_checked:,} entries, {report.nodes_checked:,} nodes, "
               f"{report.checkpoints_checked:,} checkpoints in {report.seconds:.1f} s: ")
    if report.ok:
        emit(args, report.to_dict(), summary + "ok")
        return 0
    emit(args, report.to_dict(), summary + report.first_disagreement.message)
    return EXIT_NOT_AUTHENTIC


def add_log_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    log = commands.add_parser("log", help="transparency log tools (offline receipt check)")
    log_commands = log.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    log_verify = log_commands.add_parser("verify", help="check a receipt offline: no database, no server")
    log_verify.add_argument("receipt", type=Path, metavar="RECEIPT")
    log_verify.add_argument("--key", required=True, metavar="VKEY", help="log verifier key (GET /log/key), or a file holding it")
    log_verify.add_argument("--file", type=Path, metavar="FILE", help="also check the receipt names this content")
    log_verify.add_argument("--segment", type=Path, metavar="SEGMENT.json",
                            help="also check this segment (from `segments WORK --segment N`) is part of the work")
    log_verify.add_argument("--origin", metavar="ORIGIN", help="require this log origin")
    log_verify.add_argument("--witness", action="append", default=[], metavar="VKEY", help="witness key; repeatable")
    log_verify.add_argument("--require-cosignatures", type=int, default=0, metavar="N")
    log_verify.add_argument("--json", action="store_true")
    log_verify.set_defaults(handler=cmd_log_verify)
    log_monitor = log_commands.add_parser("monitor", help="follow a log's checkpoints, proving each consistent")
    log_monitor.add_argument("url", metavar="URL", help="the registry's base URL, e.g. http://127.0.0.1:8000")
    log_monitor.add_argument("--key", metavar="VKEY", help="pin the log's verifier key (default: trust /log/key)")
    log_monitor.add_argument("--interval", type=float, default=10.0, metavar="SECONDS")
    log_monitor.add_argument("--count", type=int, default=None, metavar="N", help="stop after N checks")
    log_monitor.add_argument("--json", action="store_true", help="one JSON object per check")
    log_monitor.set_defaults(handler=cmd_log_monitor)
    log_fsck = log_commands.add_parser("fsck", parents=[common],
                                       help="recompute the whole tree from the entries; exit 3 on a disagreement")
    log_fsck.add_argument("--json", action="store_true")
    log_fsck.set_defaults(handler=cmd_log_fsck)
    log_cosign = log_commands.add_parser("cosign", parents=[common], help="ask the configured witnesses to cosign now")
    log_cosign.add_argument("--json", action="store_true")
    log_cosign.set_defaults(handler=cmd_log_cosign)
    log_mirror = log_commands.add_parser("mirror-tiles", parents=[common],
                                         help="copy the full tiles filled since the last run to the tiles mirror")
    log_mirror.add_argument("--json", action="store_true")
    log_mirror.set_defaults(handler=cmd_log_mirror_tiles)
    log_witness = log_commands.add_parser("witness", help="run a witness (c2sp.org/tlog-witness add-checkpoint)")
    log_witness.add_argument("--name", required=True, help="the witness's key name, e.g. witness.example.org")
    log_witness.add_argument("--key-file", type=Path, required=True, help="its private key (created, mode 0600, if missing)")
    log_witness.add_argument("--state", type=Path, required=True, help="JSON file of the latest cosigned size per log")
    log_witness.add_argument("--log", action="append", default=[], metavar="VKEY", help="a log to witness; repeatable")
    log_witness.add_argument("--host", default="127.0.0.1")
    log_witness.add_argument("--port", type=int, default=8100)
    log_witness.set_defaults(handler=cmd_log_witness)


def add_provenance_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    history = commands.add_parser("history", parents=[common], help="a work's edit history as a tree")
    history.add_argument("work_id", metavar="WORK_ID")
    history.add_argument("--json", action="store_true", help="the tree as one JSON object")
    history.set_defaults(handler=cmd_history)

    segments = commands.add_parser("segments", parents=[common],
                                   help="a video's segments: ids, time ranges, digests, Merkle proofs")
    segments.add_argument("work_id", metavar="WORK_ID")
    segments.add_argument("--segment", type=int, metavar="N",
                          help="print segment N alone as JSON (for `log verify --segment`)")
    segments.add_argument("--json", action="store_true", help="the listing as one JSON object")
    segments.set_defaults(handler=cmd_segments)

    keys = commands.add_parser("keys", help="the registry's signing keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    rotate = key_commands.add_parser("rotate", parents=[common],
                                     help="replace the local C2PA signing leaf (old manifests keep verifying)")
    rotate.add_argument("--valid-days", type=int, default=3650, metavar="N", help="validity of the new leaf")
    rotate.set_defaults(handler=cmd_keys_rotate)
