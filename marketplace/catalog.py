"""The marketplace catalogue tenants browse: published modules, searched and filtered by category.

Search runs in Python over the live manifests of the published modules (fetched ordered by name):
a marketplace holds a few hundred modules, so one query plus a scan is cheap and works the same on
SQLite and PostgreSQL (the manifests are JSON). Should the catalogue grow to thousands, move the
name/summary/description into indexed columns and filter in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.manifest import CATEGORIES, Manifest
from marketplace.models import Module, Partner
from marketplace.modules import live_manifest
from tenants.errors import N_, DomainError

PER_PAGE = 24
MAX_QUERY = 100


@dataclass(frozen=True)
class CatalogEntry:
    """A published module as the catalogue shows it."""

    module: Module
    manifest: Manifest
    partner_name: str


@dataclass(frozen=True)
class CatalogPage:
    """One page of the catalogue: `pages` is at least 1, `total` counts every match."""

    modules: list[CatalogEntry]
    page: int
    pages: int
    total: int


def browse(session: Session, query: str | None = None, category: str | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> CatalogPage:
    """Published modules by name whose name, summary or description contains every word of `query`
    (case-insensitive), of `category` when given; page `page` of `per_page`."""
    if category and category not in CATEGORIES:
        raise DomainError(N_("Unknown category %(category)s."), category=category[:40])
    if page < 1 or per_page < 1:
        raise DomainError(N_("The page must be a positive number."))
    words = (query or "").casefold().split()[:20] if len((query or "").strip()) <= MAX_QUERY else None
    if words is None:
        raise DomainError(N_("The search is too long (at most %(n)s characters)."), n=MAX_QUERY)
    matches = [entry for entry in _published(session)
               if (not category or category in entry.manifest.categories) and _matches(entry.manifest, words)]
    matches.sort(key=lambda entry: (entry.manifest.name.casefold(), entry.module.id))
    total = len(matches)
    start = (page - 1) * per_page
    return CatalogPage(matches[start:start + per_page], page, max((total + per_page - 1) // per_page, 1), total)


def _published(session: Session) -> list[CatalogEntry]:
    rows = session.execute(select(Module, Partner.name).join(Partner, Partner.id == Module.partner_id)
                           .where(Module.status == "published", Module.live_manifest.is_not(None))
                           .order_by(Module.slug))
    entries = []
    for module, partner_name in rows:
        try:
            manifest = live_manifest(module)
        except DomainError:  # a manifest stored under older rules: left out rather than breaking the page
            continue
        if manifest is not None:
            entries.append(CatalogEntry(module, manifest, partner_name))
    return entries


def _matches(manifest: Manifest, words: list[str]) -> bool:
    if not words:
        return True
    text = " ".join((manifest.name, manifest.summary, manifest.description)).casefold()
    return all(word in text for word in words)
