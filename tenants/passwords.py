"""Password hashing with Argon2id."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from tenants.errors import N_, DomainError

_hasher = PasswordHasher()
MIN_LENGTH = 10


def use_cheap_hashing() -> None:
    """Switch to argon2's cheapest parameters: for test suites only, never in production."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _dummy_hash.cache_clear()


@cache
def _dummy_hash() -> str:
    # Verified against when the user does not exist, so both paths cost the same time.
    return _hasher.hash("not-a-real-password-0")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether the password matches; takes the same time when there is no stored hash."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    """Raise a DomainError when the password is unacceptable."""
    if len(password) < MIN_LENGTH:
        raise DomainError(N_("Use at least %(n)s characters for the password."), n=MIN_LENGTH)
    if len(password) > 256:
        raise DomainError(N_("Use at most %(n)s characters for the password."), n=256)
