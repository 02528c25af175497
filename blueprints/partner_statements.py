"""Revenue statements in the partner portal: a month's gross, commission and net per module and currency
(from paid invoices only), the month's payout status, and the statement as a CSV file.

Like the rest of the portal, every page needs a logged-in user and resolves the partner through its
membership: anyone else gets 404."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from billing import statements
from services import partner_portal as portal_service
from tenants.clock import utcnow
from web.database import db_session
from web.extensions import login_manager

bp = Blueprint("partner_statements", __name__, url_prefix="/partners")


@bp.before_request
def _logged_in_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.get("/<int:partner_id>/statements")
def statements_page(partner_id: int):
    """The partner's months with paid revenue and one month's statement (the newest unless ?month=YYYY-MM)."""
    page = portal_service.statements_page(db_session(), current_user, partner_id, request.args.get("month"), utcnow())
    return render_template("partners/statements.html", partner=page.partner, months=page.months, period=page.period,
                           statement=page.statement, payouts=page.payouts, month_text=statements.month_text,
                           current_month=page.current_month)


@bp.get("/<int:partner_id>/statements/<month>.csv")
def statement_csv(partner_id: int, month: str):
    """A month's statement as a CSV file (UTF-8 with a byte order mark, so spreadsheets read names right)."""
    found = portal_service.statement_file(db_session(), current_user, partner_id, month, total_label=_("Total"))
    response = Response(found.text.encode("utf-8-sig"), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"statement-{found.partner.slug}-{found.month}.csv")
    response.headers["Cache-Control"] = "private, no-store"
    return response
