"""Vertex's products and account objects. Every price and amount on the wire is X18 (the value times 10**18, as
an integer string); an order's side is the sign of its amount (negative sells). Conversions are exact
(core/web/numbers.py). https://docs.vertexprotocol.com/developer-resources/api/gateway/queries
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate, TradingRule
from clobconn.core.web.numbers import from_fixed_point
from clobconn.exchange.vertex.constants import QUOTE_PRODUCT_ID, X18_DECIMALS

QUOTE = "USDC"


def x18(value: int | str) -> Decimal:
    """An X18 integer (or its decimal string) as a Decimal; anything else (a float, a boolean) is malformed."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not an X18 integer: {value!r}")
    return from_fixed_point(value, X18_DECIMALS)


@dataclass(frozen=True, slots=True)
class Product:
    product_id: int
    symbol: str  # the venue's name of the base ("WETH")
    trading_pair: str


@dataclass(frozen=True, slots=True)
class Contracts:
    chain_id: int
    endpoint_addr: str  # verifies cancellations and stream authentication
    book_addrs: tuple[str, ...]  # by product id: the orderbook contract that verifies an order


class VertexView(ConnectorView, Protocol):
    products: dict[str, Product]
    products_by_id: dict[int, Product]
    contracts: Contracts | None

    async def sender(self) -> str: ...


def parse_contracts(data: Mapping[str, Any]) -> Contracts:
    return Contracts(int(data["chain_id"]), str(data["endpoint_addr"]), tuple(map(str, data["book_addrs"])))


def parse_symbols(data: Mapping[str, Any]) -> list[tuple[Product, TradingRule]]:
    """The `symbols` query's spot products (every one quoted in USDC, product 0 itself)."""
    markets = []
    for entry in data["symbols"].values():
        product_id = int(entry["product_id"])
        if entry.get("type") != "spot" or product_id == QUOTE_PRODUCT_ID:
            continue
        product = Product(product_id, str(entry["symbol"]), f"{entry['symbol']}-{QUOTE}")
        size_step = x18(entry["size_increment"])
        rule = TradingRule(product.trading_pair, min_order_size=max(x18(entry["min_size"]), size_step),
                           min_price_increment=x18(entry["price_increment_x18"]), min_base_amount_increment=size_step)
        markets.append((product, rule))
    return markets


def asset_of(product_id: int, products_by_id: Mapping[int, Product]) -> str | None:
    if product_id == QUOTE_PRODUCT_ID:
        return QUOTE
    product = products_by_id.get(product_id)
    return product.symbol if product is not None else None


def spot_balances(data: Mapping[str, Any], products_by_id: Mapping[int, Product]) -> list[Balance]:
    """`subaccount_info`'s spot balances. Open orders lock nothing (the engine checks health instead), so all of a
    balance is available; a negative one is a borrow, held as none."""
    balances = []
    for entry in data.get("spot_balances", ()):
        asset = asset_of(int(entry["product_id"]), products_by_id)
        if asset is not None:
            amount = max(x18(entry["balance"]["amount"]), Decimal(0))
            balances.append(Balance(asset, amount, amount))
    return balances


def position_balance(event: Mapping[str, Any], products_by_id: Mapping[int, Product]) -> list[Balance]:
    """position_change: the subaccount's new balance of one spot product."""
    asset = asset_of(int(event["product_id"]), products_by_id)
    if asset is None or event.get("isolated"):
        return []
    amount = max(x18(event["amount"]), Decimal(0))
    return [Balance(asset, amount, amount)]


def levels(entries: Iterable[Iterable[Any]]) -> list[tuple[Decimal, Decimal]]:
    return [(x18(price), x18(size)) for price, size in entries]


def executed_state(amount: Decimal, filled: Decimal, is_open: bool) -> OrderState:
    if filled >= amount:
        return OrderState.FILLED
    if is_open:
        return OrderState.PARTIALLY_FILLED if filled else OrderState.OPEN
    return OrderState.CANCELED


def open_order(pair: str, order: Mapping[str, Any]) -> OrderUpdate:
    """An order on the book (`order` and `subaccount_orders` queries): the client order id is its nonce."""
    amount, unfilled = abs(x18(order["amount"])), abs(x18(order["unfilled_amount"]))
    return OrderUpdate(pair, float(order.get("placed_at", 0)), executed_state(amount, amount - unfilled, True),
                       str(order["nonce"]), str(order["digest"]), executed_amount=amount - unfilled)


def archived_order(pair: str, order: Mapping[str, Any], is_open: bool = False) -> OrderUpdate:
    """An order of the archive's `orders` (every order that reached the engine), off the book unless ``is_open``."""
    amount, filled = abs(x18(order["amount"])), abs(x18(order["base_filled"]))
    return OrderUpdate(pair, float(order.get("last_fill_timestamp") or order.get("first_fill_timestamp") or 0),
                       executed_state(amount, filled, is_open), str(order["nonce"]), str(order["digest"]),
                       executed_amount=filled)


def archived_fills(pair: str, answer: Mapping[str, Any], digest: str, client_order_id: str) -> list[TradeUpdate]:
    """The archive's `matches` of one order; the time is its transaction's, by submission index."""
    times = {str(tx["submission_idx"]): float(tx.get("timestamp", 0)) for tx in answer.get("txs", ())}
    fills = []
    for match in answer.get("matches", ()):
        if str(match["digest"]) != digest:
            continue
        base, quote = abs(x18(match["base_filled"])), abs(x18(match["quote_filled"]))
        fills.append(TradeUpdate(str(match["submission_idx"]), pair, quote / base if base else Decimal(0), base, quote,
                                 TradeFee.flat(QUOTE, x18(match["fee"])), times.get(str(match["submission_idx"]), 0.0),
                                 client_order_id, digest, is_maker=None))
    return fills


def stream_fill(pair: str, event: Mapping[str, Any], client_order_id: str | None) -> list[Any]:
    """fill: the trade, and the order's state after it (its original and remaining sizes). Quantities carry the
    order's side as its amount does (negative for an ask): one whose sign contradicts ``is_bid`` is malformed."""
    side = 1 if event["is_bid"] else -1
    base, price = side * x18(event["filled_qty"]), x18(event["price"])
    if base <= 0:
        raise ValueError(f"a fill of {event['filled_qty']} for an order with is_bid {event['is_bid']}")
    original, remaining = abs(x18(event["original_qty"])), abs(x18(event["remaining_qty"]))
    at, digest = int(event["timestamp"]) / 1e9, str(event["order_digest"])
    trade_id = str(event.get("submission_idx") or f"{digest}:{event['timestamp']}")
    trade = TradeUpdate(trade_id, pair, price, base, base * price, TradeFee.flat(QUOTE, x18(event.get("fee", 0))),
                        at, client_order_id, digest, is_maker=not event.get("is_taker", True))
    filled = original - remaining
    state = OrderState.FILLED if not remaining else OrderState.PARTIALLY_FILLED
    return [trade, OrderUpdate(pair, at, state, client_order_id, digest, executed_amount=filled)]
