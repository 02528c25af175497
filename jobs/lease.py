"""A lease row per job so that only one scheduler process runs it, even if two run by mistake."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from tenants.clock import utcnow
from tenants.db import Base


class JobLease(Base):
    """Who holds a job's lease, and until when."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column()


def acquire(session: Session, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease; True when this holder has it until now + ttl."""
    now = utcnow()
    taken = session.execute(
        update(JobLease)
        .where(JobLease.name == name, (JobLease.holder == holder) | (JobLease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken:
        session.commit()
        return True
    try:
        session.execute(insert(JobLease).values(name=name, holder=holder, expires_at=now + ttl))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease up so another process may run the job at once."""
    session.execute(
        update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=utcnow() - timedelta(seconds=1))
        .execution_options(synchronize_session=False)
    )
    session.commit()
