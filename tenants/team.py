"""A tenant's team: invitations, roles, removal and ownership transfer."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from tenants import audit
from tenants.clock import utcnow
from tenants.errors import N_, Conflict, DomainError, Forbidden, NotFound
from tenants.models import ROLES, Invitation, Membership, User
from tenants.scoping import require_tenant_id
from tenants.secrets import hash_secret, secret_matches, url_token
from tenants.tokens import LinkError, make_link_token, read_link_token
from tenants.validation import clean_email

INVITE_DAYS = 7
MANAGERS = ("owner", "admin")


def require_role(membership: Membership, *allowed: str) -> None:
    """Raise Forbidden unless the membership has one of the allowed roles."""
    if membership.role not in allowed:
        raise Forbidden()


def members(session: Session) -> list[Membership]:
    """The current tenant's memberships, owners first."""
    rows = session.scalars(select(Membership).where(Membership.tenant_id == require_tenant_id())).unique().all()
    return sorted(rows, key=lambda m: (ROLES.index(m.role), m.user.email))


def _member(session: Session, membership_id: int) -> Membership:
    row = session.scalar(
        select(Membership).where(Membership.id == membership_id, Membership.tenant_id == require_tenant_id())
    )
    if row is None:
        raise NotFound()
    return row


def pending_invitations(session: Session) -> list[Invitation]:
    """Invitations of the current tenant not yet accepted nor expired."""
    return list(session.scalars(
        select(Invitation).where(Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())
    ))


def invite(session: Session, secret_key: str, actor: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Create an invitation; returns it and the link token (shown only in the mail)."""
    require_role(actor, *MANAGERS)
    email = clean_email(email)
    if role not in ("admin", "member"):
        raise DomainError(N_("Choose the role admin or member."))
    if role == "admin" and actor.role != "owner":
        raise Forbidden(N_("Only the owner can invite admins."))
    taken = session.scalar(select(Membership.id).join(User).where(
        User.email == email, Membership.tenant_id == require_tenant_id()))
    if taken is not None:
        raise Conflict(N_("This person is already a member."))
    secret = url_token()
    invitation = Invitation(email=email, role=role, token_hash=hash_secret(secret), invited_by_id=actor.user_id,
                            expires_at=utcnow() + timedelta(days=INVITE_DAYS))
    session.add(invitation)
    session.flush()
    audit.record(session, "member_invited", actor.user_id, email=email, role=role)
    token = make_link_token(secret_key, "invite", {"t": invitation.tenant_id, "i": invitation.id, "s": secret})
    return invitation, token


def revoke_invitation(session: Session, actor: Membership, invitation_id: int) -> None:
    """Withdraw a pending invitation of the current tenant."""
    require_role(actor, *MANAGERS)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound()
    session.delete(invitation)


def invitation_tenant(secret_key: str, token: str) -> int:
    """The tenant id an invitation link belongs to; raises LinkError for a bad link."""
    return int(read_link_token(secret_key, "invite", token).get("t", 0))


def invitation_for_token(session: Session, secret_key: str, token: str) -> Invitation | None:
    """The usable invitation of a link in the current tenant, or None."""
    try:
        data = read_link_token(secret_key, "invite", token)
    except LinkError:
        return None
    invitation = session.get(Invitation, data.get("i"))
    if (invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow()
            or not secret_matches(str(data.get("s", "")), invitation.token_hash)):
        return None
    return invitation


def accept_invitation(session: Session, secret_key: str, token: str, user: User) -> Membership:
    """Join the invitation's tenant (must be the current tenant context) as the given user."""
    invitation = invitation_for_token(session, secret_key, token)
    if invitation is None:
        raise LinkError(N_("This invitation is not valid, has expired or was already used."))
    if invitation.email != user.email:
        raise DomainError(N_("This invitation was sent to another email address. Log in as %(email)s."),
                          email=invitation.email)
    invitation.accepted_at = utcnow()
    membership = session.scalar(select(Membership).where(
        Membership.tenant_id == invitation.tenant_id, Membership.user_id == user.id))
    if membership is None:
        membership = Membership(tenant_id=invitation.tenant_id, user_id=user.id, role=invitation.role)
        session.add(membership)
    if user.verified_at is None:
        user.verified_at = utcnow()  # the invitation mail proved the address
    audit.record(session, "member_joined", user.id, email=user.email, role=invitation.role)
    session.flush()
    return membership


def change_role(session: Session, actor: Membership, membership_id: int, role: str) -> Membership:
    """Make a member an admin or a member (owners change through transfer)."""
    require_role(actor, "owner")
    target = _member(session, membership_id)
    if role not in ("admin", "member") or target.role == "owner":
        raise DomainError(N_("Only admin and member roles can be set here; use transfer ownership for the owner."))
    old, target.role = target.role, role
    audit.record(session, "role_changed", actor.user_id, email=target.user.email, old=old, new=role)
    return target


def remove_member(session: Session, actor: Membership, membership_id: int) -> None:
    """Remove someone from the tenant; the owner cannot be removed."""
    require_role(actor, *MANAGERS)
    target = _member(session, membership_id)
    if target.role == "owner":
        raise DomainError(N_("The owner cannot be removed. Transfer ownership first."))
    if target.role == "admin" and actor.role != "owner" and target.id != actor.id:
        raise Forbidden(N_("Only the owner can remove an admin."))
    audit.record(session, "member_removed", actor.user_id, email=target.user.email)
    session.delete(target)


def transfer_ownership(session: Session, actor: Membership, membership_id: int) -> Membership:
    """Make another member the owner; the old owner becomes an admin."""
    require_role(actor, "owner")
    target = _member(session, membership_id)
    if target.id == actor.id:
        raise DomainError(N_("You already own this company."))
    target.role, actor.role = "owner", "admin"
    audit.record(session, "ownership_transferred", actor.user_id, to=target.user.email)
    return target


def purge_expired_invitations(session: Session) -> int:
    """Delete the current tenant's expired, unaccepted invitations; returns how many."""
    # a DELETE without RETURNING gives a CursorResult (typed as Result), which has the rowcount
    result = cast(CursorResult[Any], session.execute(delete(Invitation).where(Invitation.accepted_at.is_(None),
                                                                              Invitation.expires_at <= utcnow())))
    return result.rowcount or 0
