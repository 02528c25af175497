"""Partners and the life of a module: draft → in review → published or rejected (with a reason)
→ suspended. A published module's edits that touch its scopes or prices wait for review while the
approved version stays live; other edits go live at once."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.manifest import Manifest, parse_manifest
from marketplace.models import Module, Partner, PartnerMember
from tenants.accounts import require_platform_admin
from tenants.clock import utcnow
from tenants.errors import N_, Conflict, DomainError, NotFound
from tenants.models import User
from tenants.validation import clean_email, clean_name, unique_slug

REVIEWED_FIELDS = ("scopes", "events", "pricing")
# what a company consents to when it installs: a change asks every installation to consent again
CONSENTED_FIELDS = REVIEWED_FIELDS


def create_partner(session: Session, *, name: str, contact_email: str, owner: User) -> Partner:
    """A partner organisation with `owner` as its first member."""
    partner = Partner(name=clean_name(name, "partner name"), contact_email=clean_email(contact_email),
                      slug=_unique_partner_slug(session, name))
    session.add(partner)
    session.flush()
    session.add(PartnerMember(partner_id=partner.id, user_id=owner.id, role="owner"))
    return partner


def partner_for_member(session: Session, partner_id: int, user: User) -> Partner:
    """The partner if `user` belongs to it; NotFound otherwise (never says it exists)."""
    member = session.scalar(select(PartnerMember).where(PartnerMember.partner_id == partner_id,
                                                        PartnerMember.user_id == user.id))
    partner = session.get(Partner, partner_id) if member is not None else None
    if partner is None:
        raise NotFound()
    return partner


def create_module(session: Session, partner: Partner, data: object) -> Module:
    """A new draft module from a manifest; its slug is taken for good."""
    manifest = parse_manifest(data)
    if session.scalar(select(Module.id).where(Module.slug == manifest.slug)) is not None:
        raise Conflict(N_("The slug %(slug)s is taken; choose another."), slug=manifest.slug)
    module = Module(partner_id=partner.id, slug=manifest.slug, status="draft", draft_manifest=manifest.as_json())
    session.add(module)
    session.flush()
    return module


def edit_module(session: Session, module: Module, data: object) -> Module:
    """Replace the module's working manifest. On a published module, edits that leave scopes and
    prices alone go live at once; the others wait for `submit_for_review`."""
    manifest = parse_manifest(data)
    if manifest.slug != module.slug:
        raise DomainError(N_("A module's slug cannot change (it is %(slug)s)."), slug=module.slug)
    if module.status == "suspended":
        raise Conflict(N_("A suspended module cannot be edited; contact the platform."))
    if module.status == "in_review" or module.review_pending:
        raise Conflict(N_("The module waits for review: it can be edited again once it is reviewed."))
    module.draft_manifest = manifest.as_json()
    module.updated_at = utcnow()
    if module.status in ("published",) and not needs_review(module):
        module.live_manifest = module.draft_manifest
        module.review_pending = False
    return module


def needs_review(module: Module) -> bool:
    """Whether the working manifest changes what only a review may change (scopes, events, prices)."""
    live = module.live_manifest
    return live is None or any(live.get(f) != module.draft_manifest.get(f) for f in REVIEWED_FIELDS)


def submit_for_review(module: Module) -> Module:
    """Ask the platform to review the module (a new one, or a published one's reviewed changes)."""
    if module.status in ("draft", "rejected"):
        module.status = "in_review"
    elif module.status == "published" and needs_review(module):
        module.review_pending = True
    else:
        raise Conflict(N_("There is nothing to review: the module is %(status)s."), status=module.status)
    module.review_note = ""
    return module


def approve(module: Module, admin: User) -> Module:
    """Publish the reviewed manifest (platform admins only)."""
    require_platform_admin(admin)
    if module.status != "in_review" and not (module.status == "published" and module.review_pending):
        raise Conflict(N_("Only a module waiting for review can be approved."))
    live = module.live_manifest
    if live is not None and any(live.get(f) != module.draft_manifest.get(f) for f in CONSENTED_FIELDS):
        module.scopes_version += 1  # companies consented to other scopes, events or prices: they must again
    module.live_manifest = module.draft_manifest
    module.status, module.review_pending, module.review_note = "published", False, ""
    _reviewed(module, admin)
    return module


def reject(module: Module, admin: User, reason: str) -> Module:
    """Send the module back with a reason; a published module keeps its live version."""
    require_platform_admin(admin)
    reason = clean_name(reason, "reason", 2000)
    if module.status == "in_review":
        module.status = "rejected"
    elif not (module.status == "published" and module.review_pending):
        raise Conflict(N_("Only a module waiting for review can be rejected."))
    module.review_pending, module.review_note = False, reason
    _reviewed(module, admin)
    return module


def suspend(module: Module, admin: User, reason: str) -> Module:
    """Take a published module off the marketplace (platform admins only)."""
    require_platform_admin(admin)
    if module.status != "published":
        raise Conflict(N_("Only a published module can be suspended."))
    module.status, module.review_note = "suspended", clean_name(reason, "reason", 2000)
    _reviewed(module, admin)
    return module


def reinstate(module: Module, admin: User) -> Module:
    """Put a suspended module back on the marketplace as it was."""
    require_platform_admin(admin)
    if module.status != "suspended":
        raise Conflict(N_("Only a suspended module can be reinstated."))
    module.status, module.review_note = "published", ""
    _reviewed(module, admin)
    return module


def live_manifest(module: Module) -> Manifest | None:
    """What tenants see of the module, or None before its first approval."""
    return parse_manifest(module.live_manifest) if module.live_manifest is not None else None


def _reviewed(module: Module, admin: User) -> None:
    module.reviewed_by_id, module.reviewed_at = admin.id, utcnow()
    module.updated_at = module.reviewed_at


def _unique_partner_slug(session: Session, name: str) -> str:
    return unique_slug(name, lambda slug: session.scalar(select(Partner.id).where(Partner.slug == slug)) is not None,
                       "partner")
