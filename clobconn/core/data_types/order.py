"""Orders, their updates and fills."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from clobconn.core.data_types.enums import FeeType, OrderType, PositionAction, TimeInForce, TradeType
from clobconn.core.data_types.order_state import OrderState, is_legal_transition

logger = logging.getLogger(__name__)
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class TokenAmount:
    token: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class TradeFee:
    """A fee as the venue charged it: a percentage of the trade and/or flat amounts."""

    fee_type: FeeType = FeeType.DEDUCTED_FROM_RETURNS
    percent: Decimal = _ZERO
    percent_token: str | None = None
    flat_fees: tuple[TokenAmount, ...] = ()

    @classmethod
    def flat(cls, token: str, amount: Decimal, fee_type: FeeType = FeeType.DEDUCTED_FROM_RETURNS) -> TradeFee:
        return cls(fee_type=fee_type, flat_fees=(TokenAmount(token, amount),) if amount else ())

    def amount_in(self, token: str, trade_notional: Decimal = _ZERO) -> Decimal:
        """The fee paid in ``token``; the percentage part is charged on ``trade_notional``."""
        total = sum((f.amount for f in self.flat_fees if f.token == token), _ZERO)
        if self.percent and self.percent_token == token:
            total += self.percent * trade_notional
        return total


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    trading_pair: str
    update_timestamp: float
    new_state: OrderState
    client_order_id: str | None = None
    exchange_order_id: str | None = None
    # The venue's cumulative filled base amount, when it says; lets the tracker see missing fills.
    executed_amount: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TradeUpdate:
    trade_id: str
    trading_pair: str
    fill_price: Decimal
    fill_base_amount: Decimal
    fill_quote_amount: Decimal
    fee: TradeFee
    fill_timestamp: float
    client_order_id: str | None = None
    exchange_order_id: str | None = None
    is_maker: bool | None = None


@dataclass(slots=True)
class InFlightOrder:
    """An order the connector tracks from submission until its last fill has landed."""

    client_order_id: str
    trading_pair: str
    order_type: OrderType
    trade_type: TradeType
    amount: Decimal
    creation_timestamp: float
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    exchange_order_id: str | None = None
    state: OrderState = OrderState.PENDING_CREATE
    position_action: PositionAction | None = None
    reduce_only: bool = False
    leverage: Decimal | None = None
    # For a market buy sized in quote currency (amount is then a quote amount).
    quote_amount: Decimal | None = None
    fills: dict[str, TradeUpdate] = field(default_factory=dict)
    last_update_timestamp: float = 0.0
    not_found_count: int = 0
    # The placement was sent but its answer never came: reconcile by client order id.
    outcome_unknown: bool = False
    # Until this time (seconds, local clock) the venue may still accept the placement: its signed
    # request is within the venue's window (Binance recvWindow and the like). "Not found" before then
    # proves nothing.
    acceptance_deadline: float | None = None
    # Given up on after every check said the venue does not hold it; evidence of it revives it.
    lost: bool = False
    reported_executed_amount: Decimal | None = None
    # The cumulative amount an update saying FILLED carried: what the order executed in the end.
    final_executed_amount: Decimal | None = None
    failure_reason: str | None = None
    # The connector's own record of how it placed the order (a signed transaction's hash and deadline, say),
    # held here so that it lives exactly as long as the order is tracked and no per-connector map grows.
    venue_record: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def executed_amount_base(self) -> Decimal:
        return sum((f.fill_base_amount for f in self.fills.values()), _ZERO)

    @property
    def executed_amount_quote(self) -> Decimal:
        return sum((f.fill_quote_amount for f in self.fills.values()), _ZERO)

    @property
    def average_fill_price(self) -> Decimal | None:
        base = self.executed_amount_base
        return self.executed_amount_quote / base if base else None

    @property
    def remaining_amount(self) -> Decimal:
        return max(self.amount - self.executed_amount_base, _ZERO)

    @property
    def is_done(self) -> bool:
        return self.state.is_terminal

    @property
    def is_open(self) -> bool:
        return self.state.is_open

    @property
    def expected_executed_amount(self) -> Decimal | None:
        """What the fills must add up to before the order is complete, where that is known.

        An update that says FILLED with a cumulative amount settles it. One that says FILLED without
        (a fill event's) means all of a base-sized order: the last partial amount an earlier update
        reported must not stand for the whole. Otherwise it is the latest amount the venue reported.
        """
        if self.final_executed_amount is not None:
            return self.final_executed_amount
        if self.quote_amount is None and self.state is OrderState.FILLED:
            return self.amount
        return self.reported_executed_amount

    @property
    def fills_complete(self) -> bool:
        """Every fill the venue reported has landed here."""
        expected = self.expected_executed_amount
        if expected is not None:
            return self.executed_amount_base >= expected
        if self.quote_amount is not None:
            return bool(self.fills)
        return self.executed_amount_base >= self.amount

    def transition(self, new_state: OrderState, timestamp: float, reason: str | None = None) -> bool:
        """Apply a state change if the table allows it; returns True when the state changed."""
        if new_state is self.state:
            return False
        if not is_legal_transition(self.state, new_state):
            # A live state reported after a final one is an update that lost a race (the stream's
            # NEW after the REST answer's FILLED), which venues do routinely; anything else is odd.
            stale = self.state.is_terminal and not new_state.is_terminal
            logger.log(
                logging.DEBUG if stale else logging.WARNING,
                "order %s: %s transition %s -> %s refused", self.client_order_id,
                "stale" if stale else "illegal", self.state.value, new_state.value,
            )
            return False
        self.state = new_state
        self.last_update_timestamp = max(self.last_update_timestamp, timestamp)
        if reason:
            self.failure_reason = reason
        return True

    def revive(self) -> None:
        """Take back a lost verdict: the venue has shown it holds the order after all."""
        self.lost = False
        self.outcome_unknown = False
        self.not_found_count = 0
        self.failure_reason = None
        self.state = OrderState.PENDING_CREATE

    def apply_order_update(self, update: OrderUpdate) -> bool:
        if update.exchange_order_id and not self.exchange_order_id:
            self.exchange_order_id = update.exchange_order_id
        if update.executed_amount is not None:
            previous = self.reported_executed_amount or _ZERO
            self.reported_executed_amount = max(previous, update.executed_amount)
            if update.new_state is OrderState.FILLED:
                self.final_executed_amount = self.reported_executed_amount
        return self.transition(update.new_state, update.update_timestamp, update.reason)

    def apply_trade_update(self, trade: TradeUpdate) -> bool:
        """Record a fill once, whichever path it came by; returns True when it is new."""
        if trade.trade_id in self.fills:
            return False
        self.fills[trade.trade_id] = trade
        if trade.exchange_order_id and not self.exchange_order_id:
            self.exchange_order_id = trade.exchange_order_id
        self.last_update_timestamp = max(self.last_update_timestamp, trade.fill_timestamp)
        return True


# What a placement returns: the venue's acknowledgement, and any fills that came with it.
Placement = tuple[OrderUpdate, list[TradeUpdate]]
