"""`flask --app app ...` commands for operators and scripts."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from tenants import accounts, apikeys
from tenants.clock import utcnow
from tenants.errors import DomainError
from tenants.migrate import upgrade
from tenants.models import Tenant
from tenants.unit_of_work import TenantUnit
from web.database import database
from web.demo_cli import demo_command
from web.simulate_cli import simulate_command


def _fail(exc: DomainError) -> None:
    raise click.ClickException(str(exc))


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app (AppGroup: each command runs in an app context, under
    `flask` as under `app.test_cli_runner()`)."""
    for command in (db_group, tenants_group, apikeys_group, users_group, demo_command, simulate_command):
        app.cli.add_command(command)


@click.group("db", cls=AppGroup, help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply every pending migration.")
def db_upgrade() -> None:
    upgrade(current_app.config["SETTINGS"].database_url)
    click.echo("database is at the latest schema")


@click.group("tenants", cls=AppGroup, help="Companies.")
def tenants_group() -> None:
    pass


@tenants_group.command("create", help="Create a company and its verified owner; prints the slug.")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--timezone", default="Europe/Berlin", show_default=True)
@click.option("--currency", default="EUR", show_default=True)
@click.option("--country", default="DE", show_default=True)
def tenants_create(name, email, password, timezone, currency, country) -> None:
    with database().session() as session:
        try:
            owner = accounts.find_user(session, email) or accounts.create_user(session, email=email, password=password)
            owner.verified_at = owner.verified_at or utcnow()
            tenant = accounts.create_tenant(session, name=name, country=country, timezone=timezone,
                                            currency=currency, owner=owner)
        except DomainError as exc:
            _fail(exc)
        slug = tenant.slug
    click.echo(slug)


@click.group("apikeys", cls=AppGroup, help="Tenant API keys.")
def apikeys_group() -> None:
    pass


@apikeys_group.command("create", help="Create an API key for a company; prints the key once.")
@click.option("--tenant", "slug", required=True, help="the company's slug")
@click.option("--name", required=True)
def apikeys_create(slug, name) -> None:
    with database().session() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise click.ClickException(f"no company with slug {slug!r}")
    with TenantUnit(database(), tenant_id).session() as session:
        try:
            _key, secret = apikeys.create_key(session, name)
        except DomainError as exc:
            _fail(exc)
    click.echo(secret)


@click.group("users", cls=AppGroup, help="Users.")
def users_group() -> None:
    pass


@users_group.command("make-admin", help="Give a user the platform-admin flag.")
@click.argument("email")
def users_make_admin(email) -> None:
    with database().session() as session:
        user = accounts.find_user(session, email)
        if user is None:
            raise click.ClickException(f"no user with email {email!r}")
        user.is_platform_admin = True
    click.echo(f"{email} is now a platform admin")
