"""Keep secrets out of logs: device tokens and keys can travel in URL paths and query strings."""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

_SECRET_IN_PATH = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_SECRET_PARAM = re.compile(r"(?i)((?:apikey|token|p|key|password)=)[^&\s]+")
_API_KEY = re.compile(r"df_[0-9a-f]{40}")


def redact(text: str) -> str:
    """The text with device secrets, API keys and secret query parameters masked."""
    text = _SECRET_IN_PATH.sub("***", text)
    text = _API_KEY.sub("df_***", text)
    return _SECRET_PARAM.sub(r"\1***", text)


class RedactingLogger(Logger):
    """gunicorn's logger with secrets masked in the access log's request line, path and query."""

    def atoms(self, resp, req, environ, request_time):
        """The access-log fields, redacted."""
        values = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in values.items()}
