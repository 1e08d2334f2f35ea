"""The WebSocket envelope OKX (v5) and Bitget (v2) share: a client sends ``{"op": ..., "args": [...]}``;
the venue answers with events (``{"event": "subscribe" | "error" | ..., "arg": {...}}``) and pushes
data as ``{"arg": {"channel": ..., "instId": ...}, "action": ..., "data": [...]}``. What a channel's
entries mean stays with each venue; this only opens the envelope.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class ChannelPush(NamedTuple):
    channel: str
    # The subscription's arguments as the venue echoes them (instId, instType, coin, ...).
    arg: dict[str, Any]
    data: list[Any]
    # "snapshot" or "update" where the channel says.
    action: str | None


def channel_push(message: Any) -> ChannelPush | None:
    """The push a frame carries, or None for an event (an ack, an error) or a frame of another shape."""
    if not isinstance(message, dict) or "event" in message:
        return None
    arg, data = message.get("arg"), message.get("data")
    if not (isinstance(arg, dict) and isinstance(data, list)):
        return None
    return ChannelPush(str(arg.get("channel")), arg, data, message.get("action"))


def acknowledges(message: Any, channel: str) -> bool:
    """Whether a frame is the venue's acknowledgement of a subscription to ``channel``."""
    return (isinstance(message, dict) and message.get("event") == "subscribe"
            and isinstance(message.get("arg"), dict) and message["arg"].get("channel") == channel)
