"""Signup, login, email verification and passwords; the platform admin check of the operators' actions."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants import audit
from tenants.clock import utcnow
from tenants.errors import N_, DomainError, Forbidden
from tenants.models import Membership, Tenant, User
from tenants.passwords import check_password_rules, hash_password, verify_password
from tenants.scoping import tenant_context
from tenants.tokens import LinkError, fingerprint, make_link_token, read_link_token
from tenants.validation import clean_country, clean_currency, clean_email, clean_name, clean_timezone, unique_slug


@dataclass
class SignupResult:
    """What signup did: a new tenant and owner, or nothing because the email is taken."""

    tenant: Tenant | None
    user: User | None
    existing_user: User | None = None


def find_user(session: Session, email: str) -> User | None:
    """The user with this email address, or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def _unique_slug(session: Session, name: str) -> str:
    return unique_slug(name, lambda slug: session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None,
                       "factory")


def create_tenant(session: Session, *, name: str, country: str, timezone: str, currency: str, owner: User) -> Tenant:
    """Create a tenant with the given user as its owner."""
    tenant = Tenant(
        name=clean_name(name, "company name"), country=clean_country(country),
        timezone=clean_timezone(timezone), currency=clean_currency(currency),
    )
    tenant.slug = _unique_slug(session, tenant.name)
    session.add(tenant)
    session.flush()
    session.add(Membership(tenant_id=tenant.id, user_id=owner.id, role="owner"))
    with tenant_context(tenant.id):
        audit.record(session, "signup", actor_user_id=owner.id, tenant=tenant.slug)
        session.flush()
    return tenant


def create_user(session: Session, *, email: str, password: str, name: str = "", locale: str | None = None) -> User:
    """Create an unverified user; raises when the email is taken."""
    email = clean_email(email)
    check_password_rules(password)
    if find_user(session, email) is not None:
        raise DomainError(N_("An account with this email address already exists."))
    user = User(email=email, name=(name or "").strip()[:120], password_hash=hash_password(password), locale=locale)
    session.add(user)
    session.flush()
    return user


def signup(session: Session, *, company: str, country: str, timezone: str, currency: str,
           email: str, password: str, name: str = "", locale: str | None = None) -> SignupResult:
    """Create a tenant and its owner; an existing email creates nothing (no enumeration)."""
    clean_name(company, "company name")
    clean_country(country), clean_timezone(timezone), clean_currency(currency)
    existing = find_user(session, clean_email(email))
    if existing is not None:
        check_password_rules(password)
        hash_password(password)  # the same work as a new signup, so timing does not reveal the account
        return SignupResult(None, None, existing_user=existing)
    user = create_user(session, email=email, password=password, name=name, locale=locale)
    tenant = create_tenant(session, name=company, country=country, timezone=timezone, currency=currency, owner=user)
    return SignupResult(tenant, user)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when email and password match, else None, in the same time either way."""
    user = find_user(session, email or "")
    if not verify_password(user.password_hash if user else None, password or "") or user is None:
        return None
    user.last_login_at = utcnow()
    return user


def verification_token(secret_key: str, user: User) -> str:
    """A link token confirming the user's current email address."""
    return make_link_token(secret_key, "verify", {"u": user.id, "f": fingerprint(user.email, user.verified_at)})


def confirm_email(session: Session, secret_key: str, token: str) -> User:
    """Mark the user's email verified; raises LinkError for a bad, expired or used link."""
    data = read_link_token(secret_key, "verify", token)
    user = session.get(User, data.get("u"))
    if user is None or data.get("f") != fingerprint(user.email, user.verified_at):
        raise LinkError(N_("This link is not valid or was already used."))
    user.verified_at = utcnow()
    return user


def reset_token(secret_key: str, user: User) -> str:
    """A link token allowing one password reset."""
    return make_link_token(secret_key, "reset",
                           {"u": user.id, "f": fingerprint(user.password_hash, user.session_epoch)})


def user_for_reset(session: Session, secret_key: str, token: str) -> User:
    """The user a reset link is for; raises LinkError when it is bad, expired or used."""
    data = read_link_token(secret_key, "reset", token)
    user = session.get(User, data.get("u"))
    if user is None or data.get("f") != fingerprint(user.password_hash, user.session_epoch):
        raise LinkError(N_("This link is not valid or was already used."))
    return user


def reset_password(session: Session, secret_key: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link then stops working."""
    user = user_for_reset(session, secret_key, token)
    _set_password(user, new_password)
    if user.verified_at is None:
        user.verified_at = utcnow()  # the reset mail proved the address
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current or ""):
        raise DomainError(N_("The current password is not correct."))
    _set_password(user, new)


def _set_password(user: User, new_password: str) -> None:
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.session_epoch = (user.session_epoch or 0) + 1


def memberships_of(session: Session, user_id: int) -> list[Membership]:
    """Every tenant membership of a user, by tenant name."""
    rows = session.scalars(select(Membership).where(Membership.user_id == user_id)).unique().all()
    return sorted(rows, key=lambda m: m.tenant.name.lower())


def membership_in(session: Session, user_id: int, tenant_id: int) -> Membership | None:
    """The user's membership in one tenant, or None."""
    return session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.tenant_id == tenant_id)
    )


def record_for_user(session: Session, user: User, event: str, ip: str | None = None) -> None:
    """Append one of a user's own security events (a login, a confirmed address, a reset password) to the
    audit log of every company the user belongs to."""
    for membership in memberships_of(session, user.id):
        with tenant_context(membership.tenant_id):
            audit.record(session, event, user.id, ip)
            session.flush()


def require_platform_admin(user: User) -> None:
    """Raise Forbidden unless the user is a platform admin: the domain's own check behind the operator pages
    (which answer 404 to everyone else before this is reached)."""
    if not getattr(user, "is_platform_admin", False):
        raise Forbidden()
