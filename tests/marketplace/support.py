"""Test helpers for the marketplace: a published module, an installation with its token, and a real
webhook receiver on loopback that records what it was sent."""
from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field

from marketplace import installations, modules, tokens
from tenants import accounts
from tenants.scoping import tenant_context
from tests.marketplace.test_manifest import GOOD
from tests.support.live_server import LiveServer

UNIT_MANIFEST = {**copy.deepcopy(GOOD), "slug": "idle-units", "name": "Idle Units",
                 "scopes": ["devices:read", "readings:read", "insights:write", "usage:write"],
                 "events": ["installation.created", "installation.deleted", "device.state_changed", "device.offline",
                            "device.daily_summary"],
                 "pricing": {"model": "unit", "unit_name": "report", "prices": {"EUR": 50, "CNY": 400}}}


def publish_module(session, manifest: dict | None = None, partner_email: str = "dev@partner.test"):
    """A published module of a new partner (approved by a new platform admin)."""
    user = accounts.find_user(session, partner_email) or accounts.create_user(
        session, email=partner_email, password="a-long-password-1")
    admin = accounts.find_user(session, "ops@platform.test") or accounts.create_user(
        session, email="ops@platform.test", password="a-long-password-2")
    admin.is_platform_admin = True
    partner = modules.create_partner(session, name="Lean Watts", contact_email="hi@leanwatts.test", owner=user)
    module = modules.create_module(session, partner, manifest or UNIT_MANIFEST)
    modules.approve(modules.submit_for_review(module), admin)
    session.flush()
    return module


def install(session, account, module, device_ids: list[int], cap: int | None = None):
    """Install the module for the account's company; returns (installation, token)."""
    from tenants.models import Tenant, User

    with tenant_context(account.tenant_id):
        installation = installations.subscribe(session, session.get(Tenant, account.tenant_id), module,
                                               session.get(User, account.user_id), device_ids, cap)
        token = tokens.issue_token(session, installation)
    return installation, token


@dataclass
class Receiver:
    """A WSGI app recording each POST (headers and raw body) and answering the next status in `statuses`."""

    statuses: list[int] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        with self.lock:
            self.requests.append({"path": environ["PATH_INFO"], "headers": headers, "body": body})
            status = self.statuses.pop(0) if self.statuses else 200
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [b"{}"]

    def events(self) -> list[dict]:
        """The JSON bodies received, in order."""
        return [json.loads(r["body"]) for r in self.requests]


def serve_receiver() -> tuple[LiveServer, Receiver]:
    """A receiver served on a free loopback port (stop the server after the test)."""
    receiver = Receiver()
    return LiveServer.bind().serve(receiver), receiver
