"""Login, logout, "remember me", sessions ending on a password change, switching companies."""
from tests.conftest import PASSWORD, login, post_form

NEW_PASSWORD = "brand-new-secret-2"
REMEMBER = "remember_token"


def logged_in(client) -> bool:
    """Whether a tenant page answers (rather than redirecting to the login page)."""
    response = client.get("/settings")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return post_form(client, "/account/password", {"current": current, "password": new})


def client_with_only(app, cookie_name: str, value: str):
    fresh = app.test_client()
    fresh.set_cookie(cookie_name, value)
    return fresh


def test_login_redirects_to_the_dashboard(client, owner):
    response = login(client, owner.email)

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Acme Metall" in client.get("/").get_data(as_text=True)


def test_login_follows_a_local_next_but_never_another_site(client, owner):
    assert post_form(client, "/login?next=/team", {"email": owner.email, "password": PASSWORD}
                     ).headers["Location"] == "/team"
    other = client.application.test_client()
    for target in ("//evil.test/x", "https://evil.test/", "/\\evil.test"):
        response = post_form(other, f"/login?next={target}", {"email": owner.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", target
        post_form(other, "/logout")


def test_email_is_case_insensitive_at_login(client, owner):
    assert login(client, owner.email.upper()).status_code == 302


def test_pages_need_a_login(client, owner):
    assert not logged_in(client)
    assert client.get("/team").status_code == 302


def test_logout_ends_the_session(owner_client):
    response = post_form(owner_client, "/logout")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not logged_in(owner_client)


def test_login_without_remember_sets_no_remember_cookie(client, owner):
    login(client, owner.email)
    assert client.get_cookie(REMEMBER) is None


def test_remember_cookie_restores_the_session_in_a_new_client(app, client, owner):
    login(client, owner.email, remember=True)
    cookie = client.get_cookie(REMEMBER)
    assert cookie is not None

    fresh = client_with_only(app, REMEMBER, cookie.value)

    assert logged_in(fresh)
    assert "Acme Metall" in fresh.get("/").get_data(as_text=True)


def test_logout_also_forgets_the_remember_cookie(client, owner):
    login(client, owner.email, remember=True)

    post_form(client, "/logout")

    assert client.get_cookie(REMEMBER) is None
    assert not logged_in(client)


def test_password_change_logs_out_other_sessions(owner, owner_client, client_as):
    other_device = client_as(owner.email)
    assert logged_in(other_device)

    response = change_password(owner_client)

    assert response.status_code == 302
    assert logged_in(owner_client), "the session that changed the password stays logged in"
    assert not logged_in(other_device)


def test_password_change_invalidates_remember_cookies(app, client, owner, client_as):
    login(client, owner.email, remember=True)
    cookie = client.get_cookie(REMEMBER).value
    changer = client_as(owner.email)

    change_password(changer)

    assert not logged_in(client_with_only(app, REMEMBER, cookie))


def test_after_a_password_change_only_the_new_password_works(app, owner, owner_client):
    change_password(owner_client)

    assert login(app.test_client(), owner.email, PASSWORD).status_code == 401
    assert login(app.test_client(), owner.email, NEW_PASSWORD).status_code == 302


def test_password_change_needs_the_current_password(app, owner, owner_client):
    response = change_password(owner_client, current="not-my-password")

    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)
    assert login(app.test_client(), owner.email, PASSWORD).status_code == 302


def test_user_in_two_companies_switches_between_them(owner_client, owner, make_account):
    second = make_account(name="Zeta Works", email=owner.email)
    assert owner_client.get("/api/v1/tenant").json["slug"] == owner.slug

    response = post_form(owner_client, f"/switch/{second.tenant_id}")

    assert response.status_code == 302
    assert owner_client.get("/api/v1/tenant").json["slug"] == second.slug
    assert "Zeta Works" in owner_client.get("/settings").get_data(as_text=True)
    post_form(owner_client, f"/switch/{owner.tenant_id}")
    assert owner_client.get("/api/v1/tenant").json["slug"] == owner.slug


def test_switcher_lists_both_companies(owner_client, owner, make_account):
    second = make_account(name="Zeta Works", email=owner.email)
    page = owner_client.get("/").get_data(as_text=True)
    assert f"/switch/{owner.tenant_id}" in page and f"/switch/{second.tenant_id}" in page


def test_cannot_switch_to_a_company_one_does_not_belong_to(owner_client, owner, make_account):
    foreign = make_account(name="Foreign Ltd", email="boss@foreign.test")

    assert post_form(owner_client, f"/switch/{foreign.tenant_id}").status_code == 404
    assert owner_client.get("/api/v1/tenant").json["slug"] == owner.slug
