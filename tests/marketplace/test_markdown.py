"""Safe Markdown for module descriptions: formatting survives, script, handlers and odd links do not."""
from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from web.markdown import clean_html, render_markdown


def test_headings_lists_emphasis_and_code_are_kept():
    html = render_markdown("# Idle waste\n\n## Daily\n\nEvery **machine**, *every* day.\n\n- one\n- two\n\n"
                           "1. first\n\n> quoted\n\n`x = 1`\n\n```\nblock\n```\n\n---\n")
    assert isinstance(html, Markup)
    assert "<h3>Idle waste</h3>" in html and "<h4>Daily</h4>" in html, "headings move below the page's own"
    assert "<strong>machine</strong>" in html and "<em>every</em>" in html
    assert "<ul>\n<li>one</li>" in html and "<ol>\n<li>first</li>" in html
    assert "<blockquote>" in html and "<code>x = 1</code>" in html and "<pre><code>block" in html and "<hr>" in html
    assert "<h1" not in html and "<h2" not in html


def test_deep_headings_stop_at_h6():
    assert "<h6>Deep</h6>" in render_markdown("##### Deep")


def test_script_tags_never_survive():
    html = render_markdown("Hello <script>alert(1)</script>\n\n<script>\nalert(2)\n</script>")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html, "raw HTML is shown as text, not run"


def test_event_handler_attributes_are_removed():
    html = render_markdown('<img src="x" onerror="alert(1)"> <b onmouseover="alert(2)">x</b>')
    assert not re.search(r"<[^>]*\son\w+=", html), html
    assert "<img" not in html and "<b " not in html


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)",
                                  "data:text/html;base64,PHNjcmlwdD4=", "/relative/path"])
def test_only_http_https_and_mailto_links_are_kept(link):
    html = render_markdown(f"[click]({link}) and <{link}>")
    assert "javascript" not in re.sub(r">[^<]*<", "><", html).lower()
    assert 'href="' + link not in html


def test_good_links_get_safe_rel():
    html = render_markdown("[docs](https://partner.example/docs) or [mail](mailto:help@partner.example)")
    assert '<a href="https://partner.example/docs" rel="noopener noreferrer nofollow">docs</a>' in html
    assert '<a href="mailto:help@partner.example" rel="noopener noreferrer nofollow">mail</a>' in html


def test_the_sanitiser_alone_strips_what_markdown_would_never_emit():
    html = clean_html('<p onclick="x">a<script>alert(1)</script><img src=x onerror=y><iframe src="https://e.x"></iframe>'
                      '<a href="javascript:z" target="_blank">l</a><a href="https://ok.example" style="x">k</a>'
                      '<style>p{}</style><h1>big</h1></p>')
    assert "<script" not in html and "alert(1)" not in html and "<img" not in html and "<iframe" not in html
    assert "onclick" not in html and "onerror" not in html and "javascript" not in html
    assert "target=" not in html and "style" not in html and "<h1" not in html
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">k</a>' in html


def test_empty_text_is_empty_markup():
    assert render_markdown("") == Markup("") and render_markdown(None) == Markup("")


def test_filter_is_registered_by_init_markdown():
    from flask import Flask, render_template_string

    from web.markdown import init_markdown

    app = Flask(__name__)
    init_markdown(app)
    with app.app_context():
        assert render_template_string("{{ text|markdown }}", text="**a** <i>b</i>") == \
            "<p><strong>a</strong> &lt;i&gt;b&lt;/i&gt;</p>\n"
