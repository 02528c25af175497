"""The machine pages: the list with live status, adding a machine, a machine's page (settings, token,
setup help), and accepting or rejecting machines a gateway named. Gateway keys: device_gateways.py."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.device_forms import DeviceForm
from blueprints.forms import ConfirmForm, form_status, page_number
from telemetry import device_status, queries, registry
from tenants.errors import N_, Conflict, DomainError
from web.auth import role_required, tenant_required
from web.database import commit, db_session
from web.device_setup import server_address, setup_snippets
from web.errors import domain_message

bp = Blueprint("devices", __name__)
PER_PAGE = 50
LISTED = ("active", "retired")
WRITERS = ("owner", "admin")


def render_device(device, token: str | None = None, form: DeviceForm | None = None, status: int = 200):
    """A machine's page; `token` is shown (and filled into the setup help) only when given."""
    base_url = current_app.config["SETTINGS"].base_url
    snippets = setup_snippets(device.kind, device.name, base_url, token) if device.status == "active" else []
    charts = url_for("machines.show", device_id=device.id) if "machines.show" in current_app.view_functions else None
    return render_template(
        "devices/show.html", device=device, token=token, snippets=snippets, online=queries.is_online(device),
        form=form or DeviceForm.for_device(device), server=server_address(base_url), charts_url=charts,
        reported=device_status.facts(device.reported_status)), status


@bp.get("/devices")
@tenant_required
def index():
    """The company's machines (50 a page) with live status, and the ones gateways named (pending)."""
    status = request.args.get("status", "active")
    if status not in LISTED:
        abort(400)
    page = page_number()
    found = registry.list_devices(db_session(), status, page=page, per_page=PER_PAGE)
    pending = registry.list_devices(db_session(), "pending", per_page=PER_PAGE) if status == "active" else None
    return render_template(
        "devices/index.html", devices=found.devices, total=found.total, page=page, status=status,
        pages=max((found.total + PER_PAGE - 1) // PER_PAGE, 1), pending=pending.devices if pending else [],
        pending_total=pending.total if pending else 0, is_online=queries.is_online)


@bp.route("/devices/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def new():
    """Add a machine; the answer is its page with its token, shown only this once."""
    form = DeviceForm()
    if request.method == "GET":
        return render_template("devices/new.html", form=form)
    if not form.validate_on_submit():
        return render_template("devices/new.html", form=form), 422
    try:
        device, token = registry.create_device(db_session(), form.values())
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return render_template("devices/new.html", form=form), form_status(exc)
    commit()
    flash(_("%(name)s was added. Copy its token now: it is shown only this once.", name=device.name), "success")
    return render_device(device, token=token, status=201)


@bp.get("/devices/<int:device_id>")
@tenant_required
def show(device_id: int):
    """A machine's live status, settings and setup help."""
    return render_device(registry.get_device(db_session(), device_id))


@bp.post("/devices/<int:device_id>/edit")
@role_required(*WRITERS)
def edit(device_id: int):
    """Change a machine's settings."""
    device = registry.get_device(db_session(), device_id)
    form = DeviceForm()
    if not form.validate_on_submit():
        return render_device(device, form=form, status=422)
    try:
        registry.update_device(db_session(), device_id, form.values())
    except DomainError as exc:
        db_session().rollback()  # the device object holds the refused values
        flash(domain_message(exc), "error")
        return render_device(registry.get_device(db_session(), device_id), form=form, status=form_status(exc))
    commit()
    flash(_("The settings were saved."), "success")
    return redirect(url_for("devices.show", device_id=device_id))


@bp.post("/devices/<int:device_id>/token")
@role_required(*WRITERS)
def rotate_token(device_id: int):
    """Replace the machine's token: the old one stops working, the new one is shown once."""
    ConfirmForm().validate_on_submit() or abort(400)
    token = registry.rotate_device_token(db_session(), device_id)
    commit()
    flash(_("The old token no longer works. Copy the new one now: it is shown only this once."), "success")
    return render_device(registry.get_device(db_session(), device_id), token=token)


@bp.post("/devices/<int:device_id>/retire")
@role_required(*WRITERS)
def retire(device_id: int):
    """Retire a machine: its token stops working, its history stays."""
    ConfirmForm().validate_on_submit() or abort(400)
    device = registry.set_status(db_session(), device_id, "retired")
    commit()
    flash(_("%(name)s was retired.", name=device.name), "success")
    return redirect(url_for("devices.show", device_id=device_id))


@bp.post("/devices/<int:device_id>/delete")
@role_required(*WRITERS)
def delete(device_id: int):
    """Delete a machine with all its readings."""
    ConfirmForm().validate_on_submit() or abort(400)
    name = registry.get_device(db_session(), device_id).name
    registry.delete_device(db_session(), device_id)
    commit()
    flash(_("%(name)s and its readings were deleted.", name=name), "success")
    return redirect(url_for("devices.index"))


@bp.post("/devices/<int:device_id>/accept")
@role_required(*WRITERS)
def accept(device_id: int):
    """Accept a machine a gateway named: its readings are shown and it is billed from now on."""
    ConfirmForm().validate_on_submit() or abort(400)
    device = registry.set_status(db_session(), device_id, "active")
    commit()
    flash(_("%(name)s was accepted.", name=device.name), "success")
    return redirect(url_for("devices.index"))


@bp.post("/devices/<int:device_id>/reject")
@role_required(*WRITERS)
def reject(device_id: int):
    """Reject a machine a gateway named: it is deleted with the readings it sent."""
    ConfirmForm().validate_on_submit() or abort(400)
    device = registry.get_device(db_session(), device_id)
    if device.status != "pending":
        raise Conflict(N_("Only machines a gateway named can be rejected; delete this one instead."))
    name = device.name
    registry.delete_device(db_session(), device_id)
    commit()
    flash(_("%(name)s was rejected and its readings were deleted.", name=name), "success")
    return redirect(url_for("devices.index"))
