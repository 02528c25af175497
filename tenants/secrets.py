"""Random secrets, their hashes and constant-time comparison."""
from __future__ import annotations

import hashlib
import hmac
import secrets


def device_secret() -> str:
    """A device-facing secret: exactly 32 lowercase hex characters."""
    return secrets.token_hex(16)


def api_key_secret() -> str:
    """A tenant API key: a recognisable prefix and 160 random bits."""
    return "df_" + secrets.token_hex(20)


def url_token() -> str:
    """A random token for links sent by mail."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (never used for passwords)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether a secret hashes to the stored digest, compared in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)
