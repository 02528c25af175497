"""HTTP surfaces: one blueprint per surface, each with its own authentication."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to the app."""
    from blueprints import account, admin, api_analytics, api_devices, api_v1, auth, dashboard, health, ingest, ingest_compat, settings, team
    from web.extensions import csrf

    for module in (health, auth, account, dashboard, team, settings, admin):
        app.register_blueprint(module.bp)
    for module in (ingest, ingest_compat):  # device credentials, no cookies: CSRF does not apply
        csrf.exempt(module.bp)
        app.register_blueprint(module.bp)
    app.register_blueprint(api_v1.bp)
    for blueprint in (api_v1.bp, api_devices.bp, api_analytics.bp):  # token-authenticated; session callers are CSRF-checked in api_v1
        csrf.exempt(blueprint)
