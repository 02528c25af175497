"""Partner statements and payouts: figures from paid invoices only (checked against an independent
computation), tenant and invoice counts, the CSV file, payouts made exactly once (also when two admins
press at the same moment), and the pages: the partner's statements, the CSV download, 404 for everyone
else, and the admins' payout list where a payout is created and marked paid."""
from __future__ import annotations

import csv
import io
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from billing import statements
from billing.invoices import next_month
from billing.models import Invoice, InvoiceLine, Payout, RevenueEntry
from billing.settlement import settle_paid
from marketplace import modules
from marketplace.models import Partner
from tenants.errors import Conflict, DomainError, Forbidden, NotFound
from tenants.models import User
from tenants.money import major_text
from tenants.scoping import tenant_context
from tests.conftest import post_form
from tests.marketplace.test_manifest import GOOD

SEP, OCT, NOV_2025 = date(2026, 9, 1), date(2026, 10, 1), date(2025, 11, 1)
COMMISSION = Decimal("0.20")
# (company, month, paid?, [(module, meter, amount in minor units)]); module None: the platform's own fee
INVOICES = [
    ("acme", OCT, True, [(None, "platform_device_day", 1500), ("idle", "module_device_day", 1234),
                         ("energy", "module_unit", 999), ("shift", "module_device_day", 555)]),
    ("beta", OCT, True, [("idle", "module_device_day", 200001), ("idle", "module_unit", 17),
                         ("shift", "module_unit", 1111)]),
    ("shanghai", OCT, True, [("idle", "module_device_day", 8888), ("energy", "module_unit", 4321)]),
    ("delta", OCT, False, [("idle", "module_device_day", 7777), ("energy", "module_unit", 3333)]),  # still open
    ("acme", SEP, True, [("idle", "module_device_day", 700)]),
]
COMPANIES = {"acme": ("Acme Metall", "owner@acme.test", "EUR", "DE", "Europe/Berlin"),
             "beta": ("Beta Werk", "owner@beta.test", "EUR", "AT", "Europe/Vienna"),
             "shanghai": ("Shanghai Press", "owner@shpress.test", "CNY", "CN", "Asia/Shanghai"),
             "delta": ("Delta Guss", "owner@delta.test", "EUR", "DE", "Europe/Berlin")}
MODULES = {"idle": ("a", "Idle Waste Report", "idle-report"), "energy": ("a", "Energy Watch", "energy-watch"),
           "shift": ("b", "Shift Board", "shift-board")}


@dataclass
class World:
    """The companies, partners and modules made by `revenue`, and the invoices' ids."""

    companies: dict = field(default_factory=dict)   # key -> Account
    currency: dict = field(default_factory=dict)    # key -> currency
    partners: dict = field(default_factory=dict)    # "a"/"b" -> partner id
    members: dict = field(default_factory=dict)     # "a"/"b" -> member email
    slugs: dict = field(default_factory=dict)       # "a"/"b" -> partner slug
    modules: dict = field(default_factory=dict)     # key -> (module id, partner id)
    invoices: list = field(default_factory=list)    # invoice ids in the order of INVOICES
    admin_id: int = 0
    admin_email: str = "ops@platform.test"


NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
"""October is the newest finished month; November is not over."""


@pytest.fixture(autouse=True)
def november(clock):
    """Every test of this module runs on NOW."""
    clock.set(NOW)
    return clock


def paid_during(month: date) -> datetime:
    """A moment in the month (revenue is filed under the month its invoice was paid in)."""
    return datetime(month.year, month.month, 20, 9, 0, tzinfo=UTC)


def _add_invoice(db, world: World, number: int, spec) -> int:
    company, period, paid, lines = spec
    account, currency = world.companies[company], world.currency[company]
    with tenant_context(account.tenant_id), db.session() as session:
        subtotal = sum(amount for _m, _meter, amount in lines)
        invoice = Invoice(number=f"T-{number:05d}", period_start=period, period_end=next_month(period),
                          currency=currency, subtotal_minor=subtotal, tax_rate_bp=0, tax_minor=0,
                          total_minor=subtotal, country=COMPANIES[company][3], company_name=COMPANIES[company][0],
                          status="open")
        session.add(invoice)
        session.flush()
        for position, (module, meter, amount) in enumerate(lines, 1):
            module_id, partner_id = world.modules[module] if module else (None, None)
            session.add(InvoiceLine(invoice_id=invoice.id, position=position, meter=meter, module_id=module_id,
                                    partner_id=partner_id, description=meter, late_days=[], quantity=1,
                                    unit_price_minor=amount, amount_minor=amount))
        session.flush()
        if paid:
            settle_paid(session, invoice, paid_during(period))
        session.flush()
        return invoice.id


def _pay(db, world: World, index: int) -> None:
    company = INVOICES[index][0]
    with tenant_context(world.companies[company].tenant_id), db.session() as session:
        invoice = session.get(Invoice, world.invoices[index])
        settle_paid(session, invoice, paid_during(invoice.period_start))
        session.flush()


@pytest.fixture
def revenue(db, make_account) -> World:
    """Two partners (a: two modules, b: one), three paying companies (two in EUR, one in CNY), a fourth
    company whose October invoice is still open, and a platform admin."""
    world = World()
    for key, (name, email, currency, country, zone) in COMPANIES.items():
        world.companies[key] = make_account(name, email, timezone=zone, currency=currency, country=country)
        world.currency[key] = currency
    for key, name, email in (("a", "Lean Watts GmbH", "dev@leanwatts.test"), ("b", "Shift Soft", "dev@shift.test")):
        member = make_account(f"{name} Ops", email)
        world.members[key] = member.email
        with db.session() as session:
            partner = modules.create_partner(session, name=name, contact_email=email,
                                             owner=session.get(User, member.user_id))
            world.partners[key], world.slugs[key] = partner.id, partner.slug
    with db.session() as session:
        for key, (partner_key, name, slug) in MODULES.items():
            module = modules.create_module(session, session.get(Partner, world.partners[partner_key]),
                                           {**GOOD, "name": name, "slug": slug})
            world.modules[key] = (module.id, module.partner_id)
    admin = make_account("Platform Ops", world.admin_email)
    with db.session() as session:
        session.get(User, admin.user_id).is_platform_admin = True
    world.admin_id = admin.user_id
    world.invoices = [_add_invoice(db, world, number, spec) for number, spec in enumerate(INVOICES, 1)]
    return world


def expected(world: World, partner_key: str, period: date, paid_only: bool = True) -> dict:
    """The statement computed independently from INVOICES: {currency: {module key: figures}} where
    figures are gross, commission (20 % of each invoice's module total, rounded half up), net, and the
    sets of companies and invoices; plus "total" per currency."""
    result: dict = defaultdict(dict)
    for index, (company, month, paid, lines) in enumerate(INVOICES):
        if month != period or (paid_only and not paid):
            continue
        per_module: dict = defaultdict(int)
        for module, _meter, amount in lines:
            if module and MODULES[module][0] == partner_key:
                per_module[module] += amount
        for module, gross in per_module.items():
            commission = int((Decimal(gross) * COMMISSION).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            for key in (module, "total"):
                row = result[world.currency[company]].setdefault(
                    key, {"gross": 0, "commission": 0, "net": 0, "companies": set(), "invoices": set()})
                row["gross"] += gross
                row["commission"] += commission
                row["net"] += gross - commission
                row["companies"].add(company)
                row["invoices"].add(index)
    return dict(result)


def _figures(row) -> tuple:
    return row.gross_minor, row.commission_minor, row.net_minor, row.tenants, row.invoices


def _want(row: dict) -> tuple:
    return row["gross"], row["commission"], row["net"], len(row["companies"]), len(row["invoices"])


def assert_statement_matches(found: statements.Statement, want: dict) -> None:
    """The statement has exactly the expected currencies, modules and figures."""
    assert [part.currency for part in found.currencies] == sorted(want)
    for part in found.currencies:
        by_slug = {line.slug: line for line in part.lines}
        assert set(by_slug) == {MODULES[key][2] for key in want[part.currency] if key != "total"}
        for key, row in want[part.currency].items():
            if key != "total":
                line = by_slug[MODULES[key][2]]
                assert line.name == MODULES[key][1]
                assert _figures(line) == _want(row), (part.currency, key)
        assert _figures(part) == _want(want[part.currency]["total"]), part.currency


def _admin(session, world: World) -> User:
    return session.get(User, world.admin_id)


def _html(response) -> str:
    return response.get_data(as_text=True)


# The statement

def test_statements_match_an_independent_computation(db, revenue):
    with db.session() as session:
        for partner_key in ("a", "b"):
            for period in (SEP, OCT):
                found = statements.statement(session, revenue.partners[partner_key], period)
                assert found.period_start == period and found.month == statements.month_text(period)
                assert_statement_matches(found, expected(revenue, partner_key, period))
        october = statements.statement(session, revenue.partners["a"], date(2026, 10, 17))  # any day of the month
    eur = october.total("EUR")
    # by hand: Idle Waste 1234 + 200018 (commission 247 + 40004), Energy Watch 999 (commission 200)
    assert [line.slug for line in eur.lines] == ["idle-report", "energy-watch"], "biggest earner first"
    assert _figures(eur) == (202251, 40451, 161800, 2, 2), "Acme and Beta, each counted once"
    assert _figures(eur.lines[0]) == (201252, 40251, 161001, 2, 2)
    assert _figures(october.total("CNY")) == (13209, 2642, 10567, 1, 1)
    assert october.total("USD") is None


def test_an_unpaid_invoice_counts_only_once_it_is_paid(db, revenue):
    delta = revenue.companies["delta"].tenant_id
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RevenueEntry)
                              .where(RevenueEntry.tenant_id == delta)) == 0
        before = statements.statement(session, revenue.partners["a"], OCT)
    assert "delta" not in expected(revenue, "a", OCT)["EUR"]["total"]["companies"]
    assert_statement_matches(before, expected(revenue, "a", OCT))

    _pay(db, revenue, 3)
    with db.session() as session:
        after = statements.statement(session, revenue.partners["a"], OCT)
    assert_statement_matches(after, expected(revenue, "a", OCT, paid_only=False))
    assert after.total("EUR").tenants == 3 and after.total("EUR").gross_minor == before.total("EUR").gross_minor + 11110


def test_statement_months_are_newest_first(db, revenue):
    with db.session() as session:
        assert statements.statement_months(session, revenue.partners["a"]) == [OCT, SEP]
        assert statements.statement_months(session, revenue.partners["b"]) == [OCT]
        assert statements.statement_months(session, revenue.partners["b"] + 1000) == []
        assert statements.revenue_months(session) == [OCT, SEP]
        assert statements.statement(session, revenue.partners["b"], SEP).empty


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_a_header_a_row_per_module_and_currency_and_totals(db, revenue):
    with db.session() as session:
        text = statements.statement_csv(statements.statement(session, revenue.partners["a"], OCT))
    assert text.endswith("\r\n")
    header, *rows = _rows(text)
    assert header == list(statements.CSV_COLUMNS)
    assert rows == [
        ["2026-10", "CNY", "Idle Waste Report", "idle-report", "1", "1", "88.88", "17.78", "71.10"],
        ["2026-10", "CNY", "Energy Watch", "energy-watch", "1", "1", "43.21", "8.64", "34.57"],
        ["2026-10", "CNY", "Total", "", "1", "1", "132.09", "26.42", "105.67"],
        ["2026-10", "EUR", "Idle Waste Report", "idle-report", "2", "2", "2012.52", "402.51", "1610.01"],
        ["2026-10", "EUR", "Energy Watch", "energy-watch", "1", "1", "9.99", "2.00", "7.99"],
        ["2026-10", "EUR", "Total", "", "2", "2", "2022.51", "404.51", "1618.00"],
    ]


def test_csv_amounts_follow_the_currency_and_cells_never_run_as_formulas():
    line = statements.ModuleLine(1, "=cmd", "=HYPERLINK(\"x\")", 123456, 24691, 98765, 3, 4)
    part = statements.CurrencyStatement("JPY", [line], 123456, 24691, 98765, 3, 4)
    text = statements.statement_csv(statements.Statement(7, NOV_2025, [part]), total_label="Summe")
    _header, row, total = _rows(text)
    assert row == ["2025-11", "JPY", "'=HYPERLINK(\"x\")", "'=cmd", "3", "4", "123456", "24691", "98765"]
    assert total == ["2025-11", "JPY", "Summe", "", "3", "4", "123456", "24691", "98765"]
    assert major_text(5, "EUR") == "0.05" and major_text(12345, "BHD") == "12.345"


@pytest.mark.parametrize("text, month", [("2026-10", OCT), (" 2025-11 ", NOV_2025)])
def test_months_read_as_yyyy_mm(text, month):
    assert statements.parse_month(text) == month


@pytest.mark.parametrize("text", ["", None, "2026-13", "2026-00", "2026-1", "10-2026", "2026-10-01", "1999-12", "x"])
def test_other_months_are_refused(text):
    with pytest.raises(DomainError, match="YYYY-MM"):
        statements.parse_month(text)


# Payouts

def _payout_rows(db, partner_id: int) -> list[tuple]:
    with db.session() as session:
        return [(p.period_start, p.currency, p.gross_minor, p.commission_minor, p.net_minor, p.status)
                for p in session.scalars(select(Payout).where(Payout.partner_id == partner_id))]


def test_a_payout_takes_the_statement_totals_and_is_never_made_twice(db, revenue):
    partner = revenue.partners["a"]
    with db.session() as session:
        payout = statements.create_payout(session, _admin(session, revenue), partner, OCT, "eur")
        assert (payout.status, payout.reference, payout.paid_at) == ("pending", "", None)
    assert _payout_rows(db, partner) == [(OCT, "EUR", 202251, 40451, 161800, "pending")]
    with db.session() as session, pytest.raises(Conflict, match="exists already"):
        statements.create_payout(session, _admin(session, revenue), partner, date(2026, 10, 20), "EUR")
    assert len(_payout_rows(db, partner)) == 1
    with db.session() as session:  # the other currency of the month is its own payout
        statements.create_payout(session, _admin(session, revenue), partner, OCT, "CNY")
        assert [p.currency for p in statements.payouts(session, partner)] == ["CNY", "EUR"]
        assert statements.payouts(session, partner, SEP) == []


@pytest.mark.parametrize("partner_key, period, currency, reason", [
    ("a", date(2026, 8, 1), "EUR", "no paid revenue"),
    ("b", OCT, "CNY", "no paid revenue"),
    ("a", date(2026, 11, 1), "EUR", "not over yet"),
    ("a", date(2027, 1, 1), "EUR", "not over yet"),
])
def test_payouts_need_a_finished_month_with_revenue(db, revenue, partner_key, period, currency, reason):
    with db.session() as session, pytest.raises(DomainError, match=reason):
        statements.create_payout(session, _admin(session, revenue), revenue.partners[partner_key], period, currency,
                                 today=date(2026, 11, 24))
    assert _payout_rows(db, revenue.partners[partner_key]) == []


def test_the_current_month_is_refused_by_the_real_clock(db, revenue):
    this_month = statements.month_start(statements.utcnow().date())
    with db.session() as session, pytest.raises(DomainError, match="not over yet"):
        statements.create_payout(session, _admin(session, revenue), revenue.partners["a"], this_month, "EUR")


def test_only_platform_admins_handle_payouts(db, revenue):
    with db.session() as session:
        member = session.scalar(select(User).where(User.email == revenue.members["a"]))
        with pytest.raises(Forbidden):
            statements.create_payout(session, member, revenue.partners["a"], OCT, "EUR")
        payout = statements.create_payout(session, _admin(session, revenue), revenue.partners["a"], OCT, "EUR")
        with pytest.raises(Forbidden):
            statements.mark_payout_paid(session, member, payout.id, "SEPA-1")
    assert _payout_rows(db, revenue.partners["a"])[0][-1] == "pending"


@pytest.mark.parametrize("look_first", [True, False], ids=["checked", "constraint-only"])
def test_two_admins_at_once_make_one_payout(db, revenue, monkeypatch, look_first):
    if not look_first:  # both pass the look-up for an existing payout: the unique constraint alone decides
        monkeypatch.setattr(statements, "_existing_payout", lambda *_args: None)
    barrier, results = threading.Barrier(2), []

    def press() -> None:
        try:
            with db.session() as session:
                admin = _admin(session, revenue)
                barrier.wait(timeout=10)
                results.append(("made", statements.create_payout(session, admin, revenue.partners["a"], OCT,
                                                                 "EUR").id))
        except Conflict:
            results.append(("conflict", None))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(("error", repr(exc)))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(kind for kind, _ in results) == ["conflict", "made"], results
    assert _payout_rows(db, revenue.partners["a"]) == [(OCT, "EUR", 202251, 40451, 161800, "pending")]


def test_marking_paid_needs_a_reference_and_happens_once(db, revenue):
    with db.session() as session:
        payout_id = statements.create_payout(session, _admin(session, revenue), revenue.partners["a"], OCT, "EUR").id
    with db.session() as session:
        admin = _admin(session, revenue)
        with pytest.raises(DomainError, match="reference"):
            statements.mark_payout_paid(session, admin, payout_id, "   ")
        with pytest.raises(DomainError, match="too long"):
            statements.mark_payout_paid(session, admin, payout_id, "x" * 201)
        with pytest.raises(NotFound):
            statements.mark_payout_paid(session, admin, payout_id + 1000, "SEPA-1")
        paid = statements.mark_payout_paid(session, admin, payout_id, "  SEPA-2026-11-0042 ")
        assert (paid.status, paid.reference) == ("paid", "SEPA-2026-11-0042") and paid.paid_at is not None
    with db.session() as session, pytest.raises(Conflict, match="already"):
        statements.mark_payout_paid(session, _admin(session, revenue), payout_id, "SEPA-again")
    with db.session() as session:
        assert session.get(Payout, payout_id).reference == "SEPA-2026-11-0042"


def test_the_month_overview_lists_partners_with_revenue_and_their_payouts(db, revenue):
    with db.session() as session:
        statements.create_payout(session, _admin(session, revenue), revenue.partners["b"], OCT, "EUR")
    with db.session() as session:
        rows = statements.month_overview(session, OCT)
        assert [(r.partner.name, r.currency, r.net_minor, r.payout is not None) for r in rows] == [
            ("Lean Watts GmbH", "CNY", 10567, False), ("Lean Watts GmbH", "EUR", 161800, False),
            ("Shift Soft", "EUR", 1333, True)]
        assert [(r.partner.name, r.net_minor) for r in statements.month_overview(session, SEP)] == [
            ("Lean Watts GmbH", 560)]


# The partner's pages

def test_partner_sees_its_statement(client_as, revenue):
    client = client_as(revenue.members["a"])
    base = f"/partners/{revenue.partners['a']}/statements"
    assert f'href="{base}"' in _html(client.get(f"/partners/{revenue.partners['a']}/")), "linked from the portal"
    page = _html(client.get(base))
    assert "Only paid invoices count" in page
    assert "Idle Waste Report" in page and "Energy Watch" in page and "Shift Board" not in page
    assert "€2,022.51" in page and "€404.51" in page and "€1,618.00" in page and "CN¥105.67" in page
    assert f'href="{base}/2026-10.csv"' in page and f'href="{base}?month=2026-09"' in page
    assert "Not paid out yet" in page
    september = _html(client.get(f"{base}?month=2026-09"))
    assert "€7.00" in september and "€5.60" in september and "Energy Watch" not in september
    empty_month = _html(client.get(f"{base}?month=2026-08"))
    assert "No paid revenue in this month." in empty_month and ".csv" not in empty_month


def test_a_partner_without_paid_revenue_sees_the_empty_state(db, client_as, make_account, revenue):
    newcomer = make_account("New Partner Ops", "dev@newcomer.test")
    with db.session() as session:
        partner = modules.create_partner(session, name="Newcomer", contact_email="dev@newcomer.test",
                                         owner=session.get(User, newcomer.user_id))
        partner_id = partner.id
    page = _html(client_as(newcomer.email).get(f"/partners/{partner_id}/statements"))
    assert "No paid revenue yet" in page and "Only paid invoices count" in page


def test_the_csv_downloads_as_an_attachment(client_as, revenue):
    client = client_as(revenue.members["a"])
    response = client.get(f"/partners/{revenue.partners['a']}/statements/2026-10.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"statement-{revenue.slugs['a']}-2026-10.csv" in disposition
    header, *rows = _rows(response.get_data().decode("utf-8-sig"))
    assert header == list(statements.CSV_COLUMNS) and len(rows) == 6
    assert rows[-1] == ["2026-10", "EUR", "Total", "", "2", "2", "2022.51", "404.51", "1618.00"]


def test_a_bad_month_is_answered_400_with_the_reason(client_as, revenue):
    client = client_as(revenue.members["a"])
    base = f"/partners/{revenue.partners['a']}/statements"
    for url in (f"{base}/2026-13.csv", f"{base}/october.csv", f"{base}?month=2026-1"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "YYYY-MM" in _html(response), url


def _statement_urls(app, partner_id: int) -> list[str]:
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("partner_statements."):
            values = {"partner_id": partner_id, "month": "2026-10"}
            urls.append(adapter.build(rule.endpoint, {arg: values[arg] for arg in rule.arguments}))
    return urls


def test_another_partners_member_gets_404_on_every_route(app, client, client_as, revenue):
    urls = _statement_urls(app, revenue.partners["a"])
    assert len(urls) == 2
    urls += [f"{urls[0]}?month=2026-10", f"/partners/{revenue.partners['a'] + 1000}/statements"]
    outsider = client_as(revenue.members["b"])
    for url in urls:
        assert outsider.get(url).status_code == 404, url
    own = client_as(revenue.members["a"])
    assert all(own.get(url).status_code == 200 for url in urls[:3])
    anonymous = client.get(urls[0])
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# The admins' payout pages

def test_only_platform_admins_see_the_payout_pages(db, client, client_as, revenue):
    with db.session() as session:
        payout_id = statements.create_payout(session, _admin(session, revenue), revenue.partners["a"], OCT, "EUR").id
    assert client.get("/admin/payouts/").status_code == 404
    member = client_as(revenue.members["a"])
    assert member.get("/admin/payouts/").status_code == 404
    assert member.get("/admin/payouts/?month=2026-10").status_code == 404
    form = {"partner_id": revenue.partners["a"], "month": "2026-10", "currency": "CNY"}
    assert post_form(member, "/admin/payouts/", form).status_code == 404
    assert post_form(member, f"/admin/payouts/{payout_id}/paid", {"reference": "x"}).status_code == 404
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Payout)) == 1
        assert session.get(Payout, payout_id).status == "pending"


def test_admin_creates_a_payout_once_and_marks_it_paid(db, client_as, revenue):
    admin = client_as(revenue.admin_email)
    page = _html(admin.get("/admin/payouts/?month=2026-10"))
    assert "Lean Watts GmbH" in page and "Shift Soft" in page and "€1,618.00" in page and "€13.33" in page
    assert "Create payout of €1,618.00" in page
    assert _html(admin.get("/admin/payouts/")).count("Create payout of") == 3, "the newest finished month by default"

    form = {"partner_id": revenue.partners["a"], "month": "2026-10", "currency": "EUR"}
    created = post_form(admin, "/admin/payouts/", form, follow_redirects=True)
    assert created.status_code == 200 and "The payout of €1,618.00 was created." in _html(created)
    again = post_form(admin, "/admin/payouts/", form, follow_redirects=True)
    assert "The payout of 2026-10 in EUR exists already." in _html(again)
    assert _payout_rows(db, revenue.partners["a"]) == [(OCT, "EUR", 202251, 40451, 161800, "pending")]
    bad = post_form(admin, "/admin/payouts/", {**form, "month": "2026-11"}, follow_redirects=True)
    assert "2026-11 is not over yet" in _html(bad)

    with db.session() as session:
        payout_id = session.scalar(select(Payout.id).where(Payout.partner_id == revenue.partners["a"]))
    empty = post_form(admin, f"/admin/payouts/{payout_id}/paid", {"reference": " "}, follow_redirects=True)
    assert "Give the payment" in _html(empty)
    paid = post_form(admin, f"/admin/payouts/{payout_id}/paid", {"reference": "SEPA-0042"}, follow_redirects=True)
    assert "The payout is marked paid." in _html(paid) and "SEPA-0042" in _html(paid)
    assert _payout_rows(db, revenue.partners["a"])[0][-1] == "paid"
    assert post_form(admin, f"/admin/payouts/{payout_id + 1000}/paid", {"reference": "x"}).status_code == 404

    partner_page = _html(client_as(revenue.members["a"]).get(f"/partners/{revenue.partners['a']}/statements"))
    assert "€1,618.00 paid on" in partner_page and "SEPA-0042" in partner_page


def test_payout_forms_need_their_csrf_token(client_as, revenue):
    admin = client_as(revenue.admin_email)
    response = admin.post("/admin/payouts/", data={"partner_id": revenue.partners["a"], "month": "2026-10",
                                                   "currency": "EUR"})
    assert response.status_code == 400
