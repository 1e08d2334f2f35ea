"""XrplExchange: the XRP Ledger DEX through a rippled node, offers signed locally (docs/connectors/xrpl.md).

Orders are ``OfferCreate`` transactions, cancels ``OfferCancel``; each is signed here and submitted as a
blob over the node's JSON-RPC. ``submit``'s answer is provisional: what happened is what a validated
ledger says (``tx``, or the account stream), and a transaction not validated by its LastLedgerSequence
never will be, so past it the order has failed. A transaction is never submitted twice.
"""

from __future__ import annotations

import time
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
    OrderUpdate,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import (
    InsufficientFunds,
    InvalidOrder,
    MissingCredentials,
    OrderNotFound,
)
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.rest import default_error_extractor
from clobconn.core.xrpl.amounts import ONE_DROP, ROUND_CEILING, ROUND_FLOOR, Asset, ledger_amount, parse_pair
from clobconn.core.xrpl.signing import XrplWallet
from clobconn.core.xrpl.submission import LedgerSubmitter, Submitted, TransactionExpired
from clobconn.exchange.xrpl.constants import (
    LEDGER_WINDOW,
    RESULT_ERRORS,
    RPC,
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
        window = self.config.ledger_window if isinstance(self.config, XrplConfig) else LEDGER_WINDOW
        self.submitter = LedgerSubmitter(self._rpc, self.wallet, window, RESULT_ERRORS) if self.auth else None
        # Pairs followed beyond the configured ones (add_trading_pair).
        self._added_pairs: list[str] = []
        # From the last balance fetch: the account's trust lines.
        self._trust_lines: set[Asset] | None = None

    def _create_auth(self) -> XrplWallet:
        assert self.config.api_secret is not None
        return XrplWallet(self.config.api_secret, self.name)

    @property
    def wallet(self) -> XrplWallet:
        if not isinstance(self.auth, XrplWallet):
            raise MissingCredentials("xrpl: this needs the account's seed")
        return self.auth

    @property
    def ledger(self) -> LedgerSubmitter:
        if self.submitter is None:
            raise MissingCredentials("xrpl: this needs the account's seed")
        return self.submitter

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

    # == markets and balances =====================================================================

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # The ledger lists no markets: every pair of two assets is one. The pairs followed are the rules.
        rules = []
        for pair in dict.fromkeys([*self.config.trading_pairs, *self._added_pairs]):
            step = ONE_DROP if parse_pair(pair)[0].is_xrp else Decimal(0)
            rules.append((pair, TradingRule(pair, min_order_size=step, min_base_amount_increment=step)))
        return rules

    async def add_trading_pair(self, trading_pair: str) -> None:
        # Any two assets are a market: a pair that parses gets its rule now (BadSymbol if it does not).
        if trading_pair not in self.trading_rules:
            parse_pair(trading_pair)
            self._added_pairs.append(trading_pair)
            await self._update_trading_rules()
        await super().add_trading_pair(trading_pair)

    async def _fetch_balances(self) -> list[Balance]:
        ledger = await self.ledger.ledger_state()
        address = self.wallet.address
        root = (await self._rpc("account_info", account=address, ledger_index="validated"))["account_data"]
        lines = (await self._rpc("account_lines", account=address, ledger_index="validated"))["lines"]
        self._trust_lines = {Asset(line["currency"], line["account"]) for line in lines}
        return [xrp_balance(root, ledger.reserve_base, ledger.reserve_owner), *token_balances(lines)]

    # == orders ===================================================================================

    def _prepare_order(self, *args: Any, **kwargs: Any) -> InFlightOrder:
        order = super()._prepare_order(*args, **kwargs)
        # Amounts the ledger cannot write (a fraction of a drop, a 16th digit) are refused before signing.
        offer_amounts(order)
        self._check_account(order)
        return order

    def _check_account(self, order: InFlightOrder) -> None:
        """Refuse an offer the ledger would refuse for the account's state, as far as the last balance
        fetch knows it: a token without a trust line (tecNO_LINE), or no XRP above the reserve for one
        more owned object (tecINSUF_RESERVE_OFFER)."""
        for asset in parse_pair(order.trading_pair):
            if not asset.is_xrp and self._trust_lines is not None and asset not in self._trust_lines:
                raise InvalidOrder(f"xrpl: the account has no trust line to {asset.name}: create one with a TrustSet "
                                   "transaction before trading it")
        xrp, ledger = self.balances.get("XRP"), self.ledger.ledger
        if order.time_in_force is TimeInForce.GTC and xrp is not None and ledger is not None \
                and xrp.available < ledger.reserve_owner:
            raise InsufficientFunds(f"xrpl: {xrp.available} XRP above the account reserve cannot cover the "
                                    f"{ledger.reserve_owner} XRP owner reserve a resting offer needs")

    async def _place_order(self, order: InFlightOrder) -> Placement:
        gets, pays = offer_amounts(order)
        flags = TIME_IN_FORCE_FLAGS[order.time_in_force]

        def build(sequence: int, fee: str, last_ledger: int) -> Transaction:
            return OfferCreate(account=self.wallet.address, taker_gets=_model_amount(gets),
                               taker_pays=_model_amount(pays), flags=flags, sequence=sequence, fee=fee,
                               last_ledger_sequence=last_ledger)

        def signed(submitted: Submitted) -> None:
            # The offer's name from now on, even if the answer to submit is lost.
            order.exchange_order_id = str(submitted.sequence)
            # Its placement transaction, whose outcome is looked up by hash.
            order.venue_record = submitted

        await self.ledger.submit(build, "xrpl: OfferCreate", signed)
        # Taken, not yet validated: the order stays pending until a validated ledger says how it went.
        return OrderUpdate(order.trading_pair, time.time(), OrderState.PENDING_CREATE, order.client_order_id,
                           order.exchange_order_id), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is None:
            raise OrderNotFound(f"xrpl: order {order.client_order_id} has no offer on the ledger")
        offer = int(order.exchange_order_id)

        def build(sequence: int, fee: str, last_ledger: int) -> Transaction:
            return OfferCancel(account=self.wallet.address, offer_sequence=offer, sequence=sequence, fee=fee,
                               last_ledger_sequence=last_ledger)

        await self.ledger.submit(build, "xrpl: OfferCancel")
        # The offer is gone only once a validated ledger removed it (the account stream or a status poll).
        return OrderUpdate(order.trading_pair, time.time(), OrderState.PENDING_CANCEL, order.client_order_id,
                           order.exchange_order_id)

    async def _placement_events(self, order: InFlightOrder) -> list[OrderUpdate | TradeUpdate] | None:
        """What the order's validated OfferCreate did; None while it may still be validated."""
        submitted = _placement(order)
        if submitted is None:
            raise OrderNotFound(f"xrpl: no transaction of order {order.client_order_id} is known to this session")
        try:
            answer = await self.ledger.validated(submitted)
        except TransactionExpired as exc:
            return [OrderUpdate(order.trading_pair, time.time(), OrderState.FAILED, order.client_order_id,
                                order.exchange_order_id, reason=str(exc))]
        if answer is None:
            return None
        return account_events(answer, self.wallet.address, lambda s: order if s == order.exchange_order_id else None)

    async def _offer_events(self, order: InFlightOrder) -> list[OrderUpdate | TradeUpdate]:
        """What validated transactions did to a placed offer, its placement's included: the account's
        transactions (``account_tx``, oldest first, from the ledger the placement was signed at) read for it."""
        submitted = _placement(order)
        first = submitted.last_ledger - self.ledger.ledger_window if submitted is not None else -1
        answer = await self._rpc("account_tx", account=self.wallet.address, ledger_index_min=first,
                                 ledger_index_max=-1, forward=True, limit=400)
        events: list[OrderUpdate | TradeUpdate] = []
        for transaction in answer.get("transactions", ()):
            if transaction.get("validated"):
                events += account_events(transaction, self.wallet.address,
                                         lambda s: order if s == order.exchange_order_id else None)
        return events

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        events = await (self._placement_events(order) if order.state is OrderState.PENDING_CREATE
                        else self._offer_events(order))
        # The latest state a validated ledger gave it; none yet: as it was (pending, or resting untouched).
        update = next((e for e in reversed(events or ()) if isinstance(e, OrderUpdate)), None)
        return update or OrderUpdate(order.trading_pair, time.time(), order.state, order.client_order_id,
                                     order.exchange_order_id)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        events = await (self._placement_events(order) if order.state is OrderState.PENDING_CREATE
                        else self._offer_events(order))
        return [e for e in events or () if isinstance(e, TradeUpdate)]


def _placement(order: InFlightOrder) -> Submitted | None:
    """The OfferCreate this session signed for the order, if it signed one."""
    return order.venue_record if isinstance(order.venue_record, Submitted) else None
