"""Safe Markdown for text partners write (module descriptions): CommonMark without raw HTML, then an
allow-list sanitiser, so nothing a partner writes can run script or style the page."""
from __future__ import annotations

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
                          "h3", "h4", "h5", "h6", "a", "br", "hr"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
# the page owns h1/h2: a partner's "# Title" becomes h3, "## Part" h4, ... (h6 at most)
HEADING_SHIFT = 2

_parser = MarkdownIt("commonmark", {"html": False})


def render_markdown(text: str | None) -> Markup:
    """`text` as sanitised HTML: headings, lists, emphasis, code, quotes and http(s)/mailto links only."""
    if not text:
        return Markup("")
    tokens = _parser.parse(str(text))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"
    return Markup(clean_html(_parser.renderer.render(tokens, _parser.options, {})))


def clean_html(html: str) -> str:
    """The second wall: only the allowed tags, `href` on links only, with an allowed scheme."""
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, url_relative="deny", strip_comments=True,
                     clean_content_tags={"script", "style"})


def init_markdown(app: Flask) -> None:
    """Make `render_markdown` the Jinja filter `markdown` (`{{ text|markdown }}`)."""
    app.jinja_env.filters["markdown"] = render_markdown
