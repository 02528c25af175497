"""Tenancy core: database session, tenant scoping, tenants, users, roles and API keys."""
