"""The members of a partner organisation in the partner portal: who belongs to it with which role;
owners add people who already have an account, change roles and remove members; anyone may leave.

Like the rest of the portal, every page needs a logged-in user and resolves the partner through its
membership: anyone else gets 404. The rules themselves live in marketplace.partner_members."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length

from blueprints.forms import ConfirmForm, form_status, valid_email
from services import partner_members as members_service
from tenants.errors import DomainError
from web.database import db_session
from web.errors import domain_message
from web.extensions import login_manager

bp = Blueprint("partner_members", __name__, url_prefix="/partners")
ROLE_CHOICES = [("member", _l("Member")), ("owner", _l("Owner"))]


class PartnerMemberForm(FlaskForm):
    """Someone to add to a partner organisation, by the email address of their account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), valid_email, Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class PartnerRoleForm(FlaskForm):
    """A member's new role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


@bp.before_request
def _logged_in_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _page(partner_id: int, as_owner: bool = False) -> members_service.MembersPage:
    return members_service.members_page(db_session(), current_user, partner_id, as_owner=as_owner)


def _render(page: members_service.MembersPage, form: PartnerMemberForm | None = None, status: int = 200):
    return render_template(
        "partners/members.html", partner=page.partner, members=page.members, me=page.me, owners=page.owners,
        form=form or PartnerMemberForm(), confirm=ConfirmForm()), status


def _refused(partner_id: int, exc: DomainError, form: PartnerMemberForm | None = None):
    """The members page again with the reason (403 and 404 go to the error pages)."""
    if exc.status in (403, 404):
        raise exc
    flash(domain_message(exc), "error")
    return _render(_page(partner_id), form, form_status(exc))


def _back(partner_id: int):
    return redirect(url_for("partner_members.members_page", partner_id=partner_id))


@bp.get("/<int:partner_id>/members")
def members_page(partner_id: int):
    """The partner's members and their roles; owners also see how to add, change and remove them."""
    return _render(_page(partner_id))


@bp.post("/<int:partner_id>/members")
def add(partner_id: int):
    """Add someone who already has an account (owners only)."""
    form = PartnerMemberForm()
    if not form.validate_on_submit():
        return _render(_page(partner_id, as_owner=True), form, 422)
    try:
        added = members_service.add_member(db_session(), current_user, partner_id, form.email.data, form.role.data)
    except DomainError as exc:
        return _refused(partner_id, exc, form)
    flash(_("%(email)s was added to %(partner)s.", email=added.email, partner=added.partner.name), "success")
    return _back(partner_id)


@bp.post("/<int:partner_id>/members/<int:member_id>/role")
def change_role(partner_id: int, member_id: int):
    """Make a member an owner, or an owner a member (owners only; the last owner stays)."""
    form = PartnerRoleForm()
    if not form.validate_on_submit():
        page = _page(partner_id, as_owner=True)
        flash(_("Choose the role owner or member."), "error")
        return _render(page, status=422)
    try:
        changed = members_service.change_role(db_session(), current_user, partner_id, member_id, form.role.data)
    except DomainError as exc:
        return _refused(partner_id, exc)
    if changed.member.role == "owner":
        flash(_("%(email)s is now an owner.", email=changed.email), "success")
    else:
        flash(_("%(email)s is now a member.", email=changed.email), "success")
    return _back(partner_id)


@bp.post("/<int:partner_id>/members/<int:member_id>/remove")
def remove(partner_id: int, member_id: int):
    """Remove a member (owners), or leave the partner (anyone but the last owner)."""
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        removed = members_service.remove_member(db_session(), current_user, partner_id, member_id)
    except DomainError as exc:
        return _refused(partner_id, exc)
    if removed.member.user_id == current_user.id:
        flash(_("You left %(partner)s.", partner=removed.partner.name), "success")
        return redirect(url_for("partners.index"))
    flash(_("%(email)s was removed from %(partner)s.", email=removed.email, partner=removed.partner.name), "success")
    return _back(partner_id)
