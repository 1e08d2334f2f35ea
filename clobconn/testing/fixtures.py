"""Fixture files of venue payloads, with placeholders a scenario fills in.

A fixture is ``{"source": "<doc URL>", "payload": ...}``: the venue's documented example, with the
values a scenario must control written as placeholders. In a string, ``{{name}}`` is replaced by
the value's text; a string that is exactly ``{{int:name}}``, ``{{float:name}}`` or ``{{raw:name}}``
becomes that value as an int, a float, or as it is (a list of levels, say). An object's keys take
inline placeholders too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

_WHOLE = re.compile(r"^\{\{(int|float|raw):(\w+)\}\}$")
_INLINE = re.compile(r"\{\{(\w+)\}\}")


class FixtureSet:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def has(self, name: str) -> bool:
        return (self.directory / f"{name}.json").exists()

    def load(self, name: str) -> dict[str, Any]:
        path = self.directory / f"{name}.json"
        document: dict[str, Any] = orjson.loads(path.read_bytes())
        if "source" not in document or "payload" not in document:
            raise ValueError(f"{path}: a fixture needs 'source' (the doc URL) and 'payload'")
        return document

    def payload(self, name: str, variables: dict[str, Any] | None = None) -> Any:
        return render(self.load(name)["payload"], variables or {})

    def status(self, name: str, default: int = 200) -> int:
        """The HTTP status a fixture documents for its payload (error examples carry one)."""
        return int(self.load(name).get("status", default))

    def headers(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, str]:
        """Response headers a fixture documents (a rate-limit refusal's reset hint), with placeholders."""
        headers = render(self.load(name).get("headers", {}), variables or {})
        return {str(key): str(value) for key, value in headers.items()}


def render(template: Any, variables: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = _WHOLE.match(template)
        if whole:
            kind, name = whole.groups()
            value = variables[name]
            if kind == "int":
                return int(value)
            if kind == "float":
                return float(value)
            return value
        return _INLINE.sub(lambda m: str(variables[m.group(1)]), template)
    if isinstance(template, list):
        return [render(item, variables) for item in template]
    if isinstance(template, dict):
        # Keys take inline placeholders too: some venues key objects by their id (Kraken's txids).
        return {_INLINE.sub(lambda m: str(variables[m.group(1)]), key): render(value, variables)
                for key, value in template.items()}
    return template
