"""`/docs`: the OpenAPI document as one server-rendered page, with nothing from elsewhere.

FastAPI's own page loads Swagger UI's script and styles from a CDN: blank on an LA
network that blocks it, and a third party's script running on the page where staff would
paste their tokens. This page is drawn here from the same document (`/openapi.json`):
every operation with its parameters, body and answers, then every schema with its fields,
vocabularies and limits. It has no script and no form, so there is nowhere to paste a
token; try a call with curl, as the README does.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem 2rem;
color:#0b0c0c;line-height:1.45}
h2{border-bottom:2px solid #0b0c0c;margin-top:2.5rem}h3{margin-bottom:.2rem}
code{background:#f3f2f1;padding:0 .2rem}table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #b1b4b6;padding:.2rem .5rem;text-align:left;vertical-align:top}
.method{font-weight:700;text-transform:uppercase}a{color:#1d70b8}a:focus{outline:3px solid
#fd0}.note{color:#505a5f}
"""
METHODS = ("get", "post", "put", "patch", "delete")


def render(doc: dict[str, Any]) -> str:
    """The whole page for an OpenAPI document."""
    info = doc.get("info", {})
    by_tag: dict[str, list[str]] = {}
    for path, ops in doc.get("paths", {}).items():
        for method in METHODS:
            if method in ops:
                tag = (ops[method].get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append(_operation(path, method, ops[method]))
    contents = (
        "".join(f'<li><a href="#tag-{_slug(t)}">{escape(t)}</a></li>' for t in by_tag)
        + '<li><a href="#schemas">schemas</a></li>'
    )
    sections = "".join(
        f'<h2 id="tag-{_slug(tag)}">{escape(tag)}</h2>{"".join(ops)}' for tag, ops in by_tag.items()
    )
    schemas = doc.get("components", {}).get("schemas", {})
    title = escape(str(info.get("title", "API")))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}: the API</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{title} {escape(str(info.get('version', '')))}</h1>"
        f"<p>{escape(str(info.get('summary', '')))}</p>{_paragraphs(info.get('description'))}"
        f'<p class="note">The machine-readable document: <a href="/openapi.json">'
        f"/openapi.json</a>.</p><nav><h2>Contents</h2><ul>{contents}</ul></nav>"
        f'{sections}<h2 id="schemas">Schemas</h2>'
        f"{''.join(_schema(name, s) for name, s in schemas.items())}</main></body></html>"
    )


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    anchor = _slug(f"{method}-{path}")
    rows = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td><td>{_type(p.get('schema', {}))}</td>"
        f"<td>{escape(str(p.get('description') or p.get('schema', {}).get('description', '')))}"
        "</td></tr>"
        for p in op.get("parameters", [])
    )
    params = (
        "<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th>"
        f"<th>what</th></tr>{rows}</table>"
        if rows
        else ""
    )
    body = ""
    for media, content in op.get("requestBody", {}).get("content", {}).items():
        body += f"<p>Body ({escape(media)}): {_type(content.get('schema', {}))}</p>"
    answers = "".join(
        f"<li><strong>{escape(code)}</strong> {escape(r.get('description', ''))}"
        + "".join(
            f" ({escape(m)}: {_type(c.get('schema', {}))})" for m, c in r.get("content", {}).items()
        )
        + "</li>"
        for code, r in op.get("responses", {}).items()
    )
    return (
        f'<section id="{anchor}"><h3><span class="method">{method}</span> '
        f"<code>{escape(path)}</code></h3><p>{escape(op.get('summary', ''))}</p>"
        f"{_paragraphs(op.get('description'))}{params}{body}<ul>{answers}</ul></section>"
    )


def _schema(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{escape(field)}</code></td><td>{'yes' if field in required else 'no'}"
        f"</td><td>{_type(prop)}</td><td>{escape(str(prop.get('description', '')))}</td></tr>"
        for field, prop in schema.get("properties", {}).items()
    )
    table = (
        f"<table><tr><th>field</th><th>required</th><th>type</th><th>what</th></tr>{rows}</table>"
        if rows
        else f"<p>{_type(schema)}</p>"
    )
    return (
        f'<section id="schema-{_slug(name)}"><h3>{escape(name)}</h3>'
        f"{_paragraphs(schema.get('description'))}{table}</section>"
    )


LIMITS = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}",
    "pattern": "matching {}",
    "format": "{}",
}


def _type(schema: dict[str, Any]) -> str:
    """One line of HTML saying what a value may be: type, vocabulary, limits."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#schema-{_slug(name)}">{escape(name)}</a>'
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " or ".join(_type(s) for s in schema[key])
    if "enum" in schema:
        values = (f"<code>{escape(json.dumps(v))}</code>" for v in schema["enum"])
        return "one of: " + ", ".join(values)
    if "const" in schema:
        return f"<code>{escape(json.dumps(schema['const']))}</code>"
    kind = escape(str(schema.get("type", "any")))
    if kind == "array":
        kind = f"list of {_type(schema.get('items', {}))}"
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        kind = f"object of {_type(schema['additionalProperties'])}"
    limits = [escape(text.format(schema[key])) for key, text in LIMITS.items() if key in schema] + (
        ["items all different"] if schema.get("uniqueItems") else []
    )
    return kind + (f" ({', '.join(limits)})" if limits else "")


def _paragraphs(text: Any) -> str:
    if not text:
        return ""
    return "".join(f"<p>{escape(p.strip())}</p>" for p in str(text).split("\n\n") if p.strip())


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
