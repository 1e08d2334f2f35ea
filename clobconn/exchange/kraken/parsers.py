"""Kraken account objects (orders, fills, balances) on REST and on the v2 ``executions`` and
``balances`` channels, and the one asset-name mapping both use.

https://docs.kraken.com/api/docs/rest-api/ get-orders-info, get-trade-history, get-extended-balance and
https://docs.kraken.com/api/docs/websocket-v2/ executions, balances. exchange.py and the user stream import it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderUpdate, TokenAmount, TradeFee, TradeUpdate
from clobconn.core.web.times import iso_seconds
from clobconn.exchange.kraken.constants import ASSET_ALIASES, ORDER_STATES, STREAM_ORDER_STATES


def common_asset(code: str, altnames: Mapping[str, str] | None = None) -> str:
    """The asset as users name it: a legacy REST code (XXBT, ZUSD) becomes its Assets altname (XBT, USD), then
    the venue's names the common ones (XBT -> BTC, XDG -> DOGE); v2 names (BTC, USD) pass unchanged."""
    name = altnames.get(code, code) if altnames else code
    return ASSET_ALIASES.get(name, name)


def number(value: Any) -> Decimal:
    """A venue number: REST sends strings, v2 streams numbers (decoded as their text, see decode_frame)."""
    return Decimal(value if isinstance(value, str) else str(value))

# v2 times: "2023-09-22T10:33:05.709993Z".
rfc3339 = iso_seconds


def parse_order(trading_pair: str, txid: str, info: Mapping[str, Any]) -> OrderUpdate:
    """An order info entry (QueryOrders, OpenOrders "open", ClosedOrders "closed"), keyed by its txid."""
    when = info.get("closetm") or info.get("opentm") or 0
    return OrderUpdate(trading_pair, float(when), ORDER_STATES[info["status"]], info.get("cl_ord_id") or None,
                       txid, executed_amount=number(info.get("vol_exec") or "0"))


def parse_fill(trading_pair: str, trade_txid: str, row: Mapping[str, Any], client_order_id: str | None) -> TradeUpdate:
    """A TradesHistory entry, keyed by its trade txid (the executions channel's ``exec_id``). The fee is in
    the quote asset, the default for spot orders (the connector sends no fee-currency flag)."""
    price, amount = number(row["price"]), number(row["vol"])
    fee = TradeFee.flat(trading_pair.split("-")[1], number(row["fee"]))
    return TradeUpdate(trade_txid, trading_pair, price, amount, number(row["cost"]), fee,
                       float(row["time"]), client_order_id, row["ordertxid"], is_maker=bool(row.get("maker")))


def parse_balances(result: Mapping[str, Mapping[str, Any]], altnames: Mapping[str, str]) -> list[Balance]:
    """BalanceEx: ``balance`` is the total, ``hold_trade`` what open orders lock (credit is not ours)."""
    return [Balance(common_asset(code, altnames), number(entry["balance"]),
                    number(entry["balance"]) - number(entry.get("hold_trade") or "0"))
            for code, entry in result.items()]


def _fee(entry: Mapping[str, Any]) -> TradeFee:
    """``fees``: one entry per asset charged (usually the quote)."""
    return TradeFee(flat_fees=tuple(TokenAmount(common_asset(fee["asset"]), number(fee["qty"]))
                                    for fee in entry.get("fees") or () if number(fee["qty"])))


def parse_execution(trading_pair: str, entry: Mapping[str, Any]) -> list[UserMessage]:
    """One entry of the ``executions`` channel (snapshot and updates share the shape). A ``trade`` carries
    the fill (``exec_id`` is the trade's txid) and the order's state after it; the other exec types
    (pending_new, new, filled, canceled, expired, amended, ...) carry the order's state and ``cum_qty``."""
    when = rfc3339(entry["timestamp"])
    client_id, order_id = entry.get("cl_ord_id") or None, entry["order_id"]
    messages: list[UserMessage] = []
    state = STREAM_ORDER_STATES.get(entry.get("order_status", ""))
    if state is not None:
        executed = entry.get("cum_qty")
        messages.append(OrderUpdate(trading_pair, when, state, client_id, order_id,
                                    executed_amount=None if executed is None else number(executed)))
    if entry.get("exec_type") == "trade":
        price, amount = number(entry["last_price"]), number(entry["last_qty"])
        cost = entry.get("cost")
        messages.append(TradeUpdate(entry["exec_id"], trading_pair, price, amount,
                                    price * amount if cost is None else number(cost), _fee(entry),
                                    when, client_id, order_id, is_maker=entry.get("liquidity_ind") == "m"))
    return messages


def parse_stream_balance(entry: Mapping[str, Any], known: Mapping[str, Balance]) -> Balance:
    """An entry of the ``balances`` channel: ``balance`` is the asset's total across its wallets after the
    change; what is locked is not said, so the last poll's locked amount stays (Balance.from_wallet)."""
    asset = common_asset(entry["asset"])
    return Balance.from_wallet(asset, number(entry["balance"]), known.get(asset))


# v2 frames send prices and sizes as JSON numbers. The book checksum covers them as written
# ("0.10000000"), which a float would turn into 0.1: numbers with a fraction are kept as their text.
decode_frame = functools.partial(json.loads, parse_float=str)
