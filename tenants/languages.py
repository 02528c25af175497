"""The languages the platform speaks, and how a stored or requested language tag maps onto one (no Flask)."""
from __future__ import annotations

LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
DEFAULT_LANGUAGE = "en"


def normalise_language(value: str | None) -> str | None:
    """Map a tag such as zh-CN, zh-Hans or en-GB to a supported language, or None."""
    if not value:
        return None
    tag = value.replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_Hans"
    if tag.startswith("en"):
        return "en"
    return None


def language_of(value: str | None) -> str:
    """The supported language a stored locale names, English when it names none (what mails are written in)."""
    return normalise_language(value) or DEFAULT_LANGUAGE
