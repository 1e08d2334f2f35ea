"""EVM addresses a connector is given (a wallet that owns an account, a contract): checked and checksummed."""

from __future__ import annotations

from eth_utils.address import is_hex_address, to_checksum_address

from clobconn.core.errors import InvalidCredentials


def checksum_address(text: str, who: str, what: str = "wallet address") -> str:
    """``text`` as a checksummed address; anything but 0x and 40 hex digits is refused, naming the format."""
    text = text.strip()
    if not (text.startswith("0x") and is_hex_address(text)):
        raise InvalidCredentials(f"{who}: the {what} must be a 0x-prefixed 20-byte hex address")
    return str(to_checksum_address(text))
