"""Reports: energy, cost and uptime per machine for any period, as a page, CSV files and a printable view."""
from __future__ import annotations

import re

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services import figures
from telemetry import reports
from tenants.clock import local_today, utcnow
from tenants.errors import N_, DomainError
from web.auth import tenant_required
from web.database import db_session
from web.errors import domain_message, error_response
from web.formatting import Formatter

bp = Blueprint("reports", __name__)
NAV_LABEL = N_("Reports")
QUICK_PICKS = (("yesterday", _l("Yesterday")), ("this_week", _l("This week")), ("last_week", _l("Last week")),
               ("this_month", _l("This month")), ("last_month", _l("Last month")))
BREAKDOWNS = (("none", _l("Whole period")), ("day", _l("By day")), ("week", _l("By week")),
              ("month", _l("By month")))
EXCEL_HEADERS = (_l("Machine ID"), _l("Machine"), _l("Site"), _l("Line"), _l("From"), _l("To"), _l("Energy (kWh)"),
                 _l("Cost"), _l("Currency"), _l("Running (h)"), _l("Idle (h)"), _l("Off (h)"), _l("No data (h)"),
                 _l("Planned (h)"), _l("Availability (%)"), _l("Idle waste (kWh)"), _l("Idle waste cost"))


@bp.context_processor
def _formatting():
    tenant = g.get("tenant")
    return {"fmt": Formatter(tenant.currency)} if tenant is not None else {}


def _build() -> reports.Report:
    """The report the query string asks for (DomainError for bad input, before any work)."""
    return figures.report(db_session(), g.tenant, request.args, utcnow())


def _query(report: reports.Report) -> dict:
    period = report.period
    return {"from": period.first.isoformat(), "to": period.last.isoformat(), "breakdown": period.breakdown}


@bp.get("/reports")
@tenant_required
def index():
    """The report form and, for a valid period, the report itself."""
    try:
        report = _build()
    except DomainError as exc:
        args = request.args
        return render_template("reports/index.html", report=None, error=domain_message(exc), picks=QUICK_PICKS,
                               breakdowns=BREAKDOWNS, first=args.get("from", ""), last=args.get("to", ""),
                               breakdown=args.get("breakdown", "none")), exc.status
    return render_template("reports/index.html", report=report, error=None, picks=QUICK_PICKS,
                           breakdowns=BREAKDOWNS, first=report.period.first.isoformat(),
                           last=report.period.last.isoformat(), breakdown=report.period.breakdown,
                           query=_query(report), includes_today=report.period.last == local_today(g.tenant))


@bp.get("/reports/export")
@tenant_required
def export():
    """The report as CSV: `format=csv` (comma, decimal point) or `format=excel` (as Excel opens it in the
    company's country); both UTF-8 with a byte order mark."""
    kind = request.args.get("format", "csv")
    if kind not in ("csv", "excel"):
        return error_response(400, _("The export format is csv or excel."))
    found = figures.report_file(db_session(), g.tenant, request.args, utcnow(), excel=kind == "excel",
                                headers=[str(h) for h in EXCEL_HEADERS], total_label=_("All machines"))
    slug = re.sub(r"[^a-z0-9-]+", "-", g.tenant.slug.lower()).strip("-") or "company"
    name = f"report-{slug}-{found.period.first}-{found.period.last}{'-excel' if kind == 'excel' else ''}.csv"
    return Response(found.body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/reports/print")
@tenant_required
def printable():
    """The report on its own page, laid out for paper (no navigation)."""
    report = _build()
    return render_template("reports/print.html", report=report, query=_query(report))
