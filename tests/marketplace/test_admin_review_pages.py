"""The module review pages: platform admins only (everyone else gets 404), the queue with modules
waiting for review first, what a published module's edit changes, and approve / reject / suspend /
reinstate through real forms."""
from __future__ import annotations

import copy

import pytest

from marketplace import modules
from marketplace.models import Module
from tenants import accounts
from tenants.models import User
from tests.conftest import PASSWORD, post_form
from tests.marketplace import test_partner_pages as partner_pages
from tests.marketplace.test_manifest import GOOD

make_admin, stored = partner_pages.make_admin, partner_pages.stored  # the fixtures, shared


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def partner_modules(db, owner):
    """A partner owned by `owner` with modules in every state: {name: module id}."""
    def make(session, partner, slug: str, **changes) -> Module:
        return modules.create_module(session, partner, {**copy.deepcopy(GOOD), "slug": slug, **changes})

    with db.session() as session:
        admin = accounts.create_user(session, email="reviewer@platform.test", password=PASSWORD)
        admin.is_platform_admin = True
        partner = modules.create_partner(session, name="Lean Watts GmbH", contact_email="hi@leanwatts.test",
                                         owner=session.get(User, owner.user_id))
        found = {"draft": make(session, partner, "draft-one", name="Draft One")}
        found["in_review"] = modules.submit_for_review(make(session, partner, "review-one", name="Review One"))
        published = modules.approve(modules.submit_for_review(make(session, partner, "live-one", name="Live One")),
                                    admin)
        found["published"] = published
        edited = modules.approve(modules.submit_for_review(make(session, partner, "edited-one", name="Edited One")),
                                 admin)
        dearer = {**copy.deepcopy(GOOD), "slug": "edited-one", "name": "Edited One",
                  "scopes": ["devices:read", "readings:read", "usage:write"]}
        dearer["pricing"]["prices"] = {"EUR": 9, "CNY": 40}
        modules.submit_for_review(modules.edit_module(session, edited, dearer))
        found["pending_edit"] = edited
        session.flush()
        return {name: module.id for name, module in found.items()}


@pytest.fixture
def admin_client(make_admin, client_as):
    make_admin()
    return client_as("ops@platform.test")


def _admin_routes(app) -> list[tuple[str, set]]:
    return [(rule.rule, rule.methods - {"HEAD", "OPTIONS"}) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("admin_modules.")]


def test_non_admins_get_404_everywhere(app, client, owner_client, partner_modules, stored):
    module_id = partner_modules["in_review"]
    routes = _admin_routes(app)
    assert len(routes) == 6
    before = stored(Module, module_id)
    for rule, methods in routes:
        path = rule.replace("<int:module_id>", str(module_id))
        for method in methods:
            if method == "GET":
                assert client.get(path).status_code == 404, path
                assert owner_client.get(path).status_code == 404, path
            else:
                response = post_form(owner_client, path, {"reason": "because"})
                assert response.status_code == 404, (path, response.status_code)
    assert stored(Module, module_id) == before


def test_queue_lists_waiting_modules_first(admin_client, partner_modules):
    page = _html(admin_client.get("/admin/modules/"))
    order = [page.index(name) for name in ("Review One", "Edited One", "Live One", "Draft One")]
    assert order[:2] == sorted(order[:2]) and max(order[:2]) < min(order[2:]), "waiting ones come first"
    assert "2 modules wait for review." in page and "Edit waiting for review" in page
    waiting = _html(admin_client.get("/admin/modules/?status=waiting"))
    assert "Review One" in waiting and "Edited One" in waiting and "Live One" not in waiting
    drafts = _html(admin_client.get("/admin/modules/?status=draft"))
    assert "Draft One" in drafts and "Review One" not in drafts
    assert admin_client.get("/admin/modules/?status=bogus").status_code == 400
    assert admin_client.get(f"/admin/modules/{partner_modules['draft'] + 1000}").status_code == 404


def test_module_page_shows_the_manifest(admin_client, partner_modules):
    page = _html(admin_client.get(f"/admin/modules/{partner_modules['in_review']}"))
    assert "Lean Watts GmbH" in page and "https://p.example/hooks" in page and "idle-report" not in page
    assert "<strong>which machine</strong>" in page, "the description is rendered Markdown"
    assert "See the machines you choose" in page and "EUR 0.05" in page and "CNY 0.40" in page
    assert "Approve and publish" in page and "Send back" in page and "Suspend" not in page


def test_pending_edit_shows_what_changes_in_scopes_and_price(admin_client, partner_modules, stored):
    module_id = partner_modules["pending_edit"]
    page = _html(admin_client.get(f"/admin/modules/{module_id}"))
    changes = page[page.index('id="changes"'):page.index('id="manifest"')]
    assert "usage:write" in changes and "change-added" in changes
    assert "insights:write" in changes and "change-removed" in changes
    assert "EUR 0.05" in changes and "EUR 0.09" in changes
    assert post_form(admin_client, f"/admin/modules/{module_id}/approve").status_code == 302
    row = stored(Module, module_id)
    assert row["live_manifest"]["pricing"]["prices"]["EUR"] == 9 and row["scopes_version"] == 2
    assert 'id="changes"' not in _html(admin_client.get(f"/admin/modules/{module_id}"))


def test_approve_publishes(admin_client, partner_modules, stored):
    module_id = partner_modules["in_review"]
    response = post_form(admin_client, f"/admin/modules/{module_id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/modules/{module_id}")
    assert stored(Module, module_id)["status"] == "published"
    assert "The module was approved." in _html(admin_client.get(f"/admin/modules/{module_id}"))


def test_approving_a_draft_is_a_flashed_conflict(admin_client, partner_modules, stored):
    module_id = partner_modules["draft"]
    response = post_form(admin_client, f"/admin/modules/{module_id}/approve")
    assert response.status_code == 302
    assert "Only a module waiting for review can be approved." in _html(admin_client.get(response.headers["Location"]))
    assert stored(Module, module_id)["status"] == "draft"


def test_reject_needs_a_reason(admin_client, owner_client, partner_modules, stored):
    module_id = partner_modules["in_review"]
    response = post_form(admin_client, f"/admin/modules/{module_id}/reject", {"reason": "  "})
    assert response.status_code == 422 and "Give a reason" in _html(response)
    assert stored(Module, module_id)["status"] == "in_review"
    response = post_form(admin_client, f"/admin/modules/{module_id}/reject", {"reason": "Say what the report holds."})
    assert response.status_code == 302
    row = stored(Module, module_id)
    assert row["status"] == "rejected" and row["review_note"] == "Say what the report holds."
    partner_page = _html(owner_client.get(f"/partners/{row['partner_id']}/"))
    assert "Say what the report holds." in partner_page and "Rejected" in partner_page


def test_suspend_with_reason_and_reinstate(admin_client, partner_modules, stored):
    module_id = partner_modules["published"]
    page = _html(admin_client.get(f"/admin/modules/{module_id}"))
    assert 'data-confirm="Suspend Live One?' in page, "suspending asks for confirmation"
    assert post_form(admin_client, f"/admin/modules/{module_id}/suspend", {"reason": ""}).status_code == 422
    assert stored(Module, module_id)["status"] == "published"
    response = post_form(admin_client, f"/admin/modules/{module_id}/suspend", {"reason": "Serves malware."})
    assert response.status_code == 302
    assert stored(Module, module_id)["status"] == "suspended"
    assert "Reinstate" in _html(admin_client.get(f"/admin/modules/{module_id}"))
    again = post_form(admin_client, f"/admin/modules/{module_id}/suspend", {"reason": "Again."})
    assert "Only a published module can be suspended." in _html(admin_client.get(again.headers["Location"]))
    assert post_form(admin_client, f"/admin/modules/{module_id}/reinstate").status_code == 302
    assert stored(Module, module_id)["status"] == "published" and stored(Module, module_id)["review_note"] == ""


def test_forms_need_the_csrf_token(admin_client, partner_modules, stored):
    module_id = partner_modules["in_review"]
    assert admin_client.post(f"/admin/modules/{module_id}/approve").status_code == 400
    assert admin_client.post(f"/admin/modules/{module_id}/reject", data={"reason": "x"}).status_code == 400
    assert stored(Module, module_id)["status"] == "in_review"
