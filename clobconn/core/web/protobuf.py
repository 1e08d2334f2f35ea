"""Protobuf frames, for venues whose streams send them (MEXC spot): behind the ``protobuf`` extra.

A venue's messages are generated into its connector folder from the ``.proto`` files it publishes
(``make protos``); this module turns a binary frame into the same plain mapping a JSON frame would
give, so a connector's parsers read both alike and its fixtures stay JSON. Nothing here is venue code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clobconn.core.errors import MissingExtra

if TYPE_CHECKING:
    from google.protobuf.message import Message

PROTOBUF_EXTRA = "protobuf"


def require_protobuf(who: str) -> None:
    """Raise ``MissingExtra`` naming the extra when the protobuf runtime is not installed.

    A connector whose generated modules need it calls this first thing in its package, so that
    importing the connector fails with a sentence to act on rather than a bare ``ImportError``.
    """
    try:
        import google.protobuf  # noqa: F401
    except ImportError:
        raise MissingExtra(
            f"{who} decodes protobuf frames and needs the 'protobuf' package: "
            f"pip install 'clobconn[{PROTOBUF_EXTRA}]'"
        ) from None


def protobuf_decoder(message_type: type[Message]) -> Callable[[bytes], dict[str, Any]]:
    """A ``ConnectSpec.binary_decoder``: the frame parsed as ``message_type``, as a mapping.

    Field names stay the venue's; fields at their default value (an empty string, 0, false) are
    present, as the venue's JSON examples show them; 64-bit integers arrive as strings, as in
    protobuf's JSON mapping. A frame that does not parse raises, and the stream counts it as malformed.
    """
    from google.protobuf.json_format import MessageToDict

    def decode(frame: bytes) -> dict[str, Any]:
        message = message_type()
        message.ParseFromString(frame)
        return MessageToDict(message, preserving_proto_field_name=True,
                             always_print_fields_with_no_presence=True)

    return decode


def protobuf_encoder(message_type: type[Message]) -> Callable[[dict[str, Any]], bytes]:
    """The inverse of ``protobuf_decoder``: a mapping (a fixture) as the venue's binary frame."""
    from google.protobuf.json_format import ParseDict

    def encode(document: dict[str, Any]) -> bytes:
        return ParseDict(document, message_type()).SerializeToString()

    return encode
