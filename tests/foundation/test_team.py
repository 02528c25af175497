"""Team: invitations by mail (new and existing users), roles owner/admin/member, removal, ownership
transfer, and the company settings page."""
import pytest

from tests.conftest import PASSWORD, login, post_form

NEWCOMER = "nina@newcomer.test"
SETTINGS = {"company": "Acme Metall", "country": "DE", "timezone": "Europe/Berlin", "currency": "EUR"}


def invite(client, email: str, role: str = "member"):
    return post_form(client, "/team/invite", {"email": email, "role": role})


def invitation_link(owner_client, mailbox, email: str, role: str = "member") -> str:
    response = invite(owner_client, email, role)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return mailbox.last_link(email, "/invite/")


def role_of(sql, tenant_id: int, email: str) -> str | None:
    rows = sql("SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id "
               "WHERE m.tenant_id = :t AND u.email = :e", t=tenant_id, e=email)
    return rows[0].role if rows else None


def membership_id(sql, tenant_id: int, email: str) -> int:
    return sql("SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id "
               "WHERE m.tenant_id = :t AND u.email = :e", t=tenant_id, e=email)[0].id


def tenant_row(sql, tenant_id: int):
    return sql("SELECT name, country, timezone, currency FROM tenants WHERE id = :t", t=tenant_id)[0]


@pytest.fixture
def member_client(owner, make_member, client_as):
    make_member(owner, "max@acme.test", "member")
    return client_as("max@acme.test")


@pytest.fixture
def admin_client(owner, make_member, client_as):
    make_member(owner, "ada@acme.test", "admin")
    return client_as("ada@acme.test")


# Invitations

def test_invitation_is_mailed_and_listed_as_pending(owner_client, mailbox):
    response = invite(owner_client, NEWCOMER, "admin")

    assert response.status_code == 302
    mail = mailbox.to(NEWCOMER)[-1]
    assert "Acme Metall" in mail["Subject"]
    assert "admin" in mail.get_body(("plain",)).get_content()
    assert mailbox.last_link(NEWCOMER, "/invite/").startswith("/invite/")
    team_page = owner_client.get("/team")
    assert team_page.status_code == 200 and NEWCOMER in team_page.get_data(as_text=True)


def test_new_user_accepts_by_choosing_a_password(app, owner, owner_client, mailbox, sql):
    link = invitation_link(owner_client, mailbox, NEWCOMER)
    newcomer = app.test_client()
    page = newcomer.get(link).get_data(as_text=True)
    assert "Join Acme Metall" in page and 'name="password"' in page

    response = post_form(newcomer, link, {"password": "my-own-password-5"})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Acme Metall" in newcomer.get("/").get_data(as_text=True)
    assert role_of(sql, owner.tenant_id, NEWCOMER) == "member"
    assert sql("SELECT verified_at FROM users WHERE email = :e", e=NEWCOMER)[0].verified_at is not None
    assert login(app.test_client(), NEWCOMER, "my-own-password-5").status_code == 302


def test_invitation_link_works_once(app, owner_client, mailbox):
    link = invitation_link(owner_client, mailbox, NEWCOMER)
    post_form(app.test_client(), link, {"password": "my-own-password-5"})

    again = app.test_client().get(link)

    assert again.status_code == 400
    assert "not valid, has expired or was already used" in again.get_data(as_text=True)


def test_withdrawn_invitation_no_longer_works(app, owner, owner_client, mailbox, sql):
    link = invitation_link(owner_client, mailbox, NEWCOMER)
    invitation_id = sql("SELECT id FROM invitations WHERE email = :e", e=NEWCOMER)[0].id

    assert post_form(owner_client, f"/team/invitations/{invitation_id}/revoke").status_code == 302

    assert app.test_client().get(link).status_code == 400
    assert role_of(sql, owner.tenant_id, NEWCOMER) is None


def test_existing_user_must_log_in_before_accepting(app, owner, owner_client, make_account, mailbox, sql):
    elsewhere = make_account(name="Other Works", email="eva@other.test")
    link = invitation_link(owner_client, mailbox, elsewhere.email)
    eva = app.test_client()

    page = eva.get(link).get_data(as_text=True)
    assert "Log in to accept" in page and 'name="password"' not in page
    refused = post_form(eva, link)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert role_of(sql, owner.tenant_id, elsewhere.email) is None

    logged_in = post_form(eva, f"/login?next={link}", {"email": elsewhere.email, "password": PASSWORD})
    assert logged_in.headers["Location"] == link
    assert post_form(eva, link).status_code == 302

    assert role_of(sql, owner.tenant_id, elsewhere.email) == "member"
    assert role_of(sql, elsewhere.tenant_id, elsewhere.email) == "owner"


def test_invitation_opened_by_another_logged_in_user_is_refused(owner, owner_client, mailbox, make_account,
                                                                client_as, sql):
    stranger = make_account(name="Stranger Co", email="sam@stranger.test")
    link = invitation_link(owner_client, mailbox, NEWCOMER)
    sam = client_as(stranger.email)

    assert sam.get(link).status_code == 403
    assert post_form(sam, link, {"password": "my-own-password-5"}).status_code == 403
    assert role_of(sql, owner.tenant_id, stranger.email) is None


def test_inviting_an_existing_member_is_refused(owner, owner_client, make_member):
    make_member(owner, "max@acme.test")
    response = invite(owner_client, "max@acme.test")
    assert response.status_code == 409
    assert "already a member" in response.get_data(as_text=True)


# Roles

def test_member_is_read_only(owner, member_client, sql):
    team_page = member_client.get("/team")
    assert team_page.status_code == 200 and "Invite someone" not in team_page.get_data(as_text=True)

    assert invite(member_client, NEWCOMER).status_code == 403
    assert member_client.get("/settings/api-keys").status_code == 403
    assert post_form(member_client, "/settings/api-keys", {"name": "sneaky"}).status_code == 403
    assert post_form(member_client, "/settings", {**SETTINGS, "company": "Renamed"}).status_code == 403
    assert member_client.get("/settings/audit").status_code == 403

    assert sql("SELECT count(*) FROM invitations")[0][0] == 0
    assert sql("SELECT count(*) FROM api_keys")[0][0] == 0
    assert tenant_row(sql, owner.tenant_id).name == "Acme Metall"


def test_member_sees_the_settings_read_only(member_client):
    page = member_client.get("/settings").get_data(as_text=True)
    assert "Only owners and admins can change these." in page
    assert "Europe/Berlin" in page and 'name="timezone"' not in page


def test_admin_invites_members_but_not_admins(admin_client, mailbox):
    assert invite(admin_client, NEWCOMER, "member").status_code == 302
    refused = invite(admin_client, "second@newcomer.test", "admin")
    assert refused.status_code == 403
    assert "Only the owner can invite admins" in refused.get_data(as_text=True)


def test_owner_changes_a_role_and_it_takes_effect(owner, owner_client, member_client, sql):
    assert member_client.get("/settings/api-keys").status_code == 403
    member = membership_id(sql, owner.tenant_id, "max@acme.test")

    assert post_form(owner_client, f"/team/members/{member}/role", {"role": "admin"}).status_code == 302

    assert role_of(sql, owner.tenant_id, "max@acme.test") == "admin"
    assert member_client.get("/settings/api-keys").status_code == 200


def test_admin_cannot_change_roles(owner, admin_client, make_member, sql):
    make_member(owner, "max@acme.test")
    member = membership_id(sql, owner.tenant_id, "max@acme.test")

    assert post_form(admin_client, f"/team/members/{member}/role", {"role": "admin"}).status_code == 403
    assert role_of(sql, owner.tenant_id, "max@acme.test") == "member"


# Removal and ownership

def test_owner_removes_a_member_who_then_has_no_company(owner, owner_client, member_client, sql):
    member = membership_id(sql, owner.tenant_id, "max@acme.test")

    assert post_form(owner_client, f"/team/members/{member}/remove").status_code == 302

    assert role_of(sql, owner.tenant_id, "max@acme.test") is None
    assert "max@acme.test" not in owner_client.get("/team").get_data(as_text=True)
    lost = member_client.get("/settings")
    assert lost.status_code == 302 and "/companies/new" in lost.headers["Location"]


def test_owner_cannot_be_removed(owner, admin_client, sql):
    target = membership_id(sql, owner.tenant_id, owner.email)

    response = post_form(admin_client, f"/team/members/{target}/remove")

    assert response.status_code == 400
    assert "owner cannot be removed" in response.get_data(as_text=True)
    assert role_of(sql, owner.tenant_id, owner.email) == "owner"


def test_admin_cannot_remove_another_admin(owner, admin_client, make_member, sql):
    make_member(owner, "other-admin@acme.test", "admin")
    target = membership_id(sql, owner.tenant_id, "other-admin@acme.test")

    assert post_form(admin_client, f"/team/members/{target}/remove").status_code == 403
    assert role_of(sql, owner.tenant_id, "other-admin@acme.test") == "admin"


def test_owner_transfers_ownership_and_becomes_admin(owner, owner_client, admin_client, sql):
    target = membership_id(sql, owner.tenant_id, "ada@acme.test")

    assert post_form(owner_client, f"/team/members/{target}/transfer").status_code == 302

    assert role_of(sql, owner.tenant_id, "ada@acme.test") == "owner"
    assert role_of(sql, owner.tenant_id, owner.email) == "admin"
    assert admin_client.get("/settings/audit").status_code == 200
    assert owner_client.get("/settings/audit").status_code == 403


def test_only_the_owner_transfers_ownership(owner, admin_client, make_member, sql):
    make_member(owner, "max@acme.test")
    target = membership_id(sql, owner.tenant_id, "max@acme.test")

    assert post_form(admin_client, f"/team/members/{target}/transfer").status_code == 403
    assert role_of(sql, owner.tenant_id, owner.email) == "owner"


# Company settings

@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_and_admin_change_the_settings(who, owner, owner_client, admin_client, sql):
    client = owner_client if who == "owner" else admin_client
    changed = {"company": "Acme Metall AG", "country": "CH", "timezone": "Europe/Zurich", "currency": "CHF"}

    response = post_form(client, "/settings", changed)

    assert response.status_code == 302
    assert tuple(tenant_row(sql, owner.tenant_id)) == ("Acme Metall AG", "CH", "Europe/Zurich", "CHF")
    assert "Europe/Zurich" in client.get("/settings").get_data(as_text=True)
