"""Errors as RFC 9457 problem documents (application/problem+json).

One shape for every error of the API: `type`, `title`, `status`, `detail`,
and for invalid records `errors` per field and per child row.
"""

from __future__ import annotations

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from officina.errors import OfficinaError
from officina.records import RecordError, RecordInvalid

PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid values",
    500: "Internal error",
}


def problem(status: int, detail: str, *, kind: str | None = None, **extra) -> Response:
    body = {
        "type": f"https://officina.dev/problems/{kind or status}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(json.dumps(body), status=status, mimetype=PROBLEM)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RecordInvalid)
    def invalid(error: RecordInvalid):
        return problem(422, str(error), kind="invalid", errors=error.problems.as_dict())

    @app.errorhandler(RecordError)
    def refused(error: RecordError):
        return problem(error.status, str(error))

    @app.errorhandler(OfficinaError)
    def officina_error(error: OfficinaError):
        return problem(400, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return problem(error.code or 500, error.description or error.name)
