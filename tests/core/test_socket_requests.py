"""Requests answered on a stream socket (core/web/socket_requests.py): each waits for the answer that
names it, and every way it can end maps onto the placement rules (refused, not sent, or unknown)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from clobconn.core.errors import NetworkError, RequestTimeout
from clobconn.core.web.socket_requests import SocketRequests


class Socket:
    """A socket stand-in: records what is sent; ``connected`` says whether a send goes out."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.connected = True
        self.fail_with: Exception | None = None

    async def send(self, payload: Any) -> bool:
        if self.fail_with is not None:
            raise self.fail_with
        if not self.connected:
            return False
        self.sent.append(payload)
        return True


async def test_a_request_returns_the_answer_given_for_its_key() -> None:
    socket = Socket()
    requests = SocketRequests("venue", socket.send, timeout=5.0)
    pending = asyncio.ensure_future(requests.request(7, b"new order", "order 1"))
    await asyncio.sleep(0)
    assert socket.sent == [b"new order"] and requests.pending == 1
    assert requests.answer(8, "someone else's") is False
    assert requests.answer(7, {"new_ack": {}}) is True
    assert await pending == {"new_ack": {}}
    assert requests.pending == 0
    # An answer nobody waits for any more (a late one) is reported as such.
    assert requests.answer(7, "late") is False


async def test_silence_past_the_timeout_is_an_unknown_outcome() -> None:
    requests = SocketRequests("venue", Socket().send, timeout=0.05)
    with pytest.raises(RequestTimeout, match=r"no answer to order 1 within 0\.05s") as info:
        await requests.request(1, b"x", "order 1")
    assert info.value.request_sent and requests.pending == 0


async def test_no_live_socket_means_not_sent() -> None:
    socket = Socket()
    socket.connected = False
    requests = SocketRequests("venue", socket.send, timeout=5.0)
    with pytest.raises(NetworkError, match="not sent") as info:
        await requests.request(1, b"x", "order 1")
    assert not isinstance(info.value, RequestTimeout) and info.value.request_sent is False
    assert requests.pending == 0


async def test_a_socket_failing_mid_send_may_have_sent_it() -> None:
    socket = Socket()
    socket.fail_with = ConnectionResetError("reset")
    requests = SocketRequests("venue", socket.send, timeout=5.0)
    with pytest.raises(RequestTimeout, match="failed while sending") as info:
        await requests.request(1, b"x", "order 1")
    assert info.value.request_sent


async def test_a_closed_socket_ends_every_waiting_request_at_once() -> None:
    requests = SocketRequests("venue", Socket().send, timeout=30.0)
    waiting = [asyncio.ensure_future(requests.request(key, b"x", f"order {key}")) for key in (1, 2)]
    await asyncio.sleep(0)
    started = time.monotonic()
    requests.connection_lost()
    for pending in waiting:
        with pytest.raises(RequestTimeout, match="closed before the answer") as info:
            await pending
        assert info.value.request_sent
    assert time.monotonic() - started < 1 and requests.pending == 0


async def test_a_key_already_waiting_is_refused() -> None:
    requests = SocketRequests("venue", Socket().send, timeout=5.0)
    first = asyncio.ensure_future(requests.request(1, b"x", "order 1"))
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="already waiting"):
        await requests.request(1, b"y", "order 1 again")
    requests.answer(1, "ok")
    assert await first == "ok"


def test_request_ids_are_unique_and_start_at_the_clock() -> None:
    requests = SocketRequests("venue", Socket().send, timeout=1.0)
    first, second = requests.next_id(), requests.next_id()
    assert second == first + 1 and abs(first - time.time() * 1000) < 5000
