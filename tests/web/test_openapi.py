"""The OpenAPI document and the docs page, and the API checked against the
document by schemathesis."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from officina.web.api.documents import EXTENSION

METHODS = {"get", "post", "patch", "delete"}


def test_the_document_is_openapi_3_1_listing_every_entity(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert {"title", "version"} <= set(document["info"])
    assert set(document["paths"]) == {
        f"/api/v1/{name}{suffix}"
        for name in ("customer", "product", "order", "ticket")
        for suffix in ("", "/{id}")
    } | {"/api/v1/ticket/{id}/transitions", "/api/v1/ticket/{id}/transitions/{name}"}
    step = document["paths"]["/api/v1/ticket/{id}/transitions/{name}"]
    assert step["parameters"][1]["schema"] == {"enum": ["reply", "close"]}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                assert operation["responses"], method
                assert "401" in operation["responses"]
    schemas = document["components"]["schemas"]
    order = schemas["Order"]
    assert order["properties"]["lines"]["items"] == {
        "$ref": "#/components/schemas/OrderLine"
    }
    assert schemas["OrderInput"]["required"] == ["customer"]
    assert "subtotal" not in schemas["OrderInput"]["properties"]
    assert schemas["Customer"]["properties"]["tier"]["anyOf"][0]["enum"] == [
        "bronze",
        "silver",
        "gold",
    ]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    listing = document["paths"]["/api/v1/order"]["get"]["parameters"]
    names = {parameter["name"]: parameter for parameter in listing}
    assert {"sort", "limit", "cursor", "count", "expand", "placed_on__in"} <= set(names)
    assert names["expand"]["schema"]["items"]["enum"] == ["customer", "lines"]
    assert names["placed_on__between"]["explode"] is False  # low,high


def test_every_schema_is_json_schema_2020_12(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in (
                operation.get("parameters", ())
                if isinstance(operation, dict)
                else operation
            ):
                Draft202012Validator.check_schema(parameter["schema"])


def test_the_document_is_cached_per_definitions_version(app, opened):
    client = app.test_client()
    client.get("/api/openapi.json")
    assert list(app.extensions[EXTENSION]) == [opened.definitions.version]


def test_the_docs_page_lists_entities_fields_and_parameters(app):
    response = app.test_client().get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for text in ("/api/v1/order/{id}", "subtotal", "customer.city", "tier__in"):
        assert text in page
    assert "http://" not in page and "https://" not in page  # no external assets


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(app, client, token, mode):
    """Generated requests for every operation never get a 5xx; requests that
    fit the document get answers (status, headers, body) as it says."""
    # A few records, so reads and changes of existing ids are tried too.
    customer = client.post("/api/v1/customer", json={"name": "Acme"}).get_json()
    client.post("/api/v1/product", json={"sku": "PEN-1", "name": "Pen", "price": 1})
    client.post("/api/v1/order", json={"customer": customer["id"]})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    if mode is GenerationMode.POSITIVE:
        # Valid-looking requests may still be refused (a reference to a
        # missing record, a made-up cursor), so "schema-valid request
        # accepted" does not apply; every other check does.
        checks = {"excluded_checks": [positive_data_acceptance]}
    else:
        checks = {"checks": [not_a_server_error]}
    # Schemathesis' pytest loader (`from_fixture`) does not work with pytest 9
    # yet, so each operation gets its own Hypothesis test here.
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "15")),
            deadline=None,
            database=None,
            derandomize=bool(os.environ.get("CI")),  # stable examples in CI
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_document(case):
            case.call_and_validate(headers=headers, **checks)

        keeps_to_document()
