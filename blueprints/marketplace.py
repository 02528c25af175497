"""Tenant marketplace pages (routes follow in the next commit)."""
from flask import Blueprint

bp = Blueprint("marketplace", __name__, url_prefix="/marketplace")
