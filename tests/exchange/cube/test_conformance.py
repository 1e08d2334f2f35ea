"""The shared spot conformance suite, run against the Cube connector over a loopback venue.

Cube is unlike the REST venues the suite's scenarios were written for, and this module bridges:
- both sockets are protobuf: fixtures hold the messages as the schema names their fields (decoded),
  and are encoded with the connector's generated modules before they go on the wire;
- prices and quantities are integers in each market's units: ``template_vars`` turns the scenarios'
  decimals into them (and raw asset units for balances and REST fills);
- orders travel on the order socket (/os): each OrderRequest the loopback venue receives is recorded as a
  request to ``POST /os/<kind>`` and answered with what the scenario scripted for that route, as an
  OrderResponse on the socket. The scenarios script and count placements as they do for REST venues;
- a book socket per market, whose snapshot comes on connecting, and diffs checked by level counts.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, NetworkError, OrderOutcomeUnknown, OrderRejected
from clobconn.core.events import EventType
from clobconn.core.web.protobuf import protobuf_decoder, protobuf_encoder
from clobconn.exchange.cube.auth import sign
from clobconn.exchange.cube.pb.market_data_pb2 import ClientMessage, MdMessages
from clobconn.exchange.cube.pb.trade_pb2 import Bootstrap, Credentials, OrderRequest, OrderResponse
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cube"
OS_PATH = "/os"
SECOND_BOOK_PATH = "/md/book/100004"
SUBACCOUNT = "8"
encode_md = protobuf_encoder(MdMessages)
decode_md_client = protobuf_decoder(ClientMessage)
encode_response = protobuf_encoder(OrderResponse)
encode_bootstrap = protobuf_encoder(Bootstrap)
decode_request = protobuf_decoder(OrderRequest)
# The fixture's markets: id, price tick, quantity tick.
MARKETS = {"ETH-USDC": (100006, Decimal("0.01"), Decimal("0.001")),
           "BTC-USDC": (100004, Decimal("0.1"), Decimal("0.00001"))}
ASSETS = {"ETH": (2, 18), "USDC": (7, 6), "BTC": (1, 8)}
QUOTE_LOT = Decimal("0.00001")
# The IR listing's "status".
VENUE_STATES = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "p-filled", OrderState.FILLED: "filled",
                OrderState.CANCELED: "canceled"}


def units(value: Any, tick: Decimal) -> int:
    """A decimal as a whole number of ``tick``: a uint64 cannot carry NaN, a sign or a fraction."""
    number = Decimal(str(value))
    if not number.is_finite() or number < 0 or number % tick:
        raise ValueError(f"{value} is not a whole number of {tick} units")
    return int(number / tick)


def raw(value: Any, decimals: int) -> int:
    return units(value, Decimal(1).scaleb(-decimals))


def market_levels(pair: str, bids: list[Any], asks: list[Any], diff: bool = False) -> list[dict[str, Any]]:
    _, price_tick, quantity_tick = MARKETS[pair]
    levels = []
    for side, side_levels in (("BID", bids), ("ASK", asks)):
        for price, size in side_levels:
            level = {"price": str(units(price, price_tick)), "quantity": str(units(size, quantity_tick)), "side": side}
            if diff:
                level["op"] = "REMOVE" if Decimal(str(size)) == 0 else "REPLACE"
            levels.append(level)
    return levels


class TestCubeSpotConformance(SpotConformanceSuite):
    connector_id = "cube"
    fixture_dir = FIXTURES
    trading_pair = "ETH-USDC"
    second_trading_pair = "BTC-USDC"
    routes = {
        "server_time": ("GET", "/unused/server-time"),
        "trading_rules": ("GET", "/ir/v0/markets"),
        "balances": ("GET", f"/ir/v0/users/subaccount/{SUBACCOUNT}/positions"),
        "place_order": ("POST", "/os/new"),
        "cancel_order": ("POST", "/os/cancel"),
        "cancel_all": ("POST", "/os/mc"),
        "order_status": ("GET", f"/ir/v0/users/subaccount/{SUBACCOUNT}/orders"),
        "order_fills": ("GET", f"/ir/v0/users/subaccount/{SUBACCOUNT}/fills"),
    }
    public_ws_path = "/md/book/100006"
    user_ws_path = OS_PATH
    # Cube sends an order's filled states with its fills only (Fill carries cumulative and leaves).
    stream_order_updates = False
    venue_states = VENUE_STATES
    venue_sides = {TradeType.BUY: "Bid", TradeType.SELL: "Ask"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.001"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("2000000"),
    }
    expected_balances = {"ETH": (Decimal("1.5"), Decimal("1.5")), "USDC": (Decimal("1000.5"), Decimal("1000.5"))}
    api_secret = "cafe" * 16
    refuse_login = False

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        # Cube's secret is 32 bytes in hex; the suite's placeholder secret is not, and would be refused.
        overrides.setdefault("api_secret", self.api_secret)
        return super().connector_config(**overrides)

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", "/ir/v0/users/subaccounts", lambda _: self.reply("subaccounts"))
        # The second pair's book socket (a socket per market).
        venue.on_ws_message(SECOND_BOOK_PATH, lambda message: self.ws_reply(SECOND_BOOK_PATH, message))

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        new = request.json["new"]
        _, price_tick, quantity_tick = MARKETS[self.trading_pair]
        price = new.get("price")
        return {"price": None if price is None else str(int(price) * price_tick),
                "amount": str(int(new["quantity"]) * quantity_tick), "client_order_id": str(new["client_order_id"])}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        _, price_tick, quantity_tick = MARKETS[self.trading_pair]
        base_decimals, quote_decimals = ASSETS[self.base][1], ASSETS[self.quote][1]
        variables["market_id"] = MARKETS[self.trading_pair][0]
        variables["transact_ns"] = int(variables["timestamp_ms"]) * 1_000_000
        variables["price_units"] = units(variables["price"], price_tick)
        variables["amount_units"] = units(variables["amount"], quantity_tick)
        variables["cum_units"] = units(variables["cum_amount"], quantity_tick)
        variables["cum_base_raw"] = raw(variables["cum_amount"], base_decimals)
        amount, cumulative = Decimal(str(variables["amount"])), Decimal(str(variables["cum_amount"]))
        leaves = amount - cumulative if variables["state"] is not OrderState.FILLED else Decimal(0)
        variables["leaves_units"] = units(max(leaves, Decimal(0)), quantity_tick)
        variables["fill_price_units"] = units(variables["fill_price"], price_tick)
        variables["fill_amount_units"] = units(variables["fill_amount"], quantity_tick)
        variables["fill_base_raw"] = raw(variables["fill_amount"], base_decimals)
        variables["fill_quote_raw"] = raw(variables["quote_amount"], quote_decimals)
        variables["quote_lots"] = units(variables["quote_amount"], QUOTE_LOT)
        variables["fee_raw"] = raw(variables["fee"], base_decimals)
        # Cube states a fill's fee as a ratio of what the order received (a bid receives the base).
        if Decimal(str(variables["fill_amount"])).is_finite() and Decimal(str(variables["fill_amount"])) > 0:
            ratio = (Decimal(str(variables["fee"])) / Decimal(str(variables["fill_amount"]))).normalize()
            exponent = int(ratio.as_tuple().exponent)
            variables["fee_mantissa"], variables["fee_exponent"] = int(ratio.scaleb(-exponent)), exponent
        asset_id, decimals = ASSETS[variables["asset"]]
        variables["asset_id"] = asset_id
        for name in ("total", "available"):
            amount_raw = raw(variables[name], decimals)
            variables[f"{name}_word0"], variables[f"{name}_word1"] = amount_raw % 2**64, amount_raw >> 64
        variables.setdefault("levels", market_levels(self.trading_pair, variables["bids"], variables["asks"]))
        return variables

    # == the venue's sockets =====================================================================

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, bytes):
            return []
        if path == OS_PATH:
            return self._order_socket_reply(message)
        client = decode_md_client(message)
        if "heartbeat" in client:
            return [encode_md({"messages": [{"heartbeat": client["heartbeat"]}]})]
        if "config" in client:
            # The venue answers a book socket's Config with the market's snapshot.
            pair = next(p for p, market in MARKETS.items() if path.endswith(f"/{market[0]}"))
            payload = self.fixtures.payload("snapshot", {"market_id": MARKETS[pair][0], "levels": market_levels(
                pair, list(self.snapshot_bids), list(self.snapshot_asks))})
            return [encode_md(payload)]
        return []

    def _order_socket_reply(self, message: bytes) -> list[Any]:
        endpoint = self.venue.endpoint(OS_PATH)
        if len(endpoint.sessions[-1]) == 1:
            # The Credentials message: refused by closing the socket with 4401, else the bootstrap.
            if self.refuse_login:
                asyncio.get_running_loop().create_task(endpoint.sockets[-1].close(code=4401))
                return []
            return [encode_bootstrap(item) for item in self.fixtures.payload("bootstrap", self.vars())]
        request = decode_request(message)
        ((kind, body),) = request.items()
        if kind == "heartbeat":
            return [encode_response({"heartbeat": body})]
        recorded = RecordedRequest("POST", f"/os/{kind}", {}, {}, orjson.dumps(request), time.monotonic())
        asyncio.get_running_loop().create_task(self._answer(recorded, body["request_id"]))
        return []

    async def _answer(self, recorded: RecordedRequest, request_id: str) -> None:
        """The scripted answer to one socket request, echoing its request id; an empty one is never sent."""
        response = await self.venue.scripted_answer(recorded)
        if response is None or not isinstance(response.body, dict) or not response.body:
            return
        ((kind, body),) = response.body.items()
        # The venue echoes the request's ids, whatever the scripted answer was rendered with.
        echoed = {"request_id": request_id}
        if "client_order_id" in body:
            echoed["client_order_id"] = orjson.loads(recorded.body)[recorded.path.rpartition("/")[2]]["client_order_id"]
        await self.venue.push(OS_PATH, encode_response({kind: {**body, **echoed}}))

    def refuse_user_login(self) -> None:
        self.refuse_login = True

    async def push_user(self, fixture: str, **variables: Any) -> None:
        values = self.vars(**variables)
        if fixture == "user_order" and values["state"] is OrderState.CANCELED:
            fixture = "user_cancel"
        elif fixture == "user_order" and values["state"] is not OrderState.OPEN:
            raise ValueError("Cube sends an order's filled states only with its fills")
        frame = encode_response(self.fixtures.payload(fixture, values))
        assert await self.venue.push(self.user_ws_path, frame), "no user stream connection to push to"

    async def push_public(self, fixture: str, **variables: Any) -> None:
        frame = encode_md(self.fixtures.payload(fixture, self.vars(**variables)))
        assert await self.venue.push(self.public_ws_path, frame), "no public stream connection to push to"

    async def push_diff(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]], first_id: int,
                        last_id: int, prev_id: int, **extra: Any) -> None:
        """A diff with the side counts the venue would send. Cube's diffs carry no ids: a diff the
        scenario sends after a gap is one whose predecessor was lost, and the counts it carries are
        off by the level that predecessor added; a scenario's explicit ``checksum`` is a wrong count."""
        book = self.conn.get_order_book(self.trading_pair)
        after = {side: {level.price: level.size for level in levels}
                 for side, levels in (("bids", book.bids()), ("asks", book.asks()))}
        for side, changes in (("bids", bids), ("asks", asks)):
            for price, size in changes:
                after[side][Decimal(str(price))] = Decimal(str(size))
        counts = {side: sum(1 for size in levels.values() if size) for side, levels in after.items()}
        if first_id > book.last_update_id + 1 or extra.get("checksum"):
            counts["bids"] += 1
        levels = market_levels(self.trading_pair, list(bids), list(asks), diff=True)
        await self.push_public("diff", levels=levels, total_bid_levels=counts["bids"],
                               total_ask_levels=counts["asks"])

    # == where Cube differs from the scenarios' venues ===========================================

    @pytest.mark.parametrize("bids", [None])
    async def test_a_diff_with_a_bad_value_is_skipped_and_the_book_resynced(self, bids: list[tuple[Any, Any]]) -> None:
        pytest.skip("cube's levels are protobuf uint64: NaN, a sign, infinity or a boolean cannot be on the wire")

    async def test_a_snapshot_with_a_null_size_is_skipped_whole(self) -> None:
        pytest.skip("cube's levels are protobuf uint64: a quantity cannot be null")

    async def test_rate_limited_placement_fails_at_once_with_the_venues_reset_hint(self) -> None:
        pytest.skip("cube's order socket has no rate-limit answer (NewOrderReject has no such reason)")

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        # Cube's diffs carry no ids: the lost diff shows as a wrong level count, and the reason says so.
        mark = await self.settled_health_mark()
        book = self.conn.get_order_book(self.trading_pair)
        await self.push_diff([("100.10", "1")], [], book.last_update_id + 5, 0, 0)
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(mark), what="ready again")
        await asyncio.sleep(0.1)
        events = self.health_events_since(mark)
        assert [e.type for e in events] == [EventType.BOOK_SYNC_LOST, EventType.CONNECTOR_DOWN,
                                            EventType.BOOK_SYNCED, EventType.CONNECTOR_READY], events
        assert events[0].reason == "checksum_mismatch" and events[2].trading_pair == self.trading_pair
        # The resync opened the book's socket again: only a new connection brings a snapshot.
        assert self.venue.connections(self.public_ws_path) == 2

    async def test_add_and_remove_pair_at_runtime(self) -> None:
        # One socket per market: the pair's own socket opens, and closes when it is removed.
        pair, path = "BTC-USDC", SECOND_BOOK_PATH
        await self.conn.add_trading_pair(pair)
        await self.venue.wait_for_connections(path)
        await eventually(lambda: self.conn.get_order_book(pair).is_synced, what="second book synced")
        assert self.conn.get_order_book(pair).best_bid == Decimal("100.0")
        await self.conn.remove_trading_pair(pair)
        await eventually(lambda: self.venue.live_connections(path) == 0, what="its socket closed")
        assert self.venue.live_connections(self.public_ws_path) == 1

    # == Cube's own =============================================================================

    async def test_disused_market_is_not_listed(self) -> None:
        # Market 100002 (BTCUSDC, status 3) is kept for history only: the pair is the live market's.
        assert self.conn.symbols["BTC-USDC"] == "BTCUSDC"
        assert self.conn.markets["BTC-USDC"].market_id == 100004  # type: ignore[attr-defined]

    async def test_the_order_socket_opens_with_the_signed_credentials(self) -> None:
        credentials = protobuf_decoder(Credentials)(self.venue.endpoint(OS_PATH).sessions[0][0])
        assert credentials["access_key_id"] == self.conn.config.api_key.get_secret_value()  # type: ignore[union-attr]
        assert credentials["signature"] == sign(bytes.fromhex(self.api_secret), int(credentials["timestamp"]))
        assert abs(int(credentials["timestamp"]) - time.time()) < 5

    async def test_amend_is_one_modify_order_with_the_new_total_in_units(self) -> None:
        client_id = await self.open_order()
        self.venue.route("POST", "/os/modify", lambda _: self.reply("amend_order", self.order_vars(
            client_id, price=Decimal("98.50"), amount=Decimal("0.4"))))
        order = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.50"), amount=Decimal("0.4"))
        (request,) = self.venue.requests_to("POST", "/os/modify")
        modify = request.json["modify"]
        assert (modify["client_order_id"], modify["market_id"]) == (client_id, "100006")
        assert (modify["new_price"], modify["new_quantity"], modify["subaccount_id"]) == ("9850", "400", SUBACCOUNT)
        # The venue keeps the order: the same ids, changed.
        assert order.client_order_id == client_id and order.exchange_order_id == self.order_vars(client_id)[
            "exchange_order_id"]
        assert (order.price, order.amount) == (Decimal("98.50"), Decimal("0.4"))
        assert list(self.conn.in_flight_orders) == [client_id]

    async def test_a_refused_amend_leaves_the_order_as_it_was(self) -> None:
        client_id = await self.open_order()
        refusal = {"modify_reject": {"client_order_id": client_id, "request_id": "0", "transact_time": "1",
                                     "subaccount_id": SUBACCOUNT, "reason": "POST_ONLY_WOULD_TRADE",
                                     "market_id": "100006"}}
        self.venue.route("POST", "/os/modify", MockResponse(refusal))
        with pytest.raises(OrderRejected, match="POST_ONLY_WOULD_TRADE"):
            await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("101.00"))
        order = self.conn.in_flight_orders[client_id]
        assert order.price == self.order_price and order.state is OrderState.OPEN

    async def test_cancel_all_is_one_mass_cancel_on_the_pairs_market(self) -> None:
        client_id = await self.open_order()
        self.serve("cancel_all", self.reply("cancel_all"))
        self.serve("order_status", self.reply("order_status", self.order_vars(client_id, state=OrderState.CANCELED)))
        await self.conn.cancel_all(timeout=5, trading_pair=self.trading_pair)
        (request,) = self.venue.requests_to(*self.routes["cancel_all"])
        assert request.json == {"mc": {"market_id": "100006", "subaccount_id": SUBACCOUNT,
                                       "request_id": request.json["mc"]["request_id"]}}

    async def test_a_socket_that_closes_before_the_answer_makes_the_outcome_unknown_at_once(self) -> None:
        self.conn.stream_requests.timeout = 30.0
        self.serve("place_order", MockResponse({}, delay=60))
        placing = asyncio.ensure_future(self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount,
                                                              OrderType.LIMIT, self.order_price))
        await self.venue.wait_for_requests(*self.routes["place_order"])
        started = time.monotonic()
        await self.venue.drop(OS_PATH)
        with pytest.raises(OrderOutcomeUnknown):
            await placing
        assert time.monotonic() - started < 5, "a closed socket must not wait out the answer's timeout"
        order = next(iter(self.conn.in_flight_orders.values()))
        assert order.outcome_unknown and order.state is OrderState.PENDING_CREATE

    async def test_an_order_is_refused_unsent_while_the_order_socket_is_down(self) -> None:
        self.venue.refuse_connections(OS_PATH)
        await self.venue.drop(OS_PATH)
        await eventually(lambda: not self.conn._user_stream_live, what="order socket down")
        with pytest.raises(NetworkError, match="not sent") as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert not info.value.request_sent and not self.placements()
        assert [e.type for e in self.events(EventType.ORDER_FAILED)] == [EventType.ORDER_FAILED]
