"""Module review pages for platform admins (routes follow in the next commit)."""
from flask import Blueprint

bp = Blueprint("admin_modules", __name__, url_prefix="/admin/modules")
