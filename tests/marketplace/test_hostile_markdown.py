"""A partner's module description is Markdown written by someone we do not trust. Hostile Markdown
(javascript: and data: links, raw HTML with event handlers, autolinks, reference links, entity tricks)
must never reach a page as live markup: each page that shows a description is parsed as HTML and every
element's attributes are checked, on the marketplace page, the admins' review page and the partner's
own module and edit pages."""
from __future__ import annotations

import copy
from html.parser import HTMLParser

import pytest

from marketplace import modules
from tenants import accounts
from tenants.clock import utcnow
from tenants.models import User
from tests.conftest import PASSWORD
from tests.marketplace import test_partner_pages as partner_pages
from tests.marketplace.test_manifest import GOOD
from web.markdown import render_markdown

make_admin = partner_pages.make_admin  # the fixture, shared

HOSTILE = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1) )",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "![img](javascript:alert(1))",
    "![x](https://evil.example/x.png \"onerror=alert(1)\")",
    '<a href="javascript:alert(1)">raw</a>',
    '<img src=x onerror="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    "<script>alert(1)</script>",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "[a](https://ok.example \"title\" onclick=alert(1))",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "**bold** <b onclick=alert(1)>b</b>",
]
DESCRIPTION = "\n\n".join(["# Idle waste", *HOSTILE, "[fine](https://docs.example/guide)"])
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
LIVE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "form", "img", "base", "meta", "link"}


class LiveMarkup(HTMLParser):
    """Collects what a browser would run or follow: event handlers, dangerous URLs, active elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.handlers: list[tuple[str, str]] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.links: list[str] = []
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in URL_ATTRIBUTES and value is not None:
                squeezed = "".join(ch for ch in value if not ch.isspace() and ord(ch) >= 0x20).lower()
                if squeezed.startswith(BAD_SCHEMES):
                    self.urls.append((tag, name, value))
                if tag == "a" and name == "href":
                    self.links.append(value)

    handle_startendtag = handle_starttag


def live_markup(html: str) -> LiveMarkup:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(parsed: LiveMarkup, where: str) -> None:
    assert parsed.handlers == [], f"event handlers on {where}: {parsed.handlers}"
    assert parsed.urls == [], f"script or data URLs on {where}: {parsed.urls}"


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_snippet_renders_inert(text):
    parsed = live_markup(str(render_markdown(text)))
    assert_inert(parsed, "the rendered snippet")
    assert not set(parsed.tags) & LIVE_TAGS, parsed.tags


def test_safe_links_survive_with_rel():
    parsed = live_markup(str(render_markdown("[guide](https://docs.example/guide) and <mailto:hi@x.example>")))
    assert parsed.links == ["https://docs.example/guide", "mailto:hi@x.example"]


@pytest.fixture
def hostile_module(db, owner, make_admin):
    """A published module (and a pending edit) whose description is all the hostile Markdown above."""
    admin_id = make_admin("reviewer@platform.test")
    with db.session() as session:
        partner_user = accounts.create_user(session, email="dev@partner.test", password=PASSWORD)
        partner_user.verified_at = utcnow()
        partner = modules.create_partner(session, name="Evil Watts", contact_email="hi@evil.test", owner=partner_user)
        module = modules.create_module(session, partner, {**copy.deepcopy(GOOD), "description": DESCRIPTION})
        modules.approve(modules.submit_for_review(module), session.get(User, admin_id))
        session.flush()
        return {"partner_id": partner.id, "module_id": module.id, "slug": module.slug}


def test_no_page_showing_the_description_carries_live_markup(owner_client, client_as, hostile_module):
    partner_client, admin_client = client_as("dev@partner.test"), client_as("reviewer@platform.test")
    pages = {
        "marketplace page": (owner_client, f"/marketplace/{hostile_module['slug']}"),
        "admin review page": (admin_client, f"/admin/modules/{hostile_module['module_id']}"),
        "partner module page": (partner_client,
                                f"/partners/{hostile_module['partner_id']}/modules/{hostile_module['module_id']}"),
        "partner edit page": (partner_client,
                              f"/partners/{hostile_module['partner_id']}/modules/{hostile_module['module_id']}/edit"),
    }
    for where, (browser, path) in pages.items():
        response = browser.get(path)
        assert response.status_code == 200, (where, response.status_code)
        parsed = live_markup(response.get_data(as_text=True))
        assert_inert(parsed, where)
        assert all(src is not None and src.startswith("/static/") for src in parsed.scripts), \
            f"only our own script files on {where}: {parsed.scripts}"
    shown = live_markup(owner_client.get(f"/marketplace/{hostile_module['slug']}").get_data(as_text=True))
    assert "https://docs.example/guide" in shown.links, "the harmless link is still a link"
