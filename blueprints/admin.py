"""Platform operator pages (platform admins only; everyone else gets 404)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from tenants.mail import recent_mail
from tenants.models import Membership, Tenant
from web.auth import operators_only
from web.database import db_session

bp = Blueprint("admin", __name__, url_prefix="/admin")
operators_only(bp)
PER_PAGE = 50


@bp.get("/")
def tenants():
    """Every tenant with its member count, newest first, paginated."""
    session = db_session()
    total = session.scalar(select(func.count(Tenant.id))) or 0
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    members = select(Membership.tenant_id, func.count().label("n")).group_by(Membership.tenant_id).subquery()
    rows = session.execute(
        select(Tenant, func.coalesce(members.c.n, 0)).outerjoin(members, members.c.tenant_id == Tenant.id)
        .order_by(Tenant.created_at.desc(), Tenant.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return render_template("admin/tenants.html", rows=rows, page=page, pages=pages, total=total)


@bp.get("/mail")
def mail():
    """The newest mails the platform sent or kept in its outbox."""
    return render_template("admin/mail.html", messages=recent_mail(db_session(), request.args.get("to")))
