"""`aigc-registry admin`: organisations, members, API keys and the audit log (local mode: the
command line acts as the registry's operator on its data folder)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from registry.accounts.principal import ORG_KINDS, ORG_ROLES, ROLES
from registry.errors import InvalidInputError


def _run(args: argparse.Namespace, action, human) -> int:  # type: ignore[no-untyped-def]
    from web.cli import open_registry

    registry = open_registry(args)
    try:
        result = action(registry)
    finally:
        registry.close()
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False), flush=True)
    else:
        print(human(result), flush=True)
    return 0


def _password() -> str:
    """The new user's password: from stdin when piped, else asked twice at the terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InvalidInputError("the passwords differ")
    return first


def cmd_admin(args: argparse.Namespace) -> int:
    from registry.accounts import manage

    what = (args.admin_command, getattr(args, "admin_action", None))
    if what == ("org", "create"):
        return _run(args, lambda r: manage.create_organisation(r, args.name, args.kind),
                    lambda o: f"organisation {o['name']} ({o['kind']}) created: {o['org_id']}")
    if what == ("user", "add"):
        password = _password()
        return _run(args, lambda r: manage.add_member(r, args.email, password, org_name=args.org, role=args.role),
                    lambda u: f"{u['email']} is {u['role']} of {u['org']}")
    if what == ("key", "issue"):
        if args.role != "admin" and not args.org:
            raise InvalidInputError(f"a {args.role} key belongs to an organisation: add --org NAME")
        return _run(args, lambda r: manage.issue_api_key(r, org_name=args.org, role=args.role, name=args.name,
                                                         expires_days=args.expires_days),
                    lambda k: f"{k['key']}\n(key {k['key_id']}: {k['role']} of {k['org'] or 'the registry'}, "
                              f"expires {k['expires_at'] or 'never'}; it is shown this once)")
    if what == ("key", "revoke"):
        return _run(args, lambda r: manage.revoke_api_key(r, args.key_id),
                    lambda k: f"key {k['key_id']} revoked")
    if what == ("key", "list"):
        return _run(args, lambda r: manage.api_keys(r, org_name=args.org),
                    lambda keys: "\n".join(f"{k['key_id']}  {k['role']:<8} {k['org'] or '(registry)':<20} {k['state']:<8} "
                                           f"{k['name']}  last used {k['last_used_at'] or 'never'}" for k in keys)
                    or "no keys")
    return _run(args, lambda r: manage.audit_events(r, since=args.since),
                lambda events: "\n".join(f"{e['at']}  {e['actor']}  {e['action']}  {e['target']}  {e['detail']}"
                                         for e in events) or "no audit events")


def add_admin_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    admin = commands.add_parser("admin", help="organisations, members, API keys and the audit log")
    sub = admin.add_subparsers(dest="admin_command", required=True, metavar="WHAT")

    org = sub.add_parser("org", help="organisations").add_subparsers(dest="admin_action", required=True, metavar="ACTION")
    create = org.add_parser("create", parents=[common], help="create an organisation (and its payee party)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--kind", required=True, choices=ORG_KINDS)
    create.add_argument("--json", action="store_true")

    user = sub.add_parser("user", help="members").add_subparsers(dest="admin_action", required=True, metavar="ACTION")
    add = user.add_parser("add", parents=[common], help="add a member to an organisation (password from stdin)")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--org", required=True, metavar="NAME")
    add.add_argument("--role", required=True, choices=ORG_ROLES)
    add.add_argument("--json", action="store_true")

    key = sub.add_parser("key", help="API keys").add_subparsers(dest="admin_action", required=True, metavar="ACTION")
    issue = key.add_parser("issue", parents=[common], help="issue an API key (shown once)")
    issue.add_argument("--org", metavar="NAME", help="the organisation (not for an admin key)")
    issue.add_argument("--role", required=True, choices=ROLES)
    issue.add_argument("--name", default="", metavar="LABEL")
    issue.add_argument("--expires-days", type=int, metavar="N")
    issue.add_argument("--json", action="store_true", help='print {"key_id", "key", "org", "role", "expires_at"}')
    revoke = key.add_parser("revoke", parents=[common], help="revoke an API key")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.add_argument("--json", action="store_true")
    listing = key.add_parser("list", parents=[common], help="list API keys (never their secrets)")
    listing.add_argument("--org", metavar="NAME")
    listing.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", parents=[common], help="the audit log")
    audit.add_argument("--since", metavar="DATE")
    audit.add_argument("--json", action="store_true")
    admin.set_defaults(handler=cmd_admin)


def cmd_blobs_gc(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from registry.blobs.gc import collect_orphans

    if args.grace_hours < 1:
        raise InvalidInputError("--grace-hours must be at least 1: a registration in flight has blobs but no rows yet")

    def collect(registry):  # type: ignore[no-untyped-def]
        with registry.db.reading() as session:
            return collect_orphans(registry.blobs, session, grace=timedelta(hours=args.grace_hours),
                                   dry_run=args.dry_run).to_dict()

    return _run(args, collect, lambda c: (
        f"{c['stored']} blobs stored, {c['referenced']} referenced; {c['orphans']} orphans older than "
        f"{args.grace_hours} h {'would be deleted (dry run)' if args.dry_run else 'deleted'}, {c['young']} younger kept"))


def add_blob_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    blobs = commands.add_parser("blobs", help="the blob store (local folder or S3 bucket)")
    sub = blobs.add_subparsers(dest="blobs_command", required=True, metavar="ACTION")
    gc = sub.add_parser("gc", parents=[common], help="delete blobs no registration or claim names (orphans)")
    gc.add_argument("--grace-hours", type=float, default=24.0, metavar="H",
                    help="keep orphans younger than this (default 24: registrations in flight)")
    gc.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    gc.add_argument("--json", action="store_true")
    gc.set_defaults(handler=cmd_blobs_gc)


def cmd_video_index_snapshot(args: argparse.Namespace) -> int:
    def build(registry):  # type: ignore[no-untyped-def]
        built = registry.video_index.build_snapshot(registry.db)
        return built.to_dict() if built else {"sha256": None, "works": len(registry.video_index),
                                              "frames": registry.video_index.frames}

    return _run(args, build, lambda b: (
        f"snapshot {b['sha256']}: {b['works']:,} works, {b['frames']:,} frame rows, {b['size']:,} bytes, "
        f"written in {b['seconds']} s" if b["sha256"] else
        f"nothing new since the newest snapshot ({b['works']:,} works, {b['frames']:,} frame rows)"))


def add_video_index_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    video_index = commands.add_parser("video-index", help="video index snapshots")
    sub = video_index.add_subparsers(dest="video_index_command", required=True, metavar="ACTION")
    snapshot = sub.add_parser("snapshot", parents=[common], help="write every video and image fingerprint into a "
                              "new snapshot that every process opens memory-mapped")
    snapshot.add_argument("--json", action="store_true")
    snapshot.set_defaults(handler=cmd_video_index_snapshot)
