"""The REST API: `/api/v1/<entity>` records, `/api/openapi.json`, `/api/docs`.

Every write goes through the records service with the token's user as the
actor. Errors are RFC 9457 problem documents (`officina.web.problems`).
"""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api")

from officina.web.api import (  # noqa: E402,F401  (routes)
    documents,
    records,
    transitions,
)

__all__ = ["blueprint"]
