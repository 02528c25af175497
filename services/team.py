"""Use cases of a company's team: the team page, invitations (sending, withdrawing, accepting from the
link), roles, removal and ownership transfer.

The invitation mail is the caller's: `invite` hands the invitation and its link's token to a callable
(the web layer renders and sends it, in the same transaction the use case then commits).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.work import committing
from tenants import accounts, team
from tenants.errors import N_
from tenants.models import Invitation, Membership, Tenant, User
from tenants.tokens import LinkError


@dataclass(frozen=True)
class TeamPage:
    """The current company's members (owners first) and its pending invitations."""

    members: list[Membership]
    invitations: list[Invitation]


@dataclass(frozen=True)
class InvitationLink:
    """A usable invitation from its link, the account its address already has (None when it has none) and
    the company it is for."""

    invitation: Invitation
    existing: User | None
    company: Tenant


def team_page(session: Session) -> TeamPage:
    """The current company's members and pending invitations."""
    return TeamPage(team.members(session), team.pending_invitations(session))


def invite(session: Session, secret_key: str, actor: Membership, email: str, role: str,
           send: Callable[[Invitation, str], None]) -> Invitation:
    """Invite someone to the current company with a role and mail them the link (`send` gets the invitation
    and the link's token, shown nowhere else)."""
    invitation, token = team.invite(session, secret_key, actor, email, role)
    send(invitation, token)
    session.commit()
    return invitation


def revoke_invitation(session: Session, actor: Membership, invitation_id: int) -> None:
    """Withdraw a pending invitation of the current company."""
    team.revoke_invitation(session, actor, invitation_id)
    session.commit()


def change_role(session: Session, actor: Membership, membership_id: int, role: str) -> Membership:
    """Make a member of the current company an admin or a member (the owner only)."""
    target = team.change_role(session, actor, membership_id, role)
    session.commit()
    return target


def remove_member(session: Session, actor: Membership, membership_id: int) -> None:
    """Remove someone from the current company (never its owner)."""
    team.remove_member(session, actor, membership_id)
    session.commit()


def transfer_ownership(session: Session, actor: Membership, membership_id: int) -> Membership:
    """Make another member the owner of the current company; the old owner becomes an admin."""
    target = team.transfer_ownership(session, actor, membership_id)
    session.commit()
    return target


def open_invitation(session: Session, secret_key: str, token: str, enter: Callable[[int], None]) -> InvitationLink:
    """The usable invitation of a link, with its company entered through `enter` (the caller makes it current
    for the rest of its work); LinkError for a bad, expired or used link."""
    tenant_id = team.invitation_tenant(secret_key, token)
    enter(tenant_id)
    invitation = team.invitation_for_token(session, secret_key, token)
    if invitation is None:
        raise LinkError(N_("This invitation is not valid, has expired or was already used."))
    return InvitationLink(invitation, accounts.find_user(session, invitation.email),
                          session.get_one(Tenant, tenant_id))


def join(session: Session, secret_key: str, token: str, link: InvitationLink, password: str | None,
         locale: str | None) -> Membership:
    """Accept an invitation as the account its address already has or, without one, as a new account with
    `password`; a refused password or link changes nothing."""
    with committing(session):
        user = link.existing or accounts.create_user(session, email=link.invitation.email, password=password or "",
                                                     locale=locale)
        membership = team.accept_invitation(session, secret_key, token, user)
    return membership
