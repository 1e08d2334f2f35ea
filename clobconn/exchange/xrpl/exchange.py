"""XrplExchange: the XRP Ledger DEX through a rippled node, offers signed locally (docs/connectors/xrpl.md).

Orders are ``OfferCreate`` transactions, cancels ``OfferCancel``; each is signed here and submitted as a
blob over the node's JSON-RPC. ``submit``'s answer is provisional: what happened is what a validated
ledger says (``tx``, or the account stream), and a transaction not validated by its LastLedgerSequence
never will be, so past it the order has failed. A transaction is never submitted twice.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import model_validator
from xrpl.models.amounts import Amount, IssuedCurrencyAmount
from xrpl.models.transactions import OfferCancel, OfferCreate, Transaction

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    PositionAction,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import (
    InsufficientFunds,
    InvalidOrder,
    MissingCredentials,
    NetworkError,
    OrderNotFound,
    OrderRejected,
    error_class_for,
)
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.rest import default_error_extractor
from clobconn.exchange.xrpl.assets import ONE_DROP, ROUND_CEILING, ROUND_FLOOR, Asset, ledger_amount, parse_pair
from clobconn.exchange.xrpl.auth import XrplAuth
from clobconn.exchange.xrpl.constants import (
    LEDGER_WINDOW,
    RESULT_ERRORS,
    RPC,
    SEQUENCE_RESULTS,
    SPEC,
    TIME_IN_FORCE_FLAGS,
)
from clobconn.exchange.xrpl.order_book_data_source import XrplOrderBookDataSource
from clobconn.exchange.xrpl.parsers import account_events, token_balances, xrp_balance
from clobconn.exchange.xrpl.user_stream_data_source import XrplUserStreamDataSource


class XrplConfig(ConnectorConfig):
    # The rippled node: its JSON-RPC URL and its WebSocket URL (the same as rest_url / ws_url, by name).
    node_url: str | None = None
    node_ws_url: str | None = None
    # Ledgers a transaction may wait to be validated in (its LastLedgerSequence), about 3-5 s each.
    ledger_window: int = LEDGER_WINDOW

    @model_validator(mode="before")
    @classmethod
    def _node_urls(cls, values: Any) -> Any:
        if isinstance(values, dict):
            values = dict(values)
            values.setdefault("rest_url", values.get("node_url"))
            values.setdefault("ws_url", values.get("node_ws_url"))
        return values


@dataclass(frozen=True, slots=True)
class Submitted:
    """A transaction the node took: its hash, and the last ledger that may include it."""

    tx_hash: str
    last_ledger: int


@dataclass(frozen=True, slots=True)
class LedgerState:
    """What ``server_info`` says of the last validated ledger (docs.xrpl.org/.../server_info)."""

    index: int
    fee_drops: int
    reserve_base: Decimal
    reserve_owner: Decimal


# Makes the transaction for (Sequence, Fee in drops, LastLedgerSequence).
TransactionBuilder = Callable[[int, str, int], Transaction]


def offer_amounts(order: InFlightOrder) -> tuple[Amount, Amount]:
    """(TakerGets, TakerPays): what the account gives and what it wants. The base amount is exact; the
    quote, price times size, is rounded the way that never worsens the price (a buy gives less, a sell
    wants more)."""
    base, quote = parse_pair(order.trading_pair)
    assert order.price is not None
    size = ledger_amount(base, order.amount, "amount", order.trading_pair)
    if order.trade_type is TradeType.BUY:
        return ledger_amount(quote, order.amount * order.price, "price", order.trading_pair, ROUND_FLOOR), size
    return size, ledger_amount(quote, order.amount * order.price, "price", order.trading_pair, ROUND_CEILING)


def _model_amount(amount: Any) -> Amount:
    return amount if isinstance(amount, str) else IssuedCurrencyAmount(**amount)


class XrplExchange(ExchangeBase):
    spec = SPEC
    config_class = XrplConfig
    order_book_data_source_class = XrplOrderBookDataSource
    user_stream_data_source_class = XrplUserStreamDataSource

    def __init__(self, config: ConnectorConfig | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        # One Sequence per account: signing and submitting take turns, so two orders never share one.
        self._submitting = asyncio.Lock()
        self._next_sequence: int | None = None
        self._submitted: dict[str, Submitted] = {}
        # From the last balance fetch: the account's trust lines and its XRP above the reserve.
        self._trust_lines: set[Asset] | None = None
        self._ledger: LedgerState | None = None

    def _create_auth(self) -> XrplAuth:
        assert self.config.api_secret is not None
        return XrplAuth(self.config.api_secret)

    @property
    def signer(self) -> XrplAuth:
        if not isinstance(self.auth, XrplAuth):
            raise MissingCredentials("xrpl: this needs the account's seed")
        return self.auth

    @property
    def address(self) -> str:
        return self.signer.address

    @property
    def ledger_window(self) -> int:
        return self.config.ledger_window if isinstance(self.config, XrplConfig) else LEDGER_WINDOW

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # rippled answers 200 with {"result": {"status": "error", "error": "actNotFound", ...}}.
        result = payload.get("result") if isinstance(payload, dict) else None
        if isinstance(result, dict) and result.get("status") == "error":
            return result.get("error"), str(result.get("error_message") or result.get("error"))
        return default_error_extractor(status, payload)

    async def _rpc(self, method: str, **params: Any) -> dict[str, Any]:
        answer = await self.rest.call(RPC, data={"method": method, "params": [params]})
        result: dict[str, Any] = answer["result"]
        return result

    async def _ledger_state(self) -> LedgerState:
        info = (await self._rpc("server_info"))["info"]
        ledger = info["validated_ledger"]
        load = Decimal(str(info.get("load_factor", 1)))
        fee = math.ceil(Decimal(str(ledger["base_fee_xrp"])) * load / ONE_DROP)
        self._ledger = LedgerState(int(ledger["seq"]), fee, Decimal(str(ledger["reserve_base_xrp"])),
                                   Decimal(str(ledger["reserve_inc_xrp"])))
        return self._ledger

    # == markets and balances =====================================================================

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # The ledger lists no markets: every pair of two assets is one. The configured pairs are the rules.
        rules = []
        for pair in self.config.trading_pairs:
            base, _ = parse_pair(pair)
            step = ONE_DROP if base.is_xrp else Decimal(0)
            rules.append((pair, TradingRule(pair, min_order_size=step, min_base_amount_increment=step)))
        return rules

    async def _fetch_balances(self) -> list[Balance]:
        ledger = await self._ledger_state()
        root = (await self._rpc("account_info", account=self.address, ledger_index="validated"))["account_data"]
        lines = (await self._rpc("account_lines", account=self.address, ledger_index="validated"))["lines"]
        self._trust_lines = {Asset(line["currency"], line["account"]) for line in lines}
        return [xrp_balance(root, ledger.reserve_base, ledger.reserve_owner), *token_balances(lines)]

    # == orders ===================================================================================

    def _prepare_order(self, trade_type: TradeType, trading_pair: str, amount: Decimal, order_type: OrderType,
                       price: Decimal | None, time_in_force: TimeInForce | None = None,
                       position_action: PositionAction | None = None, reduce_only: bool = False,
                       quote_amount: Decimal | None = None) -> InFlightOrder:
        order = super()._prepare_order(trade_type, trading_pair, amount, order_type, price, time_in_force,
                                       position_action, reduce_only, quote_amount)
        # Amounts the ledger cannot write (a fraction of a drop, a 16th digit) are refused before signing.
        offer_amounts(order)
        self._check_account(order)
        return order

    def _check_account(self, order: InFlightOrder) -> None:
        """Refuse an offer the ledger would refuse for the account's state, as far as the last balance
        fetch knows it: a token without a trust line (tecNO_LINE), or no XRP above the reserve for one
        more owned object (tecINSUF_RESERVE_OFFER)."""
        base, quote = parse_pair(order.trading_pair)
        for asset in (base, quote):
            if not asset.is_xrp and self._trust_lines is not None and asset not in self._trust_lines:
                raise InvalidOrder(f"xrpl: the account has no trust line to {asset.name}: create one with a TrustSet "
                                   "transaction before trading it")
        xrp, ledger = self.balances.get("XRP"), self._ledger
        if order.time_in_force is TimeInForce.GTC and xrp is not None and ledger is not None \
                and xrp.available < ledger.reserve_owner:
            raise InsufficientFunds(f"xrpl: {xrp.available} XRP above the account reserve cannot cover the "
                                    f"{ledger.reserve_owner} XRP owner reserve a resting offer needs")

    async def _sequence(self) -> int:
        if self._next_sequence is None:
            # "current": the open ledger counts the transactions the node has already taken from us.
            data = await self._rpc("account_info", account=self.address, ledger_index="current")
            self._next_sequence = int(data["account_data"]["Sequence"])
        return self._next_sequence

    async def _sign_and_submit(self, build: TransactionBuilder, order: InFlightOrder, what: str) -> Submitted:
        """Sign the transaction ``build(sequence, fee, last_ledger)`` makes and submit it, one at a time.

        tem/tef/tel answers mean it was not applied and cannot be: refused now. tes/tec/ter mean the
        node took it, provisionally. A lost answer leaves the outcome to the validated ledger.
        """
        async with self._submitting:
            ledger = await self._ledger_state()
            sequence = await self._sequence()
            last_ledger = ledger.index + self.ledger_window
            transaction: Transaction = build(sequence, str(ledger.fee_drops), last_ledger)
            blob, tx_hash, _ = self.signer.sign(transaction)
            submitted = Submitted(tx_hash, last_ledger)
            if order.exchange_order_id is None:
                order.exchange_order_id = str(sequence)
            self._submitted[f"{what}:{order.client_order_id}"] = submitted
            try:
                answer = await self._rpc("submit", tx_blob=blob)
            except NetworkError:
                # Taken or not, only the ledger knows: read the Sequence afresh before the next one.
                self._next_sequence = None
                raise
            result = str(answer.get("engine_result", ""))
            if result in SEQUENCE_RESULTS:
                self._next_sequence = None
                if result == "terPRE_SEQ":
                    # Held by the node and may still apply: the validated ledger decides, by LastLedgerSequence.
                    raise NetworkError(f"xrpl: {what} {tx_hash} held ({result}); its outcome comes from the ledger",
                                       request_sent=True)
                raise OrderRejected(f"xrpl: {what} refused: {result} (the Sequence is read again for the next one)",
                                    venue_code=result, venue_message=str(answer.get("engine_result_message", "")))
            if result.startswith(("tes", "tec", "ter")):
                self._next_sequence = sequence + 1
                return submitted
            error = error_class_for(RESULT_ERRORS, result, "", 200) if result in RESULT_ERRORS else OrderRejected
            raise error(f"xrpl: {what} refused: {result}: {answer.get('engine_result_message', '')}",
                        venue_code=result, venue_message=str(answer.get("engine_result_message", "")))

    async def _place_order(self, order: InFlightOrder) -> Placement:
        gets, pays = offer_amounts(order)
        flags = TIME_IN_FORCE_FLAGS[order.time_in_force]

        def build(sequence: int, fee: str, last_ledger: int) -> Transaction:
            return OfferCreate(account=self.address, taker_gets=_model_amount(gets), taker_pays=_model_amount(pays),
                               flags=flags, sequence=sequence, fee=fee, last_ledger_sequence=last_ledger)

        await self._sign_and_submit(build, order, "place")
        # Taken, not yet validated: the order stays pending until a validated ledger says how it went.
        return OrderUpdate(order.trading_pair, time.time(), OrderState.PENDING_CREATE, order.client_order_id,
                           order.exchange_order_id), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is None:
            raise OrderNotFound(f"xrpl: order {order.client_order_id} has no offer on the ledger")
        offer = int(order.exchange_order_id)

        def build(sequence: int, fee: str, last_ledger: int) -> Transaction:
            return OfferCancel(account=self.address, offer_sequence=offer, sequence=sequence, fee=fee,
                               last_ledger_sequence=last_ledger)

        await self._sign_and_submit(build, order, "cancel")
        # The offer is gone only once a validated ledger removed it (the account stream or a status poll).
        return OrderUpdate(order.trading_pair, time.time(), OrderState.PENDING_CANCEL, order.client_order_id,
                           order.exchange_order_id)

    async def _validated_placement(self, order: InFlightOrder) -> list[OrderUpdate | TradeUpdate] | None:
        """The events of the order's OfferCreate once validated; None while it may still be; an order
        failure once the last ledger that could include it has been validated without it."""
        submitted = self._submitted.get(f"place:{order.client_order_id}")
        if submitted is None:
            raise OrderNotFound(f"xrpl: no transaction of order {order.client_order_id} is known to this session")
        # The validated ledger first: a transaction in it or before shows in the lookup that follows.
        ledger = await self._ledger_state()
        try:
            answer: dict[str, Any] | None = await self._rpc("tx", transaction=submitted.tx_hash)
        except OrderNotFound:
            answer = None
        if answer is not None and answer.get("validated"):
            return account_events(answer, self.address, lambda s: order if s == order.exchange_order_id else None)
        if ledger.index > submitted.last_ledger:
            return [OrderUpdate(order.trading_pair, time.time(), OrderState.FAILED, order.client_order_id,
                                order.exchange_order_id, reason=f"not validated by LastLedgerSequence "
                                f"{submitted.last_ledger}: it can no longer be included")]
        return None

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        events = await self._validated_placement(order)
        update = next((e for e in events or () if isinstance(e, OrderUpdate)), None)
        if update is None or (order.state is not OrderState.PENDING_CREATE and not update.new_state.is_terminal):
            # Pending, or resting: what happened to a resting offer since is the account stream's to say.
            return OrderUpdate(order.trading_pair, time.time(), order.state, order.client_order_id,
                               order.exchange_order_id)
        return update

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        # The crossing at placement; a resting offer's later fills come by the account stream.
        events = await self._validated_placement(order)
        return [e for e in events or () if isinstance(e, TradeUpdate)]

