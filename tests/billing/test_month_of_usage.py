"""A month of usage in three companies (Berlin/EUR, Shanghai/CNY, New York/USD): machines active,
pending and accepted mid-month, two modules (per machine-day and per unit, one with its cap reached),
a late reading for an invoiced day. Every invoice line equals an independent computation here, and
running the jobs twice at the same moment, and again, changes nothing."""
from __future__ import annotations

import copy
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from billing import usage
from billing.models import BillingNotice, Invoice, InvoiceLine, UsageRecord
from billing.pricebook import set_prices
from billing.tax import tax_amount
from billing.usage import PaymentRequired
from jobs.billing import run_billing
from marketplace import installations
from marketplace.models import Installation, Module
from telemetry import registry
from telemetry.storage import insert_readings
from tenants import accounts
from tenants.models import Tenant, User
from tenants.scoping import tenant_context
from tests.marketplace.support import UNIT_MANIFEST, publish_module

OCTOBER = [date(2026, 10, d) for d in range(1, 32)]
LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)
PRICES = {"EUR": (10, 1), "CNY": (70, 0), "USD": (5, 2)}  # fee per device-day, free devices (USD: defaults)
PER_DEVICE_DAY = {"EUR": 3, "CNY": 20, "USD": 3}
PER_UNIT = {"EUR": 50, "CNY": 400, "USD": 50}
TAX_BP = {"DE": 1900, "CN": 600, "US": 0}


def at(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)


class World:
    """The companies, machines and the days each machine has readings, as the test knows them."""

    def __init__(self):
        self.tenants: dict[str, tuple[int, str, str, str]] = {}   # name -> id, zone, currency, country
        self.days: dict[int, set[date]] = defaultdict(set)        # device -> local days with readings
        self.device_tenant: dict[int, str] = {}
        self.active_from: dict[int, date | None] = {}             # device -> first billable local day
        # tenant -> (module, devices, from)
        self.installed: dict[str, list[tuple[int, list[int], date]]] = defaultdict(list)


def _company(db, world: World, name: str, zone: str, currency: str, country: str) -> int:
    with db.session() as session:
        owner = accounts.create_user(session, email=f"owner@{name.lower()}.test", password="a-long-password-1")
        tenant = accounts.create_tenant(session, name=name, country=country, timezone=zone, currency=currency,
                                        owner=owner)
        tenant.created_at = LONG_AGO
        world.tenants[name] = (tenant.id, zone, currency, country)
        return tenant.id


def _machine(db, world: World, company: str, name: str, days: list[date], hour: int, minute: int,
             pending: bool = False) -> int:
    tenant_id, zone, _currency, _country = world.tenants[company]
    with tenant_context(tenant_id), db.session() as session:
        device, _ = registry.create_device(session, {"name": name}, status="pending" if pending else "active")
        device.active_since = None if pending else LONG_AGO
        moments = [at(day, hour, minute, zone) for day in days]
        insert_readings(session, [{"tenant_id": tenant_id, "device_id": device.id, "ts": ts, "received_at": ts,
                                   "power_w": 500.0, "energy_wh": None, "voltage_v": None, "current_a": None,
                                   "power_factor": None, "extra": None} for ts in moments])
    world.days[device.id] = set(days)
    world.device_tenant[device.id] = company
    world.active_from[device.id] = None if pending else OCTOBER[0]
    return device.id


def _accept(db, world: World, device_id: int, when: datetime) -> None:
    tenant_id, zone, *_ = world.tenants[world.device_tenant[device_id]]
    with tenant_context(tenant_id), db.session() as session:
        device = registry.set_status(session, device_id, "active")
        device.active_since = when
    world.active_from[device_id] = when.astimezone(ZoneInfo(zone)).date()


def _install(db, world: World, company: str, module_id: int, devices: list[int], when: datetime,
             cap: int | None = None) -> int:
    tenant_id, zone, *_ = world.tenants[company]
    with tenant_context(tenant_id), db.session() as session:
        owner = session.scalar(select(User).where(User.email == f"owner@{company.lower()}.test"))
        installation = installations.subscribe(session, session.get(Tenant, tenant_id), session.get(Module, module_id),
                                               owner, devices, cap, now=when)
    world.installed[company].append((module_id, devices, when.astimezone(ZoneInfo(zone)).date()))
    return installation.id


def _report(db, world: World, company: str, installation_id: int, key: str, when: datetime):
    tenant_id = world.tenants[company][0]
    with tenant_context(tenant_id), db.session() as session:
        installation = session.get(Installation, installation_id)
        return usage.report_usage(session, installation, session.get(Module, installation.module_id),
                                  session.get(Tenant, tenant_id), {"quantity": 1, "idempotency_key": key}, now=when)


@pytest.fixture
def world(db):
    world = World()
    with db.session() as session:
        admin = accounts.create_user(session, email="ops@platform.test", password="a-long-password-2")
        admin.is_platform_admin = True
        session.flush()
        for currency in ("EUR", "CNY"):
            set_prices(session, admin, currency, PRICES[currency][0], PRICES[currency][1], 2000)
        per_day = publish_module(session, {**copy.deepcopy(UNIT_MANIFEST), "slug": "machine-days",
                                           "name": "Machine Days",
                                           "pricing": {"model": "device_day", "prices": PER_DEVICE_DAY}})
        per_unit = publish_module(session, {**copy.deepcopy(UNIT_MANIFEST), "slug": "unit-reports",
                                            "name": "Unit Reports",
                                            "pricing": {"model": "unit", "unit_name": "report", "prices": PER_UNIT}},
                                  partner_email="dev@other-partner.test")
        world.modules = (per_day.id, per_unit.id)
    _company(db, world, "Alpha", "Europe/Berlin", "EUR", "DE")
    _company(db, world, "Beta", "Asia/Shanghai", "CNY", "CN")
    _company(db, world, "Gamma", "America/New_York", "USD", "US")
    return world


def _expected_lines(world: World, company: str, first: date, end: date, billed: set) -> dict:
    """(meter, module, unit price, late days) -> (quantity, amount) of the invoice for [first, end),
    computed from what the test put in; `billed` holds (meter, module, device, day) already invoiced."""
    tenant_id, _zone, currency, _ = world.tenants[company]
    fee, free = PRICES[currency]
    rows = []
    for day in sorted({d for dev, ds in world.days.items() for d in ds}):
        if day >= end:
            continue
        active = sorted(dev for dev, days in world.days.items() if world.device_tenant[dev] == company
                        and day in days and world.active_from[dev] is not None and world.active_from[dev] <= day)
        free_left = free - sum(1 for (m, _mod, dev, d, price) in billed if m == "platform" and d == day and price == 0)
        for dev in active:
            if ("platform", None, dev, day) in {(m, mod, dv, d) for (m, mod, dv, d, _p) in billed}:
                continue
            price = 0 if free_left > 0 else fee
            free_left -= price == 0
            rows.append(("platform_device_day", None, price, day, dev))
        for module_id, devices, since in world.installed[company]:
            if module_id == world.modules[0] and since <= day:
                rows += [("module_device_day", module_id, PER_DEVICE_DAY[currency], day, dev)
                         for dev in active if dev in devices
                         and ("module", module_id, dev, day) not in {(m, mod, dv, d) for (m, mod, dv, d, _p) in billed}]
    lines = defaultdict(lambda: [0, 0])
    for meter, module_id, price, day, dev in rows:
        late = (day.isoformat(),) if day < first else ()
        key = (meter, module_id, price, late)
        lines[key][0] += 1
        lines[key][1] += price
        billed.add(("platform" if meter == "platform_device_day" else "module", module_id, dev, day, price))
    return {key: tuple(value) for key, value in lines.items()}


def _invoices(db, world: World, company: str) -> dict[date, tuple[Invoice, dict]]:
    tenant_id = world.tenants[company][0]
    with tenant_context(tenant_id), db.session() as session:
        found = {}
        for invoice in session.scalars(select(Invoice).order_by(Invoice.period_start)):
            lines = {}
            for line in session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)):
                key = (line.meter, line.module_id, line.unit_price_minor, tuple(line.late_days))
                lines[key] = (line.quantity, line.amount_minor)
            found[invoice.period_start] = (invoice, lines)
        return found


def _twice_at_once(db, now: datetime) -> None:
    errors = []

    def run():
        try:
            run_billing(db, now)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors


def test_a_month_of_usage_gives_exactly_the_expected_invoices(db, world):
    alpha_lathe = _machine(db, world, "Alpha", "Lathe", OCTOBER, 12, 0)
    alpha_press = _machine(db, world, "Alpha", "Press", OCTOBER[:10] + OCTOBER[19:], 23, 30)
    _machine(db, world, "Alpha", "Unknown plug", OCTOBER, 9, 0, pending=True)  # stays pending: never billed
    alpha_saw = _machine(db, world, "Alpha", "Saw", OCTOBER, 8, 0, pending=True)
    beta_mill = _machine(db, world, "Beta", "Mill", OCTOBER, 0, 30)  # 00:30 Shanghai: the day before in UTC
    _machine(db, world, "Beta", "Gateway child", OCTOBER, 1, 0, pending=True)
    for n in range(3):
        _machine(db, world, "Gamma", f"Press {n}", OCTOBER, 21, 0)  # 21:00 NY: next day UTC

    per_day, per_unit = world.modules
    _install(db, world, "Alpha", per_day, [alpha_lathe, alpha_press], at(date(2026, 10, 5), 10, 0, "Europe/Berlin"))
    _install(db, world, "Beta", per_day, [beta_mill], at(date(2026, 10, 1), 8, 0, "Asia/Shanghai"))
    reports = _install(db, world, "Alpha", per_unit, [alpha_lathe], at(date(2026, 10, 2), 9, 0, "Europe/Berlin"),
                       cap=100)

    run_billing(db, at(date(2026, 10, 10), 3, 0, "UTC"))
    _report(db, world, "Alpha", reports, "report-2026-10-03", at(date(2026, 10, 3), 7, 0, "Europe/Berlin"))
    _report(db, world, "Alpha", reports, "report-2026-10-10", at(date(2026, 10, 10), 7, 0, "Europe/Berlin"))
    _report(db, world, "Alpha", reports, "report-2026-10-10", at(date(2026, 10, 10), 7, 5, "Europe/Berlin"))  # retry
    with pytest.raises(PaymentRequired):
        _report(db, world, "Alpha", reports, "report-2026-10-20", at(date(2026, 10, 20), 7, 0, "Europe/Berlin"))
    _accept(db, world, alpha_saw, at(date(2026, 10, 15), 10, 0, "Europe/Berlin"))
    run_billing(db, at(date(2026, 10, 20), 3, 0, "UTC"))
    _twice_at_once(db, at(date(2026, 11, 2), 6, 0, "UTC"))  # closes October everywhere

    billed = defaultdict(set)  # per company
    for company in ("Alpha", "Beta", "Gamma"):
        invoice, lines = _invoices(db, world, company)[date(2026, 10, 1)]
        expected = _expected_lines(world, company, date(2026, 10, 1), date(2026, 11, 1), billed[company])
        if company == "Alpha":
            expected[("module_unit", per_unit, 50, ())] = (2, 100)
        assert lines == expected, company
        subtotal = sum(amount for _q, amount in expected.values())
        _tenant_id, _zone, currency, country = world.tenants[company]
        assert (invoice.currency, invoice.subtotal_minor) == (currency, subtotal)
        assert invoice.tax_minor == tax_amount(subtotal, TAX_BP[country]) and invoice.status == "open"
        assert invoice.total_minor == subtotal + invoice.tax_minor
    numbers = sorted(_invoices(db, world, c)[date(2026, 10, 1)][0].number for c in ("Alpha", "Beta", "Gamma"))
    assert numbers == ["DF-2026-000001", "DF-2026-000002", "DF-2026-000003"]
    with tenant_context(world.tenants["Alpha"][0]), db.session() as session:
        kinds = {(n.kind, n.installation_id) for n in session.scalars(select(BillingNotice))}
        assert ("cap_100", reports) in kinds

    before = {c: _invoices(db, world, c) for c in ("Alpha", "Beta", "Gamma")}
    _twice_at_once(db, at(date(2026, 11, 2), 7, 0, "UTC"))
    after = {c: _invoices(db, world, c) for c in ("Alpha", "Beta", "Gamma")}
    assert {c: {p: (i.number, i.total_minor, rows) for p, (i, rows) in v.items()} for c, v in before.items()} == \
           {c: {p: (i.number, i.total_minor, rows) for p, (i, rows) in v.items()} for c, v in after.items()}

    # a reading arrives late for an invoiced day: billed on the next invoice, naming the day
    late_day = date(2026, 10, 15)
    tenant_id = world.tenants["Alpha"][0]
    with tenant_context(tenant_id), db.session() as session:
        ts = at(late_day, 14, 0, "Europe/Berlin")
        insert_readings(session, [{"tenant_id": tenant_id, "device_id": alpha_press, "ts": ts, "received_at": ts,
                                   "power_w": 500.0, "energy_wh": None, "voltage_v": None, "current_a": None,
                                   "power_factor": None, "extra": None}])
    world.days[alpha_press].add(late_day)
    run_billing(db, at(date(2026, 11, 3), 6, 0, "UTC"))
    _twice_at_once(db, at(date(2026, 12, 2), 6, 0, "UTC"))
    november, lines = _invoices(db, world, "Alpha")[date(2026, 11, 1)]
    expected = _expected_lines(world, "Alpha", date(2026, 11, 1), date(2026, 12, 1), billed["Alpha"])
    assert lines == expected == {("platform_device_day", None, 10, ("2026-10-15",)): (1, 10),
                                 ("module_device_day", per_day, 3, ("2026-10-15",)): (1, 3)}
    assert november.number == "DF-2026-000004"
    with tenant_context(tenant_id), db.session() as session:
        assert session.scalar(select(UsageRecord.id).where(UsageRecord.invoice_id.is_(None))) is None
