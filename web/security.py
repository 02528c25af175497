"""Security headers and cookie settings."""
from __future__ import annotations

from flask import Flask

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
STRIPE_JS = "https://js.stripe.com https://*.js.stripe.com"


def content_security_policy(stripe_api_base: str | None, stripe_enabled: bool) -> str:
    """The policy: this site only, plus what Stripe.js needs when Stripe takes card payments (its script,
    frames and API, or the test server standing in for Stripe)."""
    if not stripe_enabled:
        return CSP
    script = stripe_api_base.rstrip("/") if stripe_api_base else STRIPE_JS
    api = stripe_api_base.rstrip("/") if stripe_api_base else "https://api.stripe.com"
    return (CSP.replace("script-src 'self'", f"script-src 'self' {script}")
            .replace("connect-src 'self'", f"connect-src 'self' {api}")
            + f"; frame-src {script} https://hooks.stripe.com")


def init_security(app: Flask, secure_cookies: bool, csp: str = CSP) -> None:
    """Set cookie flags and add the Content Security Policy and related headers."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_DURATION=60 * 60 * 24 * 30,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
