"""Partner portal pages (routes follow in the next commit)."""
from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")
