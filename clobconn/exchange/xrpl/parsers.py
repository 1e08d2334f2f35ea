"""XRP Ledger objects as core types: offers as book levels, validated transactions as order updates
and fills, account roots and trust lines as balances.

A validated transaction comes from ``tx`` and from the account stream alike; its metadata is the only
truth about offers (clobconn/core/xrpl/metadata.py reads it). exchange.py and the user stream share these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderUpdate,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.web.numbers import fmt
from clobconn.core.xrpl.amounts import Asset, asset_of, parse_pair, value_of
from clobconn.core.xrpl.metadata import OfferChange, TokenAmount, ledger_time, offer_changes, transaction_parts

OrderLookup = Callable[[str], "InFlightOrder | None"]


def book_levels(trading_pair: str, offers: Sequence[Mapping[str, Any]]) -> tuple[list[RawLevel], list[RawLevel]]:
    """(bids, asks) of ``book_offers``/``subscribe`` offers, aggregated by price. An offer that sells the
    base is an ask, one that buys it a bid; the funded part (``taker_gets_funded``) counts where the
    owner cannot fund the whole offer."""
    base, quote = parse_pair(trading_pair)
    sides: dict[bool, dict[Decimal, Decimal]] = {True: defaultdict(Decimal), False: defaultdict(Decimal)}
    for offer in offers:
        gets = offer.get("taker_gets_funded", offer["TakerGets"])
        pays = offer.get("taker_pays_funded", offer["TakerPays"])
        gets_asset, pays_asset = asset_of(offer["TakerGets"]), asset_of(offer["TakerPays"])
        if (gets_asset, pays_asset) == (base, quote):
            size, cost, is_bid = value_of(gets), value_of(pays), False
        elif (gets_asset, pays_asset) == (quote, base):
            size, cost, is_bid = value_of(pays), value_of(gets), True
        else:
            continue
        if size > 0:
            # The ledger's quality keeps 16 digits: a price to 15 significant digits is the level's key.
            price = (cost / size).quantize(Decimal(1).scaleb((cost / size).adjusted() - 14))
            sides[is_bid][price] += size
    bids: list[RawLevel] = [(fmt(p), fmt(s)) for p, s in sides[True].items()]
    asks: list[RawLevel] = [(fmt(p), fmt(s)) for p, s in sides[False].items()]
    return bids, asks


def _fill(order: InFlightOrder, trade_id: str, gave: TokenAmount, got: TokenAmount, when: float,
          maker: bool, fee: TradeFee) -> TradeUpdate | None:
    base, quote = parse_pair(order.trading_pair)
    amounts = {gave[0]: gave[1], got[0]: got[1]}
    base_amount, quote_amount = amounts.get(base), amounts.get(quote)
    if not base_amount or quote_amount is None or base_amount <= 0:
        return None
    return TradeUpdate(trade_id, order.trading_pair, quote_amount / base_amount, base_amount, quote_amount, fee,
                       when, order.client_order_id, order.exchange_order_id, is_maker=maker)


def _remaining_base(order: InFlightOrder, change: OfferChange) -> Decimal:
    # A sell offer gives the base (TakerGets); a buy offer gets it (TakerPays).
    return value_of(change.remaining_gets if order.trade_type is TradeType.SELL else change.remaining_pays)


def _sum(amounts: list[TokenAmount]) -> TokenAmount | None:
    return (amounts[0][0], sum((v for _, v in amounts), Decimal(0))) if amounts else None


def account_events(message: Mapping[str, Any], account: str,
                   lookup: OrderLookup) -> list[OrderUpdate | TradeUpdate]:
    """What a validated transaction did to the account's tracked offers: its own OfferCreate's outcome
    and crossing (taker), and each of its resting offers traded (maker), cancelled or removed. Each fill
    is named by the transaction hash and the offer's Sequence, so however often it is read it counts once."""
    fields, meta, tx_hash = transaction_parts(message)
    when = ledger_time(fields)
    result = meta.get("TransactionResult", "")
    events: list[OrderUpdate | TradeUpdate] = []
    changes = list(offer_changes(meta))
    if fields.get("Account") == account and fields.get("TransactionType") == "OfferCreate":
        order = lookup(str(fields["Sequence"]))
        if order is not None:
            events += _own_offer(order, tx_hash, result, changes, account, when, fields)
    for change in changes:
        order = lookup(str(change.sequence)) if change.owner == account else None
        if order is None or (fields.get("Account") == account and str(fields.get("Sequence")) == str(change.sequence)):
            continue
        if change.gave is not None and change.got is not None and change.gave[1] > 0:
            fill = _fill(order, f"{tx_hash}:{change.sequence}", change.gave, change.got, when, True, TradeFee())
            events += [fill] if fill is not None else []
        remaining = _remaining_base(order, change)
        executed = max(order.amount - remaining, Decimal(0))
        if change.kind == "ModifiedNode":
            events.append(OrderUpdate(order.trading_pair, when, OrderState.PARTIALLY_FILLED, order.client_order_id,
                                      order.exchange_order_id, executed_amount=executed))
        elif change.kind == "DeletedNode":
            state = OrderState.FILLED if remaining == 0 and change.gave is not None else OrderState.CANCELED
            events.append(OrderUpdate(order.trading_pair, when, state, order.client_order_id, order.exchange_order_id,
                                      executed_amount=order.amount if state is OrderState.FILLED else executed))
    return events


def _own_offer(order: InFlightOrder, tx_hash: str, result: str, changes: list[OfferChange], account: str,
               when: float, fields: Mapping[str, Any]) -> list[OrderUpdate | TradeUpdate]:
    """The account's OfferCreate, validated: failed (tec), or crossed what it could and rested or ended."""
    if result != "tesSUCCESS":
        return [OrderUpdate(order.trading_pair, when, OrderState.FAILED, order.client_order_id,
                            order.exchange_order_id, reason=f"{result} in a validated ledger")]
    counterparties = [c for c in changes if c.owner != account and c.gave is not None and c.got is not None]
    # What the counterparties gave we got, and the reverse (transfer fees aside: see the docs page).
    got = _sum([c.gave for c in counterparties if c.gave is not None])
    gave = _sum([c.got for c in counterparties if c.got is not None])
    fee = TradeFee.flat("XRP", value_of(str(fields.get("Fee", "0"))))
    events: list[OrderUpdate | TradeUpdate] = []
    fill = _fill(order, f"{tx_hash}:{fields['Sequence']}", gave, got, when, False, fee) if got and gave else None
    executed = fill.fill_base_amount if fill is not None else Decimal(0)
    events += [fill] if fill is not None else []
    created = next((c for c in changes if c.owner == account and c.kind == "CreatedNode"
                    and str(c.sequence) == order.exchange_order_id), None)
    if created is not None:
        state = OrderState.PARTIALLY_FILLED if executed else OrderState.OPEN
    else:
        # Nothing rests: it crossed in full, or an IOC/FOK remainder (or an unfunded one) was dropped.
        state = OrderState.FILLED if executed >= order.amount else OrderState.CANCELED
        executed = order.amount if state is OrderState.FILLED else executed
    events.insert(0, OrderUpdate(order.trading_pair, when, state, order.client_order_id, order.exchange_order_id,
                                 executed_amount=executed))
    return events


def xrp_balance(account_data: Mapping[str, Any], reserve_base: Decimal, reserve_owner: Decimal) -> Balance:
    """``account_info``'s AccountRoot: the XRP total, and what the reserve leaves spendable
    (docs.xrpl.org/docs/concepts/accounts/reserves)."""
    total = value_of(str(account_data["Balance"]))
    reserve = reserve_base + reserve_owner * int(account_data.get("OwnerCount", 0))
    return Balance("XRP", total, max(total - reserve, Decimal(0)))


def line_balances(message: Mapping[str, Any], account: str) -> list[Balance]:
    """The account's trust lines a validated transaction changed (RippleState entries in its metadata, whose
    Balance is the low account's side; docs.xrpl.org/docs/references/protocol/ledger-data/ledger-entry-types/
    ripplestate), as ``token_balances`` names and reads them."""
    balances = []
    for affected in transaction_parts(message)[1].get("AffectedNodes", ()):
        node = next(iter(affected.values()))
        fields = node.get("FinalFields") or node.get("NewFields") or {}
        if node.get("LedgerEntryType") != "RippleState" or "Balance" not in fields:
            continue
        low, high = fields["LowLimit"]["issuer"], fields["HighLimit"]["issuer"]
        if account not in (low, high):
            continue
        issuer, sign = (high, 1) if low == account else (low, -1)
        line = {"account": issuer, "currency": fields["Balance"]["currency"],
                "balance": str(sign * Decimal(str(fields["Balance"]["value"])))}
        balances += token_balances([line])
    return balances


def token_balances(lines: Sequence[Mapping[str, Any]]) -> list[Balance]:
    """``account_lines``: one token per trust line, named CODE.ISSUER. A negative balance is what the
    account owes as an issuer, not a holding. Offers lock nothing on the ledger: all of it is available."""
    balances = []
    for line in lines:
        amount = Decimal(line["balance"])
        if not amount.is_finite():
            raise ValueError(f"not a trust line balance: {line['balance']!r}")
        if amount >= 0:
            balances.append(Balance(Asset(line["currency"], line["account"]).name, amount, amount))
    return balances
