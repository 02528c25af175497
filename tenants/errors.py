"""Errors the domain raises with a translatable message."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation without translating it (Babel keyword)."""
    return message


class DomainError(Exception):
    """A rule was broken; ``message`` is an English msgid, ``params`` fill its %(name)s slots."""

    status = 400

    def __init__(self, message: str, **params) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The object does not exist for this tenant (answered 404, never 403)."""

    status = 404

    def __init__(self, message: str = N_("Not found.")) -> None:
        super().__init__(message)


class Forbidden(DomainError):
    """The user's role does not allow the action."""

    status = 403

    def __init__(self, message: str = N_("Your role does not allow this.")) -> None:
        super().__init__(message)


class Conflict(DomainError):
    """The action clashes with existing state."""

    status = 409
