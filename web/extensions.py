"""Flask extension instances, bound to an app in create_app."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits import parse

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
babel = Babel()

parse_limit = lru_cache(maxsize=64)(parse)
"""A rate limit in `limits` notation (e.g. 600/minute), parsed once."""
