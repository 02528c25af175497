"""Platform operator pages (platform admins only; everyone else gets 404)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from services import operators
from web.auth import operators_only
from web.database import db_session

bp = Blueprint("admin", __name__, url_prefix="/admin")
operators_only(bp)


@bp.get("/")
def tenants():
    """Every tenant with its member count, newest first, paginated."""
    found = operators.tenants_page(db_session(), request.args.get("page", 1, type=int) or 1)
    return render_template("admin/tenants.html", rows=found.rows, page=found.page, pages=found.pages,
                           total=found.total)


@bp.get("/mail")
def mail():
    """The newest mails the platform sent or kept in its outbox."""
    return render_template("admin/mail.html", messages=operators.mail_outbox(db_session(), request.args.get("to")))
