"""The conformance suites' machinery: what a connector's test module supplies, and the loopback venue,
fixtures and helpers every scenario uses. The scenarios live in ``suites.py`` and ``scenarios_*.py``.
"""

from __future__ import annotations

import functools
import inspect
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
import pytest_asyncio

from clobconn.core.data_types import (
    OrderState,
    OrderType,
    TradeType,
)
from clobconn.core.errors import (
    ClobconnError,
    InvalidArgument,
)
from clobconn.core.events import EventType
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.registry import get_connector
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest, RequestFilter

API_KEY = "conformance-api-key-0f9d8c7b6a5e4d3c2b1a"
API_SECRET = "conformance-api-secret-NEVER-LOGGED-9z8y7x6w"
PASSPHRASE = "conformance-passphrase-NEVER-LOGGED-5v4u3t"
SECRETS = (API_KEY, API_SECRET, PASSPHRASE)

# Registered connectors whose conformance suite is not written yet, each with why: the one list the
# suites' own checks (tests/chaos, tests/paper) allow a registered connector to be missing from. A
# connector added without a suite fails them; one whose suite lands must leave this list, or fail them.
WITHOUT_CONFORMANCE_SUITE: dict[str, str] = {}


class ConformanceSuiteBase(ABC):
    # == what the connector's test module supplies ================================================
    connector_id: ClassVar[str]
    fixture_dir: ClassVar[Path]
    trading_pair: ClassVar[str]
    # A second pair present in the trading_rules fixture, for add/remove at runtime.
    second_trading_pair: ClassVar[str | None] = None
    # role -> (METHOD, path)
    routes: ClassVar[dict[str, tuple[str, str]]]
    # role -> which requests are that role's, for roles that share a path with another (a venue whose
    # open-orders listing and order query are one endpoint with different parameters).
    route_filters: ClassVar[dict[str, RequestFilter]] = {}
    public_ws_path: ClassVar[str]
    user_ws_path: ClassVar[str]
    # Fixture roles pushed on another public socket than public_ws_path (a venue's market-data path).
    role_ws_paths: ClassVar[dict[str, str]] = {}
    # Whether the user stream sends an order's partial and filled states apart from its fills (Binance's
    # executionReport carries a trade with each of them, so its order updates come by polling).
    stream_order_updates: ClassVar[bool] = True
    # Whether the user stream's balance message carries the available amount, not just the total.
    stream_balance_has_available: ClassVar[bool] = True
    # A valid resting order for the fixture's rules, and the values the fixture's rule should parse to.
    order_price: ClassVar[Decimal]
    order_amount: ClassVar[Decimal]
    expected_rule: ClassVar[dict[str, Any]]
    # asset -> (total, available) as the balances fixture gives them.
    expected_balances: ClassVar[dict[str, tuple[Decimal, Decimal]]]
    venue_states: ClassVar[dict[OrderState, str]]
    venue_sides: ClassVar[dict[TradeType, str]] = {TradeType.BUY: "BUY", TradeType.SELL: "SELL"}
    # The typed error the place_order_rejected fixture must raise.
    rejected_error: ClassVar[type[ClobconnError]]
    # The exchange order id format: digits for venues with integer ids.
    exchange_order_id: ClassVar[str] = "5012345678"

    @abstractmethod
    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        """{"price": ..., "amount": ..., "client_order_id": ...} as the venue's request carries them."""

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        """Add venue-derived placeholders (execution types and the like)."""
        return variables

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        """Frames the venue sends back to a client message (subscribe acks, login results)."""
        return []

    def subscription_key(self, message: Any) -> Any:
        """What identifies a subscription, ignoring per-request ids."""
        if isinstance(message, dict):
            return tuple(sorted((k, repr(v)) for k, v in message.items() if k != "id"))
        return message

    def extra_routes(self, venue: MockVenue) -> None:
        """Routes a venue needs beyond the roles (a listen key endpoint, say)."""

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        return [[price, size] for price, size in levels]

    # == the machinery ============================================================================
    fixtures: FixtureSet
    venue: MockVenue
    conn: ExchangeBase
    recorded: list[Any]

    snapshot_id = 1000
    snapshot_bids = (("100.00", "1.5"), ("99.50", "2.0"), ("99.00", "3.0"))
    snapshot_asks = (("100.50", "1.0"), ("101.00", "2.5"), ("101.50", "4.0"))

    @pytest_asyncio.fixture(autouse=True)
    async def _conformance_venue(self, request: pytest.FixtureRequest) -> AsyncIterator[None]:
        await self.open_conformance_venue(with_connector=request.node.get_closest_marker("no_connector") is None)
        try:
            yield
        finally:
            await self.close_conformance_venue()

    async def open_conformance_venue(self, with_connector: bool = True) -> None:
        """Start the loopback venue with the base routes and (``with_connector``) a ready connector on it.

        The autouse fixture calls it for every scenario; the chaos runner (``clobconn.testing.chaos``)
        calls it directly, to drive the same connector through the same hooks outside pytest.
        """
        self.fixtures = FixtureSet(self.fixture_dir / "conformance")
        self.venue = MockVenue()
        await self.venue.start()
        self._order_counter = 0
        self._ids = iter(range(2000, 10**6))
        self.install_base_routes()
        self.recorded = []
        if with_connector:
            self.conn = self.make_connector()
            for event_type in EventType:
                self.conn.add_listener(event_type, self.recorded.append)
            await self.conn.start()
            await self.conn.wait_ready(timeout=10)
            # The user stream going live wakes one more balance poll (what changed while it was not
            # live); let it go out now, so that it never takes a response a scenario scripts next.
            await self.venue.wait_for_requests(*self.routes["balances"], count=2)

    async def close_conformance_venue(self) -> None:
        if hasattr(self, "conn"):
            await self.conn.stop()
        await self.venue.stop()

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "api_key": API_KEY,
            "api_secret": API_SECRET,
            "passphrase": PASSPHRASE,
            "trading_pairs": [self.trading_pair],
            "rest_url": self.venue.http_url,
            "ws_url": self.venue.ws_url,
            "fast_poll_interval": 3600.0,
            "slow_poll_interval": 3600.0,
            "request_timeout": 1.0,
        }
        config.update(overrides)
        return config

    def make_connector(self, **overrides: Any) -> ExchangeBase:
        return get_connector(self.connector_id, **self.connector_config(**overrides))

    def path(self, role: str) -> str:
        return self.routes[role][1]

    def serve(self, role: str, *responses: MockResponse | Any) -> None:
        method, path = self.routes[role]
        self.venue.route(method, path, *responses, when=self.route_filters.get(role))

    def reply(self, fixture: str, variables: dict[str, Any] | None = None, delay: float = 0.0) -> MockResponse:
        values = self.vars(**(variables or {}))
        return MockResponse(self.fixtures.payload(fixture, values), status=self.fixtures.status(fixture),
                            headers=self.fixtures.headers(fixture, values), delay=delay)

    def install_base_routes(self) -> None:
        self.serve("server_time", lambda _: self.reply("server_time"))
        self.serve("trading_rules", self.reply("trading_rules"))
        self.serve("balances", self.reply("balances"))
        if "snapshot" in self.routes:
            self.serve("snapshot", lambda _: self.reply("snapshot"))
        self.serve_listings()
        for path in {self.public_ws_path, self.user_ws_path, *self.role_ws_paths.values()}:
            self.venue.on_ws_message(path, functools.partial(self.ws_reply, path))
        self.extra_routes(self.venue)

    def vars(self, **overrides: Any) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        variables: dict[str, Any] = {
            "symbol": self.symbol, "price": self.order_price, "amount": self.order_amount,
            "client_order_id": "unknown", "exchange_order_id": self.exchange_order_id,
            "side": self.venue_sides[TradeType.BUY], "state": OrderState.OPEN,
            "fill_price": self.order_price, "fill_amount": self.order_amount,
            "cum_amount": Decimal(0), "cum_quote": Decimal(0), "fee": "0.00001", "fee_asset": self.base,
            "trade_id": "77001", "timestamp_ms": now_ms, "timestamp_s": now_ms // 1000,
            "update_id": self.snapshot_id, "first_id": self.snapshot_id + 1, "last_id": self.snapshot_id + 1,
            "prev_id": self.snapshot_id,
            "bids": self.format_levels(list(self.snapshot_bids)),
            "asks": self.format_levels(list(self.snapshot_asks)),
            "asset": self.quote, "total": "1000.5", "available": "900.25", "locked": "100.25",
            "leverage": 10, "payment_id": "9001", "position_amount": "0", "entry_price": "0",
            "mark_price": "100.25", "index_price": "100.2", "funding_rate": "0.0001",
            "next_funding_ms": now_ms + 8 * 3600 * 1000,
        }
        variables.update(overrides)
        variables["venue_state"] = self.venue_states[variables["state"]]
        variables["quote_amount"] = Decimal(str(variables["fill_price"])) * Decimal(str(variables["fill_amount"]))
        return self.template_vars(variables)

    @property
    def symbol(self) -> str:
        # Before the trading rules load there is no symbol map yet.
        return self.conn.symbols.get(self.trading_pair, "") if hasattr(self, "conn") else ""

    @property
    def base(self) -> str:
        return self.trading_pair.split("-")[0]

    @property
    def quote(self) -> str:
        return self.trading_pair.split("-")[1]

    def events(self, event_type: EventType) -> list[Any]:
        return [e for e in self.recorded if e.type is event_type]

    async def push_user(self, fixture: str, **variables: Any) -> None:
        sent = await self.venue.push(self.user_ws_path, self.fixtures.payload(fixture, self.vars(**variables)))
        assert sent, "no user stream connection to push to"

    async def push_public(self, fixture: str, **variables: Any) -> None:
        path = self.role_ws_paths.get(fixture, self.public_ws_path)
        sent = await self.venue.push(path, self.fixtures.payload(fixture, self.vars(**variables)))
        assert sent, "no public stream connection to push to"

    async def open_order(self, amount: Decimal | None = None, trade_type: TradeType = TradeType.BUY) -> str:
        """Place a resting order the venue acknowledges as open; returns its client order id."""
        self._order_counter += 1
        exchange_id = str(int(self.exchange_order_id) + self._order_counter)
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, exchange_id, amount)))
        order = await self.conn.place_order(self.trading_pair, trade_type, amount or self.order_amount,
                                            OrderType.LIMIT, self.order_price)
        assert order.state is OrderState.OPEN
        return order.client_order_id

    def _ack_vars(self, request: RecordedRequest, exchange_id: str, amount: Decimal | None) -> dict[str, Any]:
        fields = self.extract_order_fields(request)
        return {"client_order_id": fields["client_order_id"], "exchange_order_id": exchange_id,
                "amount": amount or self.order_amount, "state": OrderState.OPEN}

    def order_vars(self, client_order_id: str, **overrides: Any) -> dict[str, Any]:
        order = self.conn.orders.find(client_order_id)
        assert order is not None
        values = {"client_order_id": client_order_id, "exchange_order_id": order.exchange_order_id,
                  "amount": order.amount, "price": order.price}
        values.update(overrides)
        return values

    # -- secrecy: what is secret, and proof that it was used -----------------------------------

    def secret_values(self) -> tuple[str, ...]:
        """What the secrecy scenarios look for in every log, repr and error text (in any letter case). A
        wallet venue adds its private key, with and without 0x."""
        return SECRETS

    def credentials_used(self, ws_path: str | None = None) -> bool:
        """That a secrecy scenario was not vacuous: the credentials reached the venue, in a request or (with
        ``ws_path``) in the last session's frames on that socket. The API key is sent as it is; a wallet
        venue checks instead that what it sent recovers to its key (a signature, a signed transaction)."""
        sessions = self.venue.endpoint(ws_path).sessions if ws_path else []
        frames = sessions[-1] if sessions else []
        return any(API_KEY in repr(frame) for frame in frames) or any(
            API_KEY in request.text + repr(request.headers) for request in self.venue.requests)

    def placements(self) -> list[RecordedRequest]:
        method, path = self.routes["place_order"]
        # Where placements share a path with other calls (Vertex's /execute), the role's filter tells them apart.
        only = self.route_filters.get("place_order")
        return [r for r in self.venue.requests_to(method, path) if only is None or only(r)]

    def serve_listings(self, found: dict[str, Any] | None = None) -> None:
        """Serve the open-orders and order-history listings: empty, or (``found``) naming one order."""
        for role in ("open_orders", "order_history"):
            if role in self.routes:
                fixture = role if found is not None else f"{role}_empty"
                # Rendered per request: the symbol is known only once the connector has its rules.
                self.serve(role, lambda _, name=fixture: self.reply(name, found or {}))

    def listing_requests(self) -> int:
        count = 0
        for role in ("open_orders", "order_history"):
            if role in self.routes:
                wanted = self.route_filters.get(role)
                count += sum(1 for r in self.venue.requests_to(*self.routes[role]) if wanted is None or wanted(r))
        return count

    def assert_book(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        # Decimal equality: the book's Decimal equals the venue's string in value ("100.0" == "100.00").
        assert [tuple(level) for level in book.bids()] == [(Decimal(p), Decimal(s)) for p, s in bids]
        assert [tuple(level) for level in book.asks()] == [(Decimal(p), Decimal(s)) for p, s in asks]

    async def push_diff(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]], first_id: int,
                        last_id: int, prev_id: int, **extra: Any) -> None:
        await self.push_public("diff", bids=self.format_levels(bids), asks=self.format_levels(asks),
                               first_id=first_id, last_id=last_id, prev_id=prev_id, **extra)

    async def refused(self, error: type[Exception], field: str | None, call: Callable[..., object],
                      *args: Any, **kwargs: Any) -> Exception:
        """``call(*args, **kwargs)`` raises ``error`` naming ``field``, and the venue receives no request.

        The refusal comes before the call's first await, so no background task runs in between and
        the request count can only move if the call itself sent something.
        """
        sent = len(self.venue.requests)
        with pytest.raises(error) as info:
            result = call(*args, **kwargs)
            if inspect.isawaitable(result):
                await result
        if field is not None:
            assert isinstance(info.value, InvalidArgument), info.value
            assert info.value.field == field, (info.value.field, field)
            assert field in str(info.value)
        assert len(self.venue.requests) == sent, "a refused call reached the venue"
        return info.value


class PerpetualSuiteBase(ConformanceSuiteBase):
    """What a perpetual connector's test module supplies besides the spot suite's."""

    leverage: ClassVar[Decimal] = Decimal(10)
    # asset amounts the positions fixture gives: (pair, signed amount, entry price)
    expected_position: ClassVar[tuple[str, Decimal, Decimal]]

    @abstractmethod
    def is_reduce_only(self, request: RecordedRequest) -> bool:
        """Whether the placement request asks for reduce-only."""

    def install_base_routes(self) -> None:
        super().install_base_routes()
        self.serve("positions", lambda _: self.reply("positions"))
        if "position_mode" in self.routes:  # a venue with a fixed mode has none to read
            self.serve("position_mode", lambda _: self.reply("position_mode"))
        self.serve("funding_info", lambda _: self.reply("funding_info"))
        self.serve("funding_payments", lambda _: self.reply("funding_payments", {"payment_id": "9001"}))

    @property
    def perp(self) -> PerpetualDerivativeBase:
        assert isinstance(self.conn, PerpetualDerivativeBase)
        return self.conn
