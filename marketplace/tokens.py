"""Installation tokens: random, shown only to the partner (in the install webhook), kept as a hash
in the credential index, which also names the tenant they belong to."""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from marketplace.models import Installation
from tenants import credentials
from tenants.secrets import hash_secret, url_token

TOKEN_KIND = "installation"


def issue_token(session: Session, installation: Installation) -> str:
    """A new installation token, replacing any earlier one."""
    credentials.unregister(session, TOKEN_KIND, installation.id)
    token = "dfi_" + url_token()
    credentials.register(session, token, installation.tenant_id, TOKEN_KIND, installation.id)
    return token


def add_token(session: Session, installation: Installation) -> str:
    """Another installation token, valid beside the earlier ones until `keep_only` prunes them."""
    token = "dfi_" + url_token()
    credentials.register(session, token, installation.tenant_id, TOKEN_KIND, installation.id)
    return token


def keep_only(session: Session, installation: Installation, token: str) -> None:
    """Revoke every token of the installation but this one (the one its module confirmed receiving)."""
    session.execute(delete(credentials.CredentialIndex).where(
        credentials.CredentialIndex.kind == TOKEN_KIND, credentials.CredentialIndex.credential_id == installation.id,
        credentials.CredentialIndex.secret_hash != hash_secret(token)))


def authenticate(session: Session, token: str) -> Installation | None:
    """The active installation a presented token belongs to, or None."""
    found = credentials.resolve(session, token, (TOKEN_KIND,))
    installation = session.get(Installation, found.credential_id) if found else None
    if (found is None or installation is None or installation.status != "active"
            or installation.tenant_id != found.tenant_id):
        return None
    return installation
