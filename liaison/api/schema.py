"""The error answers every operation can give, written into the OpenAPI schema.

drf-spectacular documents the success answer of an operation and the errors its view declares; the
ones any operation gives are added here: 401 without valid credentials, 403 for a role (or a password
that must be changed first), 404 for an id that is not there or not visible (and DRF's answer to a
`?format=` it cannot render), 400 for input that does not validate (query parameters or body).
Bodies are DRF's: `{"detail": …, "code": …}` for the first three, field names to lists of
messages for a 400.
"""

from __future__ import annotations

ERROR = {
    "type": "object",
    "description": "An error: a message in the user's language, and a machine-readable code where there is one.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Input that does not validate: each field (or `non_field_errors`) with its messages.",
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Input that does not validate.",
    "401": "No valid credentials.",
    "403": "Not allowed for this user.",
    "404": "Not found, not visible to this user, a page past the last, or a `format` the API does not render.",
    "415": "A body whose media type the operation does not read, or a multipart body that cannot be parsed.",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _error_codes(operation: dict) -> list[str]:
    codes = []
    if {} not in operation.get("security", [{}]):  # `{}`: anonymous callers are allowed
        codes += ["401", "403"]
    if operation.get("requestBody") or any(p.get("in") == "query" for p in operation.get("parameters", [])):
        codes.append("400")
    if operation.get("requestBody"):
        codes.append("415")  # DRF refuses an unreadable body before the view runs
    codes.append("404")  # an object that is not there, a page past the last, or a `?format=` no renderer has
    return codes


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the error answers every API operation can give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(operation):
                response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                name = "ValidationError" if code == "400" else "Error"
                ref = {"$ref": f"#/components/schemas/{name}"}
                content = response.get("content") or {}
                if not content:
                    response["content"] = {"application/json": {"schema": ref}}
                elif code == "400" and "application/json" in content:
                    # An operation's own 400 body (a refused row, an import report) or, for input that does
                    # not validate, field messages: DRF answers those before the view runs.
                    own = content["application/json"]["schema"]
                    content["application/json"]["schema"] = {"anyOf": [own, ref]}
    return result
