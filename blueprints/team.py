"""The team page: members, roles, invitations, removal, ownership transfer; invitation links."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from blueprints.forms import ConfirmForm, InviteForm, NewPasswordForm, RoleForm
from tenants import accounts, team
from tenants.errors import DomainError
from tenants.models import Tenant
from web.auth import bind_tenant, role_required, tenant_required
from web.database import commit, db_session
from web.errors import domain_message
from web.i18n import select_locale
from web.mailing import external_url, send_mail

bp = Blueprint("team", __name__)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _render(invite_form: InviteForm | None = None, status: int = 200):
    return render_template(
        "team/index.html", members=team.members(db_session()), invitations=team.pending_invitations(db_session()),
        invite_form=invite_form or InviteForm(), role_form=RoleForm(), confirm=ConfirmForm()), status


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
        invitation, token = team.invite(db_session(), _secret(), g.membership, form.email.data, form.role.data)
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return _render(form, exc.status if exc.status != 400 else 422)
    send_mail(invitation.email, "invite", select_locale(), company=g.tenant.name, inviter=current_user,
              role=invitation.role, link=external_url("team.accept", token=token))
    commit()
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@role_required("owner", "admin")
def revoke(invitation_id: int):
    """Withdraw a pending invitation."""
    ConfirmForm().validate_on_submit() or abort(400)
    team.revoke_invitation(db_session(), g.membership, invitation_id)
    commit()
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
    team.change_role(db_session(), g.membership, membership_id, form.role.data)
    commit()
    flash(_("The role was changed."), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:membership_id>/remove")
@role_required("owner", "admin")
def remove(membership_id: int):
    """Remove a member from the company."""
    ConfirmForm().validate_on_submit() or abort(400)
    team.remove_member(db_session(), g.membership, membership_id)
    commit()
    flash(_("The member was removed."), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:membership_id>/transfer")
@role_required("owner")
def transfer(membership_id: int):
    """Hand ownership to another member."""
    ConfirmForm().validate_on_submit() or abort(400)
    target = team.transfer_ownership(db_session(), g.membership, membership_id)
    commit()
    flash(_("%(email)s now owns the company; you are an admin.", email=target.user.email), "success")
    return redirect(url_for("team.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Join a company from an invitation link, creating an account when needed."""
    try:
        tenant_id = team.invitation_tenant(_secret(), token)
    except DomainError as exc:
        return render_template("auth/link_problem.html", message=domain_message(exc)), 400
    bind_tenant(tenant_id)
    invitation = team.invitation_for_token(db_session(), _secret(), token)
    if invitation is None:
        return render_template("auth/link_problem.html",
                               message=_("This invitation is not valid, has expired or was already used.")), 400
    existing = accounts.find_user(db_session(), invitation.email)
    form = NewPasswordForm()
    company = db_session().get(Tenant, tenant_id)
    page = {"invitation": invitation, "existing": existing, "form": form, "company": company.name}
    if current_user.is_authenticated and current_user.email != invitation.email:
        return render_template("team/accept.html", wrong_user=True, **page), 403
    if request.method == "GET":
        return render_template("team/accept.html", **page)
    if existing is not None and not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("team.accept", token=token)))
    if not form.validate_on_submit() if existing is None else not ConfirmForm().validate_on_submit():
        return render_template("team/accept.html", **page), 422
    return _join(token, invitation, existing, form, page)


def _join(token: str, invitation, existing, form: NewPasswordForm, page: dict):
    try:
        user = existing or accounts.create_user(db_session(), email=invitation.email, password=form.password.data,
                                                locale=select_locale())
        membership = team.accept_invitation(db_session(), _secret(), token, user)
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return render_template("team/accept.html", **page), 422
    commit()
    login_user(user)
    session["tenant_id"] = membership.tenant_id
    flash(_("Welcome to %(company)s.", company=membership.tenant.name), "success")
    return redirect(url_for("dashboard.index"))
