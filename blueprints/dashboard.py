"""The landing page and the dashboard shell."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from services import dashboard as dashboard_service
from web.auth import bind_session_user
from web.database import db_session

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    """The dashboard of the current company, or the product page for visitors."""
    if not current_user.is_authenticated:
        return render_template("landing.html")
    if bind_session_user() is None:
        return redirect(url_for("account.new_company"))
    board = dashboard_service.dashboard(db_session())
    steps = {"verified": current_user.is_verified, "team": board.team, "api_key": board.api_key}
    return render_template("dashboard/index.html", tenant=g.tenant, steps=steps, has_machines=board.has_machines,
                           module_insights=board.module_insights)
