"""Signed, expiring, single-use tokens for links sent by mail."""
from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from tenants.errors import N_, DomainError

MAX_AGE = {"verify": 3 * 24 * 3600, "reset": 3600, "invite": 7 * 24 * 3600}


class LinkError(DomainError):
    """A link is invalid, expired or already used."""


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"digital-factory.{purpose}")


def fingerprint(*parts: object) -> str:
    """A short digest of state that changes when the link is used (making it single-use)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]


def make_link_token(secret_key: str, purpose: str, payload: dict) -> str:
    """Sign a payload for a link of the given purpose."""
    return _serializer(secret_key, purpose).dumps(payload)


def read_link_token(secret_key: str, purpose: str, token: str, max_age: int | None = None) -> dict:
    """The payload of a valid, unexpired token; raises LinkError otherwise."""
    try:
        return _serializer(secret_key, purpose).loads(token, max_age=max_age or MAX_AGE[purpose])
    except SignatureExpired:
        raise LinkError(N_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise LinkError(N_("This link is not valid or was already used.")) from None
