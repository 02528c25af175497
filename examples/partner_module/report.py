"""The daily idle-waste report: read the machines' day figures from the partner API, post an insight
card, then report one billable unit per report."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

TIMEOUT = (3, 15)  # connect, read (seconds)
USER_AGENT = "DigitalFactory-SampleModule/1"
MAX_BODY_CHARS = 2000
MAX_TITLE_CHARS = 120


class ApiError(Exception):
    """The partner API refused a read the report needs (status None: no answer at all)."""

    def __init__(self, status: int | None, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class ApiResponse:
    """Status and JSON body of one partner API answer."""

    status: int
    body: dict

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300

    @property
    def reason(self) -> str:
        """The API's {"error": ...} text, or the status when there is none."""
        return str(self.body.get("error") or f"HTTP {self.status}")


class PartnerApi:
    """A client of one installation's partner API (`<platform>/api/partner/v1`)."""

    def __init__(self, api_base: str, token: str, session: requests.Session | None = None):
        self.api_base = api_base.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT})

    def call(self, method: str, path: str, **kwargs) -> ApiResponse:
        """One request; raises ApiError only when the platform cannot be reached."""
        try:
            response = self.session.request(method, self.api_base + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ApiError(None, f"platform unreachable: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        return ApiResponse(response.status_code, body if isinstance(body, dict) else {})

    def read(self, path: str, **params) -> dict:
        """GET `path` and return its JSON; raises ApiError on any non-2xx answer."""
        response = self.call("GET", path, params=params or None)
        if not response.ok:
            raise ApiError(response.status, response.reason)
        return response.body


def report_day(requested: str | None, tenant_timezone: str | None, now: datetime | None = None) -> date:
    """The requested day (YYYY-MM-DD), or yesterday in the tenant's timezone; ValueError when malformed."""
    if requested:
        return date.fromisoformat(requested)
    try:
        zone = ZoneInfo(tenant_timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    current = now or datetime.now(UTC)
    return current.astimezone(zone).date() - timedelta(days=1)


def idle_waste(api: PartnerApi, day: date, currency: str) -> dict:
    """Idle waste (Wh and cost) of every machine of the installation on `day`, worst first."""
    machines = []
    for device in api.read("/devices").get("devices", []):
        try:
            series = api.read(f"/devices/{device['id']}/series", **{
                "from": day.isoformat(), "to": day.isoformat(), "resolution": "day"})
        except ApiError as exc:
            if exc.status != 404:  # 404: the machine left the installation meanwhile
                raise
            continue
        buckets = series.get("buckets", [])
        currency = series.get("currency") or currency
        machines.append({
            "id": device["id"], "name": device.get("name") or f"#{device['id']}",
            "idle_waste_wh": round(sum(b.get("idle_waste_wh") or 0 for b in buckets), 1),
            "idle_waste_cost": round(sum(b.get("idle_waste_cost") or 0 for b in buckets), 2),
        })
    machines.sort(key=lambda machine: machine["idle_waste_wh"], reverse=True)
    total_wh = sum(machine["idle_waste_wh"] for machine in machines)
    return {
        "date": day.isoformat(), "currency": currency,
        "idle_waste_wh": round(total_wh, 1), "idle_waste_kwh": round(total_wh / 1000, 2),
        "idle_waste_cost": round(sum(machine["idle_waste_cost"] for machine in machines), 2),
        "machines": machines, "worst_machine": machines[0] if machines and total_wh > 0 else None,
    }


def insight_card(report: dict) -> dict:
    """The insight card (plain text) summing up a report."""
    kwh, currency = report["idle_waste_kwh"], report["currency"]
    title = f"Idle waste on {report['date']}: {kwh:.2f} kWh"
    worst = report["worst_machine"]
    if worst is None:
        body = f"No machine wasted energy standing idle on {report['date']}."
    else:
        lines = [
            f"Machines standing idle used {kwh:.2f} kWh ({report['idle_waste_cost']:.2f} {currency}) "
            f"on {report['date']}.",
            f"Worst machine: {worst['name']} with {worst['idle_waste_wh'] / 1000:.2f} kWh "
            f"({worst['idle_waste_cost']:.2f} {currency}).",
        ]
        lines += [f"- {m['name']}: {m['idle_waste_wh'] / 1000:.2f} kWh" for m in report["machines"][1:10]]
        body = "\n".join(lines)
    severity = "warning" if worst is not None else "info"
    return {"kind": "card", "title": title[:MAX_TITLE_CHARS], "body": body[:MAX_BODY_CHARS], "severity": severity}


def run_report(api: PartnerApi, installation_id: int, day: date, units: int, currency: str) -> dict:
    """Compute the report, post its card, then bill `units` (once per installation and day).

    Usage is only reported when the card was posted; a 402 (monthly cap reached) or any other
    refusal comes back in `usage_status`/`usage_error` instead of failing the run. A 401 raises
    ApiError: the installation was deleted and its token revoked."""
    report = idle_waste(api, day, currency)
    report["installation_id"] = installation_id
    insight = api.call("POST", "/insights", json=insight_card(report))
    if insight.status == 401:
        raise ApiError(401, insight.reason)
    result = {"report": report, "insight_status": insight.status, "usage_status": None, "usage_error": None}
    if not insight.ok:
        result["usage_error"] = f"not billed: the insight was refused ({insight.reason})"
        return result
    usage = api.call("POST", "/usage", json={
        "quantity": units, "idempotency_key": f"report-{installation_id}-{day.isoformat()}"})
    if usage.status == 401:
        raise ApiError(401, usage.reason)
    result["usage_status"] = usage.status
    result["usage_error"] = None if usage.ok else usage.reason
    return result
