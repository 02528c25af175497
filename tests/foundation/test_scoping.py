"""Each wall of tenant isolation, proven on its own."""
import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import DBAPIError

from tenants import apikeys
from tenants.apikeys import ApiKey
from tenants.audit import AuditEvent
from tenants.db import TWO_SIDED_TABLES, tenant_owned_tables
from tenants.rls import POLICY, TWO_SIDED_POLICY
from tenants.schema import load_models
from tenants.scoping import TenantContextError, tenant_context


@pytest.fixture
def two_tenants(db, make_account):
    a = make_account("Acme", "a@acme.test")
    b = make_account("Beta", "b@beta.test")
    for account in (a, b):
        with db.session() as session, tenant_context(account.tenant_id):
            apikeys.create_key(session, f"key of {account.slug}")
            session.flush()
    return a, b


def test_tenant_owned_query_without_tenant_raises(db, two_tenants):
    with db.session() as session:
        with pytest.raises(TenantContextError):
            session.scalars(select(ApiKey)).all()
        with pytest.raises(TenantContextError):
            session.scalar(select(func.count()).select_from(AuditEvent))


def test_queries_see_only_the_current_tenant(db, two_tenants):
    a, b = two_tenants
    with db.session() as session, tenant_context(a.tenant_id):
        names = session.scalars(select(ApiKey.name)).all()
        assert names == ["key of acme"]
        other = session.scalar(select(ApiKey.id).execution_options(populate_existing=True)
                               .where(ApiKey.name == "key of beta"))
        assert other is None


def test_get_by_id_of_another_tenant_is_none(db, two_tenants):
    a, b = two_tenants
    with db.session() as session:
        with tenant_context(b.tenant_id):
            beta_key_id = session.scalar(select(ApiKey.id))
    with db.session() as session, tenant_context(a.tenant_id):
        assert session.get(ApiKey, beta_key_id) is None


def test_bulk_update_touches_only_the_current_tenant(db, two_tenants):
    a, b = two_tenants
    with db.session() as session, tenant_context(a.tenant_id):
        changed = session.execute(update(ApiKey).values(name="renamed")).rowcount
    assert changed == 1
    with db.session() as session, tenant_context(b.tenant_id):
        assert session.scalars(select(ApiKey.name)).all() == ["key of beta"]


def test_insert_gets_tenant_from_context_and_refuses_another(db, two_tenants):
    a, b = two_tenants
    with db.session() as session, tenant_context(a.tenant_id):
        key = ApiKey(name="x", prefix="df_x", secret_hash="0" * 64)
        session.add(key)
        session.flush()
        assert key.tenant_id == a.tenant_id
        session.add(ApiKey(name="y", prefix="df_y", secret_hash="1" * 64, tenant_id=b.tenant_id))
        with pytest.raises(TenantContextError):
            session.flush()
        session.rollback()


def test_insert_without_tenant_raises(db, two_tenants):
    with db.session() as session:
        session.add(ApiKey(name="x", prefix="df_x", secret_hash="0" * 64))
        with pytest.raises(TenantContextError):
            session.flush()
        session.rollback()


def test_every_tenant_owned_table_leads_an_index_with_tenant_id():
    metadata = load_models()
    for name in tenant_owned_tables():
        table = metadata.tables[name]
        keys = [*table.indexes, *[c for c in table.constraints if hasattr(c, "columns") and len(c.columns)]]
        leading = [list(key.columns)[0].name for key in keys if not hasattr(key, "referred_table")]
        assert "tenant_id" in leading, f"{name} has no index led by tenant_id"


def _require_postgres(test_db):
    if test_db.dialect != "postgresql":
        pytest.skip("row-level security exists only on PostgreSQL (set TEST_DATABASE_URL)")


def test_raw_sql_without_tenant_context_sees_no_rows_on_postgres(test_db, db, two_tenants):
    _require_postgres(test_db)
    engine = create_engine(test_db.url)  # the app's ordinary role, no ORM hooks at all
    with engine.connect() as connection:
        for table in tenant_owned_tables():
            assert connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar() == 0, table
        admin = create_engine(test_db.admin_url)
        with admin.connect() as superuser:
            assert superuser.execute(text("SELECT count(*) FROM api_keys")).scalar() == 2
        admin.dispose()
    engine.dispose()


def test_raw_sql_with_tenant_setting_sees_only_that_tenant_on_postgres(test_db, two_tenants):
    _require_postgres(test_db)
    a, _b = two_tenants
    engine = create_engine(test_db.url)
    with engine.begin() as connection:
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.tenant_id)})
        rows = connection.execute(text("SELECT tenant_id FROM api_keys")).scalars().all()
        assert rows == [a.tenant_id]
        with pytest.raises(Exception, match="row-level security"):
            connection.execute(text(
                "INSERT INTO api_keys (tenant_id, name, prefix, secret_hash, created_at) "
                "VALUES (:t, 'evil', 'df_e', 'x', now())"), {"t": str(_b.tenant_id)})
    engine.dispose()


def test_every_table_with_a_tenant_id_forces_row_level_security(test_db):
    """Every table with a tenant_id (partitions included): a tenant-owned one by the isolation policy, a
    two-sided one by its tenant-side policy."""
    _require_postgres(test_db)
    engine = create_engine(test_db.admin_url)
    with engine.connect() as connection:
        secured = dict(connection.execute(text(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
            "WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace")).all())
        with_tenant = connection.execute(text(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'tenant_id'")).scalars().all()
    engine.dispose()
    assert set(tenant_owned_tables()) <= set(with_tenant)
    for table in with_tenant:
        assert secured.get(table) is True, f"{table} lacks FORCE ROW LEVEL SECURITY"
    policies = dict(connection_policies(test_db))
    for table in with_tenant:
        expected = TWO_SIDED_POLICY if table in TWO_SIDED_TABLES else POLICY
        assert policies.get(table) == expected, f"{table} has policy {policies.get(table)}, not {expected}"


def connection_policies(test_db) -> list[tuple[str, str]]:
    engine = create_engine(test_db.admin_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public'"))
        found = [tuple(row) for row in rows]
    engine.dispose()
    return found


def test_a_tenant_sees_only_its_own_rows_of_a_two_sided_table_on_postgres(test_db, two_tenants):
    """The tenant side is walled in raw SQL too; the other side (no tenant set) reads across companies."""
    _require_postgres(test_db)
    a, b = two_tenants
    engine = create_engine(test_db.url)  # the app's ordinary role, no ORM hooks
    with engine.begin() as connection:
        everyone = connection.execute(text("SELECT tenant_id FROM memberships")).scalars().all()
        connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.tenant_id)})
        own = connection.execute(text("SELECT tenant_id FROM memberships")).scalars().all()
        with pytest.raises(DBAPIError):
            connection.execute(text("UPDATE memberships SET tenant_id = :b WHERE tenant_id = :a"),
                               {"a": a.tenant_id, "b": b.tenant_id})
    engine.dispose()
    assert sorted(everyone) == sorted([a.tenant_id, b.tenant_id]) and own == [a.tenant_id]
