"""The main navigation that later capabilities plug into."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation: its label (a msgid), endpoint and the endpoint prefix it highlights."""

    label: str
    endpoint: str
    prefix: str


def add_nav_item(app: Flask, label: str, endpoint: str, prefix: str) -> None:
    """Add a capability's page to the main navigation (between Overview and Team)."""
    app.extensions.setdefault("nav_items", []).append(NavItem(label, endpoint, prefix))


def init_navigation(app: Flask) -> None:
    """Expose the navigation items to every template."""
    app.extensions.setdefault("nav_items", [])

    @app.context_processor
    def _nav():
        return {"nav_items": app.extensions["nav_items"]}
