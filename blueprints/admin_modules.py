"""Module review pages for platform admins (everyone else gets 404): the review queue, a module's
working manifest with what a pending edit changes, and approve / reject / suspend / reinstate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.forms import ConfirmForm, page_number
from blueprints.partner_forms import ReasonForm
from marketplace import manifest, modules, portal
from marketplace.models import Module, Partner
from tenants.errors import DomainError, NotFound
from web.auth import operators_only
from web.database import commit, db_session
from web.errors import domain_message
from web.markdown import render_markdown

bp = Blueprint("admin_modules", __name__, url_prefix="/admin/modules")
operators_only(bp)


def _module(module_id: int) -> Module:
    module = db_session().scalar(select(Module).where(Module.id == module_id))
    if module is None:
        raise NotFound()
    return module


def _render(module: Module, reject_form: ReasonForm | None = None, suspend_form: ReasonForm | None = None,
            status: int = 200):
    return render_template(
        "admin/module.html", module=module, partner=db_session().get(Partner, module.partner_id),
        changes=portal.review_changes(module) if module.review_pending else None, scopes=manifest.SCOPES,
        reject_form=reject_form or ReasonForm(formdata=None), suspend_form=suspend_form or ReasonForm(formdata=None),
        markdown=render_markdown, format_prices=portal.format_prices), status


@bp.get("/")
def index():
    """Modules waiting for review first, then the others; optionally one status."""
    status = request.args.get("status", "")
    if status and status not in portal.REVIEW_FILTERS:
        abort(400)
    found = portal.review_queue(db_session(), page_number(), status or None)
    return render_template("admin/modules.html", found=found, status=status,
                           waiting=portal.waiting_count(db_session()))


@bp.get("/<int:module_id>")
def show(module_id: int):
    """A module's working manifest and, for a published one, what its pending edit changes."""
    return _render(_module(module_id))


def _decide(module_id: int, action, done: str):
    module = _module(module_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        action(module)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
    else:
        commit()
        flash(done, "success")
    return redirect(url_for("admin_modules.show", module_id=module_id))


@bp.post("/<int:module_id>/approve")
def approve(module_id: int):
    """Publish the module's reviewed manifest."""
    return _decide(module_id, lambda module: modules.approve(module, current_user), _("The module was approved."))


@bp.post("/<int:module_id>/reinstate")
def reinstate(module_id: int):
    """Put a suspended module back on the marketplace."""
    return _decide(module_id, lambda module: modules.reinstate(module, current_user),
                   _("The module is back on the marketplace."))


def _with_reason(module_id: int, prefix: str, action, done: str):
    module = _module(module_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Give a reason: the partner reads it."), "error")
        return _render(module, **{f"{prefix}_form": form}, status=422)
    try:
        action(module, form.reason.data)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        return redirect(url_for("admin_modules.show", module_id=module_id))
    commit()
    flash(done, "success")
    return redirect(url_for("admin_modules.show", module_id=module_id))


@bp.post("/<int:module_id>/reject")
def reject(module_id: int):
    """Send the module back to the partner with a reason."""
    return _with_reason(module_id, "reject", lambda module, reason: modules.reject(module, current_user, reason),
                        _("The module was sent back to the partner."))


@bp.post("/<int:module_id>/suspend")
def suspend(module_id: int):
    """Take a published module off the marketplace, with a reason."""
    return _with_reason(module_id, "suspend", lambda module, reason: modules.suspend(module, current_user, reason),
                        _("The module was suspended."))
