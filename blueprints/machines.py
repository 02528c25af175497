"""The machine page: power chart with its state band, daily energy, state timeline and threshold advice."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from services import devices
from tenants.clock import utcnow
from web.auth import tenant_required
from web.database import db_session

bp = Blueprint("machines", __name__)


@bp.get("/machines/<int:device_id>")
@tenant_required
def show(device_id: int):
    """One machine of the current company (its charts load from /api/v1 in the page's script)."""
    machine = devices.machine(db_session(), device_id, utcnow())
    return render_template("machines/show.html", device=machine.device, tenant=g.tenant, state=machine.state,
                           since=machine.since, online=machine.online, can_edit=g.membership.role in ("owner", "admin"))
