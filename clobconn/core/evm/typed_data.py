"""Checking EIP-712 typed data that a venue built for the wallet to sign (Tegro builds its orders).

A venue that hands the client the very thing it signs could hand it anything: another chain, another
contract, another amount or maker. Before signing, the client compares the domain and every message
field it can derive from its own request with what came back; one mismatch refuses the signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clobconn.core.errors import ExchangeError


class TypedDataMismatch(ExchangeError):
    """The venue's typed data does not say what was asked for: nothing was signed."""


def check_typed_data(typed_data: Mapping[str, Any], *, who: str, primary_type: str, chain_id: int,
                     verifying_contract: str, expected: Mapping[str, Any]) -> None:
    """Raise ``TypedDataMismatch`` naming the first field of ``typed_data`` that differs from the request.

    Addresses compare without case (checksummed or not), numbers as integers whether the venue sent a
    string or a number, booleans as booleans. ``expected`` holds the message fields to check; fields it
    leaves out (a salt, an expiry the venue chooses) are not compared.
    """
    if typed_data.get("primaryType") != primary_type:
        _mismatch(who, "primaryType", typed_data.get("primaryType"), primary_type)
    domain = typed_data.get("domain")
    message = typed_data.get("message")
    if not isinstance(domain, Mapping) or not isinstance(message, Mapping):
        raise TypedDataMismatch(f"{who}: the typed data has no domain or no message; nothing was signed")
    _compare(who, "domain.chainId", domain.get("chainId"), chain_id)
    _compare(who, "domain.verifyingContract", domain.get("verifyingContract"), verifying_contract)
    for name, wanted in expected.items():
        _compare(who, f"message.{name}", message.get(name), wanted)


def _compare(who: str, field: str, got: Any, wanted: Any) -> None:
    if not _same(got, wanted):
        _mismatch(who, field, got, wanted)


def _same(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return got is wanted
    if isinstance(wanted, int):
        try:
            return not isinstance(got, bool) and int(got) == wanted and str(got).strip().lstrip("-").isdigit()
        except (TypeError, ValueError):
            return False
    if isinstance(wanted, str) and wanted.startswith("0x"):
        return isinstance(got, str) and got.lower() == wanted.lower()
    return bool(got == wanted)


def _mismatch(who: str, field: str, got: Any, wanted: Any) -> None:
    raise TypedDataMismatch(f"{who}: the venue's typed data has {field} {got!r} where the request means "
                            f"{wanted!r}; nothing was signed")
