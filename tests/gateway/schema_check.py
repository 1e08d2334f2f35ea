"""A small JSON Schema checker for the subset the Gateway fixtures use (type, required, properties,
additionalProperties, items, anyOf): jsonschema is not a dependency."""

from __future__ import annotations

from typing import Any

TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "null": type(None), "boolean": bool}


def _is(value: Any, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[kind]) and not (kind != "boolean" and isinstance(value, bool))


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    if "anyOf" in schema:
        if all(problems(value, option, where) for option in schema["anyOf"]):
            return [f"{where}: matches none of {schema['anyOf']}"]
        return []
    kind = schema.get("type")
    if kind is not None and not _is(value, kind):
        return [f"{where}: expected {kind}, got {type(value).__name__}"]
    found: list[str] = []
    if kind == "object":
        found += [f"{where}: missing {name}" for name in schema.get("required", []) if name not in value]
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                found += problems(item, properties[name], f"{where}.{name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += problems(item, schema["additionalProperties"], f"{where}.{name}")
    if kind == "array" and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], f"{where}[{index}]")
    return found
