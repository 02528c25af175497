"""Use cases of a person's own account: signing up, logging in, confirming the address, resetting and changing
the password, the profile and language, alert mails, and the companies the person creates or switches to.

Mails are the caller's: a use case that mails hands the user and the link's token to an `AccountMail`
(the web layer renders and sends it, in the same transaction the use case then commits).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from services.work import committing
from telemetry import alert_mail
from tenants import accounts, audit
from tenants.accounts import SignupResult
from tenants.models import Membership, Tenant, User


class AccountMail(Protocol):
    """How the caller mails a person about their account."""

    def verification(self, user: User, token: str) -> None:
        """Send the link, made from `token`, that confirms the user's email address."""

    def signup_existing(self, user: User) -> None:
        """Tell the owner of an address that it was used to sign up again (they can log in or reset instead)."""

    def reset(self, user: User, token: str) -> None:
        """Send the password reset link made from `token`."""


@dataclass(frozen=True)
class Login:
    """What a login attempt came to: the user when email and password matched (None otherwise), and whether
    the user may enter (an unverified user was sent a new confirmation link instead)."""

    user: User | None
    verified: bool = False


def signup(session: Session, secret_key: str, mail: AccountMail, *, company: str, country: str, timezone: str,
           currency: str, email: str, password: str, name: str, locale: str | None) -> SignupResult:
    """Create a company and its owner and mail the confirmation link; an address already taken creates nothing
    and its owner is mailed instead (the answer does not reveal the account). A refused field changes nothing."""
    with committing(session):
        result = accounts.signup(session, company=company, country=country, timezone=timezone, currency=currency,
                                 email=email, password=password, name=name, locale=locale)
        if result.existing_user is not None:
            mail.signup_existing(result.existing_user)
        elif result.user is not None:
            mail.verification(result.user, accounts.verification_token(secret_key, result.user))
    return result


def log_in(session: Session, secret_key: str, mail: AccountMail, email: str, password: str,
           ip: str | None) -> Login:
    """Check email and password. A wrong pair is audited in the companies of the address's user (if any); an
    unverified user is mailed a new confirmation link; a login is audited in each of the user's companies."""
    user = accounts.authenticate(session, email, password)
    if user is None:
        known = accounts.find_user(session, email or "")
        if known is not None:
            accounts.record_for_user(session, known, "login_failed", ip)
        session.commit()
        return Login(None)
    if not user.is_verified:
        mail.verification(user, accounts.verification_token(secret_key, user))
        session.commit()  # also keeps the noted login time
        return Login(user)
    accounts.record_for_user(session, user, "login", ip)
    session.commit()
    return Login(user, verified=True)


def confirm_email(session: Session, secret_key: str, token: str, ip: str | None) -> User:
    """Confirm a user's email address from the mailed link (works once; LinkError otherwise), audited in each
    of the user's companies."""
    user = accounts.confirm_email(session, secret_key, token)
    accounts.record_for_user(session, user, "email_verified", ip)
    session.commit()
    return user


def request_reset(session: Session, secret_key: str, mail: AccountMail, email: str) -> None:
    """Mail a password reset link to the user with this address; nothing happens for an unknown address."""
    user = accounts.find_user(session, email)
    if user is not None:
        mail.reset(user, accounts.reset_token(secret_key, user))
        session.commit()


def check_reset_link(session: Session, secret_key: str, token: str) -> User:
    """The user a password reset link is for (LinkError when it is bad, expired or used)."""
    return accounts.user_for_reset(session, secret_key, token)


def reset_password(session: Session, secret_key: str, token: str, new_password: str, ip: str | None) -> User:
    """Set a new password from a reset link (which then stops working; the user's sessions end), audited in
    each of the user's companies."""
    user = accounts.reset_password(session, secret_key, token, new_password)
    accounts.record_for_user(session, user, "password_reset", ip)
    session.commit()
    return user


def change_password(session: Session, user: User, current: str, new: str, membership: Membership | None,
                    ip: str | None) -> None:
    """Change the user's password after checking the current one (the user's other sessions end); audited in
    the current company's log when the user is a member of one (`membership`, the current one, or None)."""
    accounts.change_password(session, user, current, new)
    if membership is not None:
        audit.record(session, "password_changed", user.id, ip)
    session.commit()


def update_profile(session: Session, user: User, name: str, locale: str) -> None:
    """Save the user's name (trimmed) and language."""
    user.name = (name or "").strip()
    user.locale = locale
    session.commit()


def set_language(session: Session, user: User, language: str) -> None:
    """Keep the interface language the user chose on their profile."""
    user.locale = language
    session.commit()


def set_alert_mails(session: Session, user_id: int, tenant_ids: Iterable[int]) -> None:
    """Turn alert mails on for the user's companies in `tenant_ids` and off for the others."""
    alert_mail.set_alert_mails(session, user_id, tenant_ids)
    session.commit()


def membership(session: Session, user_id: int, tenant_id: int) -> Membership | None:
    """The user's membership in a company, or None when the user is not a member."""
    return accounts.membership_in(session, user_id, tenant_id)


def create_company(session: Session, owner: User, *, name: str, country: str, timezone: str,
                   currency: str) -> Tenant:
    """Create another company owned by the user; a refused field changes nothing."""
    tenant = accounts.create_tenant(session, name=name, country=country, timezone=timezone, currency=currency,
                                    owner=owner)
    session.commit()
    return tenant
