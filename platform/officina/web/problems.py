"""Errors as RFC 9457 problem documents (application/problem+json).

One shape for every error of the API: `type`, `title`, `status`, `detail`,
and for invalid records `errors` per field and per child row.
"""

from __future__ import annotations

from flask import Flask, Response, json, render_template, request
from flask_wtf.csrf import CSRFError
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


def _wants_page() -> bool:
    """Whether the error goes to a person at a page (else: a problem document)."""
    return not (
        request.path.startswith("/api/")
        or request.accept_mimetypes.best == "application/json"
    )


def _page(status: int, message: str):
    return render_template("ui/error.html", message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RecordInvalid)
    def invalid(error: RecordInvalid):
        if _wants_page():
            return _page(422, str(error))
        return problem(422, str(error), kind="invalid", errors=error.problems.as_dict())

    @app.errorhandler(RecordError)
    def refused(error: RecordError):
        if _wants_page():
            return _page(error.status, str(error))
        return problem(error.status, str(error))

    @app.errorhandler(OfficinaError)
    def officina_error(error: OfficinaError):
        if _wants_page():
            return _page(400, str(error))
        return problem(400, str(error))

    @app.errorhandler(CSRFError)
    def forged(error: CSRFError):
        message = (
            "The form expired or did not come from this site, so nothing was "
            f"done ({error.description.rstrip('.')}). Go back, reload the page "
            "and send it again."
        )
        if _wants_page():
            return _page(400, message)
        return problem(400, message, kind="csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_page():
            return _page(error.code or 500, error.description or error.name)
        return problem(error.code or 500, error.description or error.name)
