"""Stored values shown through `_(value)` in templates (roles, audit events): listed here, wrapped in N_,
only so that `pybabel extract` puts them in the catalogue. Keep in step with tenants.models.ROLES
and tenants.audit.EVENTS (tests/foundation/test_i18n.py checks both)."""
from tenants.errors import N_

ROLES = (N_("owner"), N_("admin"), N_("member"))

AUDIT_EVENTS = (
    N_("login"), N_("login_failed"), N_("logout"), N_("password_changed"), N_("password_reset"), N_("signup"),
    N_("email_verified"), N_("member_invited"), N_("member_joined"), N_("member_removed"), N_("role_changed"),
    N_("ownership_transferred"), N_("api_key_created"), N_("api_key_revoked"), N_("settings_changed"),
)
