"""`aigc-registry history|keys` and the human form of `verify`: edit histories, signing keys, reports.

`history` runs locally or, with `--server`, against a served registry (`web.cli.connect`); `keys`
works on the local data folder only.
"""

from __future__ import annotations

import argparse
import json
import sys


def verification_lines(report: dict) -> list[str]:
    """A verification report (`{"file", **VerificationResult.to_dict()}`, local or from the server) as
    Content Credentials Verify would show it: verdict, manifest, tree."""
    lines = [f"{report['file']}: {report['verdict']}"]
    for title, manifest in (("manifest", report.get("manifest")), ("registered manifest", report.get("registered_manifest"))):
        if manifest is None:
            continue
        source = f" ({report['manifest_source']})" if title == "manifest" and report.get("manifest_source") else ""
        lines.append(f"  {title}{source}: {manifest['state']}{', TAMPERED' if manifest.get('tampered') else ''}")
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
    from web.cli import connect
    from web.client import RegistryClient

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
    from web.cli import _settings

    rotated = rotate_signing_key(_settings(args), valid_days=args.valid_days)
    print(json.dumps(rotated, indent=2), flush=True)
    print("aigc-registry: new signing leaf in place; restart `serve` to sign with it", file=sys.stderr)
    return 0


def add_provenance_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    history = commands.add_parser("history", parents=[common], help="a work's edit history as a tree")
    history.add_argument("work_id", metavar="WORK_ID")
    history.add_argument("--json", action="store_true", help="the tree as one JSON object")
    history.set_defaults(handler=cmd_history)

    keys = commands.add_parser("keys", help="the registry's signing keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    rotate = key_commands.add_parser("rotate", parents=[common],
                                     help="replace the local C2PA signing leaf (old manifests keep verifying)")
    rotate.add_argument("--valid-days", type=int, default=3650, metavar="N", help="validity of the new leaf")
    rotate.set_defaults(handler=cmd_keys_rotate)
