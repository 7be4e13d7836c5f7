"""Split sheets, royalty terms and the ledger through the registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from registry import ledger, sheets
from registry.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnknownPartyError,
)
from registry.models import LedgerEntry, LedgerLine, LogEntry, SheetVersionRow
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.tlog.receipt import Receipt, verify_receipt

from ..conftest import steady_utc_today
from .test_register_article import ARTICLE

TODAY = steady_utc_today()


@pytest.fixture
def works(registry):
    """A parent article with a 60/40 sheet and a derivative paying it 20%, with a pooled sheet."""
    parent = register_article(registry, ARTICLE.encode(), RegistrationRequest(model="m")).work_id
    child_text = ARTICLE.replace("harbour", "river") + "\nA follow-up on the river barrier study.\n"
    child = register_article(registry, child_text.encode(), RegistrationRequest(model="m", parents=(parent,))).work_id
    for name in ("Ann", "Bo", "Cy", "Dee", "Ed"):
        sheets.add_party(registry, name, "person")
    _adopt(registry, parent, [{"party": "Ann", "role": "creator", "share": "6000 bps"},
                              {"party": "Bo", "role": "editor", "share": "4000 bps"}])
    _adopt(registry, child, [{"party": "Cy", "role": "creator", "share": "1/3"},
                             {"party": "Dee", "role": "model_developer", "share": "1/3"},
                             {"pool": "data", "share": "1/3", "members": {"Ann": 1, "Ed": 2}}])
    sheets.set_terms(registry, child, parents={parent: 2000}, resale_royalty_bps=500)
    return parent, child


def _adopt(registry, work_id, parties, effective_from=None):
    effective_from = effective_from or steady_utc_today()
    proposed = sheets.propose_sheet(registry, work_id, parties, effective_from.isoformat())
    for name in proposed["missing"]:
        result = sheets.sign_amendment(registry, proposed["amendment_id"], name)
    assert result["status"] == "adopted"
    return result


def _amounts(result) -> dict[str, int]:
    return {line["party"]: line["amount_minor"] for line in result["payout"]["lines"]}


def _state(registry):
    with registry.db.reading() as session:
        return tuple(session.exec(select(func.count()).select_from(m)).one()
                     for m in (LedgerEntry, LedgerLine, LogEntry, SheetVersionRow))



def test_the_same_event_recorded_twice_at_once_is_two_entries(registry, works):
    # a double report is corrected by a reversal, so both are recorded, with two log leaves
    _parent, child = works
    first, second = (ledger.record_revenue(registry, child, "5.00", "USD", TODAY.isoformat()) for _ in range(2))
    assert first["entry_sha256"] == second["entry_sha256"]
    assert (first["entry_id"], first["log_index"]) != (second["entry_id"], second["log_index"])

def test_revenue_flows_up_to_the_parent_exactly(registry, works):
    _parent, child = works
    result = ledger.record_revenue(registry, child, "100.00", "USD", TODAY.isoformat())
    # 20% up: Ann 60% of 20.00 + 1/3 of the 26.67 pool; the child's 80.00 in thirds, the pool 1:2
    amounts = _amounts(result)
    assert {name: amounts[name] for name in ("Ann", "Bo", "Ed")} == {"Ann": 2089, "Bo": 800, "Ed": 1778}
    # Cy and Dee have equal exact shares (26.666...): the spare cent goes to the first name, Cy
    assert (amounts["Cy"], amounts["Dee"]) == (2667, 2666)
    assert sum(amounts.values()) == 10000
    with registry.db.reading() as session:
        leaf = registry.log.entry(session, result["log_index"]).leaf
    statement = json.loads(leaf)
    assert statement["type"].endswith("/ledger/v1") and statement["entry_sha256"] == result["entry_sha256"]
    checkpoint = verify_receipt(Receipt.from_text(result["receipt"]), leaf, registry.keys.log_verifier)
    assert checkpoint.size == result["log_index"] + 1


def test_preview_records_nothing(registry, works):
    before = _state(registry)
    preview = ledger.record_revenue(registry, works[1], "100.00", "USD", TODAY.isoformat(), preview=True)
    assert preview["preview"] and sum(_amounts(preview).values()) == 10000
    assert _state(registry) == before


def test_resale_reports_the_eip2981_figure_beside_the_exact_one(registry, works):
    result = ledger.record_resale(registry, works[1], "99.99", "USD", "Bo", TODAY.isoformat())
    assert result["payout"]["resale"] == {"royalty_bps": 500, "exact_minor": "9999/20", "eip2981_minor": 499}
    amounts = _amounts(result)
    assert sum(amounts.values()) == 9999 and amounts["Bo"] > 9400  # the seller keeps the rest


def test_reversal_negates_and_statements_drop_reversed_entries(registry, works):
    first = ledger.record_revenue(registry, works[1], "10.00", "EUR", TODAY.isoformat())
    ledger.record_revenue(registry, works[0], "1.00", "EUR", TODAY.isoformat())
    reversal = ledger.reverse_entry(registry, first["entry_id"], reason="recorded twice by the distributor")
    assert reversal["kind"] == "reversal" and reversal["reason"] == "recorded twice by the distributor"
    with pytest.raises(ConflictError, match="already reversed"):
        ledger.reverse_entry(registry, first["entry_id"], reason="again")
    with registry.db.reading() as session:
        lines = session.exec(select(LedgerLine).where(LedgerLine.entry_id == reversal["entry_id"])).all()
    assert sum(line.amount_minor for line in lines) == -1000
    report = ledger.party_statement(registry, "Ann", TODAY - timedelta(days=1), TODAY)
    assert report.to_dict()["totals"] == {"EUR": {"amount_minor": 60, "amount": "0.60"}}
    assert report.to_csv().count("\n") == 2  # header + the one standing entry


def test_an_amendment_needs_every_old_and_new_party_and_is_never_retroactive(registry, works):
    parent = works[0]
    proposed = sheets.propose_sheet(registry, parent, [{"party": "Ann", "role": "creator", "share": "5000 bps"},
                                                       {"party": "Cy", "role": "editor", "share": "5000 bps"}],
                                    (TODAY + timedelta(days=1)).isoformat())
    assert proposed["missing"] == ["Ann", "Bo", "Cy"]  # Bo leaves the sheet: Bo must consent too
    sheets.sign_amendment(registry, proposed["amendment_id"], "Ann")
    sheets.sign_amendment(registry, proposed["amendment_id"], "Cy")
    assert ledger.record_revenue(registry, parent, "1.00", "USD", TODAY.isoformat(), preview=True)
    late = sheets.propose_sheet(registry, parent, [{"party": "Ann", "role": "creator", "share": "1/1"}],
                                TODAY.isoformat())
    for name in ("Ann",):
        sheets.sign_amendment(registry, late["amendment_id"], name)
    with pytest.raises(InvalidInputError, match="day after|after"):
        sheets.sign_amendment(registry, late["amendment_id"], "Bo")  # would change today's split: refused


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        (lambda r, w: sheets.propose_sheet(r, w[0], [{"party": "Ann", "role": "creator", "share": "9000 bps"}],
                                           TODAY.isoformat()), InvalidInputError, "expected exactly 10,000"),
        (lambda r, w: sheets.propose_sheet(r, w[0], [{"party": "Ann", "role": "creator", "share": "0 bps"},
                                                     {"party": "Bo", "role": "editor", "share": "1/1"}],
                                           TODAY.isoformat()), InvalidInputError, ""),
        (lambda r, w: sheets.propose_sheet(r, w[0], [{"party": "Ann", "role": "creator", "share": "1/2"},
                                                     {"party": "Ann", "role": "editor", "share": "1/2"}],
                                           TODAY.isoformat()), InvalidInputError, "twice"),
        (lambda r, w: sheets.propose_sheet(r, w[0], [{"party": "Zed", "role": "creator", "share": "1/1"}],
                                           TODAY.isoformat()), UnknownPartyError, "Zed"),
        (lambda r, w: sheets.set_terms(r, w[0], parents={w[1]: 1000}), NotFoundError, "not a registered parent"),
        (lambda r, w: sheets.set_terms(r, w[1], parents={w[0]: 500}), ConflictError, "already set"),
        (lambda r, w: ledger.record_revenue(r, w[1], "1.001", "USD", TODAY.isoformat()), InvalidInputError, "decimal"),
        (lambda r, w: ledger.record_revenue(r, w[1], "-5", "USD", TODAY.isoformat()), InvalidInputError, ""),
        (lambda r, w: ledger.record_revenue(r, w[1], "5", "XXY", TODAY.isoformat()), InvalidInputError, "currency"),
        (lambda r, w: ledger.record_revenue(r, w[1], "5", "USD", (TODAY + timedelta(days=3)).isoformat()),
         InvalidInputError, "future"),
        (lambda r, w: ledger.record_revenue(r, w[1], "5", "USD", (TODAY - timedelta(days=3)).isoformat()),
         InvalidInputError, "no split sheet in force"),
        (lambda r, w: ledger.record_resale(r, w[1], "5", "USD", "Nobody", TODAY.isoformat()), UnknownPartyError, ""),
        (lambda r, w: ledger.reverse_entry(r, 999, reason="typo"), NotFoundError, "999"),
        (lambda r, w: sheets.sign_amendment(r, 999, "Ann"), NotFoundError, "999"),
    ],
    ids=["shares-not-100", "zero-share", "duplicate-party", "unknown-party", "parent-not-registered",
         "terms-twice", "over-precise", "negative", "unknown-currency", "earned-in-future", "before-any-sheet",
         "unknown-seller", "unknown-entry", "unknown-amendment"],
)
def test_bad_input_names_the_rule_and_records_nothing(registry, works, action, error, message):
    before = _state(registry)
    with pytest.raises(error) as caught:
        action(registry, works)
    assert message.lower() in str(caught.value).lower()
    assert _state(registry) == before


def test_unsigned_amendment_pays_nothing(registry):
    work = register_article(registry, ARTICLE.encode(), RegistrationRequest(model="m")).work_id
    sheets.add_party(registry, "Solo")
    sheets.propose_sheet(registry, work, [{"party": "Solo", "role": "creator", "share": "1/1"}], TODAY.isoformat())
    with pytest.raises(InvalidInputError, match="no split sheet in force"):
        ledger.record_revenue(registry, work, "1.00", "USD", TODAY.isoformat())
