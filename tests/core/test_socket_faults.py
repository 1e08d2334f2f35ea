"""A socket reset by the venue (an RST, no close frame) and a socket the venue went silent on (open,
nothing sent, nothing answered): the stream must notice and connect again, subscriptions and all."""

from __future__ import annotations

import time

from clobconn.core.timers import compressed_time
from clobconn.core.web.ws import Heartbeat
from clobconn.testing import MockVenue
from tests.core.test_ws import PATH, SUBSCRIBE, StreamFactory, eventually, make_stream

__all__ = ["make_stream"]  # the fixture, shared with test_ws


async def test_a_reset_socket_reconnects_and_resubscribes(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream()
    await stream.start()
    assert venue.reset(PATH) == 1
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2)
    assert stream.opens == 2
    assert stream.disconnects == 1
    assert venue.live_connections(PATH) == 1


async def test_a_silent_socket_is_caught_by_its_unanswered_pings(venue: MockVenue,
                                                                 make_stream: StreamFactory) -> None:
    # No idle timeout to speak of: only the protocol pings, which the silent venue never answers.
    stream = make_stream(heartbeat=Heartbeat(protocol_ping=0.2, idle_timeout=3600.0))
    await stream.start()
    assert venue.silence(PATH) == 1
    assert await venue.push(PATH, {"never": "sent"}) == 0
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2, timeout=5.0)
    assert stream.opens == 2
    assert stream.received == []


async def test_a_silent_socket_is_caught_by_the_idle_timeout(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream(heartbeat=Heartbeat(idle_timeout=0.3))
    await stream.start()
    silenced_at = time.monotonic()
    venue.silence(PATH)
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2, timeout=5.0)
    # The client's close goes unanswered by the silent venue: it must not wait for an answer that never comes.
    assert time.monotonic() - silenced_at < 2.0
    await venue.push(PATH, {"after": "silence"})
    await eventually(lambda: stream.received == [{"after": "silence"}], what="a frame on the new socket")


async def test_compressed_time_compresses_the_idle_timeout(venue: MockVenue, make_stream: StreamFactory) -> None:
    with compressed_time(100.0):
        # A venue's 30 s idle timeout, caught in 0.3 s.
        stream = make_stream(heartbeat=Heartbeat(idle_timeout=30.0))
        await stream.start()
        venue.silence(PATH)
        await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2, timeout=3.0)


async def test_compressed_time_compresses_app_pings(venue: MockVenue, make_stream: StreamFactory) -> None:
    with compressed_time(200.0):
        stream = make_stream(heartbeat=Heartbeat(app_ping=20.0, app_ping_payload={"op": "ping"}))
        await stream.start()
        # Three pings at the venue's 20 s each: 0.3 s compressed.
        await venue.wait_for_ws_message(PATH, lambda m: m == {"op": "ping"}, count=3, timeout=3.0)


async def test_a_silent_socket_is_found_even_where_the_venue_promises_no_traffic(
        venue: MockVenue, make_stream: StreamFactory) -> None:
    # An account stream quiet for hours: an idle timeout of a day and no pings of the venue's (Bitrue's
    # user stream). The core's own protocol pings find the dead peer; compressed, in well under a second.
    with compressed_time(100.0):
        stream = make_stream(heartbeat=Heartbeat(idle_timeout=86_400.0))
        await stream.start()
        venue.silence(PATH)
        await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2, timeout=5.0)
