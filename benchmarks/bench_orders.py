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

import orjson

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


ROUTES = ("rest", "websocket")


async def place_timed(conn: Any, orders: int, wire: WriteClock) -> tuple[list[float], list[float], list[float]]:
    """Place ``orders`` one after another: (call → wire, round trip, CLOCK_MONOTONIC at each call)."""
    to_wire, round_trip, called_at = [], [], []
    for _ in range(orders):
        began_monotonic, began = time.monotonic(), time.perf_counter()
        await conn.place_order(PAIR, TradeType.BUY, AMOUNT, OrderType.LIMIT, PRICE)
        round_trip.append(time.perf_counter() - began)
        # The request is the only write of the order: the ack is only read.
        to_wire.append(wire.last_write - began)
        called_at.append(began_monotonic)
    return to_wire, round_trip, called_at


async def run(orders: int, rounds: int) -> dict[str, Any]:
    pin_to(CLIENT_CPU)
    async with VenueProcess() as venue:
        await venue.call("configure", extra_symbols=0)
        # One connector per route, placing in turns (REST, WS, then WS, REST, ...), on one venue.
        conns: dict[str, Any] = {route: unthrottled("binance")(
            api_key="benchmark-key", api_secret="benchmark-secret", trading=False, trading_pairs=[PAIR],
            rest_url=venue.http_url, ws_url=venue.ws_url, order_entry=route) for route in ROUTES}
        for conn in conns.values():
            await conn.start()
            await conn.wait_ready(timeout=60)
        # Placements go over REST until the trading socket is up: wait for it.
        await asyncio.wait_for(conns["websocket"].trading_socket.runner.connected.wait(), 30)
        try:
            conn = conns["rest"]

            def prepare() -> Any:
                return conn._prepare_order(TradeType.BUY, PAIR, AMOUNT, OrderType.LIMIT, PRICE)

            sample = prepare()
            endpoint = conn.routes.place_order

            def build_and_sign() -> Any:
                request = RestRequest(endpoint.method, f"{conn.rest_url}{endpoint.path}", endpoint.path,
                                      params=conn._order_params(sample), is_auth_required=True,
                                      limit_id=endpoint.limit_id)
                return conn.auth.rest_authenticate(request)

            route = conn.ws_order_route

            def build_and_sign_ws() -> Any:
                return orjson.dumps(route.build_place(conn, sample, 1))

            prepare_seconds = per_call(prepare, 20_000 // (5 if quick() else 1), rounds)
            sign_seconds = per_call(build_and_sign, 20_000 // (5 if quick() else 1), rounds)
            sign_ws_seconds = per_call(build_and_sign_ws, 20_000 // (5 if quick() else 1), rounds)

            # Warm the connections and every code path, unmeasured.
            for each in conns.values():
                for _ in range(50):
                    await each.place_order(PAIR, TradeType.BUY, AMOUNT, OrderType.LIMIT, PRICE)
            settle_heap()
            already = await venue.call("orders")
            seen = {"rest": len(already["received_at"]), "websocket": len(already["ws_received_at"])}
            figures: dict[str, dict[str, list[float]]] = {
                r: {"to_wire": [], "round_trip": [], "called_at": [], "user": [], "kernel": []} for r in ROUTES}
            per_round = max(1, orders // rounds)
            with WriteClock() as wire:
                for round_number in range(rounds):
                    for name in ROUTES if round_number % 2 == 0 else ROUTES[::-1]:
                        user_before, kernel_before = cpu_times()
                        to_wire, round_trip, called_at = await place_timed(conns[name], per_round, wire)
                        user_after, kernel_after = cpu_times()
                        side = figures[name]
                        side["to_wire"] += to_wire
                        side["round_trip"] += round_trip
                        side["called_at"] += called_at
                        side["user"].append(user_after - user_before)
                        side["kernel"].append(kernel_after - kernel_before)
            received = await venue.call("orders")
        finally:
            for each in conns.values():
                await each.stop()
    result: dict[str, Any] = {"orders": per_round * rounds, "prepare": prepare_seconds,
                              "build_and_sign": sign_seconds, "build_and_sign_ws": sign_ws_seconds}
    for name, key in (("rest", "received_at"), ("websocket", "ws_received_at")):
        side = figures[name]
        # Both sides' orders interleave on the venue: each side's arrivals are its own list there.
        arrived = received[key][seen[name]:]
        to_venue = [r - c for r, c in zip(arrived, side["called_at"], strict=True)]
        count = len(side["to_wire"])
        result[name] = {
            "call_to_wire_p50": percentile(side["to_wire"], 0.50),
            "call_to_wire_p99": percentile(side["to_wire"], 0.99),
            "call_to_venue_p50": percentile(to_venue, 0.50),
            "call_to_venue_p99": percentile(to_venue, 0.99),
            "round_trip_p50": percentile(side["round_trip"], 0.50),
            "round_trip_p99": percentile(side["round_trip"], 0.99),
            "client_user_cpu_per_order": sum(side["user"]) / count,
            "client_kernel_cpu_per_order": sum(side["kernel"]) / count,
        }
    # The REST figures stay at the top level, where the verdicts and earlier results read them.
    result.update(result["rest"])
    return result


def main() -> None:
    args = arguments(__doc__ or "")
    logging.basicConfig(level=logging.WARNING)
    heading("4. Order path: place_order, client side, against a loopback venue, REST and WebSocket")
    figures = asyncio.run(run(orders=500 if quick() else 3_000, rounds=4 if quick() else 10))
    rest, ws = figures["rest"], figures["websocket"]

    def pair(key: str) -> list[str]:
        return [f"{micros(rest[key + '_p50'])} / {micros(rest[key + '_p99'])}",
                f"{micros(ws[key + '_p50'])} / {micros(ws[key + '_p99'])}"]

    rows = [
        ["prepare (validate, quantize, build)", micros(figures["prepare"]), micros(figures["prepare"])],
        ["build request + HMAC sign", micros(figures["build_and_sign"]), micros(figures["build_and_sign_ws"])],
        ["call → request bytes in the socket: p50 / p99", *pair("call_to_wire")],
        ["call → venue has read the request: p50 / p99", *pair("call_to_venue")],
        ["client CPU per order, whole round trip: user", micros(rest["client_user_cpu_per_order"]),
         micros(ws["client_user_cpu_per_order"])],
        ["  + kernel (socket send/recv, epoll)", micros(rest["client_kernel_cpu_per_order"]),
         micros(ws["client_kernel_cpu_per_order"])],
        ["round trip with the ack: p50 / p99", *pair("round_trip")],
    ]
    figures["machine"] = machine()
    figures["transport"] = "rest+websocket"
    say("")
    say(f"machine: {machine_line(figures['machine'])}")
    say(table(["place_order (Binance spot, limit)", "REST", "WS-API order.place"], rows))
    say(f"({figures['orders']:,} orders per route, the routes taking turns; percentiles over all of them)")
    write_json(args.out, figures)


if __name__ == "__main__":
    main()
