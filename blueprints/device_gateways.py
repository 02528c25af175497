"""Gateway keys: one key for a gateway (emonhub, Telegraf, a script) that posts for many machines by name."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from blueprints.device_forms import GatewayKeyForm
from blueprints.forms import ConfirmForm
from services import devices
from web.auth import role_required, tenant_required
from web.database import db_session
from web.device_setup import gateway_snippets

bp = Blueprint("devices_gateways", __name__)


def _render_list(form: GatewayKeyForm | None = None, status: int = 200):
    return render_template("devices/gateway_keys.html", keys=devices.gateway_keys(db_session()),
                           form=form or GatewayKeyForm()), status


@bp.get("/devices/gateway-keys")
@tenant_required
def index():
    """The company's gateway keys (never their secrets)."""
    return _render_list()


@bp.post("/devices/gateway-keys")
@role_required("owner", "admin")
def create():
    """Create a gateway key and show it once, with how gateways use it."""
    form = GatewayKeyForm()
    if not form.validate_on_submit():
        return _render_list(form, 422)
    created = devices.create_gateway_key(db_session(), form.name.data)
    snippets = gateway_snippets(current_app.config["SETTINGS"].base_url, created.secret)
    return render_template("devices/gateway_key_created.html", key=created.key, secret=created.secret,
                           snippets=snippets), 201


@bp.post("/devices/gateway-keys/<int:key_id>/revoke")
@role_required("owner", "admin")
def revoke(key_id: int):
    """Revoke a gateway key at once."""
    ConfirmForm().validate_on_submit() or abort(400)
    key = devices.revoke_gateway_key(db_session(), key_id)
    flash(_("The gateway key %(name)s was revoked.", name=key.name), "success")
    return redirect(url_for("devices_gateways.index"))
