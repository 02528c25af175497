"""HTTP surfaces: one blueprint per surface, each with its own authentication."""
from __future__ import annotations

from flask import Flask

from tenants.errors import N_


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to the app and add the capabilities' pages to the navigation."""
    from blueprints import (
        account,
        admin,
        admin_billing,
        admin_modules,
        admin_payouts,
        alerts,
        api_partner,
        api_v1,
        auth,
        billing,
        billing_card,
        billing_webhooks,
        dashboard,
        device_gateways,
        devices,
        docs,
        health,
        ingest,
        ingest_emoncms,
        ingest_influx,
        machines,
        marketplace,
        partner_members,
        partner_statements,
        partners,
        reports,
        settings,
        settings_plant,  # noqa: F401  (nests the Tariff and Shifts tabs in settings)
        team,
    )
    from web.extensions import csrf
    from web.navigation import add_nav_item

    # pages: session login and CSRF on every form (settings_plant nests its tabs in settings at import)
    for module in (health, auth, account, dashboard, team, settings, admin, admin_modules, admin_billing,
                   admin_payouts, devices, device_gateways, machines, reports, alerts, marketplace, partners,
                   partner_statements, partner_members, billing, billing_card, docs):
        app.register_blueprint(module.bp)
    # device ingest: device tokens and gateway keys, no cookies, so CSRF does not apply
    for module in (ingest, ingest_emoncms, ingest_influx):
        csrf.exempt(module.bp)
        app.register_blueprint(module.bp)
    # tenant API: API keys, or a session whose unsafe requests api_v1 checks for the CSRF header
    app.register_blueprint(api_v1.bp)
    for blueprint in (api_v1.bp, *api_v1.NESTED):
        csrf.exempt(blueprint)
    # Stripe's webhooks: Stripe's signature, no cookies
    csrf.exempt(billing_webhooks.bp)
    app.register_blueprint(billing_webhooks.bp)
    # partner API: installation tokens, no cookies
    csrf.exempt(api_partner.bp)
    app.register_blueprint(api_partner.bp)
    add_nav_item(app, N_("Machines"), "devices.index", "devices")
    add_nav_item(app, reports.NAV_LABEL, "reports.index", "reports.")
    add_nav_item(app, marketplace.NAV_LABEL, "marketplace.index", "marketplace.")
    add_nav_item(app, billing.NAV_LABEL, "billing.index", "billing.")
