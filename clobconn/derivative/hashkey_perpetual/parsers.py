"""HashKey Global perpetual objects: contracts, positions, fills and funding, REST and stream alike.

Sizes on the wire count contracts of ``contractMultiplier`` base; everything parsed here is in base.
Orders and balances share their shapes with spot (``clobconn.exchange.hashkey.parsers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import FundingPayment, Position, PositionSide, TradeFee, TradeUpdate, TradingRule
from clobconn.derivative.hashkey_perpetual.constants import CONTRACT_SUFFIX


def _filter_bound(filters: Mapping[str, Mapping[str, Any]], kind: str, key: str) -> Decimal | None:
    """A filter's bound; zero or absent means none."""
    value = filters.get(kind, {}).get(key)
    return Decimal(value) or None if value is not None else None


def parse_contract(info: Mapping[str, Any]) -> TradingRule:
    """An entry of exchangeInfo's ``contracts``: LOT_SIZE in base, orders in contracts of ``contractMultiplier``.

    The pair is the underlying and the quote (``baseAsset`` names the contract itself).
    """
    filters = {f["filterType"]: f for f in info.get("filters", ())}
    size = Decimal(info["contractMultiplier"])
    step = _filter_bound(filters, "LOT_SIZE", "stepSize") or size
    return TradingRule(
        f"{info['underlying']}-{info['quoteAsset']}",
        min_order_size=_filter_bound(filters, "LOT_SIZE", "minQty") or size,
        max_order_size=_filter_bound(filters, "LOT_SIZE", "maxQty"),
        min_price_increment=_filter_bound(filters, "PRICE_FILTER", "tickSize") or Decimal(0),
        # An order is a whole number of contracts, whatever finer step the filter names.
        min_base_amount_increment=max(step, size),
        min_notional=_filter_bound(filters, "MIN_NOTIONAL", "minNotional") or Decimal(0),
        contract_size=size,
    )


def index_symbol(contract: str) -> str:
    """The index key of a contract: ``BTCUSDT-PERPETUAL`` is indexed as ``BTCUSDT``."""
    return contract.removesuffix(CONTRACT_SUFFIX)


def parse_position(trading_pair: str, rule: TradingRule, row: Mapping[str, Any]) -> Position:
    """GET /api/v1/futures/positions: one side of a contract, ``position`` in contracts."""
    liquidation = Decimal(row["liquidationPrice"]) if row.get("liquidationPrice") else None
    return Position(trading_pair, PositionSide(row["side"]), rule.from_contracts(Decimal(row["position"])),
                    Decimal(row["avgPrice"]), Decimal(row["unrealizedPnL"]), Decimal(row["leverage"]),
                    liquidation_price=liquidation)


def parse_position_event(trading_pair: str, rule: TradingRule, event: Mapping[str, Any]) -> Position:
    """outboundContractPositionInfo: side ``S``, contracts ``P``, entry ``p``, PnL ``up``, leverage ``v``,
    liquidation price ``f``; no mark, so the core prices it at the last known one."""
    liquidation = Decimal(event["f"]) if event.get("f") else None
    return Position(trading_pair, PositionSide(event["S"]), rule.from_contracts(Decimal(event["P"])),
                    Decimal(event["p"]), Decimal(event.get("up") or 0), Decimal(event.get("v") or 0),
                    liquidation_price=liquidation)


def parse_contract_fill(trading_pair: str, rule: TradingRule, row: Mapping[str, Any],
                        client_order_id: str) -> TradeUpdate:
    """A row of GET /api/v1/futures/userTrades: ``quantity`` in contracts, ``tradeId`` the execution id
    the stream's contractExecutionReport calls ``d``."""
    price = Decimal(row["price"])
    amount = rule.from_contracts(Decimal(row["quantity"]))
    return TradeUpdate(str(row["tradeId"]), trading_pair, price, amount, price * amount,
                       TradeFee.flat(row["commissionAsset"], Decimal(row["commission"])), int(row["time"]) / 1000,
                       client_order_id, str(row["orderId"]), is_maker=bool(row.get("isMaker")))


def parse_funding_fee(trading_pair: str, row: Mapping[str, Any]) -> FundingPayment:
    """A funding-fee row of GET /api/v1/account/balanceFlow: ``change`` is what the account got (or paid)."""
    return FundingPayment(trading_pair, int(row["created"]) / 1000, Decimal(row["change"]), row["coin"],
                          str(row["id"]))
