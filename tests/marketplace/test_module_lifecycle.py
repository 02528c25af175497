"""A module's life: draft → in review → published or rejected → suspended; reviewed edits of a
published module wait while the approved version stays live."""
import copy

import pytest

from marketplace import modules
from tenants import accounts
from tenants.errors import Conflict, DomainError, Forbidden, NotFound
from tests.marketplace.test_manifest import GOOD


@pytest.fixture
def people(db):
    with db.session() as session:
        partner_user = accounts.create_user(session, email="dev@partner.test", password="a-long-password-1")
        admin = accounts.create_user(session, email="ops@platform.test", password="a-long-password-2")
        admin.is_platform_admin = True
        session.flush()
        return partner_user.id, admin.id


def _setup(session, people):
    from tenants.models import User

    partner_user, admin = (session.get(User, i) for i in people)
    partner = modules.create_partner(session, name="Lean Watts GmbH", contact_email="hi@leanwatts.test",
                                     owner=partner_user)
    return partner_user, admin, partner


def test_draft_review_publish_and_suspend(db, people):
    with db.session() as session:
        partner_user, admin, partner = _setup(session, people)
        assert partner.slug == "lean-watts-gmbh"
        module = modules.create_module(session, partner, GOOD)
        assert module.status == "draft" and modules.live_manifest(module) is None
        with pytest.raises(Forbidden):
            modules.approve(modules.submit_for_review(module), partner_user)
        modules.reject(module, admin, "Say what the report contains.")
        assert module.status == "rejected" and module.review_note == "Say what the report contains."
        modules.approve(modules.submit_for_review(module), admin)
        assert module.status == "published" and modules.live_manifest(module).name == "Idle Waste Report"
        with pytest.raises(DomainError, match="reason"):
            modules.suspend(module, admin, " ")
        modules.suspend(module, admin, "Webhook endpoint serves malware.")
        with pytest.raises(Conflict):
            modules.edit_module(session, module, GOOD)
        modules.reinstate(module, admin)
        assert module.status == "published"


def test_published_edits_wait_for_review_only_for_scopes_and_prices(db, people):
    with db.session() as session:
        _partner_user, admin, partner = _setup(session, people)
        module = modules.approve(modules.submit_for_review(modules.create_module(session, partner, GOOD)), admin)
        modules.edit_module(session, module, {**GOOD, "summary": "Now with charts."})
        assert module.live_manifest["summary"] == "Now with charts.", "a description edit goes live at once"
        with pytest.raises(Conflict, match="nothing to review"):
            modules.submit_for_review(module)
        dearer = copy.deepcopy(GOOD)
        dearer["pricing"]["prices"]["EUR"] = 9
        dearer["scopes"] = GOOD["scopes"] + ["usage:write"]
        modules.edit_module(session, module, dearer)
        assert module.live_manifest["pricing"]["prices"]["EUR"] == 5, "prices wait for review"
        modules.submit_for_review(module)
        assert module.review_pending and module.status == "published"
        modules.reject(module, admin, "Explain the new usage scope.")
        assert not module.review_pending and module.live_manifest["pricing"]["prices"]["EUR"] == 5
        modules.approve(modules.submit_for_review(module), admin)
        assert module.live_manifest["pricing"]["prices"]["EUR"] == 9
        assert module.scopes_version == 2, "new scopes: installed tenants must consent again"


def test_slugs_are_unique_and_fixed(db, people):
    with db.session() as session:
        _partner_user, _admin, partner = _setup(session, people)
        module = modules.create_module(session, partner, GOOD)
        with pytest.raises(Conflict, match="taken"):
            modules.create_module(session, partner, GOOD)
        with pytest.raises(DomainError, match="cannot change"):
            modules.edit_module(session, module, {**GOOD, "slug": "other-report"})


def test_only_members_see_their_partner(db, people):
    with db.session() as session:
        partner_user, admin, partner = _setup(session, people)
        assert modules.partner_for_member(session, partner.id, partner_user) is partner
        with pytest.raises(NotFound):
            modules.partner_for_member(session, partner.id, admin)
