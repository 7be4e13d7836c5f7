"""Split sheets, payouts, ledger and statements through the real HTTP app, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ..conftest import SAMPLES, steady_utc_today

TODAY = steady_utc_today().isoformat()


def _register(client, slug, **fields):
    text = (SAMPLES / "articles" / f"{slug}.txt").read_bytes()
    response = client.post("/api/v1/works", files={"file": (f"{slug}.txt", text)},
                           data={"model": "claude", **fields})
    assert response.status_code == 201, response.text
    return response.json()["work_id"]


def test_sheet_revenue_resale_statement(client):
    parent = _register(client, "heling-tea-harvest-machines")
    child = _register(client, "heling-tea-harvest-brief", parent=parent)
    for name in ("Mei", "Jun", "Lab"):
        assert client.post("/api/v1/parties", json={"name": name}).status_code == 201
    for work, parties in ((parent, [{"party": "Mei", "role": "creator", "share": "1/1"}]),
                          (child, [{"party": "Jun", "role": "editor", "share": "7000 bps"},
                                   {"party": "Lab", "role": "model_developer", "share": "3000 bps"}])):
        amendment = client.post(f"/api/v1/works/{work}/sheet/amendments",
                                json={"parties": parties, "effective_from": TODAY}).json()
        for name in amendment["missing"]:
            signed = client.post(f"/api/v1/amendments/{amendment['amendment_id']}/signatures", json={"party": name})
        assert signed.json()["status"] == "adopted"
    assert client.put(f"/api/v1/works/{child}/terms",
                      json={"parents": {parent: 1500}, "resale_royalty_bps": 1000}).status_code == 200

    preview = client.post(f"/api/v1/works/{child}/revenue",
                          json={"amount": "1000", "currency": "JPY", "earned_on": TODAY, "preview": True}).json()
    assert {l["party"]: l["amount_minor"] for l in preview["payout"]["lines"]} == {"Mei": 150, "Jun": 595, "Lab": 255}
    assert client.get("/api/v1/ledger").json() == []

    recorded = client.post(f"/api/v1/works/{child}/revenue",
                           json={"amount": "1000", "currency": "JPY", "earned_on": TODAY})
    assert recorded.status_code == 200 and recorded.json()["receipt"].startswith("c2sp.org/tlog-proof@v1")
    resale = client.post(f"/api/v1/works/{child}/resales",
                         json={"price": "777", "currency": "JPY", "seller": "Mei", "sold_on": TODAY}).json()
    assert resale["payout"]["resale"]["eip2981_minor"] == 77
    assert sum(l["amount_minor"] for l in resale["payout"]["lines"]) == 777

    statement = client.get("/api/v1/parties/Mei/statement", params={"from": TODAY, "to": TODAY}).json()
    assert len(statement["entries"]) == 2
    csv = client.get("/api/v1/parties/Mei/statement", params={"from": TODAY, "to": TODAY, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("earned_on,")
    assert len(client.get("/api/v1/ledger").json()) == 2
    assert client.get(f"/api/v1/works/{child}/sheet").json()["terms"]["parents"] == {parent: 1500}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/works/{w}/sheet/amendments", {"parties": [{"party": "X", "role": "creator", "share": "1/2"}],
                                                "effective_from": TODAY}, 404),
        ("/api/v1/works/{w}/sheet/amendments", {"parties": [], "effective_from": TODAY}, 422),
        ("/api/v1/works/{w}/sheet/amendments", {"parties": [{"party": "local", "role": "creator", "share": "1/1"}],
                                                "effective_from": "someday"}, 422),
        ("/api/v1/works/{w}/revenue", {"amount": "1.5", "currency": "JPY", "earned_on": TODAY}, 422),
        ("/api/v1/works/{w}/revenue", {"amount": "1", "currency": "USD", "earned_on": TODAY}, 422),
        ("/api/v1/works/NOPE/revenue", {"amount": "1", "currency": "USD", "earned_on": TODAY}, 404),
    ],
    ids=["unknown-party", "empty-sheet", "bad-date", "over-precise-jpy", "no-sheet-in-force", "unknown-work"],
)
def test_bad_revenue_requests_are_4xx(client, path, body, status):
    work = _register(client, "calder-valley-storm")
    response = client.post(path.format(w=work), json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert client.get("/api/v1/ledger").json() == []
