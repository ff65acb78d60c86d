"""`/api/openapi.json` and `/api/docs`, both made from the definitions.

The document is built once per definitions version and kept on the
application (`app.extensions["officina_openapi"]`), so a swapped-in runtime
gets a fresh one and nothing lives in module globals.
"""

from __future__ import annotations

from flask import current_app, jsonify, render_template_string

from officina.app import runtime
from officina.web.api import blueprint
from officina.web.api.openapi import build_document

EXTENSION = "officina_openapi"


@blueprint.record_once
def _install(state) -> None:
    state.app.extensions.setdefault(EXTENSION, {})


def current_document() -> dict:
    """The OpenAPI document of the running definitions (cached per version)."""
    definitions = runtime().definitions
    cache: dict = current_app.extensions.setdefault(EXTENSION, {})
    document = cache.get(definitions.version)
    if document is None:
        cache.clear()  # only the running version is ever asked for again
        title = runtime().site.path.name or "Officina"
        document = cache[definitions.version] = build_document(definitions, title)
    return document


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(current_document())


@blueprint.get("/docs")
def docs():
    document = current_document()
    schemas = document["components"]["schemas"]
    entities = []
    for path, item in document["paths"].items():
        if "{" in path:  # a record's own routes are listed with its collection
            continue
        name = path.rsplit("/", 1)[1]
        schema_name = (
            item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .rsplit("/", 1)[1]
            .removesuffix("Input")
        )
        schema = schemas[schema_name]
        accepted = schemas[schema_name + "Input"]
        entities.append(
            {
                "name": name,
                "title": schema.get("title", name),
                "routes": [
                    (method.upper(), route, operation["summary"])
                    for route in document["paths"]
                    if route == path or route.startswith(path + "/")
                    for method, operation in document["paths"][route].items()
                    if method != "parameters"
                ],
                "fields": [
                    (
                        field,
                        _type_text(value),
                        field in accepted.get("required", ()),
                        field not in accepted["properties"],
                    )
                    for field, value in schema["properties"].items()
                ],
                "parameters": item["get"]["parameters"],
            }
        )
    return render_template_string(PAGE, info=document["info"], entities=entities)


def _type_text(schema: dict) -> str:
    """A short human name of a JSON schema: `string (date)`, `one of a, b`."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        parts = [_type_text(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(parts) + (
            ", or null" if len(parts) < len(schema["anyOf"]) else ""
        )
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"list of {_type_text(schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ info.title }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}
th,td{text-align:left;border-bottom:1px solid #ddd;padding:.3rem .5rem;
vertical-align:top}
code{background:#f4f4f4;padding:0 .2rem}
</style></head><body>
<h1>{{ info.title }}</h1>
<p>{{ info.description }}</p>
<p>Definitions version <code>{{ info.version }}</code>.
The machine-readable document is <a href="openapi.json">openapi.json</a>.</p>
<nav><ul>{% for entity in entities %}
<li><a href="#{{ entity.name }}">{{ entity.title }}</a></li>{% endfor %}
</ul></nav>
{% for entity in entities %}
<section id="{{ entity.name }}">
<h2>{{ entity.title }} <code>{{ entity.name }}</code></h2>
<h3>Routes</h3>
<table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>
{% for method, path, summary in entity.routes %}
<tr><td>{{ method }}</td><td><code>{{ path }}</code></td><td>{{ summary }}</td></tr>
{% endfor %}</table>
<h3>Fields</h3>
<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Read-only</th></tr>
{% for name, kind, required, read_only in entity.fields %}
<tr><td><code>{{ name }}</code></td><td>{{ kind }}</td>
<td>{{ "yes" if required else "" }}</td><td>{{ "yes" if read_only else "" }}</td></tr>
{% endfor %}</table>
<h3>List parameters</h3>
<table><tr><th>Parameter</th><th>Meaning</th></tr>
{% for parameter in entity.parameters %}
<tr><td><code>{{ parameter.name }}</code></td><td>{{ parameter.description }}</td></tr>
{% endfor %}</table>
</section>
{% endfor %}
</body></html>
"""
