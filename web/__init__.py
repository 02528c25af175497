"""Flask glue shared by the blueprints: database session, tenancy, auth, errors, i18n, security."""
