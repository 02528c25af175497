"""A module manifest is checked field by field, with a reason naming the field."""
import copy

import pytest

from marketplace.manifest import parse_manifest
from tenants.errors import DomainError

GOOD = {
    "name": "Idle Waste Report", "slug": "idle-report", "summary": "A daily report of the money lost idling.",
    "description": "# Idle waste\n\nEvery morning, **which machine** idled the most.", "icon_url": "https://p.example/i.png",
    "categories": ["reports", "energy"], "languages": ["en", "zh-Hans"], "support_email": "Help@P.example",
    "webhook_url": "https://p.example/hooks", "launch_url": "https://p.example/launch",
    "scopes": ["devices:read", "readings:read", "insights:write"], "events": ["device.daily_summary"],
    "pricing": {"model": "device_day", "prices": {"eur": 5, "CNY": 40}}, "version": "1.0.0",
}


def test_a_good_manifest_reads_back_the_same():
    manifest = parse_manifest(GOOD)
    assert manifest.support_email == "help@p.example"
    assert manifest.pricing.prices == {"CNY": 40, "EUR": 5} and manifest.pricing.unit_name is None
    assert parse_manifest(manifest.as_json()) == manifest


def test_unit_pricing_needs_a_unit_name():
    data = {**GOOD, "pricing": {"model": "unit", "prices": {"EUR": 2}}}
    with pytest.raises(DomainError, match="unit_name"):
        parse_manifest(data)
    data["pricing"]["unit_name"] = "report"
    assert parse_manifest(data).pricing.unit_name == "report"


@pytest.mark.parametrize("path, value, reason", [
    (("slug",), "Idle Report", "slug"),
    (("name",), "", "name"),
    (("webhook_url",), "ftp://p.example/x", "webhook_url"),
    (("launch_url",), "https://user:pw@p.example/", "launch_url"),
    (("scopes",), ["devices:write"], "Unknown scopes"),
    (("events",), ["device.exploded"], "Unknown events"),
    (("categories",), [], "categories"),
    (("languages",), ["english!"], "languages"),
    (("pricing", "model"), "per_hour", "pricing.model"),
    (("pricing", "prices"), {"EUR": -1}, "EUR price"),
    (("pricing", "prices"), {"EUR": 1.5}, "EUR price"),
    (("pricing", "prices"), {"EUR": True}, "EUR price"),
    (("pricing", "prices"), {"XXQ": 5}, "currency"),
    (("version",), "v1", "version"),
    (("description",), "x" * 20_001, "description"),
])
def test_bad_fields_are_refused_with_their_name(path, value, reason):
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(DomainError, match=reason):
        parse_manifest(data)


def test_not_an_object():
    with pytest.raises(DomainError, match="JSON object"):
        parse_manifest(["name"])
