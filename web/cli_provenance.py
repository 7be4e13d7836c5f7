"""`aigc-registry history|keys` and the human form of `verify`: edit histories, signing keys, reports."""

from __future__ import annotations

import argparse
import json
import sys


def verification_lines(name: str, result) -> list[str]:  # type: ignore[no-untyped-def]
    """A verification result as Content Credentials Verify would show it: verdict, manifest, tree."""
    lines = [f"{name}: {result.verdict}"]
    for title, report in (("manifest", result.manifest), ("registered manifest", result.registered_manifest)):
        if report is None:
            continue
        source = f" ({result.manifest_source})" if title == "manifest" and result.manifest_source else ""
        lines.append(f"  {title}{source}: {report.state}{', TAMPERED' if report.tampered else ''}")
        lines.append(f"    signed by {report.signer} (issuer {report.issuer}) at {report.signed_at}"
                     f" ({report.time_source or 'no time'})")
        if report.record:
            lines.append(f"    model: {report.record.model_name} {report.record.model_version}")
        if report.status_codes:
            lines.append(f"    codes: {', '.join(report.status_codes)}")
        lines += _tree_lines(report.tree, "    ")
    if result.manifest is None and not result.problems:
        lines.append("  manifest: none in the file")
    if result.registration:
        r = result.registration
        score = f", score {r['score']}" if "score" in r else ""
        lines.append(f"  registration: {r['work_id']} {r['title']!r} (found by {r['found_by']}{score})")
        if r.get("signed_url"):
            lines.append(f"    signed copy: {r['signed_url']}")
    if result.log:
        lines.append(f"  log: entry {result.log.get('index')} proof "
                     f"{'verified' if result.log.get('receipt_verified') else 'NOT verified'}"
                     f" against checkpoint size {result.log.get('checkpoint_size')}")
    lines += [f"  problem: {p}" for p in result.problems]
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
    from registry.works import work_history
    from web.cli import _open

    registry = _open(args)
    try:
        tree = work_history(registry, args.work_id)
    finally:
        registry.close()
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
