"""Contract ABIs in their JSON form (as solc emits them and venues publish them): a function's call data
and result, and an event log's fields, encoded and decoded with eth_abi. Nothing here is venue code.

Struct (tuple) values decode to dicts named by the ABI's components, so parsers read ``order["status"]``
rather than a position; on the way in, a struct is given as a tuple in the components' order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

__all__ = ["ContractAbi", "canonical_type", "hex_bytes"]


def canonical_type(param: Mapping[str, Any]) -> str:
    """The type as signatures and eth_abi write it: a tuple spelled out as ``(t1,t2,...)`` plus any array suffix."""
    kind = str(param["type"])
    if not kind.startswith("tuple"):
        return kind
    return "(" + ",".join(canonical_type(c) for c in param["components"]) + ")" + kind[len("tuple"):]


def hex_bytes(value: str | bytes) -> bytes:
    """A node's 0x-hex (or raw bytes) as bytes."""
    return bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)


def _named(param: Mapping[str, Any], value: Any) -> Any:
    """A decoded value with its structs as dicts named by the components (arrays of structs too)."""
    kind = str(param["type"])
    if kind == "tuple":
        return {c["name"]: _named(c, v) for c, v in zip(param["components"], value, strict=True)}
    if kind.startswith("tuple["):
        element = {**param, "type": kind[:kind.rindex("[")]}
        return [_named(element, v) for v in value]
    return value


class ContractAbi:
    """The functions and events of one contract's ABI (only the fragments a connector uses need be there)."""

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        entries = list(entries)
        self.functions = {e["name"]: e for e in entries if e.get("type") == "function"}
        self.events = {e["name"]: e for e in entries if e.get("type") == "event"}

    @classmethod
    def load(cls, path: Path) -> ContractAbi:
        return cls(json.loads(path.read_text()))

    @staticmethod
    def signature(entry: Mapping[str, Any]) -> str:
        return f"{entry['name']}({','.join(canonical_type(p) for p in entry['inputs'])})"

    def selector(self, function: str) -> bytes:
        return keccak(text=self.signature(self.functions[function]))[:4]

    def encode_call(self, function: str, *args: Any) -> bytes:
        """The call data: the 4-byte selector and the ABI-encoded arguments."""
        inputs = self.functions[function]["inputs"]
        return self.selector(function) + abi_encode([canonical_type(p) for p in inputs], list(args))

    def decode_call(self, function: str, data: bytes) -> dict[str, Any]:
        """The arguments of call data made by ``encode_call`` (the test node's side), named; the selector checked."""
        if data[:4] != self.selector(function):
            raise ValueError(f"call data is not a {function} call")
        inputs = self.functions[function]["inputs"]
        values = abi_decode([canonical_type(p) for p in inputs], data[4:])
        return {p["name"]: _named(p, v) for p, v in zip(inputs, values, strict=True)}

    def decode_result(self, function: str, data: bytes) -> dict[str, Any]:
        """An eth_call's return data, by output name (``_0``, ``_1``... where the ABI names none)."""
        outputs = self.functions[function]["outputs"]
        values = abi_decode([canonical_type(p) for p in outputs], data)
        return {p.get("name") or f"_{i}": _named(p, v) for i, (p, v) in enumerate(zip(outputs, values, strict=True))}

    def encode_result(self, function: str, *values: Any) -> bytes:
        """What a node answers an eth_call with (the test node's side)."""
        return abi_encode([canonical_type(p) for p in self.functions[function]["outputs"]], list(values))

    def topic(self, event: str) -> bytes:
        return keccak(text=self.signature(self.events[event]))

    def decode_log(self, event: str, log: Mapping[str, Any]) -> dict[str, Any] | None:
        """A receipt log's fields by name when it is ``event`` (its first topic), else None. Indexed fields come
        from the topics, the others from the data."""
        topics: Sequence[bytes] = [hex_bytes(t) for t in log.get("topics", ())]
        entry = self.events[event]
        if not topics or topics[0] != self.topic(event):
            return None
        indexed = [p for p in entry["inputs"] if p.get("indexed")]
        plain = [p for p in entry["inputs"] if not p.get("indexed")]
        fields = {p["name"]: _named(p, v) for p, v in zip(
            plain, abi_decode([canonical_type(p) for p in plain], hex_bytes(log.get("data", "0x"))), strict=True)}
        for param, topic in zip(indexed, topics[1:], strict=True):
            fields[param["name"]] = abi_decode([canonical_type(param)], topic)[0]
        return fields

    def encode_log(self, event: str, **values: Any) -> dict[str, Any]:
        """The log a node's receipt carries for ``event`` with these field values (the test node's side)."""
        entry = self.events[event]
        indexed = [p for p in entry["inputs"] if p.get("indexed")]
        plain = [p for p in entry["inputs"] if not p.get("indexed")]
        topics = [self.topic(event)] + [abi_encode([canonical_type(p)], [values[p["name"]]]) for p in indexed]
        data = abi_encode([canonical_type(p) for p in plain], [values[p["name"]] for p in plain])
        return {"topics": ["0x" + t.hex() for t in topics], "data": "0x" + data.hex()}
