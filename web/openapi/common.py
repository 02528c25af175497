"""Building blocks of the OpenAPI document: operations, parameters, bodies and shared responses."""
from __future__ import annotations

JSON = "application/json"
REF = "#/components/"

TENANT_AUTH = [{"apiKey": []}, {"session": []}]
DEVICE_AUTH = [{"deviceToken": []}]
NO_AUTH: list = []


def ref(kind: str, name: str) -> dict:
    """A $ref to a component (kind: schemas, responses, parameters)."""
    return {"$ref": f"{REF}{kind}/{name}"}


def schema(name: str) -> dict:
    """A $ref to a component schema."""
    return ref("schemas", name)


def op(tag: str, summary: str, responses: dict, *, description: str | None = None, params: tuple = (),
       body: dict | None = None, security: list | None = None, operation_id: str | None = None) -> dict:
    """One operation object."""
    operation = {"tags": [tag], "summary": summary, "responses": responses}
    if operation_id:
        operation["operationId"] = operation_id
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = list(params)
    if body is not None:
        operation["requestBody"] = body
    if security is not None:
        operation["security"] = security
    return operation


def query(name: str, description: str, example=None, kind: str = "string", required: bool = False, **extra) -> dict:
    """A query parameter."""
    param = {"name": name, "in": "query", "required": required, "description": description,
             "schema": {"type": kind, **extra}}
    if example is not None:
        param["example"] = example
    return param


def path_param(name: str, description: str, example, kind: str = "integer") -> dict:
    """A path parameter."""
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": kind},
            "example": example}


def json_body(schema_ref: dict, example, description: str | None = None, required: bool = True) -> dict:
    """A JSON request body."""
    body = {"required": required, "content": {JSON: {"schema": schema_ref, "example": example}}}
    if description:
        body["description"] = description
    return body


def body_of(media: dict, description: str | None = None) -> dict:
    """A request body with several media types: {mime: (schema, example)}."""
    body = {"required": True, "content": {mime: {"schema": s, "example": e} for mime, (s, e) in media.items()}}
    if description:
        body["description"] = description
    return body


def json_response(description: str, schema_ref: dict, example, headers: dict | None = None) -> dict:
    """A JSON response with an example."""
    response = {"description": description, "content": {JSON: {"schema": schema_ref, "example": example}}}
    if headers:
        response["headers"] = headers
    return response


def text_response(description: str, example: str, mime: str = "text/plain") -> dict:
    """A plain-text response with an example."""
    return {"description": description, "content": {mime: {"schema": {"type": "string"}, "example": example}}}


def empty(description: str, headers: dict | None = None) -> dict:
    """A response without a body."""
    response = {"description": description}
    if headers:
        response["headers"] = headers
    return response


def tenant_errors(*codes: int) -> dict:
    """Shared error responses of the tenant API (401 and 429 always)."""
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             422: "Unprocessable", 429: "RateLimited"}
    return {str(code): ref("responses", names[code]) for code in sorted({401, 429, *codes})}


def ingest_errors() -> dict:
    """Every error answer of the JSON ingest endpoints."""
    return {str(code): ref("responses", name) for code, name in (
        (400, "IngestBadRequest"), (401, "IngestUnauthorized"), (413, "IngestTooLarge"),
        (422, "IngestUnprocessable"), (429, "IngestRateLimited"), (503, "Unavailable"))}


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"},
                               "example": 5}}
