"""The OpenAPI document as plain rows for the server-rendered /api/docs page."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from markupsafe import Markup, escape

METHODS = ("get", "post", "put", "patch", "delete")
AUTH_LABELS = {"apiKey": "Bearer API key", "session": "session cookie", "deviceToken": "Bearer device token",
               "emoncmsKey": "apikey parameter", "influxToken": "Token header"}
AUTH_HEADERS = {"apiKey": "Authorization: Bearer $API_KEY", "deviceToken": "Authorization: Bearer $DEVICE_TOKEN",
                "influxToken": "Authorization: Token $GATEWAY_KEY"}


@dataclass
class Param:
    """A parameter row."""

    name: str
    where: str
    required: bool
    kind: str
    description: str
    example: str


@dataclass
class Answer:
    """One documented response."""

    status: str
    description: str
    media: str = ""
    example: str = ""
    headers: list[str] = field(default_factory=list)


@dataclass
class Operation:
    """One method on one path, ready to render."""

    anchor: str
    method: str
    path: str
    summary: str
    description: str
    auth: list[str]
    params: list[Param]
    body_media: str
    body_example: str
    curl: str
    answers: list[Answer]


@dataclass
class Group:
    """The operations of one tag."""

    name: str
    anchor: str
    description: str
    operations: list[Operation]


def _text(example) -> str:
    if example is None:
        return ""
    return example if isinstance(example, str) else json.dumps(example, indent=2, ensure_ascii=False)


def _resolve(spec: dict, item: dict) -> dict:
    target = item.get("$ref")
    if not target:
        return item
    node = spec
    for part in target.lstrip("#/").split("/"):
        node = node[part]
    return node


def _kind(schema: dict) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "string")
    return " | ".join(kind) if isinstance(kind, list) else kind


def _params(operation: dict) -> list[Param]:
    return [Param(p["name"], p["in"], p.get("required", False), _kind(p.get("schema", {})), p.get("description", ""),
                  "" if p.get("example") is None else str(p["example"])) for p in operation.get("parameters", [])]


def _first_media(content: dict) -> tuple[str, str]:
    for media, item in content.items():
        return media, _text(item.get("example"))
    return "", ""


def _answers(spec: dict, operation: dict) -> list[Answer]:
    answers = []
    for status, raw in operation["responses"].items():
        response = _resolve(spec, raw)
        media, example = _first_media(response.get("content", {}))
        answers.append(Answer(status, response.get("description", ""), media, example,
                              sorted(response.get("headers", {}))))
    return answers


def _curl(base_url: str, method: str, path: str, operation: dict, auth_names: list[str], body: tuple[str, str]) -> str:
    params = {p["name"]: p["example"] for p in operation.get("parameters", []) if p.get("example") is not None}
    url = re.sub(r"{(\w+)}", lambda m: str(params.get(m.group(1), m.group(0))), path)
    if method in ("get", "delete") or not body[0]:
        pairs = {p["name"]: p["example"] for p in operation.get("parameters", [])
                 if p["in"] == "query" and p.get("example") is not None}
        url += "?" + urlencode(pairs) if pairs else ""
    lines = [f"curl -X {method.upper()} '{base_url.rstrip('/')}{url}'"]
    lines += [f"  -H '{AUTH_HEADERS[name]}'" for name in auth_names[:1] if name in AUTH_HEADERS]
    if not body[0] or method in ("get", "delete"):
        return " \\\n".join(lines)
    lines.append(f"  -H 'Content-Type: {body[0]}'")
    if body[0].endswith("json"):
        data = json.dumps(json.loads(body[1]), ensure_ascii=False)
    elif body[0] == "application/x-www-form-urlencoded":
        data = urlencode(json.loads(body[1]))
    else:
        return " \\\n".join([*lines, "  --data-binary @- <<'EOF'"]) + "\n" + body[1] + "\nEOF"
    lines.append("  -d '" + data.replace("'", "'\\''") + "'")
    return " \\\n".join(lines)


def _operation(spec: dict, base_url: str, path: str, method: str, operation: dict) -> Operation:
    security = operation.get("security", spec.get("security", []))
    auth_names = [name for requirement in security for name in requirement]
    media, example = _first_media(operation.get("requestBody", {}).get("content", {}))
    anchor = re.sub(r"[^a-z0-9]+", "-", f"{method}-{path}".lower()).strip("-")
    return Operation(anchor, method.upper(), path, operation.get("summary", ""), operation.get("description", ""),
                     [AUTH_LABELS.get(name, name) for name in auth_names], _params(operation), media, example,
                     _curl(base_url, method, path, operation, auth_names, (media, example)), _answers(spec, operation))


def groups(spec: dict, base_url: str) -> list[Group]:
    """The document's operations grouped by tag, in the tags' order, each path's methods in a fixed order."""
    by_tag: dict[str, list[Operation]] = {tag["name"]: [] for tag in spec.get("tags", [])}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                tag = item[method].get("tags", ["Other"])[0]
                by_tag.setdefault(tag, []).append(_operation(spec, base_url, path, method, item[method]))
    descriptions = {tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])}
    return [Group(name, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"), descriptions.get(name, ""), ops)
            for name, ops in by_tag.items() if ops]


def inline_code(text: str) -> Markup:
    """Escape a description and show `backticked` parts as code."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts)))
