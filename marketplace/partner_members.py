"""A partner organisation's members: who belongs to it, adding someone who already has an account,
changing roles, removing someone or leaving.

Owners manage the members; a member may only leave. A partner always keeps an owner: the last owner
can be neither removed, nor leave, nor become a member. Changes lock the partner's row first, so two
owners demoting or removing each other at once cannot leave the partner without one."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.models import PARTNER_ROLES, Partner, PartnerMember
from tenants.errors import N_, Conflict, DomainError, Forbidden, NotFound
from tenants.models import User
from tenants.validation import clean_email


def members(session: Session, partner: Partner) -> list[tuple[PartnerMember, User]]:
    """The partner's members with their accounts, by email address."""
    rows = session.execute(select(PartnerMember, User).join(User, User.id == PartnerMember.user_id)
                           .where(PartnerMember.partner_id == partner.id).order_by(User.email, PartnerMember.id))
    return [(member, user) for member, user in rows]


def membership(session: Session, partner: Partner, user: User) -> PartnerMember:
    """The user's membership of the partner; NotFound when they do not belong to it."""
    member = session.scalar(select(PartnerMember).where(PartnerMember.partner_id == partner.id,
                                                        PartnerMember.user_id == user.id))
    if member is None:
        raise NotFound()
    return member


def require_owner(session: Session, partner: Partner, user: User) -> PartnerMember:
    """The user's membership if they own the partner; Forbidden for a member, NotFound for anyone else."""
    member = membership(session, partner, user)
    if member.role != "owner":
        raise Forbidden(N_("Only the partner's owners can manage its members."))
    return member


def owner_count(session: Session, partner: Partner) -> int:
    """How many owners the partner has."""
    return session.scalar(select(func.count(PartnerMember.id)).where(
        PartnerMember.partner_id == partner.id, PartnerMember.role == "owner")) or 0


def add_member(session: Session, partner: Partner, actor: User, email: str, role: str) -> PartnerMember:
    """Add someone who already has an account, as an owner or a member (owners only)."""
    require_owner(session, partner, actor)
    email = clean_email(email)
    _check_role(role)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise DomainError(N_("There is no account for %(email)s yet: ask them to sign up first, then add them."),
                          email=email)
    _lock(session, partner)
    taken = session.scalar(select(PartnerMember.id).where(PartnerMember.partner_id == partner.id,
                                                          PartnerMember.user_id == user.id))
    if taken is not None:
        raise Conflict(N_("%(email)s is already a member of %(partner)s."), email=email, partner=partner.name)
    member = PartnerMember(partner_id=partner.id, user_id=user.id, role=role)
    session.add(member)
    session.flush()
    return member


def remove_member(session: Session, partner: Partner, actor: User, member_id: int) -> PartnerMember:
    """Remove a member (owners may remove anyone; a member may remove only themselves, i.e. leave).
    The last owner stays. Returns the removed membership."""
    mine = membership(session, partner, actor)
    target = _member(session, partner, member_id)
    if mine.role != "owner" and target.id != mine.id:
        raise Forbidden(N_("Only the partner's owners can manage its members."))
    _lock(session, partner)
    if target.role == "owner":
        _keep_an_owner(session, partner, leaving=target.id == mine.id)
    session.delete(target)
    session.flush()
    return target


def change_role(session: Session, partner: Partner, actor: User, member_id: int, role: str) -> PartnerMember:
    """Make a member an owner or an owner a member (owners only); the last owner stays an owner."""
    require_owner(session, partner, actor)
    _check_role(role)
    target = _member(session, partner, member_id)
    _lock(session, partner)
    if target.role == "owner" and role != "owner":
        _keep_an_owner(session, partner, leaving=False)
    target.role = role
    session.flush()
    return target


def _check_role(role: str) -> None:
    if role not in PARTNER_ROLES:
        raise DomainError(N_("Choose the role owner or member."))


def _member(session: Session, partner: Partner, member_id: int) -> PartnerMember:
    member = session.scalar(select(PartnerMember).where(PartnerMember.id == member_id,
                                                        PartnerMember.partner_id == partner.id))
    if member is None:
        raise NotFound()
    return member


def _lock(session: Session, partner: Partner) -> None:
    """Serialise membership changes of one partner (a row lock on PostgreSQL; SQLite writes one at a time)."""
    session.execute(select(Partner.id).where(Partner.id == partner.id).with_for_update())


def _keep_an_owner(session: Session, partner: Partner, leaving: bool) -> None:
    if owner_count(session, partner) <= 1:
        if leaving:
            raise Conflict(N_("You are the only owner of %(partner)s: make someone else an owner before you "
                              "leave."), partner=partner.name)
        raise Conflict(N_("%(partner)s needs at least one owner: make someone else an owner first."),
                       partner=partner.name)
