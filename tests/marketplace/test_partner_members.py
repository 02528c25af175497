"""The members of a partner organisation through real forms (CSRF included): owners add people who
already have an account, change roles and remove members; members may only leave; the last owner stays;
bad input stores nothing; nobody outside the partner reaches any of its member routes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace import modules, partner_members
from marketplace.models import Partner, PartnerMember
from tenants import accounts
from tenants.clock import utcnow
from tenants.errors import Conflict, DomainError, Forbidden, NotFound
from tenants.models import User
from tests.conftest import PASSWORD, post_form


def _html(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


@pytest.fixture
def make_user(db):
    """A verified user without a company: make_user(email) -> user id."""
    def make(email: str) -> int:
        with db.session() as session:
            user = accounts.create_user(session, email=email, password=PASSWORD)
            user.verified_at = utcnow()
            session.flush()
            return user.id
    return make


@pytest.fixture
def partner_id(db, owner) -> int:
    """A partner organisation 'Lean Watts GmbH' owned by `owner` (made through the domain)."""
    with db.session() as session:
        partner = modules.create_partner(session, name="Lean Watts GmbH", contact_email="hi@leanwatts.test",
                                         owner=session.get(User, owner.user_id))
        session.flush()
        return partner.id


@pytest.fixture
def roster(db):
    """The partner's members as {email: (member id, role)}."""
    def read(partner: int) -> dict[str, tuple[int, str]]:
        with db.session() as session:
            rows = session.execute(select(User.email, PartnerMember.id, PartnerMember.role)
                                   .join(User, User.id == PartnerMember.user_id)
                                   .where(PartnerMember.partner_id == partner))
            return {email: (member_id, role) for email, member_id, role in rows}
    return read


def _add(client, partner: int, email: str, role: str = "member"):
    return post_form(client, f"/partners/{partner}/members", {"email": email, "role": role})


@pytest.fixture
def teammate(owner_client, partner_id, make_user, client_as, roster):
    """dev@leanwatts.test, added as a member by the owner through the form: (client, member id)."""
    make_user("dev@leanwatts.test")
    assert _add(owner_client, partner_id, "dev@leanwatts.test").status_code == 302
    return client_as("dev@leanwatts.test"), roster(partner_id)["dev@leanwatts.test"][0]


# Listing and adding

def test_the_portal_links_to_the_members_page_which_lists_roles(owner_client, partner_id, owner):
    portal = _html(owner_client.get(f"/partners/{partner_id}/"))
    assert f'href="/partners/{partner_id}/members"' in portal and "Revenue statements and payouts" in portal
    page = _html(owner_client.get(f"/partners/{partner_id}/members"))
    assert owner.email in page and "Owner" in page and "Add a member" in page
    assert "The only owner" in page and "/remove" not in page, "the last owner is offered no way to leave"


def test_owner_adds_an_existing_user_who_then_sees_the_portal(owner_client, partner_id, make_user, client_as,
                                                              roster):
    make_user("dev@leanwatts.test")
    response = _add(owner_client, partner_id, "  Dev@LeanWatts.test ")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/partners/{partner_id}/members")
    assert roster(partner_id)["dev@leanwatts.test"][1] == "member"
    page = _html(owner_client.get(response.headers["Location"]))
    assert "dev@leanwatts.test was added to Lean Watts GmbH." in page

    dev = client_as("dev@leanwatts.test")
    assert dev.get(f"/partners/{partner_id}/").status_code == 200
    assert "Lean Watts GmbH" in _html(dev.get("/partners/"))
    members = _html(dev.get(f"/partners/{partner_id}/members"))
    assert "dev@leanwatts.test" in members and "Add a member" not in members and "Set role" not in members
    assert "Leave" in members


def test_owner_can_add_another_owner(owner_client, partner_id, make_user, roster):
    make_user("cto@leanwatts.test")
    assert _add(owner_client, partner_id, "cto@leanwatts.test", "owner").status_code == 302
    assert roster(partner_id)["cto@leanwatts.test"][1] == "owner"


def test_an_unknown_email_is_refused_with_the_reason_and_nothing_stored(owner_client, partner_id, roster):
    response = _add(owner_client, partner_id, "nobody@leanwatts.test")
    assert response.status_code == 422
    assert ("There is no account for nobody@leanwatts.test yet: ask them to sign up first, then add them."
            in _html(response))
    assert list(roster(partner_id)) == ["owner@acme.test"]


@pytest.mark.parametrize("data, reason", [
    ({"email": "not-an-address", "role": "member"}, "Enter a valid email address."),
    ({"email": "", "role": "member"}, "This field is required."),
    ({"email": "dev@leanwatts.test", "role": "admin"}, "Not a valid choice"),
])
def test_bad_input_is_refused_and_nothing_stored(owner_client, partner_id, make_user, roster, data, reason):
    make_user("dev@leanwatts.test")
    response = post_form(owner_client, f"/partners/{partner_id}/members", data)
    assert response.status_code == 422 and reason in _html(response)
    assert list(roster(partner_id)) == ["owner@acme.test"]


def test_a_duplicate_is_refused_with_the_reason(owner_client, partner_id, teammate, roster):
    before = roster(partner_id)
    response = _add(owner_client, partner_id, "dev@leanwatts.test", "owner")
    assert response.status_code == 409
    assert "dev@leanwatts.test is already a member of Lean Watts GmbH." in _html(response)
    assert roster(partner_id) == before


def test_adding_needs_the_csrf_token(owner_client, partner_id, make_user, roster):
    make_user("dev@leanwatts.test")
    response = owner_client.post(f"/partners/{partner_id}/members", data={"email": "dev@leanwatts.test",
                                                                          "role": "member"})
    assert response.status_code in (400, 422)
    assert list(roster(partner_id)) == ["owner@acme.test"]


# What a member may do

def test_a_member_cannot_add_remove_or_change_roles(partner_id, teammate, make_user, owner, roster):
    dev, _dev_id = teammate
    make_user("friend@leanwatts.test")
    owner_id = roster(partner_id)[owner.email][0]
    before = roster(partner_id)
    assert _add(dev, partner_id, "friend@leanwatts.test").status_code == 403
    assert post_form(dev, f"/partners/{partner_id}/members/{owner_id}/remove").status_code == 403
    response = post_form(dev, f"/partners/{partner_id}/members/{owner_id}/role", {"role": "member"})
    assert response.status_code == 403 and "Only the partner's owners can manage its members." in _html(response)
    assert roster(partner_id) == before


def test_a_member_can_leave(partner_id, teammate, roster):
    dev, dev_id = teammate
    response = post_form(dev, f"/partners/{partner_id}/members/{dev_id}/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("/partners/")
    assert "You left Lean Watts GmbH." in _html(dev.get(response.headers["Location"]))
    assert "dev@leanwatts.test" not in roster(partner_id)
    assert dev.get(f"/partners/{partner_id}/").status_code == 404
    assert dev.get(f"/partners/{partner_id}/members").status_code == 404


def test_removing_needs_the_csrf_token(partner_id, teammate, roster):
    dev, dev_id = teammate
    assert dev.post(f"/partners/{partner_id}/members/{dev_id}/remove").status_code == 400
    assert "dev@leanwatts.test" in roster(partner_id)


# What an owner may do

def test_owner_promotes_demotes_and_removes(owner_client, partner_id, teammate, roster):
    _dev, dev_id = teammate
    base = f"/partners/{partner_id}/members/{dev_id}"
    promoted = post_form(owner_client, f"{base}/role", {"role": "owner"})
    assert promoted.status_code == 302 and roster(partner_id)["dev@leanwatts.test"][1] == "owner"
    assert "dev@leanwatts.test is now an owner." in _html(owner_client.get(promoted.headers["Location"]))
    assert post_form(owner_client, f"{base}/role", {"role": "member"}).status_code == 302
    assert roster(partner_id)["dev@leanwatts.test"][1] == "member"
    assert post_form(owner_client, f"{base}/role", {"role": "admin"}).status_code == 422
    removed = post_form(owner_client, f"{base}/remove")
    assert removed.status_code == 302 and removed.headers["Location"].endswith(f"/partners/{partner_id}/members")
    after = _html(owner_client.get(removed.headers["Location"]))
    assert "dev@leanwatts.test was removed from Lean Watts GmbH." in after
    assert "dev@leanwatts.test" not in roster(partner_id)


def test_the_last_owner_can_neither_be_removed_nor_demoted(owner_client, owner, partner_id, teammate, roster):
    owner_id = roster(partner_id)[owner.email][0]
    before = roster(partner_id)
    left = post_form(owner_client, f"/partners/{partner_id}/members/{owner_id}/remove")
    assert left.status_code == 409
    assert "You are the only owner of Lean Watts GmbH: make someone else an owner before you leave." in _html(left)
    demoted = post_form(owner_client, f"/partners/{partner_id}/members/{owner_id}/role", {"role": "member"})
    assert demoted.status_code == 409
    assert "Lean Watts GmbH needs at least one owner: make someone else an owner first." in _html(demoted)
    assert roster(partner_id) == before


def test_an_owner_may_leave_once_there_is_another_owner(owner_client, owner, partner_id, teammate, roster):
    dev, dev_id = teammate
    owner_id = roster(partner_id)[owner.email][0]
    promoted = post_form(owner_client, f"/partners/{partner_id}/members/{dev_id}/role", {"role": "owner"})
    assert promoted.status_code == 302
    response = post_form(owner_client, f"/partners/{partner_id}/members/{owner_id}/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("/partners/")
    assert roster(partner_id) == {"dev@leanwatts.test": (dev_id, "owner")}
    # the new last owner cannot remove themselves
    assert post_form(dev, f"/partners/{partner_id}/members/{dev_id}/remove").status_code == 409


# Nobody else's partner

def _member_routes(app) -> list[tuple[str, set]]:
    return [(rule.rule, rule.methods - {"HEAD", "OPTIONS"}) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("partner_members.")]


def _path(rule: str, **values) -> str:
    for arg, value in values.items():
        rule = rule.replace(f"<int:{arg}>", str(value))
    return rule


def test_another_partners_member_gets_404_on_every_route(app, db, owner, partner_id, teammate, make_user,
                                                         client_as, roster):
    _dev, dev_id = teammate
    make_user("rival@rival.test")
    with db.session() as session:  # a member of another partner organisation
        rival = modules.create_partner(session, name="Rival Labs", contact_email="hi@rival.test",
                                       owner=accounts.find_user(session, "rival@rival.test"))
        session.flush()
        rival_id = rival.id
    outsider = client_as("rival@rival.test")
    routes = _member_routes(app)
    assert len(routes) == 4
    before = roster(partner_id)
    for rule, methods in routes:
        for method in methods:
            # their partner; and the partner's member id under the outsider's own partner
            for partner in (partner_id, rival_id) if "member_id" in rule else (partner_id,):
                path = _path(rule, partner_id=partner, member_id=dev_id)
                data = {"email": "rival@rival.test", "role": "owner",
                        "csrf_token": _csrf(outsider)} if method == "POST" else None
                response = outsider.open(path, method=method, data=data)
                assert response.status_code == 404, (method, path, response.status_code)
    assert roster(partner_id) == before
    assert list(roster(rival_id)) == ["rival@rival.test"]


def test_pages_need_a_login(client, partner_id):
    response = client.get(f"/partners/{partner_id}/members")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _csrf(client) -> str:
    page = _html(client.get("/partners/"))
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_what_members_write_is_escaped(owner_client, db, partner_id, make_user):
    user_id = make_user("dev@leanwatts.test")
    with db.session() as session:
        session.get(User, user_id).name = "<script>alert(1)</script>"
        session.get(Partner, partner_id).name = "<b>Evil</b> Labs"
    assert _add(owner_client, partner_id, "dev@leanwatts.test").status_code == 302
    page = owner_client.get(f"/partners/{partner_id}/members").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>Evil</b>" not in page


# The domain directly

def test_the_domain_rules(db, owner, partner_id, make_user):
    dev_id, stranger_id = make_user("dev@leanwatts.test"), make_user("stranger@else.test")
    with db.session() as session:
        partner, me = session.get(Partner, partner_id), session.get(User, owner.user_id)
        dev, stranger = session.get(User, dev_id), session.get(User, stranger_id)
        member = partner_members.add_member(session, partner, me, "dev@leanwatts.test", "member")
        with pytest.raises(DomainError, match="Choose the role owner or member."):
            partner_members.add_member(session, partner, me, "stranger@else.test", "admin")
        with pytest.raises(Forbidden):
            partner_members.add_member(session, partner, dev, "stranger@else.test", "member")
        with pytest.raises(NotFound):
            partner_members.add_member(session, partner, stranger, "stranger@else.test", "member")
        with pytest.raises(Forbidden):
            partner_members.change_role(session, partner, dev, member.id, "owner")
        with pytest.raises(NotFound):
            partner_members.remove_member(session, partner, me, member.id + 1000)
        owner_member = partner_members.membership(session, partner, me)
        with pytest.raises(Conflict):
            partner_members.change_role(session, partner, me, owner_member.id, "member")
        assert [u.email for _m, u in partner_members.members(session, partner)] == ["dev@leanwatts.test",
                                                                                   "owner@acme.test"]
        assert partner_members.owner_count(session, partner) == 1
