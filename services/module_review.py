"""Use cases of the platform operators' module review: the review queue, a module with what its pending edit
changes, and the decisions (approve, reject, suspend, reinstate), each checked against the acting admin by
the domain (marketplace.modules) and committed here."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import modules, portal
from marketplace.models import Module, Partner
from services.work import committing
from tenants.errors import NotFound
from tenants.models import User


@dataclass(frozen=True)
class ReviewQueue:
    """A page of (Module, Partner) rows, those waiting for review first, and how many wait in all."""

    found: portal.Page
    waiting: int


@dataclass(frozen=True)
class ModuleReview:
    """A module under review: its partner and, for a published module with a pending edit, what it changes."""

    module: Module
    partner: Partner | None
    changes: portal.ReviewChanges | None


def review_queue(session: Session, page: int, status: str | None) -> ReviewQueue:
    """Modules waiting for review first, then the others (optionally of one status: portal.REVIEW_FILTERS)."""
    return ReviewQueue(portal.review_queue(session, page, status), portal.waiting_count(session))


def _module(session: Session, module_id: int) -> Module:
    module = session.scalar(select(Module).where(Module.id == module_id))
    if module is None:
        raise NotFound()
    return module


def module_review(session: Session, module_id: int) -> ModuleReview:
    """A module's working manifest with its partner and what a pending edit changes (NotFound for none)."""
    module = _module(session, module_id)
    return ModuleReview(module, session.get(Partner, module.partner_id),
                        portal.review_changes(module) if module.review_pending else None)


def _decide(session: Session, module_id: int, decision: Callable[[Module], Module]) -> Module:
    """Apply a decision to a module (NotFound for none) and commit it; a refused decision changes nothing."""
    module = _module(session, module_id)
    with committing(session):
        decision(module)
    return module


def approve(session: Session, admin: User, module_id: int) -> Module:
    """Publish the module's reviewed manifest."""
    return _decide(session, module_id, lambda module: modules.approve(module, admin))


def reject(session: Session, admin: User, module_id: int, reason: str) -> Module:
    """Send the module back to the partner with a reason (a published module keeps its live version)."""
    return _decide(session, module_id, lambda module: modules.reject(module, admin, reason))


def suspend(session: Session, admin: User, module_id: int, reason: str) -> Module:
    """Take a published module off the marketplace, with a reason."""
    return _decide(session, module_id, lambda module: modules.suspend(module, admin, reason))


def reinstate(session: Session, admin: User, module_id: int) -> Module:
    """Put a suspended module back on the marketplace as it was."""
    return _decide(session, module_id, lambda module: modules.reinstate(module, admin))
