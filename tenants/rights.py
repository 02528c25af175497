"""What each role may do beyond reading: rights named once, so a page, an API route and a service ask the same
question. Owners and admins change settings; members may still do the floor's own work (tagging why a machine
stopped, entering the shift's counts) without write access to the company's settings."""
from __future__ import annotations

from tenants.errors import N_, Forbidden
from tenants.models import Membership

RIGHTS: dict[str, tuple[str, ...]] = {
    "manage": ("owner", "admin"),  # settings, devices, reason lists, channels, display links
    "tag_stops": ("owner", "admin", "member"),
    "enter_counts": ("owner", "admin", "member"),
}


def roles_with(right: str) -> tuple[str, ...]:
    """The roles that have a right (KeyError for a right nobody declared)."""
    return RIGHTS[right]


def has_right(membership: Membership | None, right: str) -> bool:
    """Whether this membership's role has the right."""
    return membership is not None and membership.role in RIGHTS[right]


def require_right(membership: Membership | None, right: str) -> None:
    """Raise Forbidden unless the membership's role has the right."""
    if not has_right(membership, right):
        raise Forbidden(N_("Your role does not allow this."))
