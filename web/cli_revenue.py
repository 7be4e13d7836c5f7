"""`aigc-registry party|sheet|terms|revenue|statement`: parties, split sheets and payouts.

These commands print JSON (indented), since what they show is structured: sheets, payouts, ledgers.
Each names its use case twice, side by side: the `registry` call (local mode) and the HTTP call
answering the same dict (`--server`, see `web.cli`), so one printer serves both.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from registry.errors import InvalidInputError
from web.cli import LazyModule, connect
from web.client import RegistryClient, segment

sheets, ledger = LazyModule("registry.sheets"), LazyModule("registry.ledger")  # local mode only


def _utc_today() -> str:
    """The registry's today: it dates and checks sheets and revenue in UTC, whatever this machine's zone."""
    return datetime.now(timezone.utc).date().isoformat()


def _print(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2), flush=True)


def _run(args: argparse.Namespace, local, remote, show=_print) -> int:  # type: ignore[no-untyped-def]
    """`local(registry)` on the data folder, or `remote(client)` with --server; `show` the answer."""
    with connect(args) as target:
        result = remote(target) if isinstance(target, RegistryClient) else local(target)
    show(result)
    return 0


def _amendment_id(args: argparse.Namespace) -> int:
    if not args.target.isdigit():
        raise InvalidInputError(f"sheet {args.action} wants an AMENDMENT_ID, got {args.target!r}")
    return int(args.target)


def _party_entry(text: str) -> dict:
    """NAME=ROLE:SHARE, e.g. "Ann=creator:5000 bps" or "Ann=editor:1/3"."""
    name, sep, rest = text.partition("=")
    role, sep2, share = rest.partition(":")
    if not (sep and sep2 and name and role and share):
        raise InvalidInputError(f"--party wants NAME=ROLE:SHARE (e.g. 'Ann=creator:5000 bps'), got {text!r}")
    return {"party": name, "role": role, "share": share}


def _pool_entry(text: str) -> dict:
    """LABEL:SHARE:NAME=WEIGHT,NAME=WEIGHT"""
    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidInputError(f"--pool wants LABEL:SHARE:NAME=WEIGHT,... got {text!r}")
    members = {}
    for member in parts[2].split(","):
        name, _, weight = member.partition("=")
        if not weight.isdigit():
            raise InvalidInputError(f"pool member {member!r} needs a whole-number weight (NAME=WEIGHT)")
        members[name] = int(weight)
    return {"pool": parts[0], "share": parts[1], "members": members}


def _parent_share(text: str) -> tuple[str, int]:
    work_id, _, share = text.partition("=")
    if not share.isdigit():
        raise InvalidInputError(f"--parent wants WORK_ID=BPS (whole basis points), got {text!r}")
    return work_id, int(share)


def cmd_party(args: argparse.Namespace) -> int:
    if args.action == "add":
        if not args.name:
            raise InvalidInputError("party add needs a NAME")
        return _run(args, lambda r: sheets.add_party(r, args.name, args.kind),
                    lambda c: c.post("/api/v1/parties", {"name": args.name, "kind": args.kind}))
    return _run(args, lambda r: sheets.list_parties(r), lambda c: c.get("/api/v1/parties"))


def cmd_sheet(args: argparse.Namespace) -> int:
    if args.action == "show":
        return _run(args, lambda r: sheets.sheet_history(r, args.target),
                    lambda c: c.get(f"/api/v1/works/{segment(args.target)}/sheet"))
    if args.action == "propose":
        entries = [_party_entry(p) for p in args.party] + [_pool_entry(p) for p in args.pool]
        return _run(args, lambda r: sheets.propose_sheet(r, args.target, entries, args.effective_from),
                    lambda c: c.post(f"/api/v1/works/{segment(args.target)}/sheet/amendments",
                                     {"parties": entries, "effective_from": args.effective_from}))
    amendment = _amendment_id(args)
    if args.action == "withdraw":
        return _run(args, lambda r: sheets.withdraw_amendment(r, amendment),
                    lambda c: c.post(f"/api/v1/amendments/{amendment}/withdrawal"))
    if len(args.party) != 1:
        raise InvalidInputError("sheet sign wants an AMENDMENT_ID and exactly one --party NAME")
    return _run(args, lambda r: sheets.sign_amendment(r, amendment, args.party[0]),
                lambda c: c.post(f"/api/v1/amendments/{amendment}/signatures", {"party": args.party[0]}))


def cmd_terms(args: argparse.Namespace) -> int:
    parents = dict(_parent_share(p) for p in args.parent)
    return _run(args, lambda r: sheets.set_terms(r, args.work, parents=parents, model=args.model,
                                                 resale_royalty_bps=args.resale_royalty),
                lambda c: c.put(f"/api/v1/works/{segment(args.work)}/terms",
                                {"parents": parents, "model": args.model, "resale_royalty_bps": args.resale_royalty}))


def cmd_revenue(args: argparse.Namespace) -> int:
    if args.action == "record":
        return _run(args, lambda r: ledger.record_revenue(r, args.work, args.amount, args.currency, args.earned_on,
                                                          reference=args.reference, preview=args.preview),
                    lambda c: c.post(f"/api/v1/works/{segment(args.work)}/revenue", {
                        "amount": args.amount, "currency": args.currency, "earned_on": args.earned_on,
                        "reference": args.reference, "preview": args.preview}))
    if args.action == "resale":
        if not args.seller:
            raise InvalidInputError("revenue resale needs --seller PARTY")
        return _run(args, lambda r: ledger.record_resale(r, args.work, args.amount, args.currency, args.seller,
                                                         args.earned_on, reference=args.reference, preview=args.preview),
                    lambda c: c.post(f"/api/v1/works/{segment(args.work)}/resales", {
                        "price": args.amount, "currency": args.currency, "seller": args.seller,
                        "sold_on": args.earned_on, "reference": args.reference, "preview": args.preview}))
    if args.action == "reverse":
        if not (args.work or "").isdigit():
            raise InvalidInputError(f"revenue reverse wants a ledger ENTRY_ID, got {args.work!r}")
        if not args.reason:
            raise InvalidInputError("revenue reverse needs --reason TEXT: say why the entry is being corrected")
        entry = int(args.work)
        return _run(args, lambda r: ledger.reverse_entry(r, entry, reason=args.reason),
                    lambda c: c.post(f"/api/v1/ledger/{entry}/reversal", {"reason": args.reason}))
    return _run(args, lambda r: ledger.list_entries(r, work_id=args.work),
                lambda c: c.get("/api/v1/ledger", work_id=args.work))


def cmd_statement(args: argparse.Namespace) -> int:
    period = {"from": args.period_from, "to": args.period_to}
    if args.csv:
        return _run(args, lambda r: ledger.party_statement(r, args.party, args.period_from, args.period_to).to_csv(),
                    lambda c: c.text(f"/api/v1/parties/{segment(args.party)}/statement", **period, format="csv"),
                    show=sys.stdout.write)
    return _run(args, lambda r: ledger.party_statement(r, args.party, args.period_from, args.period_to).to_dict(),
                lambda c: c.get(f"/api/v1/parties/{segment(args.party)}/statement", **period))


def add_revenue_commands(commands, common: argparse.ArgumentParser) -> None:  # type: ignore[no-untyped-def]
    party = commands.add_parser("party", parents=[common], help="add or list parties (payees, signers)")
    party.add_argument("action", choices=["add", "list"])
    party.add_argument("name", nargs="?", metavar="NAME")
    party.add_argument("--kind", choices=["organisation", "person"], default="organisation")
    party.set_defaults(handler=cmd_party)

    sheet = commands.add_parser("sheet", parents=[common], help="show, propose, sign or withdraw a work's split sheet")
    sheet.add_argument("action", choices=["show", "propose", "sign", "withdraw"])
    sheet.add_argument("target", metavar="WORK_ID|AMENDMENT_ID")
    sheet.add_argument("--party", action="append", default=[], metavar="SPEC",
                       help="propose: NAME=ROLE:SHARE ('Ann=creator:5000 bps', 'Bo=editor:1/3'); sign: NAME")
    sheet.add_argument("--pool", action="append", default=[], metavar="LABEL:SHARE:NAME=W,...",
                       help="a data-provider pool sharing one slot by integer weights")
    sheet.add_argument("--effective-from", default=_utc_today(), metavar="DATE",
                       help="first day in force (default today in UTC, the registry's clock; an amendment: after its last signature)")
    sheet.set_defaults(handler=cmd_sheet)

    terms = commands.add_parser("terms", parents=[common], help="set a work's royalty terms (once)")
    terms.add_argument("work", metavar="WORK_ID")
    terms.add_argument("--parent", action="append", default=[], metavar="WORK_ID=BPS", help="a parent's share")
    terms.add_argument("--model", choices=["relative", "absolute"], default="relative")
    terms.add_argument("--resale-royalty", type=int, default=0, metavar="BPS")
    terms.set_defaults(handler=cmd_terms)

    money = commands.add_parser("revenue", parents=[common], help="record, preview or reverse revenue and resales; ledger")
    money.add_argument("action", choices=["record", "resale", "reverse", "ledger"])
    money.add_argument("work", nargs="?", metavar="WORK_ID|ENTRY_ID")
    money.add_argument("amount", nargs="?", metavar="AMOUNT", help="decimal, e.g. 12.34")
    money.add_argument("currency", nargs="?", metavar="CURRENCY", help="ISO 4217, e.g. USD")
    money.add_argument("--earned-on", default=_utc_today(), metavar="DATE",
                       help="date earned or sold (default today in UTC, the registry's clock)")
    money.add_argument("--seller", metavar="PARTY", help="resale: who sells")
    money.add_argument("--reference", default="", help="your reference for the event")
    money.add_argument("--preview", action="store_true", help="compute the payout without recording it")
    money.add_argument("--reason", metavar="TEXT", help="reverse: why the entry is corrected (required)")
    money.set_defaults(handler=cmd_revenue)

    statement = commands.add_parser("statement", parents=[common], help="a party's statement for a period")
    statement.add_argument("party", metavar="PARTY")
    statement.add_argument("--from", dest="period_from", required=True, metavar="DATE")
    statement.add_argument("--to", dest="period_to", required=True, metavar="DATE")
    statement.add_argument("--csv", action="store_true", help="CSV instead of JSON")
    statement.set_defaults(handler=cmd_statement)
