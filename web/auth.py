"""Who is asking: the logged-in user and their current tenant, or a tenant API key."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user

from tenants import accounts, apikeys
from tenants.models import Membership, User
from tenants.rights import roles_with
from tenants.scoping import reset_tenant, set_tenant
from web.database import commit, db_session
from web.extensions import login_manager

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def init_auth(app: Flask) -> None:
    """Wire Flask-Login and the per-request tenant binding."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @app.teardown_request
    def _unbind(_exc: BaseException | None) -> None:
        token = g.pop("tenant_token", None)
        if token is not None:
            reset_tenant(token)


@login_manager.user_loader
def _load_user(identity: str) -> User | None:
    user_id, _, epoch = identity.partition(":")
    if not user_id.isdecimal() or not epoch.isdecimal():
        return None
    user = db_session().get(User, int(user_id))
    return user if user is not None and user.session_epoch == int(epoch) else None


def bind_tenant(tenant_id: int) -> None:
    """Make a tenant current for the rest of this request."""
    if "tenant_token" in g:
        reset_tenant(g.pop("tenant_token"))
    g.tenant_token = set_tenant(tenant_id)


def bind_session_user() -> Membership | None:
    """Bind the logged-in user's current tenant; returns the membership or None."""
    if "membership" in g:
        return g.membership
    g.membership = None
    if not current_user.is_authenticated:
        return None
    memberships = accounts.memberships_of(db_session(), current_user.id)
    g.memberships = memberships
    chosen = next((m for m in memberships if m.tenant_id == session.get("tenant_id")), None)
    chosen = chosen or (memberships[0] if memberships else None)
    if chosen is not None:
        session["tenant_id"] = chosen.tenant_id
        bind_tenant(chosen.tenant_id)
        g.membership, g.tenant = chosen, chosen.tenant
    return g.membership


def bind_api_key(secret: str) -> bool:
    """Bind the tenant of a valid API key; False when the key is not valid."""
    key = apikeys.authenticate_key(db_session(), secret)
    if key is None:
        return False
    bind_tenant(key.tenant_id)
    g.api_key = key
    commit()  # keep the noted last use even when the request itself changes nothing
    return True


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def tenant_required(view: Callable) -> Callable:
    """A page for logged-in users with a current tenant."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if bind_session_user() is None:
            return redirect(url_for("account.new_company"))
        return view(*args, **kwargs)
    return wrapper


def role_required(*roles: str) -> Callable:
    """A tenant page only for the given roles (others get 403)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @tenant_required
        def wrapper(*args, **kwargs):
            if g.membership.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def right_required(right: str) -> Callable:
    """A tenant page only for the roles that have a right of tenants.rights (others get 403)."""
    return role_required(*roles_with(right))


def operators_only(bp: Blueprint) -> None:
    """Make every page of the blueprint platform admins only: everyone else gets 404, as if it did not exist."""
    @bp.before_request
    def _operators_only() -> None:
        if not (current_user.is_authenticated and current_user.is_platform_admin):
            abort(404)


def client_ip() -> str | None:
    """The client's address as seen by this process (behind a proxy: set ProxyFix)."""
    return request.remote_addr
