"""The machine pages: the list with live status, adding a machine, a machine's page (settings, token,
setup help), and accepting or rejecting machines a gateway named. Gateway keys: device_gateways.py."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.device_forms import DeviceForm
from blueprints.forms import ConfirmForm, form_status, page_number
from services import devices
from tenants.clock import utcnow
from tenants.errors import DomainError
from web.auth import role_required, tenant_required
from web.database import db_session
from web.device_setup import server_address, setup_snippets
from web.errors import domain_message

bp = Blueprint("devices", __name__)
LISTED = ("active", "retired")
WRITERS = ("owner", "admin")


def render_device(view: devices.DeviceView, token: str | None = None, form: DeviceForm | None = None,
                  status: int = 200):
    """A machine's page; `token` is shown (and filled into the setup help) only when given."""
    device = view.device
    base_url = current_app.config["SETTINGS"].base_url
    snippets = setup_snippets(device.kind, device.name, base_url, token) if device.status == "active" else []
    charts = url_for("machines.show", device_id=device.id) if "machines.show" in current_app.view_functions else None
    return render_template(
        "devices/show.html", device=device, token=token, snippets=snippets, online=view.online,
        form=form or DeviceForm.for_device(device), server=server_address(base_url), charts_url=charts,
        reported=view.reported), status


@bp.get("/devices")
@tenant_required
def index():
    """The company's machines (50 a page) with live status, and the ones gateways named (pending)."""
    status = request.args.get("status", "active")
    if status not in LISTED:
        abort(400)
    page = page_number()
    listing = devices.device_list(db_session(), status, page, utcnow())
    found, pending = listing.found, listing.pending
    pages = max((found.total + devices.PER_PAGE - 1) // devices.PER_PAGE, 1)
    return render_template(
        "devices/index.html", devices=found.devices, total=found.total, page=page, status=status,
        pages=pages, pending=pending.devices if pending else [],
        pending_total=pending.total if pending else 0, is_online=lambda device: device.id in listing.online)


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
        added = devices.add_device(db_session(), form.values(), utcnow())
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return render_template("devices/new.html", form=form), form_status(exc)
    flash(_("%(name)s was added. Copy its token now: it is shown only this once.", name=added.view.device.name),
          "success")
    return render_device(added.view, token=added.token, status=201)


@bp.get("/devices/<int:device_id>")
@tenant_required
def show(device_id: int):
    """A machine's live status, settings and setup help."""
    return render_device(devices.device_view(db_session(), device_id, utcnow()))


@bp.post("/devices/<int:device_id>/edit")
@role_required(*WRITERS)
def edit(device_id: int):
    """Change a machine's settings."""
    view = devices.device_view(db_session(), device_id, utcnow())  # 404 for other companies' machines
    form = DeviceForm()
    if not form.validate_on_submit():
        return render_device(view, form=form, status=422)
    try:
        devices.edit_device(db_session(), device_id, form.values())
    except DomainError as exc:  # rolled back: the page shows the stored settings
        flash(domain_message(exc), "error")
        return render_device(view, form=form, status=form_status(exc))
    flash(_("The settings were saved."), "success")
    return redirect(url_for("devices.show", device_id=device_id))


@bp.post("/devices/<int:device_id>/token")
@role_required(*WRITERS)
def rotate_token(device_id: int):
    """Replace the machine's token: the old one stops working, the new one is shown once."""
    ConfirmForm().validate_on_submit() or abort(400)
    rotated = devices.rotate_token(db_session(), device_id, utcnow())
    flash(_("The old token no longer works. Copy the new one now: it is shown only this once."), "success")
    return render_device(rotated.view, token=rotated.token)


@bp.post("/devices/<int:device_id>/retire")
@role_required(*WRITERS)
def retire(device_id: int):
    """Retire a machine: its token stops working, its history stays."""
    ConfirmForm().validate_on_submit() or abort(400)
    device = devices.set_status(db_session(), device_id, "retired")
    flash(_("%(name)s was retired.", name=device.name), "success")
    return redirect(url_for("devices.show", device_id=device_id))


@bp.post("/devices/<int:device_id>/delete")
@role_required(*WRITERS)
def delete(device_id: int):
    """Delete a machine with all its readings."""
    ConfirmForm().validate_on_submit() or abort(400)
    name = devices.delete_device(db_session(), device_id)
    flash(_("%(name)s and its readings were deleted.", name=name), "success")
    return redirect(url_for("devices.index"))


@bp.post("/devices/<int:device_id>/accept")
@role_required(*WRITERS)
def accept(device_id: int):
    """Accept a machine a gateway named: its readings are shown and it is billed from now on."""
    ConfirmForm().validate_on_submit() or abort(400)
    device = devices.set_status(db_session(), device_id, "active")
    flash(_("%(name)s was accepted.", name=device.name), "success")
    return redirect(url_for("devices.index"))


@bp.post("/devices/<int:device_id>/reject")
@role_required(*WRITERS)
def reject(device_id: int):
    """Reject a machine a gateway named: it is deleted with the readings it sent (409 for other machines)."""
    ConfirmForm().validate_on_submit() or abort(400)
    name = devices.reject_device(db_session(), device_id)
    flash(_("%(name)s was rejected and its readings were deleted.", name=name), "success")
    return redirect(url_for("devices.index"))
