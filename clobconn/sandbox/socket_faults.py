"""A socket's faults at the TCP edge, for a venue served over loopback (the sandbox, the mock venue):
a reset (an RST, no WebSocket close frame) and a silence (the connection stays open, nothing passes)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct


def reset(transport: asyncio.BaseTransport) -> bool:
    """Abort the connection with an RST, as a dying host or a middlebox does; False if already closing."""
    if transport.is_closing() or not isinstance(transport, asyncio.WriteTransport):
        return False
    raw = transport.get_extra_info("socket")
    if raw is not None:
        # Linger on with a zero timeout: closing the socket sends RST instead of FIN.
        with contextlib.suppress(OSError):
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


def stop_reading(transport: asyncio.BaseTransport) -> bool:
    """Read nothing more from the peer: its pings and its close frame go unanswered. The venue must
    also stop writing to make the socket silent (it knows its own sockets); False if already closing."""
    if transport.is_closing() or not isinstance(transport, asyncio.ReadTransport):
        return False
    transport.pause_reading()
    return True
