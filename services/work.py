"""A use case's unit of work on the session it was given (the request's, or one a job opened)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from tenants.errors import DomainError


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """The block's writes as one unit: committed when it ends; rolled back when a rule refuses them (the
    DomainError goes on to the caller, with nothing of the block stored)."""
    try:
        yield session
    except DomainError:
        session.rollback()
        raise
    session.commit()
