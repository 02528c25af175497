"""The team page: members, roles, invitations, removal, ownership transfer; invitation links."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from blueprints.forms import ConfirmForm, InviteForm, NewPasswordForm, RoleForm
from services import team as team_service
from tenants.errors import DomainError
from tenants.models import Invitation
from web.auth import bind_tenant, role_required, tenant_required
from web.database import db_session
from web.errors import domain_message
from web.i18n import select_locale
from web.mailing import external_url, send_mail

bp = Blueprint("team", __name__)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _render(invite_form: InviteForm | None = None, status: int = 200):
    page = team_service.team_page(db_session())
    return render_template(
        "team/index.html", members=page.members, invitations=page.invitations,
        invite_form=invite_form or InviteForm(), role_form=RoleForm(), confirm=ConfirmForm()), status


def _send_invitation(invitation: Invitation, token: str) -> None:
    send_mail(invitation.email, "invite", select_locale(), company=g.tenant.name, inviter=current_user,
              role=invitation.role, link=external_url("team.accept", token=token))


@bp.get("/team")
@tenant_required
def index():
    """List members and pending invitations."""
    return _render()


@bp.post("/team/invite")
@role_required("owner", "admin")
def invite():
    """Invite someone by email with a role."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    if not current_user.is_verified:
        flash(_("Confirm your own email address before inviting others."), "error")
        return _render(form, 403)
    try:
        invitation = team_service.invite(db_session(), _secret(), g.membership, form.email.data, form.role.data,
                                         _send_invitation)
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return _render(form, exc.status if exc.status != 400 else 422)
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@role_required("owner", "admin")
def revoke(invitation_id: int):
    """Withdraw a pending invitation."""
    ConfirmForm().validate_on_submit() or abort(400)
    team_service.revoke_invitation(db_session(), g.membership, invitation_id)
    flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:membership_id>/role")
@role_required("owner")
def change_role(membership_id: int):
    """Change a member's role."""
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose the role admin or member."), "error")
        return _render(status=422)
    team_service.change_role(db_session(), g.membership, membership_id, form.role.data)
    flash(_("The role was changed."), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:membership_id>/remove")
@role_required("owner", "admin")
def remove(membership_id: int):
    """Remove a member from the company."""
    ConfirmForm().validate_on_submit() or abort(400)
    team_service.remove_member(db_session(), g.membership, membership_id)
    flash(_("The member was removed."), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:membership_id>/transfer")
@role_required("owner")
def transfer(membership_id: int):
    """Hand ownership to another member."""
    ConfirmForm().validate_on_submit() or abort(400)
    target = team_service.transfer_ownership(db_session(), g.membership, membership_id)
    flash(_("%(email)s now owns the company; you are an admin.", email=target.user.email), "success")
    return redirect(url_for("team.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Join a company from an invitation link, creating an account when needed."""
    try:
        link = team_service.open_invitation(db_session(), _secret(), token, bind_tenant)
    except DomainError as exc:
        return render_template("auth/link_problem.html", message=domain_message(exc)), 400
    invitation, existing = link.invitation, link.existing
    form = NewPasswordForm()
    page = {"invitation": invitation, "existing": existing, "form": form, "company": link.company.name}
    if current_user.is_authenticated and current_user.email != invitation.email:
        return render_template("team/accept.html", wrong_user=True, **page), 403
    if request.method == "GET":
        return render_template("team/accept.html", **page)
    if existing is not None and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("team.accept", token=token)))
    if not form.validate_on_submit() if existing is None else not ConfirmForm().validate_on_submit():
        return render_template("team/accept.html", **page), 422
    return _join(token, link, form, page)


def _join(token: str, link: team_service.InvitationLink, form: NewPasswordForm, page: dict):
    try:
        membership = team_service.join(db_session(), _secret(), token, link,
                                       form.password.data if link.existing is None else None, select_locale())
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return render_template("team/accept.html", **page), 422
    login_user(membership.user)
    session["tenant_id"] = membership.tenant_id
    flash(_("Welcome to %(company)s.", company=membership.tenant.name), "success")
    return redirect(url_for("dashboard.index"))
