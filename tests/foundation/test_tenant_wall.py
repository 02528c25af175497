"""Every table behind the wall: tenant-owned (scoped by the hook, row-level security on PostgreSQL) or on
the commented list of two-sided tables; and the models agree with what the migrations build."""
import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from tenants.db import TWO_SIDED_TABLES, Base, TenantOwned
from tenants.schema import load_models

PARTITION = re.compile(r"readings_\d{6}")  # telemetry.partitions.partition_name: made by a migration and a job


def _tables_with_tenant_id() -> dict[str, bool]:
    load_models()
    return {mapper.local_table.name: issubclass(mapper.class_, TenantOwned) for mapper in Base.registry.mappers
            if "tenant_id" in mapper.local_table.columns}


def test_every_mapped_table_with_a_tenant_id_is_tenant_owned_or_a_listed_two_sided_table():
    tables = _tables_with_tenant_id()
    loose = sorted(name for name, owned in tables.items() if not owned and name not in TWO_SIDED_TABLES)
    assert loose == [], f"tenant_id outside the wall: make these TenantOwned or list them in TWO_SIDED_TABLES: {loose}"
    both = sorted(name for name, owned in tables.items() if owned and name in TWO_SIDED_TABLES)
    assert both == [], f"tenant-owned tables still listed as two-sided: {both}"
    assert set(TWO_SIDED_TABLES) <= set(tables), "a listed two-sided table no longer exists or lost its tenant_id"
    assert all(len(policy) > 40 for policy in TWO_SIDED_TABLES.values()), "each entry says who reads it and how"


def test_the_models_and_the_migrations_agree(test_db):
    engine = create_engine(test_db.admin_url)  # the owner role: it sees the whole catalogue
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "include_object": lambda obj, name, kind, *_: not (kind == "table" and PARTITION.fullmatch(name))})
            differences = compare_metadata(context, load_models())
    finally:
        engine.dispose()
    assert differences == [], "the models differ from the migrated schema (write a migration):\n" + "\n".join(
        map(str, differences))
