"""Checks of what the platform sends: webhook signatures and launch tokens, both keyed by the
module secret."""
from __future__ import annotations

import hashlib
import hmac
import time

import jwt

SIGNATURE_TOLERANCE_S = 300
LAUNCH_LEEWAY_S = 10


class SignatureError(ValueError):
    """A webhook whose DF-Signature header is missing, malformed, forged or stale."""


class LaunchError(ValueError):
    """A launch token that is missing, forged, expired or meant for someone else."""


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `timestamp + "." + body` keyed by the module secret."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def parse_signature_header(header: str | None) -> tuple[str, list[str]]:
    """The timestamp and the v1 signatures of a `t=<unix seconds>,v1=<hex>` header."""
    if not header:
        raise SignatureError("missing DF-Signature header")
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1" and value:
            signatures.append(value)
    if not timestamp or not timestamp.isdigit() or not signatures:
        raise SignatureError("malformed DF-Signature header")
    return timestamp, signatures


def verify_webhook(secret: str, header: str | None, body: bytes, now: float | None = None) -> None:
    """Raise SignatureError unless `header` signs `body` with `secret` within the last 300 s.

    Every v1 value is compared in constant time; the timestamp is part of the signed message, so
    an old delivery cannot be replayed with a fresh `t`."""
    timestamp, signatures = parse_signature_header(header)
    expected = expected_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature does not match")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > SIGNATURE_TOLERANCE_S:
        raise SignatureError("stale timestamp (more than 300 s from now)")


def verify_launch_token(token: str | None, secret: str, audience: str, issuer: str) -> dict:
    """The claims of a valid launch token (HS256, our slug as aud, the platform as iss, exp/iat/nbf
    present and current); raise LaunchError naming what is wrong otherwise."""
    if not token:
        raise LaunchError("missing token")
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=audience, issuer=issuer, leeway=LAUNCH_LEEWAY_S,
            options={"require": ["exp", "iat", "nbf", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise LaunchError("the launch token has expired; open the module again from Digital Factory") from None
    except jwt.InvalidAudienceError:
        raise LaunchError("the launch token is meant for another module") from None
    except jwt.InvalidIssuerError:
        raise LaunchError("the launch token comes from another platform") from None
    except jwt.ImmatureSignatureError:
        raise LaunchError("the launch token is not valid yet") from None
    except jwt.InvalidSignatureError:
        raise LaunchError("the launch token signature does not match") from None
    except jwt.InvalidTokenError as exc:
        raise LaunchError(f"invalid launch token: {exc}") from None
    installation_id = claims.get("installation_id")
    if isinstance(installation_id, bool) or not isinstance(installation_id, int):
        raise LaunchError("the launch token names no installation")
    return claims
