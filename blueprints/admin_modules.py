"""Module review pages for platform admins (everyone else gets 404): the review queue, a module's
working manifest with what a pending edit changes, and approve / reject / suspend / reinstate."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.forms import ConfirmForm, page_number
from blueprints.partner_forms import ReasonForm
from marketplace.manifest import SCOPES
from marketplace.portal import REVIEW_FILTERS, format_prices
from services import module_review
from tenants.errors import DomainError, NotFound
from web.auth import operators_only
from web.database import db_session
from web.errors import domain_message
from web.markdown import render_markdown

bp = Blueprint("admin_modules", __name__, url_prefix="/admin/modules")
operators_only(bp)


def _render(review: module_review.ModuleReview, reject_form: ReasonForm | None = None,
            suspend_form: ReasonForm | None = None, status: int = 200):
    return render_template(
        "admin/module.html", module=review.module, partner=review.partner, changes=review.changes, scopes=SCOPES,
        reject_form=reject_form or ReasonForm(formdata=None), suspend_form=suspend_form or ReasonForm(formdata=None),
        markdown=render_markdown, format_prices=format_prices), status


@bp.get("/")
def index():
    """Modules waiting for review first, then the others; optionally one status."""
    status = request.args.get("status", "")
    if status and status not in REVIEW_FILTERS:
        abort(400)
    queue = module_review.review_queue(db_session(), page_number(), status or None)
    return render_template("admin/modules.html", found=queue.found, status=status, waiting=queue.waiting)


@bp.get("/<int:module_id>")
def show(module_id: int):
    """A module's working manifest and, for a published one, what its pending edit changes."""
    return _render(module_review.module_review(db_session(), module_id))


def _decided(decision, module_id: int, done: str, *reason: str):
    """Run `decision(session, admin, module_id, *reason)` (a services.module_review decision) and go back to the
    module: 404 for an unknown module, the refusal's message when the decision is refused."""
    try:
        decision(db_session(), current_user, module_id, *reason)
    except NotFound:
        raise
    except DomainError as exc:
        flash(domain_message(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("admin_modules.show", module_id=module_id))


def _decide(module_id: int, decision, done: str):
    """A decision without a reason: `decision(session, admin, module_id)`."""
    ConfirmForm().validate_on_submit() or abort(400)
    return _decided(decision, module_id, done)


@bp.post("/<int:module_id>/approve")
def approve(module_id: int):
    """Publish the module's reviewed manifest."""
    return _decide(module_id, module_review.approve, _("The module was approved."))


@bp.post("/<int:module_id>/reinstate")
def reinstate(module_id: int):
    """Put a suspended module back on the marketplace."""
    return _decide(module_id, module_review.reinstate, _("The module is back on the marketplace."))


def _with_reason(module_id: int, prefix: str, decision, done: str):
    """A decision the partner reads a reason for: `decision(session, admin, module_id, reason)`; without a
    reason the module's page again (422) with the form's errors."""
    form = ReasonForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        review = module_review.module_review(db_session(), module_id)
        flash(_("Give a reason: the partner reads it."), "error")
        return _render(review, **{f"{prefix}_form": form}, status=422)
    return _decided(decision, module_id, done, form.reason.data)


@bp.post("/<int:module_id>/reject")
def reject(module_id: int):
    """Send the module back to the partner with a reason."""
    return _with_reason(module_id, "reject", module_review.reject, _("The module was sent back to the partner."))


@bp.post("/<int:module_id>/suspend")
def suspend(module_id: int):
    """Take a published module off the marketplace, with a reason."""
    return _with_reason(module_id, "suspend", module_review.suspend, _("The module was suspended."))
