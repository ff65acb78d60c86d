"""Routes of `/api/v1/<entity>`: list, create, read, update, delete."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from flask import Response, current_app, g, jsonify, request, url_for
from sqlalchemy.exc import IntegrityError

from officina.app import runtime
from officina.definitions.model import Entity
from officina.records.coercion import MAX_INTEGER as BIGINT
from officina.web.api import blueprint, clocks, idempotency
from officina.web.api.encoding import flat, jsonable, response
from officina.web.api.query import (
    BadParameter,
    open_cursor,
    parse_list_query,
    sign_cursor,
)
from officina.web.entities import top_level_entity
from officina.web.problems import problem

RECORDS = "/v1/<entity>"
RECORD = "/v1/<entity>/<int:record_id>"
_DIGITS = re.compile(r"[0-9]{1,19}")


class ApiProblem(Exception):
    """Stop handling a request and answer with this problem document."""

    def __init__(self, response: Response):
        self.response = response


@blueprint.errorhandler(ApiProblem)
def _answer(error: ApiProblem) -> Response:
    return error.response


@blueprint.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter) -> Response:
    return problem(400, str(error), kind="bad-parameter", parameter=error.parameter)


@blueprint.before_request
def _require_token():
    if request.endpoint in ("api.openapi", "api.docs"):
        return None
    if g.get("actor") is None:
        response = problem(
            401,
            "this API needs a valid token: send 'Authorization: Bearer <token>'. "
            "Hint: 'officina token create' makes one.",
            kind="unauthorized",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="officina"'
        return response
    return None


def top_level(name: str) -> Entity:
    """The entity the URL names; a 404 problem with a hint if there is none."""
    entity, hint = top_level_entity(runtime().definitions, name)
    if entity is None:
        raise ApiProblem(
            problem(
                404,
                f"there is no entity '{name}' in the API"
                + (f"; {hint}" if hint else ""),
                kind="unknown-entity",
                entity=name,
            )
        )
    return entity


def _record_id(entity: Entity, record_id: int) -> int:
    if record_id > BIGINT:
        raise ApiProblem(problem(404, f"there is no {entity.name} with id {record_id}"))
    return record_id


@blueprint.get(RECORDS)
def list_records(entity: str):
    model = top_level(entity)
    query = parse_list_query(
        runtime().definitions, model, request.args.items(multi=True)
    )
    secret = current_app.config["SECRET_KEY"]
    cursor = open_cursor(secret, model.name, query.cursor) if query.cursor else None
    page = runtime().records.list(
        model.name,
        filters=query.filters,
        sort=query.sort,
        limit=query.limit,
        cursor=cursor,
        count=query.count,
        expand=query.expand,
        actor=g.actor,
    )
    plain = flat(model, page.records, query.expand)
    data = page.records if plain else jsonable(page.records)
    clocks.attach(runtime(), model, data, g.actor)
    body = {
        "data": data,
        "next_cursor": sign_cursor(secret, model.name, page.next_cursor),
    }
    if query.count:
        body["total"] = page.total
    return response(body) if plain else jsonify(body)


@blueprint.get(RECORD)
def get_record(entity: str, record_id: int):
    model = top_level(entity)
    record = runtime().records.get(
        model.name, _record_id(model, record_id), actor=g.actor
    )
    return jsonify(with_clock(model, jsonable(record)))


@blueprint.post(RECORDS)
def create_record(entity: str):
    model = top_level(entity)
    values = _body(model)
    key = request.headers.get("Idempotency-Key")
    if key is None:
        record = runtime().records.create(model.name, values, actor=g.actor)
        return _created(model, jsonable(record))
    return _create_once(model, values, key.strip())


def _create_once(model: Entity, values: dict, key: str) -> Response:
    if not key or len(key) > idempotency.MAX_KEY_LENGTH or "\x00" in key:
        raise ApiProblem(
            problem(
                400,
                f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} characters",
                kind="bad-header",
                header="Idempotency-Key",
            )
        )
    current = runtime()
    hash_ = idempotency.request_hash("POST", request.path, request.get_data())
    stored = idempotency.find(current, g.actor.id, key)
    if stored is None:
        try:
            with current.records.transaction(g.actor) as transaction:
                body = jsonable(transaction.create(model.name, values))
                idempotency.remember(
                    transaction.connection,
                    current,
                    user_id=g.actor.id,
                    key=key,
                    hash_=hash_,
                    status=201,
                    response=body,
                )
            return _created(model, body)
        except IntegrityError:
            # A concurrent request with the same key won; answer as it did.
            stored = idempotency.find(current, g.actor.id, key)
            if stored is None:
                raise
    if stored.request_hash != hash_:
        raise ApiProblem(
            problem(
                422,
                "this Idempotency-Key was already used for a different request; "
                "use a new key for a new record",
                kind="idempotency-key-reused",
            )
        )
    response = _created(model, stored.response)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _created(model: Entity, body: dict) -> Response:
    response = jsonify(with_clock(model, dict(body)))
    response.status_code = 201
    response.headers["Location"] = url_for(
        "api.get_record", entity=model.name, record_id=body["id"]
    )
    return response


@blueprint.patch(RECORD)
def update_record(entity: str, record_id: int):
    model = top_level(entity)
    values = _body(model)
    version = _version(values.pop("version", None), "version")
    version = _if_match() if version is None else version
    record = runtime().records.update(
        model.name,
        _record_id(model, record_id),
        values,
        version=version,
        actor=g.actor,
    )
    return jsonify(with_clock(model, jsonable(record)))


def with_clock(model: Entity, body: dict) -> dict:
    """The JSON-ready record with its `_sla` (see `clocks`)."""
    clocks.attach(runtime(), model, [body], g.actor)
    return body


@blueprint.delete(RECORD)
def delete_record(entity: str, record_id: int):
    model = top_level(entity)
    runtime().records.delete(
        model.name, _record_id(model, record_id), version=_if_match(), actor=g.actor
    )
    return Response(status=204)


def _body(entity: Entity) -> dict:
    """The request's JSON object; 415 or 400 problems for anything else."""
    if not request.is_json:
        raise ApiProblem(
            problem(
                415,
                "send the record as JSON with 'Content-Type: application/json'",
                kind="unsupported-media-type",
            )
        )
    try:
        values = json.loads(
            request.get_data(), parse_float=Decimal, parse_constant=_no_constant
        )
    except ValueError as error:
        raise ApiProblem(
            problem(400, f"the body is not valid JSON: {error}", kind="bad-body")
        ) from None
    if not isinstance(values, dict):
        raise ApiProblem(
            problem(
                400, "the body must be a JSON object of field values", kind="bad-body"
            )
        )
    return values


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _if_match() -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return _version(header.strip().removeprefix("W/").strip('"'), "If-Match")


def _version(value, source: str) -> int | None:
    if value is None:
        return None
    text = str(value)
    if isinstance(value, bool) or not _DIGITS.fullmatch(text) or int(text) > BIGINT:
        raise ApiProblem(
            problem(
                400,
                f"{source} must be the record's version number, not '{value}'",
                kind="bad-version",
            )
        )
    return int(text)
