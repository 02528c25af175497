"""A tenant's unit of work and the one loop over every tenant (tenants.unit_of_work)."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from tenants import team
from tenants.clock import utcnow
from tenants.models import Invitation, Membership
from tenants.scoping import TenantContextError, current_tenant_id, tenant_context
from tenants.unit_of_work import TenantUnit, each_tenant, for_each_tenant


def _invite(session, email):
    actor = session.scalars(select(Membership)).first()
    invitation, _token = team.invite(session, "secret", actor, email, "member")
    invitation.expires_at = utcnow() + timedelta(days=3)
    session.flush()


def _invitations(db, tenant_id):
    with db.session() as session, tenant_context(tenant_id):
        return session.scalars(select(Invitation.email).order_by(Invitation.email)).all()


def test_a_unit_commits_as_its_tenant_and_rolls_back_what_raised(db, make_account):
    a, b = make_account("Acme", "a@acme.test"), make_account("Beta", "b@beta.test")
    unit = TenantUnit(db, a.tenant_id)
    with unit.session() as session:
        assert current_tenant_id() == a.tenant_id
        _invite(session, "kept@x.test")
    with pytest.raises(RuntimeError), unit.session() as session:
        _invite(session, "lost@x.test")
        raise RuntimeError("after the write")
    assert current_tenant_id() is None, "the tenant is left when the unit ends"
    assert _invitations(db, a.tenant_id) == ["kept@x.test"]
    assert _invitations(db, b.tenant_id) == []


def test_every_tenant_runs_and_one_tenants_failure_is_reported_not_fatal(db, make_account, caplog):
    tenants = [make_account(name, f"o@{name.lower()}.test").tenant_id for name in ("Acme", "Beta", "Gamma")]
    seen = []

    def step(unit):
        seen.append((unit.tenant_id, current_tenant_id()))
        with unit.session() as session:
            _invite(session, f"x{unit.tenant_id}@x.test")
        if unit.tenant_id == tenants[1]:
            raise ValueError("this company's data is broken")
        return 10

    with caplog.at_level(logging.WARNING, logger="tenants.work"):
        run = for_each_tenant(db, step, what="the test step")
    assert seen == [(t, t) for t in tenants], "each step ran as its own tenant, in order"
    assert run.count == 20 and run.failed == [tenants[1]]
    assert "the test step failed for tenant" in caplog.text and "this company's data is broken" in caplog.text
    assert all(len(_invitations(db, t)) == 1 for t in tenants), "a step's committed work stays"
    assert for_each_tenant(db, step, what="again", only=[tenants[2]]).count == 10


def test_without_a_unit_tenant_data_stays_out_of_reach(db, make_account):
    make_account()
    with db.session() as session, pytest.raises(TenantContextError):
        session.scalars(select(Invitation)).all()


def test_each_tenant_enters_every_tenant_in_turn_within_one_session(db, make_account):
    a, b = make_account("Acme", "a@acme.test"), make_account("Beta", "b@beta.test")
    with db.session() as session:
        seen = [(tenant.id, current_tenant_id()) for tenant in each_tenant(session)]
    assert seen == [(a.tenant_id, a.tenant_id), (b.tenant_id, b.tenant_id)]
    assert current_tenant_id() is None


def test_a_lost_database_connection_ends_the_run_at_once(db, make_account):
    tenants = [make_account(name, f"o@{name.lower()}.test").tenant_id for name in ("Acme", "Beta")]
    seen = []

    def step(unit):
        seen.append(unit.tenant_id)
        # what SQLAlchemy raises when the server went away mid-statement
        raise DBAPIError("SELECT 1", {}, ConnectionError("server closed the connection"), connection_invalidated=True)

    with pytest.raises(DBAPIError):
        for_each_tenant(db, step, what="the test step")
    assert seen == tenants[:1], "the other companies are not tried against a database that is gone"
