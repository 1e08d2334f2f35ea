"""What the commands show: rich tables for a terminal and plain lines for logs and pipes.

Everything here is a pure function of its inputs, so the tests read the same rows a user sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.table import Table

from clobconn.core.data_types import Balance, TradingRule
from clobconn.core.errors import MissingExtra
from clobconn.core.events import (
    BalanceUpdatedEvent,
    BookSyncedEvent,
    BookSyncLostEvent,
    ConnectorDownEvent,
    ConnectorReadyEvent,
    Event,
    EventsDropped,
    FundingPaymentEvent,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    PositionUpdatedEvent,
)
from clobconn.core.order_book import OrderBook
from clobconn.core.registry import AMM_CONNECTORS, CONNECTORS, WITHOUT_PUBLIC_API, amm_connector_class, connector_class


def number(value: Decimal | None) -> str:
    """A Decimal as plain digits (no exponent, no trailing zeros); '-' when absent."""
    if value is None:
        return "-"
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def price_text(value: Decimal, tick: Decimal | None) -> str:
    """A price at the tick's precision (100.5 with tick 0.01 -> 100.50), so a column of them aligns."""
    if tick is None or tick <= 0:
        return number(value)
    exponent = tick.normalize().as_tuple().exponent
    return f"{value.quantize(Decimal(1).scaleb(min(int(exponent), 0))):f}"


# == connectors ==================================================================================

NO_PUBLIC_API = "no public API"

@dataclass(frozen=True, slots=True)
class ConnectorRow:
    connector_id: str
    market: str
    domains: tuple[str, ...]
    order_types: tuple[str, ...]
    time_in_force: tuple[str, ...]
    features: tuple[str, ...]
    credentials: tuple[str, ...]
    status: str


def connector_rows() -> list[ConnectorRow]:
    rows = []
    # Ids starting with "_" are teaching connectors for fictional venues (the _template).
    for connector_id in sorted(c for c in CONNECTORS if not c.startswith("_")):
        try:
            spec = connector_class(connector_id).spec
        except MissingExtra as exc:
            # Listed all the same, with the sentence that says which extra to install.
            rows.append(ConnectorRow(connector_id, "-", (), (), (), (str(exc),), (), "-"))
            continue
        default = spec.default_domain
        rows.append(ConnectorRow(
            connector_id=connector_id,
            market="perpetual" if spec.is_perpetual else "spot",
            # The default domain first.
            domains=tuple(sorted(spec.domains, key=lambda domain: (domain != default, domain))),
            order_types=tuple(sorted(t.value for t in spec.order_types)),
            time_in_force=tuple(sorted(t.value for t in spec.time_in_force)),
            features=tuple(sorted(f.value for f in spec.features)),
            credentials=spec.credential_labels,
            status=spec.status.value,
        ))
    rows.extend(ConnectorRow(connector_id, "-", (), (), (), (), (), NO_PUBLIC_API)
                for connector_id in WITHOUT_PUBLIC_API)
    rows.extend(amm_row(connector_id) for connector_id in AMM_CONNECTORS)
    return sorted(rows, key=lambda row: row.connector_id)


def amm_row(connector_id: str) -> ConnectorRow:
    """An AMM connector has no order book shape (VenueSpec): its DEX types stand where domains do."""
    cls = amm_connector_class(connector_id)
    return ConnectorRow(connector_id, cls.market_type, cls.dex_types, cls.order_types, (), cls.features,
                        cls.credential_labels, "live")


def connectors_table(rows: Iterable[ConnectorRow]) -> Table:
    rows = list(rows)
    table = Table(title="Registered connectors", title_justify="left", show_lines=True)
    # An id is what a user types: never cut it short, whatever else a narrow terminal has to lose.
    table.add_column("connector", no_wrap=True, style="bold",
                     min_width=max((len(row.connector_id) for row in rows), default=0))
    for header in ("market", "status", "domains", "order types", "time in force", "features", "credentials"):
        table.add_column(header, no_wrap=header != "status")
    for row in rows:
        # One item per line keeps the table narrow enough for a terminal.
        table.add_row(row.connector_id, row.market, row.status, "\n".join(row.domains),
                      "\n".join(row.order_types), "\n".join(row.time_in_force), "\n".join(row.features) or "-",
                      "\n".join(row.credentials) or "-")
    return table


# == markets =====================================================================================

MARKET_COLUMNS = ("pair", "tick", "step", "min size", "max size", "min notional")


def market_row(rule: TradingRule, perpetual: bool) -> tuple[str, ...]:
    row = (rule.trading_pair, number(rule.min_price_increment), number(rule.min_base_amount_increment),
           number(rule.min_order_size), number(rule.max_order_size), number(rule.min_notional))
    # Sizes are in base on every venue; the contract size says how much base one venue contract is.
    return (*row, number(rule.contract_size)) if perpetual else row


def markets_table(connector_id: str, rules: Iterable[TradingRule], perpetual: bool) -> Table:
    table = Table(title=f"{connector_id} markets (sizes in base)", title_justify="left")
    for header in (*MARKET_COLUMNS, *(("contract size",) if perpetual else ())):
        table.add_column(header, justify="left" if header == "pair" else "right")
    for rule in sorted(rules, key=lambda r: r.trading_pair):
        table.add_row(*market_row(rule, perpetual))
    return table


# == order book ==================================================================================

def top_of_book_line(book: OrderBook, tick: Decimal | None = None) -> str:
    bids, asks = book.bids(1), book.asks(1)
    if not bids or not asks:
        return f"{book.trading_pair}  book empty on one side (bids {len(bids)}, asks {len(asks)})"
    bid, ask = bids[0], asks[0]
    return (f"{book.trading_pair}  bid {price_text(bid.price, tick)} x {number(bid.size)}  "
            f"ask {price_text(ask.price, tick)} x {number(ask.size)}  spread {price_text(ask.price - bid.price, tick)}")


def _level_cells(book: OrderBook, depth: int, tick: Decimal | None) -> list[tuple[str, str, str, str]]:
    """(bid size, bid, ask, ask size) per row, best levels first; a shorter side leaves blanks."""
    bids, asks = book.bids(depth), book.asks(depth)
    rows = []
    for i in range(max(len(bids), len(asks))):
        bid = bids[i] if i < len(bids) else None
        ask = asks[i] if i < len(asks) else None
        rows.append((number(bid.size) if bid else "", price_text(bid.price, tick) if bid else "",
                     price_text(ask.price, tick) if ask else "", number(ask.size) if ask else ""))
    return rows


def book_lines(book: OrderBook, depth: int, tick: Decimal | None = None) -> list[str]:
    """The top ``depth`` levels as aligned plain text: bid size, bid, ask, ask size."""
    rows = [("bid size", "bid", "ask", "ask size"), *_level_cells(book, depth, tick)]
    widths = [max(len(row[col]) for row in rows) for col in range(4)]
    return ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def book_table(book: OrderBook, depth: int, tick: Decimal | None = None, title: str | None = None) -> Table:
    spread = book.spread
    caption = (f"spread {price_text(spread, tick)}  update id {book.last_update_id}"
               if spread is not None else None)
    table = Table(title=title or book.trading_pair, caption=caption, title_justify="left")
    table.add_column("bid size", justify="right", style="green")
    table.add_column("bid", justify="right", style="bold green")
    table.add_column("ask", justify="right", style="bold red")
    table.add_column("ask size", justify="right", style="red")
    for row in _level_cells(book, depth, tick):
        table.add_row(*row)
    return table


# == events and balances =========================================================================

def event_line(event: Event, labels: Mapping[str, str] | None = None) -> str:
    """One line per event; ``labels`` names orders by client order id (e.g. "resting")."""
    labels = labels or {}

    def order(client_order_id: str) -> str:
        label = labels.get(client_order_id)
        return f"{label} ({client_order_id})" if label else client_order_id

    match event:
        case OrderCreatedEvent():
            price = f" @ {number(event.price)}" if event.price is not None else ""
            return (f"order created    {order(event.client_order_id)}: {event.trade_type.value} "
                    f"{event.order_type.value} {number(event.amount)} {event.trading_pair}{price}, "
                    f"exchange id {event.exchange_order_id}")
        case OrderFilledEvent():
            trade = event.trade
            fees = ", ".join(f"{number(f.amount)} {f.token}" for f in trade.fee.flat_fees) or "none"
            role = "" if trade.is_maker is None else (" as maker" if trade.is_maker else " as taker")
            return (f"order filled     {order(event.client_order_id)}: {event.trade_type.value} "
                    f"{number(trade.fill_base_amount)} {event.trading_pair} @ {number(trade.fill_price)}{role}, "
                    f"fee {fees}")
        case OrderCompletedEvent():
            quote = event.trading_pair.rpartition("-")[2]
            return (f"order completed  {order(event.client_order_id)}: {event.trade_type.value} "
                    f"{number(event.executed_base)} for {number(event.executed_quote)} {quote}")
        case OrderCancelledEvent():
            return f"order cancelled  {order(event.client_order_id)}"
        case OrderFailedEvent():
            return f"order failed     {order(event.client_order_id)}: {event.reason}"
        case BalanceUpdatedEvent():
            balance = event.balance
            locked = f", locked {number(balance.locked)}" if balance.locked else ""
            return (f"balance          {balance.asset}: total {number(balance.total)}, "
                    f"available {number(balance.available)}{locked}")
        case PositionUpdatedEvent():
            position = event.position
            return (f"position         {position.trading_pair} {position.position_side.value}: "
                    f"{number(position.amount)} @ {number(position.entry_price)}, "
                    f"unrealized pnl {number(position.unrealized_pnl)}, leverage {number(position.leverage)}")
        case FundingPaymentEvent():
            payment = event.payment
            return (f"funding payment  {payment.trading_pair}: {number(payment.amount)} {payment.asset} "
                    f"at rate {number(payment.rate)}")
        case BookSyncLostEvent():
            return f"book sync lost   {event.trading_pair}: {event.reason}; its prices are stale until it resyncs"
        case BookSyncedEvent():
            return f"book synced      {event.trading_pair}"
        case ConnectorDownEvent():
            return f"connector down   {event.reason}"
        case ConnectorReadyEvent():
            return "connector ready"
        case EventsDropped():
            return f"events dropped   {event.count} (the reader fell behind)"
    raise TypeError(f"not an event: {event!r}")


def balance_change_rows(start: Mapping[str, Balance], final: Mapping[str, Balance],
                        assets: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(asset, start total, final total, signed change) for each asset."""
    rows = []
    for asset in assets:
        before = start[asset].total if asset in start else Decimal(0)
        after = final[asset].total if asset in final else Decimal(0)
        change = after - before
        rows.append((asset, number(before), number(after), ("+" if change > 0 else "") + number(change)))
    return rows
