"""Dexalot's markets and account objects, from each of the places they come: the REST API (amounts as decimal
strings), the trader-event stream (decimal strings) and the TradePairs contract's events and calls (integers in
each token's EVM decimals: a price in the quote's, a quantity in the base's). Also what the data sources read of
the connector (``DexalotView``). https://docs.dexalot.com/en/apiv2/ and .../contracts/interfaces/ITradePairs.html
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeType, TradeUpdate, TradingRule
from clobconn.core.errors import InvalidOrderArgument
from clobconn.core.evm.abi import ContractAbi, hex_bytes
from clobconn.core.web.numbers import from_units, to_units
from clobconn.exchange.dexalot.constants import ORDER_STATES, SIDES, STATUSES

_ABIS = json.loads((Path(__file__).parent / "contracts.json").read_text())
TRADE_PAIRS = ContractAbi(_ABIS["TradePairs"])
PORTFOLIO_SUB = ContractAbi(_ABIS["PortfolioSub"])
UINT256_LIMIT = 2**256


def to_bytes32(text: str, field: str) -> bytes:
    """A symbol or client order id as the contracts keep it: its ASCII bytes, right-padded with zeros."""
    raw = text.encode()
    if len(raw) > 32 or not text.isascii():
        raise InvalidOrderArgument(f"{field} {text!r} does not fit a bytes32", field=field, value=text)
    return raw.ljust(32, b"\0")


def from_bytes32(value: str | bytes) -> str:
    """The text a bytes32 holds (a client order id, a symbol), from raw bytes or the venue's 0x-hex."""
    return hex_bytes(value).rstrip(b"\0").decode(errors="replace")


def order_id_hex(value: str | bytes) -> str:
    """An exchange order id (a bytes32) as the venue writes it: 0x and 64 lowercase hex digits."""
    return "0x" + hex_bytes(value).rjust(32, b"\0").hex()


@dataclass(frozen=True, slots=True)
class Market:
    symbol: str  # "ALOT/USDC", also its tradePairId as a bytes32
    trading_pair: str
    base: str
    quote: str
    base_decimals: int  # EVM decimals: a quantity's units
    quote_decimals: int  # a price's units
    price_display_decimals: int  # the price tick's decimals, the book subscription's aggregation

    def amount_units(self, amount: Decimal) -> int:
        return to_units(amount, Decimal(1).scaleb(-self.base_decimals), "amount", self.trading_pair, UINT256_LIMIT)

    def price_units(self, price: Decimal) -> int:
        return to_units(price, Decimal(1).scaleb(-self.quote_decimals), "price", self.trading_pair, UINT256_LIMIT)

    def amount(self, units: int | str) -> Decimal:
        return from_units(units, Decimal(1).scaleb(-self.base_decimals))

    def price(self, units: int | str) -> Decimal:
        return from_units(units, Decimal(1).scaleb(-self.quote_decimals))

    def fee_asset(self, side: TradeType) -> str:
        """A fee is paid in what the order receives: the base when buying, the quote when selling."""
        return self.base if side is TradeType.BUY else self.quote


class DexalotView(ConnectorView, Protocol):
    """What Dexalot's data sources read of the connector besides ConnectorView: the markets' decimals."""

    markets: dict[str, Market]


def parse_pairs(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Market, TradingRule]]:
    """GET trading/pairs: the deployed pairs. Display decimals are the steps (quote's: the price tick, base's: the
    quantity step); ``mintrade_amnt`` and ``maxtrade_amnt`` are in quote, the contract's min and max trade amount."""
    parsed = []
    for row in rows:
        if row.get("status", "deployed") != "deployed":
            continue
        base, quote = str(row["base"]), str(row["quote"])
        market = Market(str(row["pair"]), f"{base}-{quote}", base, quote, int(row["base_evmdecimals"]),
                        int(row["quote_evmdecimals"]), int(row["quotedisplaydecimals"]))
        step = Decimal(1).scaleb(-int(row["basedisplaydecimals"]))
        parsed.append((market, TradingRule(
            market.trading_pair, min_order_size=step, min_base_amount_increment=step,
            min_price_increment=Decimal(1).scaleb(-market.price_display_decimals),
            min_notional=Decimal(row["mintrade_amnt"]), max_notional=Decimal(row["maxtrade_amnt"]))))
    return parsed


def token_decimals(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """GET trading/tokens: each L1 symbol's EVM decimals (the PortfolioSub keeps balances in them)."""
    return {str(row["subnet_symbol"]): int(row["evmdecimals"]) for row in rows}


def parse_balances(result: Mapping[str, Any], decimals: Mapping[str, int]) -> list[Balance]:
    """PortfolioSub.getBalances: bytes32 symbols with total and available in the token's units; a zero
    symbol ends the entries that hold something."""
    balances = []
    for symbol, total, available in zip(result["symbols"], result["total"], result["available"], strict=True):
        asset = from_bytes32(symbol)
        if asset and asset in decimals:
            unit = Decimal(1).scaleb(-decimals[asset])
            balances.append(Balance(asset, from_units(total, unit), from_units(available, unit)))
    return balances


def _state(status: str) -> OrderState:
    return ORDER_STATES.get(status, OrderState.OPEN)


def chain_order(market: Market, order: Mapping[str, Any], timestamp: float) -> OrderUpdate:
    """An ITradePairs.Order (the OrderStatusChanged event's, or getOrderByClientOrderId's), in EVM units."""
    return OrderUpdate(market.trading_pair, timestamp, _state(STATUSES[int(order["status"])]),
                       from_bytes32(order["clientOrderId"]), order_id_hex(order["id"]),
                       executed_amount=market.amount(order["quantityFilled"]))


def receipt_events(market: Market, address: str, logs: Iterable[Mapping[str, Any]], timestamp: float
                   ) -> tuple[list[tuple[Mapping[str, Any], str]], list[TradeUpdate]]:
    """A receipt's TradePairs events that concern ``address``: each order's (Order struct, reason code), and
    the fills (Executed) of its orders, as the chain committed them."""
    orders, fills = [], []
    for log in logs:
        changed = TRADE_PAIRS.decode_log("OrderStatusChanged", log)
        if changed is not None and str(changed["traderaddress"]).lower() == address.lower():
            orders.append((changed["order"], from_bytes32(changed["code"])))
            continue
        executed = TRADE_PAIRS.decode_log("Executed", log)
        if executed is not None:
            # Each side's fee is in the asset it receives: the taker's is the base when it buys.
            taker_buys = int(executed["takerSide"]) == 0
            base_units, quote_units = market.amount, market.price
            fills += _executions(market, address, {
                **executed, "makerOrder": order_id_hex(executed["makerOrder"]),
                "takerOrder": order_id_hex(executed["takerOrder"]), "price": market.price(executed["price"]),
                "quantity": market.amount(executed["quantity"]), "takerSide": SIDES[int(executed["takerSide"])],
                "feeTaker": (base_units if taker_buys else quote_units)(executed["feeTaker"]),
                "feeMaker": (quote_units if taker_buys else base_units)(executed["feeMaker"])}, timestamp)
    return orders, fills


def _executions(market: Market, address: str, data: Mapping[str, Any], timestamp: float) -> list[TradeUpdate]:
    """Our side(s) of an execution (both, when we traded with ourselves); each fee is in what its side receives."""
    price, quantity = Decimal(str(data["price"])), Decimal(str(data["quantity"]))
    taker_side = TradeType.BUY if data["takerSide"] == "BUY" else TradeType.SELL
    fills = []
    for role, is_maker in (("Maker", True), ("Taker", False)):
        if str(data[f"address{role}"]).lower() != address.lower():
            continue
        side = taker_side if not is_maker else (TradeType.SELL if taker_side is TradeType.BUY else TradeType.BUY)
        fills.append(TradeUpdate(str(data["execId"]), market.trading_pair, price, quantity, price * quantity,
                                 TradeFee.flat(market.fee_asset(side), Decimal(str(data[f"fee{role}"]))), timestamp,
                                 None, str(data[f"{role.lower()}Order"]).lower(), is_maker=is_maker))
    return fills


def stream_order(market: Market, data: Mapping[str, Any]) -> OrderUpdate:
    """orderStatusUpdateEvent: the order's latest state; quantities as decimal strings, ids as 0x-hex."""
    return OrderUpdate(market.trading_pair, float(data["blockTimestamp"]), _state(str(data["status"])),
                       from_bytes32(data["clientOrderId"]), order_id_hex(data["orderId"]),
                       executed_amount=Decimal(data["quantityfilled"]), reason=str(data.get("code") or "") or None)


def stream_fills(market: Market, address: str, data: Mapping[str, Any]) -> list[TradeUpdate]:
    """executionEvent: one execution between a maker and a taker order."""
    return _executions(market, address, data, float(data["blockTimestamp"]))


def stream_balance(data: Mapping[str, Any]) -> Balance:
    """transactionEvent: the asset's ``total`` and ``available`` after the transaction."""
    return Balance(str(data["symbol"]), Decimal(data["total"]), Decimal(data["available"]))


def iso_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def listed_order(market: Market, row: Mapping[str, Any]) -> OrderUpdate:
    """A row of GET signed/orders: ``status`` is the Status enum's number, ``clientordid`` the bytes32 in hex."""
    return OrderUpdate(market.trading_pair, iso_time(row["update_ts"]), _state(STATUSES[int(row["status"])]),
                       from_bytes32(row["clientordid"]), order_id_hex(row["id"]),
                       executed_amount=Decimal(row["quantityfilled"]))


def listed_fills(market: Market, client_order_id: str, rows: Iterable[Mapping[str, Any]]) -> list[TradeUpdate]:
    """GET signed/executions?orderid=: the order's fills; ``type`` T is taker, M maker; ``fee`` in ``feeunit``."""
    fills = []
    for row in rows:
        price, quantity = Decimal(row["price"]), Decimal(row["quantity"])
        fills.append(TradeUpdate(str(row["execid"]), market.trading_pair, price, quantity, price * quantity,
                                 TradeFee.flat(str(row["feeunit"]), Decimal(row["fee"])), iso_time(row["ts"]),
                                 client_order_id, order_id_hex(row["orderid"]), is_maker=row.get("type") == "M"))
    return fills
