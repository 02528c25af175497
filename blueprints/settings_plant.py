"""Settings → Tariff and Settings → Shifts: everyone reads them, owners and admins change them.

Nested in the settings blueprint (endpoints `settings.plant.*`), so the Settings navigation lights up.
"""
from __future__ import annotations

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from blueprints import plant_forms, settings
from services import plant as plant_service
from tenants.errors import DomainError
from web.auth import tenant_required
from web.database import db_session
from web.errors import domain_message
from web.formatting import Formatter

bp = Blueprint("plant", __name__)
settings.bp.register_blueprint(bp)  # once, at import: the tabs live under /settings


def _can_edit() -> bool:
    return g.membership.role in ("owner", "admin")


def _page(template: str, status: int = 200, **values):
    names = get_day_names("abbreviated", locale=get_locale())
    wide = get_day_names("wide", locale=get_locale())
    return render_template(template, can_edit=_can_edit(), day_names=[names[i] for i in range(7)],
                           wide_day_names=[wide[i] for i in range(7)], fmt=Formatter(g.tenant.currency),
                           **values), status


@bp.route("/settings/tariff", methods=["GET", "POST"])
@tenant_required
def tariff():
    """The price per kWh and its time-of-use bands."""
    if request.method == "POST":
        if not _can_edit():
            abort(403)
        try:
            price, bands = plant_forms.tariff_from_form(request.form)
            plant_service.set_tariff(db_session(), price, bands)
        except DomainError as exc:
            return _page("settings/tariff.html", 422, error=domain_message(exc),
                         price=request.form.get("price_per_kwh", ""),
                         rows=plant_forms.submitted_band_rows(request.form))
        flash(_("The tariff was saved. Reports and costs use it from now on, for past days too."), "success")
        return redirect(url_for("settings.plant.tariff"))
    current = plant_service.tariff(db_session())
    return _page("settings/tariff.html", tariff=current, price=plant_forms.plain_number(current.price_per_kwh),
                 rows=plant_forms.band_rows(current))


@bp.route("/settings/shifts", methods=["GET", "POST"])
@tenant_required
def shifts():
    """The weekly shift calendar that availability is measured against."""
    if request.method == "POST":
        if not _can_edit():
            abort(403)
        try:
            plant_service.set_shifts(db_session(), plant_forms.shifts_from_form(request.form))
        except DomainError as exc:
            return _page("settings/shifts.html", 422, error=domain_message(exc),
                         rows=plant_forms.submitted_shift_rows(request.form))
        flash(_("The shifts were saved."), "success")
        return redirect(url_for("settings.plant.shifts"))
    calendar = plant_service.shifts(db_session())
    return _page("settings/shifts.html", calendar=calendar, rows=plant_forms.shift_rows(calendar))
