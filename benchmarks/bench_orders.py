"""Section 4: the client-side cost of ``place_order``, up to the bytes sent to a loopback venue.

A Binance connector with (made-up) credentials and ``trading=False`` (no user stream, no polling)
places limit orders, one at a time, against the loopback venue process, which acknowledges each
with the documented new-order answer. Measured:

- prepare: ``_prepare_order`` alone (validate against the trading rule, quantize price and amount,
  build the InFlightOrder), in a tight loop;
- build + sign: the Binance request parameters and the HMAC-SHA256 signature, in a tight loop;
- call → wire: from calling ``place_order`` to the request's bytes being handed to the socket
  (benchmarks.probe.WriteClock): validate, quantize, build, sign, throttle, and aiohttp's request
  path. Nothing waits on the way, so this is the client's own time to the wire;
- call → venue: to the venue process having read the request (CLOCK_MONOTONIC in both processes):
  the above plus the loopback hop and the mock server's own HTTP parsing;
- client CPU per order: the client process's CPU time over the whole sequence of orders, answers
  included (decoding the ack, order tracking, events), over the orders; user time (the Python
  side: clobconn and aiohttp) apart from kernel time (the socket calls, which any client pays).

The venue's rate limits are raised (see connectors.unthrottled): Binance's 50 orders per 10 s would
otherwise make this a measure of waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Any

from benchmarks.common import (
    arguments,
    cpu_times,
    heading,
    machine,
    machine_line,
    median,
    micros,
    percentile,
    quick,
    say,
    settle_heap,
    table,
    write_json,
)
from benchmarks.connectors import unthrottled
from benchmarks.loopback_venue import CLIENT_CPU, VenueProcess, pin_to
from benchmarks.probe import WriteClock
from clobconn.core.data_types import OrderType, TradeType
from clobconn.core.web.auth import RestRequest

PAIR = "BTC-USDT"
# Off the tick and the lot step, so quantizing has work to do.
PRICE, AMOUNT = Decimal("29000.123"), Decimal("0.0123456")


def per_call(function: Any, calls: int, rounds: int) -> float:
    """Median over ``rounds`` of the mean time of one call."""
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(calls):
            function()
        times.append((time.perf_counter() - began) / calls)
    return median(times)


async def run(orders: int, rounds: int) -> dict[str, Any]:
    pin_to(CLIENT_CPU)
    async with VenueProcess() as venue:
        await venue.call("configure", extra_symbols=0)
        conn: Any = unthrottled("binance")(
            api_key="benchmark-key", api_secret="benchmark-secret", trading=False, trading_pairs=[PAIR],
            rest_url=venue.http_url, ws_url=venue.ws_url)
        await conn.start()
        await conn.wait_ready(timeout=60)
        try:
            def prepare() -> Any:
                return conn._prepare_order(TradeType.BUY, PAIR, AMOUNT, OrderType.LIMIT, PRICE)

            sample = prepare()
            endpoint = conn.routes.place_order

            def build_and_sign() -> Any:
                request = RestRequest(endpoint.method, f"{conn.rest_url}{endpoint.path}", endpoint.path,
                                      params=conn._order_params(sample), is_auth_required=True,
                                      limit_id=endpoint.limit_id)
                return conn.auth.rest_authenticate(request)

            prepare_seconds = per_call(prepare, 20_000 // (5 if quick() else 1), rounds)
            sign_seconds = per_call(build_and_sign, 20_000 // (5 if quick() else 1), rounds)

            # Warm the connection and every code path, unmeasured.
            for _ in range(50):
                await conn.place_order(PAIR, TradeType.BUY, AMOUNT, OrderType.LIMIT, PRICE)
            settle_heap()
            already = len((await venue.call("orders"))["received_at"])
            called_at, to_wire, round_trip = [], [], []
            user_before, kernel_before = cpu_times()
            with WriteClock() as wire:
                for _ in range(orders):
                    began_monotonic, began = time.monotonic(), time.perf_counter()
                    await conn.place_order(PAIR, TradeType.BUY, AMOUNT, OrderType.LIMIT, PRICE)
                    round_trip.append(time.perf_counter() - began)
                    # The request is the only write of the order: the ack is only read.
                    to_wire.append(wire.last_write - began)
                    called_at.append(began_monotonic)
            user_after, kernel_after = cpu_times()
            received = (await venue.call("orders"))["received_at"][already:]
        finally:
            await conn.stop()
    to_venue = [r - c for r, c in zip(received, called_at, strict=True)]
    return {
        "orders": orders,
        "prepare": prepare_seconds,
        "build_and_sign": sign_seconds,
        "call_to_wire_p50": percentile(to_wire, 0.50),
        "call_to_wire_p99": percentile(to_wire, 0.99),
        "call_to_venue_p50": percentile(to_venue, 0.50),
        "call_to_venue_p99": percentile(to_venue, 0.99),
        "round_trip_p50": percentile(round_trip, 0.50),
        "round_trip_p99": percentile(round_trip, 0.99),
        "client_user_cpu_per_order": (user_after - user_before) / orders,
        "client_kernel_cpu_per_order": (kernel_after - kernel_before) / orders,
    }


def main() -> None:
    args = arguments(__doc__ or "")
    logging.basicConfig(level=logging.WARNING)
    heading("4. Order path: place_order, client side, against a loopback venue")
    figures = asyncio.run(run(orders=500 if quick() else 3_000, rounds=3 if quick() else 5))
    rows = [
        ["prepare (validate, quantize, build)", micros(figures["prepare"])],
        ["build request + HMAC sign", micros(figures["build_and_sign"])],
        ["call → request bytes in the socket: p50 / p99",
         f"{micros(figures['call_to_wire_p50'])} / {micros(figures['call_to_wire_p99'])}"],
        ["call → venue has read the request: p50 / p99",
         f"{micros(figures['call_to_venue_p50'])} / {micros(figures['call_to_venue_p99'])}"],
        ["client CPU per order, whole round trip: user", micros(figures["client_user_cpu_per_order"])],
        ["  + kernel (socket send/recv, epoll)", micros(figures["client_kernel_cpu_per_order"])],
        ["round trip with the ack: p50 / p99",
         f"{micros(figures['round_trip_p50'])} / {micros(figures['round_trip_p99'])}"],
    ]
    figures["machine"] = machine()
    # Only REST today: order entry over the venue's WebSocket trading API is not built yet.
    figures["transport"] = "rest"
    say("")
    say(f"machine: {machine_line(figures['machine'])}")
    say(table(["place_order (Binance spot, limit, over REST)", "figure"], rows))
    say(f"({figures['orders']:,} orders placed one after another; percentiles over all of them)")
    write_json(args.out, figures)


if __name__ == "__main__":
    main()
