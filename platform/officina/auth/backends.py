"""Sign-in by plugins: the auth backends of the hook `officina_auth_backends`.

A backend is an object with `authenticate(runtime, request) -> Actor | None`.
They are asked in turn, the earliest registered plugin first, for API
requests without a valid bearer token and for UI requests without a
session; the first actor answered is the user of the request. A backend
that fails, or answers something other than an `Actor` of a user (the
system actor, which no permission limits, included), is logged and passed
over: it can neither let someone in by accident nor take the site down.
"""

from __future__ import annotations

import logging

from officina.records import Actor

logger = logging.getLogger(__name__)


def authenticate_by_backends(runtime, request) -> Actor | None:
    """The actor the first willing backend answers for `request`, or None."""
    for backend in runtime.extensions.auth_backends:
        try:
            actor = backend.authenticate(runtime, request)
        except Exception:  # noqa: BLE001 - a plugin's failure is not a sign-in
            logger.exception("the auth backend %r failed", backend)
            continue
        if actor is None:
            continue
        if not isinstance(actor, Actor):
            logger.error(
                "the auth backend %r answered %s, not an Actor: ignored",
                backend,
                type(actor).__name__,
            )
            continue
        if actor.system:
            logger.error(
                "the auth backend %r answered the system actor: ignored "
                "(a request is made by a user, never by the system)",
                backend,
            )
            continue
        return actor
    return None
