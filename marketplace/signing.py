"""A module's secret, webhook signatures and launch tokens.

The module secret is derived from the platform key, the module id and a version (bumped on
rotation), so nothing secret is stored and both the web and scheduler processes can sign.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import jwt

from marketplace.models import Module

SIGNATURE_HEADER = "DF-Signature"
LAUNCH_TOKEN_SECONDS = 60


def module_secret(platform_key: str, module: Module) -> str:
    """The module's current secret (`dfs_` and 64 hex digits)."""
    message = f"module-secret:{module.id}:{module.secret_version}".encode()
    return "dfs_" + hmac.new(platform_key.encode(), message, hashlib.sha256).hexdigest()


def rotate_secret(platform_key: str, module: Module) -> str:
    """Retire the module's secret and return the new one (shown to the partner once)."""
    module.secret_version += 1
    return module_secret(platform_key, module)


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def launch_token(secret: str, *, issuer: str, module_slug: str, installation_id: int, tenant_id: int, user_id: int,
                 now: datetime) -> str:
    """A short-lived HS256 token naming the installation and the user who opened the module."""
    issued = int(now.timestamp())
    claims = {"iss": issuer, "aud": module_slug, "sub": str(user_id), "installation_id": installation_id,
              "tenant_id": tenant_id, "iat": issued, "nbf": issued, "exp": issued + LAUNCH_TOKEN_SECONDS,
              "jti": secrets.token_hex(12)}
    return jwt.encode(claims, secret, algorithm="HS256")
