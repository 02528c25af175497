"""Use cases of a partner organisation's members in the partner portal: the members page; owners adding
people who already have an account, changing roles and removing members; anyone leaving.

Like the rest of the portal, each resolves the partner through the user's membership (NotFound for anyone
else); the rules themselves live in `marketplace.partner_members`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marketplace import modules, partner_members
from marketplace.models import Partner, PartnerMember
from services.work import committing
from tenants.models import User


@dataclass(frozen=True)
class MembersPage:
    """A partner's members with their accounts (by email address), the user's own membership and how many
    owners the partner has."""

    partner: Partner
    members: list[tuple[PartnerMember, User]]
    me: PartnerMember
    owners: int


@dataclass(frozen=True)
class MemberChange:
    """A membership just added, changed or removed, with its partner and the member's email address."""

    partner: Partner
    member: PartnerMember
    email: str


def members_page(session: Session, user: User, partner_id: int, *, as_owner: bool = False) -> MembersPage:
    """The members page of the user's partner; with `as_owner`, Forbidden unless the user owns the partner
    (the page an owners-only form shows again when its input is refused)."""
    partner = modules.partner_for_member(session, partner_id, user)
    if as_owner:
        partner_members.require_owner(session, partner, user)
    return MembersPage(partner, partner_members.members(session, partner),
                       partner_members.membership(session, partner, user),
                       partner_members.owner_count(session, partner))


def add_member(session: Session, user: User, partner_id: int, email: str, role: str) -> MemberChange:
    """Add someone who already has an account to the user's partner as an owner or a member (owners only);
    a refused change changes nothing."""
    partner = modules.partner_for_member(session, partner_id, user)
    with committing(session):
        member = partner_members.add_member(session, partner, user, email, role)
        change = _change(session, partner, member)
    return change


def change_role(session: Session, user: User, partner_id: int, member_id: int, role: str) -> MemberChange:
    """Make a member of the user's partner an owner, or an owner a member (owners only; the last owner stays);
    a refused change changes nothing."""
    partner = modules.partner_for_member(session, partner_id, user)
    with committing(session):
        member = partner_members.change_role(session, partner, user, member_id, role)
        change = _change(session, partner, member)
    return change


def remove_member(session: Session, user: User, partner_id: int, member_id: int) -> MemberChange:
    """Remove a member of the user's partner (owners), or the user's own membership (leaving; anyone but the
    last owner); a refused change changes nothing."""
    partner = modules.partner_for_member(session, partner_id, user)
    with committing(session):
        removed = partner_members.remove_member(session, partner, user, member_id)
        change = _change(session, partner, removed)
    return change


def _change(session: Session, partner: Partner, member: PartnerMember) -> MemberChange:
    # the member's address is read before the commit: a removed membership's row is gone afterwards
    return MemberChange(partner, member, session.get_one(User, member.user_id).email)
