"""Imports every model module so Base.metadata knows the whole schema (for Alembic and tests)."""
from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from tenants.db import Base

MODEL_MODULES = (
    "tenants.models",
    "tenants.credentials",
    "tenants.apikeys",
    "tenants.audit",
    "tenants.mail",
    "jobs.lease",
    "telemetry.models",
    "telemetry.rollups",
    "telemetry.plant",
    "telemetry.alerts",
    "marketplace.models",
    "billing.models",
    "shopfloor.models",
    "messaging.models",
)


def load_models() -> MetaData:
    """Import every model module and return the complete metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata
