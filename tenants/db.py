"""Database engine, declarative base and session factory (no Flask)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a plain INTEGER primary key; BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class TenantOwned:
    """Mixin of every tenant-owned model: scoped by tenants.scoping and by row-level security."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy declared_attr signature
        return mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def tenant_owned_tables() -> list[str]:
    """Names of every table whose model is tenant-owned."""
    return sorted(
        cast(Table, mapper.local_table).name  # a declarative model's local table is a Table (its __tablename__)
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantOwned)
    )


# Tables that carry tenant_id but are read from two sides, so the scoping hook may not hide other tenants'
# rows from them. Their own policy: on PostgreSQL a tenant's transaction sees and writes only its own rows
# (tenants.rls.TWO_SIDED_POLICY, migration 0012), while the other side, with no tenant set, reads across
# companies through the filter each entry names; every tenant-side read of them filters by the current
# tenant explicitly too. A table with tenant_id must be tenant-owned or listed here
# (tests/foundation/test_tenant_wall.py).
TWO_SIDED_TABLES: dict[str, str] = {
    "memberships": "platform side: a user's companies, listed at login and in the company switcher "
                   "(tenants.accounts, tenants.team filter by user or by the current tenant)",
    "credential_index": "platform side: a secret's owner, looked up before its tenant is known "
                        "(tenants.credentials.resolve; then the tenant-owned credential row decides)",
    "installations": "partner side: a module's installations across companies (marketplace.portal filters "
                     "by the partner's modules; marketplace.installations by the current tenant)",
    "webhook_deliveries": "partner side: a module's delivery log across companies; platform side: the "
                          "delivery job (marketplace.webhooks, by due time)",
    "revenue_entries": "partner side: a module's share of every company's paid invoices (billing.statements, "
                       "by partner); written in the paying tenant's context",
}


def upsert_insert(session: Session, table):
    """An INSERT of the session's dialect, which offers `on_conflict_do_nothing` (PostgreSQL and SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name](table)


def normalise_url(url: str) -> str:
    """Select the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, *, sqlite_timeout_s: float = 30.0, **kwargs) -> Engine:
    """Create an engine with the connection settings this app relies on (`sqlite_timeout_s`: how
    long a SQLite connection waits for a lock held by another writer)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": sqlite_timeout_s, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """An engine plus the scoped session factory bound to it."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        from tenants import scoping

        self.url, self._engine_kwargs = url, engine_kwargs
        self.engine = make_engine(url, **engine_kwargs)
        self.Session = sessionmaker(bind=self.engine, expire_on_commit=False)
        scoping.install(self.Session)
        self._unpinged: Engine | None = None

    @property
    def unpinged_engine(self) -> Engine:
        """A second pool whose connections are not pinged when checked out, for a path that makes one
        round trip per request and retries on a fresh connection itself when one turns out broken
        (telemetry.store_pg.store_all_committed): the ping would double its round trips."""
        if self._unpinged is None:
            self._unpinged = make_engine(self.url, **{**self._engine_kwargs, "pool_pre_ping": False})
        return self._unpinged

    @property
    def dialect(self) -> str:
        """The backend's name: 'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error, always closed."""
        session = self.Session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self._unpinged is not None:
            self._unpinged.dispose()
