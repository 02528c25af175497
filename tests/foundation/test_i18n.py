"""English and Simplified Chinese: language selection, the stored preference, and a complete catalogue."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tenants.languages import language_of, normalise_language
from tests.conftest import login, post_form

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PO = TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


def _compile_catalogue() -> str:
    """Build the git-ignored .mo on a fresh clone (or when the .po is newer); the compiler's complaints, if any.

    Done at import, before any app of the session loads (and caches) its translations."""
    if MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime:
        return ""
    done = subprocess.run(["bash", str(ROOT / "scripts" / "i18n.sh"), "compile"], cwd=ROOT, capture_output=True,
                          text=True)
    return "" if done.returncode == 0 else done.stdout + done.stderr or f"exit status {done.returncode}"


COMPILE_ERRORS = _compile_catalogue()


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def _page(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("tag, language", [("zh-CN", "zh_Hans"), ("zh_Hant", "zh_Hans"), ("ZH", "zh_Hans"),
                                           ("en-GB", "en"), ("fr", None), ("", None), (None, None)])
def test_language_tags_map_to_a_supported_language(tag, language):
    assert normalise_language(tag) == language
    assert language_of(tag) == (language or "en")


def test_browser_language_picks_chinese_or_english(client):
    chinese = _page(client.get("/login", headers=ZH))
    assert 'lang="zh-Hans"' in chinese
    assert "<h1>登录</h1>" in chinese and "忘记密码？" in chinese
    assert "Log in" not in chinese

    english = _page(client.get("/login", headers=EN))
    assert 'lang="en"' in english
    assert "<h1>Log in</h1>" in english and "登录" not in english


def test_footer_language_form_switches_an_anonymous_session(client):
    response = post_form(client, "/language", {"language": "zh_Hans", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = _page(client.get("/login", headers=EN))  # the session's choice beats the browser's
    assert "<h1>登录</h1>" in page

    post_form(client, "/language", {"language": "en", "next": "/login"})
    assert "<h1>Log in</h1>" in _page(client.get("/login", headers=ZH))


def test_unknown_language_is_refused(client):
    assert post_form(client, "/language", {"language": "fr"}).status_code == 400


def test_logged_in_choice_is_kept_on_the_profile(app, owner_client, owner, db):
    response = post_form(owner_client, "/language", {"language": "zh_Hans", "next": "/"})
    assert response.status_code == 302
    assert "概览" in _page(owner_client.get("/", headers=EN))

    from tenants.models import User

    with db.session() as session:
        assert session.get(User, owner.user_id).locale == "zh_Hans"

    fresh = app.test_client()
    assert login(fresh, owner.email).status_code == 302
    page = _page(fresh.get("/", headers=EN))
    assert "概览" in page and "快速上手" in page and "Getting started" not in page


def test_chinese_signup_mails_in_chinese(client, mailbox):
    form = {"company": "宁波精工机械", "country": "CN", "timezone": "Asia/Shanghai", "currency": "CNY",
            "name": "王工", "email": "wang@jinggong.test", "password": "correct-horse-1"}
    client.get("/signup", headers=ZH)
    page = _page(post_form(client, "/signup", form, headers=ZH))
    assert "请查收邮件" in page
    [mail] = mailbox.to("wang@jinggong.test")
    assert mail["Subject"] == "验证您的数字工厂邮箱地址"
    assert "王工，您好：" in mail.get_body(("plain",)).get_content()


def test_catalogue_compiles():
    assert not COMPILE_ERRORS, COMPILE_ERRORS
    assert MO.exists()


def test_catalogue_is_translated_without_fuzzy_entries_and_with_matching_placeholders():
    problems = []
    for message in _catalogue():
        if not message.id:
            continue
        msgid, msgstr = message.id, message.string
        if isinstance(msgid, tuple):  # plural forms
            msgid, msgstr = msgid[0], (msgstr[0] if msgstr else "")
        if not msgstr:
            problems.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
            problems.append(f"placeholders differ: {msgid!r} -> {msgstr!r}")
        elif "%" in PLACEHOLDER.sub("", msgstr).replace("%%", ""):
            problems.append(f"stray % in translation: {msgstr!r}")
    assert not problems, "\n".join(problems)


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    # Extract exactly as scripts/i18n.sh does (same mapping and keywords), into a scratch template.
    keywords = re.findall(r"-k (\S+)", (ROOT / "scripts" / "i18n.sh").read_text())
    assert "N_" in keywords and "_l" in keywords
    pot = tmp_path / "messages.pot"
    args = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot), str(ROOT)]
    for keyword in keywords:
        args[3:3] = ["-k", keyword]
    CommandLineInterface().run(args)
    with pot.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert len(extracted) > 100
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id and m.string}
    missing = sorted(extracted - translated)
    assert not missing, "not in the zh_Hans catalogue (run scripts/i18n.sh extract and translate):\n" + "\n".join(
        missing)


@pytest.mark.parametrize("source", ["roles", "audit events"])
def test_stored_values_shown_through_gettext_are_in_the_catalogue(source):
    from tenants.audit import EVENTS
    from tenants.models import ROLES
    from web import i18n_terms

    values, listed = (ROLES, i18n_terms.ROLES) if source == "roles" else (EVENTS, i18n_terms.AUDIT_EVENTS)
    assert set(values) == set(listed), "web/i18n_terms.py is out of step"
    ids = {m.id for m in _catalogue()}
    assert set(values) <= ids
