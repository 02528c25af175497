"""The notification centre: the bell's count on every page, the /alerts page, acknowledging, the idle limit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from blueprints.forms import ConfirmForm
from services import alerts as alerts_service
from telemetry import alerts
from tenants.clock import utcnow
from tenants.errors import DomainError
from web.auth import role_required, tenant_required
from web.billing_notices import notice_views
from web.database import db_session
from web.errors import domain_message

bp = Blueprint("alerts", __name__)


class IdleLimitForm(FlaskForm):
    """The daily idle waste limit per machine and its unit."""

    limit = StringField(_l("Daily idle waste limit per machine"), validators=[Optional(), Length(max=20)])
    unit = SelectField(_l("Unit"), choices=[("kwh", _l("kWh")), ("money", _l("Money, in the company currency"))])


@bp.app_context_processor
def _bell() -> dict:
    def open_alert_count() -> int | None:
        """Open, unacknowledged alerts of the current company (None without one)."""
        if g.get("membership") is None:
            return None
        try:
            return alerts.open_unacknowledged_count(db_session())
        except SQLAlchemyError:  # an error page while the database is down still renders
            return None

    return {"open_alert_count": open_alert_count}


def _render(form: IdleLimitForm | None = None, status: int = 200):
    page = alerts_service.alerts_page(db_session(), utcnow())
    if form is None:
        limit = page.idle_limit
        form = IdleLimitForm(limit="" if limit.limit is None else f"{limit.limit:g}", unit=limit.unit)
    return render_template("alerts/index.html", open_alerts=page.open_alerts, recent=page.recent,
                           labels=alerts.LABELS, alert_message=alerts.message_of, form=form, confirm=ConfirmForm(),
                           module_insights=page.module_insights,
                           billing_notices=notice_views(page.billing_notices)), status


@bp.get("/alerts")
@tenant_required
def index():
    """Open alerts and those resolved in the last days."""
    return _render()


@bp.post("/alerts/<int:alert_id>/acknowledge")
@tenant_required
def acknowledge(alert_id: int):
    """Acknowledge an alert (every member may)."""
    ConfirmForm().validate_on_submit() or abort(400)
    alerts_service.acknowledge(db_session(), alert_id, current_user.id, utcnow())
    flash(_("The alert was acknowledged."), "success")
    return redirect(url_for("alerts.index"))


@bp.post("/alerts/insights/<int:insight_id>/dismiss")
@tenant_required
def dismiss_insight(insight_id: int):
    """Hide a card, alert or report link a module posted (every member may)."""
    ConfirmForm().validate_on_submit() or abort(400)
    alerts_service.dismiss_insight(db_session(), insight_id, utcnow())
    flash(_("The message was dismissed."), "success")
    return redirect(url_for("alerts.index") + "#module-insights")


@bp.post("/alerts/settings")
@role_required("owner", "admin")
def settings():
    """Set the daily idle waste limit (empty turns the alert off)."""
    form = IdleLimitForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        alerts_service.set_idle_limit(db_session(), form.limit.data or "", form.unit.data)
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return _render(form, 422)
    flash(_("The alert settings were saved."), "success")
    return redirect(url_for("alerts.index"))
