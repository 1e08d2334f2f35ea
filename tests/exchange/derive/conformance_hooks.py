"""The conformance hooks both Derive connectors share: one JSON-RPC API, one socket protocol, one signer.

Derive's credentials have a format (a wallet address, a session key), so the suite's placeholder
strings are replaced by a real address and key; the secrecy scenarios are run again here against them.
The mock answers ``public/login`` with the subaccount ids (or the documented signature refusal) and a
``subscribe`` with the venue's answer, followed, for a book channel, by the book's snapshot, as the
venue publishes one on every book message.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import InFlightOrder, OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, OrderOutcomeUnknown, OrderRuleViolation
from clobconn.core.evm.signing import recover_digest_signer, recover_personal_signer
from clobconn.exchange.derive.auth import Action, TradeData
from clobconn.exchange.derive.constants import PROTOCOLS, TRADE_MODULE
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.helpers import state_of
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

WALLET = "0x5cb67F7829d01d9C75385A920De5E51060663374"
SESSION_KEY = "0x" + "5e" * 32
SUBACCOUNT = 75723
# The private socket on its own path, so that a scenario can drop it alone (the venue serves both on /v3/ws).
PRIVATE_PREFIX = "/private"


class DeriveConformanceHooks:
    # The suite's (these hooks come first in the test classes' bases).
    venue: MockVenue
    fixtures: FixtureSet
    conn: Any
    reply: Callable[..., MockResponse]
    vars: Callable[..., dict[str, Any]]
    serve: Callable[..., None]
    # Both connectors' fixtures list ETH and BTC against USDC with the same rules.
    trading_pair = "ETH-USDC"
    second_trading_pair = "BTC-USDC"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {"min_order_size": Decimal("0.01"), "max_order_size": Decimal("1000"),
                     "min_price_increment": Decimal("0.01"), "min_base_amount_increment": Decimal("0.001"),
                     "min_notional": Decimal("0")}
    exchange_order_id: str
    placements: Callable[[], list[RecordedRequest]]
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "filled",
                    OrderState.CANCELED: "cancelled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    # {subaccount_id}.balances gives the new amount only.
    stream_balance_has_available = False
    public_ws_path = "/v3/ws"
    user_ws_path = f"{PRIVATE_PREFIX}/v3/ws"
    refuse_logins = False

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = super().connector_config(**overrides)  # type: ignore[misc]
        if "api_key" not in overrides:
            config["api_key"] = WALLET
        if "api_secret" not in overrides:
            config["api_secret"] = SESSION_KEY
        config.setdefault("subaccount_id", SUBACCOUNT)
        config["private_ws_url"] = f"{self.venue.ws_url}{PRIVATE_PREFIX}"
        return config

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        return [{"price": price, "amount": size} for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # Trade fees are charged in the quote currency (USDC).
        return variables | {"subaccount": SUBACCOUNT, "fee_asset": self.trading_pair.split("-")[1]}

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        order = request.json
        price = None if order["order_type"] == "market" else order["limit_price"]
        return {"price": price, "amount": order["amount"], "client_order_id": order["label"]}

    def refuse_user_login(self) -> None:
        # https://docs.derive.xyz/error-codes: 14014, the login's signature refused.
        self.refuse_logins = True

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        if message.get("method") == "public/login":
            if self.refuse_logins:
                return [{"id": message["id"], "error": {"code": 14014, "data": None,
                                                        "message": "Signature invalid for message or transaction"}}]
            return [{"id": message["id"], "result": [SUBACCOUNT]}]
        if message.get("method") in ("subscribe", "unsubscribe"):
            channels = message["params"]["channels"]
            replies: list[Any] = [{"id": message["id"], "result": {
                "status": dict.fromkeys(channels, "ok"), "current_subscriptions": channels}}]
            if message["method"] == "subscribe":
                replies += [self.fixtures.payload("snapshot", self.vars(symbol=channel.split(".")[1]))
                            for channel in channels if channel.startswith("orderbook.")]
            return replies
        return []

    async def push_user(self, fixture: str, **variables: Any) -> None:
        await super().push_user(fixture, **variables)  # type: ignore[misc]
        if fixture == "user_fill":
            # Each fill comes twice: on {subaccount_id}.trades with its fee, and on {subaccount_id}.orders
            # with the order's new state and filled amount (the suite's fills carry that state).
            await super().push_user("user_order", **variables)  # type: ignore[misc]

    async def test_each_order_carries_an_action_the_session_key_signed_over_what_it_says(self) -> None:
        await self.open_order()
        sent = self.placements()[-1].json
        instrument = self.conn.instruments[self.trading_pair]
        assert sent["instrument_name"] == instrument.name and sent["subaccount_id"] == SUBACCOUNT
        assert isinstance(sent["nonce"], str) and len(sent["nonce"]) == 19
        # The Trade data rebuilt from the order as sent: the signature must recover the session key.
        data = TradeData(instrument.asset_address, instrument.sub_id, Decimal(sent["limit_price"]),
                         Decimal(sent["amount"]), Decimal(sent["max_fee"]), SUBACCOUNT, sent["direction"] == "buy")
        action = Action(SUBACCOUNT, int(sent["nonce"]), TRADE_MODULE, data.encoded(), sent["signature_expiry_sec"],
                        WALLET, sent["signer"])
        signer = recover_digest_signer(action.digest(PROTOCOLS["mainnet"]), sent["signature"])
        assert signer == sent["signer"] == self.conn.auth.signer.address
        # The fee cap covers twice the taker fee at the price plus the base fee over the amount.
        assert Decimal(sent["max_fee"]) >= 2 * (instrument.taker_fee_rate * self.order_price
                                                + instrument.base_fee / self.order_amount)

    async def test_a_market_order_with_no_book_price_is_refused_before_signing(self) -> None:
        # The book lost (and no trade seen): nothing to bound the market order's signed price with.
        self.conn.order_book_tracker.syncs[self.trading_pair].invalidate()
        order = InFlightOrder("ccmarket1", self.trading_pair, OrderType.MARKET, TradeType.BUY, self.order_amount,
                              0.0)
        nonce = self.conn.auth._last_nonce
        with pytest.raises(OrderRuleViolation, match="no book price"):
            await self.conn._order_params(order)
        assert self.conn.auth._last_nonce == nonce, "nothing was signed"

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        # Derive looks an order up by its id only: one whose placement went unanswered is looked for by
        # its label (the client order id) among the open orders, then the order history.
        self.serve("place_order", MockResponse({}, delay=1.3))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        client_id = info.value.client_order_id
        order = self.conn.in_flight_orders[client_id]
        assert order.outcome_unknown and order.state is OrderState.PENDING_CREATE
        self.serve("open_orders", self.reply("open_orders", {"client_order_id": client_id, "state": OrderState.OPEN}))
        await self.conn._update_order_status()
        assert state_of(order) is OrderState.OPEN and order.exchange_order_id == self.exchange_order_id
        assert not self.conn.in_flight_orders[client_id].outcome_unknown
        assert len(self.placements()) == 1, "a placement with an unknown outcome must never be re-sent"

    # == Derive's credentials are a wallet address and a session key: the secrecy scenarios, for them ====

    def secret_values(self) -> tuple[str, ...]:
        return (SESSION_KEY, SESSION_KEY[2:])

    def credentials_used(self, ws_path: str | None = None) -> bool:
        signer = self.conn.auth.signer.address
        if ws_path is None:
            # The order reached the venue signed by the session key.
            placed = [r for r in self.venue.requests if r.path.endswith("/private/order")]
            return bool(placed) and recover_personal_signer(
                placed[-1].headers["X-DeriveTimestamp"], placed[-1].headers["X-DeriveSignature"]) == signer
        login = [m for m in self.venue.endpoint(ws_path).sessions[-1] if m.get("method") == "public/login"]
        return bool(login) and login[-1]["params"]["wallet"] == WALLET and recover_personal_signer(
            login[-1]["params"]["timestamp"], login[-1]["params"]["signature"]) == signer


