"""Feeds the sandbox matching engine from a venue's live book and public trades.

Two engine accounts stand for the venue's other traders:

* ``BOOK`` mirrors the live book: one resting order per shown level (the top ``depth`` a side), kept in
  step with the book on every sync. A paper taker order therefore walks exactly the levels the venue
  showed, at their prices and sizes, and nothing else. Levels that would cross one of the paper
  account's own resting orders are left out: a resting order fills from the tape, never because the
  live book moved over it (see ``trade_through``).
* ``TAPE`` turns a public trade into fills of the paper account's resting orders: a trade that went
  through an order's price (a sell printed below a paper bid, a buy above a paper ask) fills it at its
  own price, up to the trade's size, as a maker. With the queue model, a trade at exactly the order's
  price also counts, once the size that was shown ahead of it when it was placed has traded.
"""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.sandbox.engine import Engine, EngineOrder, OrderKind, Side, TimeInForce

USER, BOOK, TAPE = "paper", "live-book", "live-tape"
ENDLESS = Decimal(10) ** 18  # the venue side's balances: it never runs out


class LiveBookMirror:
    def __init__(self, engine: Engine, depth: int, queue_model: bool) -> None:
        self.engine = engine
        self.depth = depth
        self.queue_model = queue_model
        # Paper order id -> base amount still ahead of it in the venue's queue at its price (queue model).
        self.queue_ahead: dict[int, Decimal] = {}

    def sync(self, pair: str, book: OrderBook | None) -> None:
        """Make ``BOOK``'s orders on ``pair`` the live book's top levels (none while the book is not synced)."""
        bids: dict[Decimal, Decimal] = {}
        asks: dict[Decimal, Decimal] = {}
        if book is not None and book.is_synced:
            shown_bids, shown_asks = book.bids(self.depth), book.asks(self.depth)
            crossed = shown_bids and shown_asks and shown_bids[0][0] >= shown_asks[0][0]
            if not crossed:
                best_paper_bid, best_paper_ask = self._best_paper_prices(pair)
                bids = {p: s for p, s in shown_bids if best_paper_ask is None or p < best_paper_ask}
                asks = {p: s for p, s in shown_asks if best_paper_bid is None or p > best_paper_bid}
        mirrored: set[tuple[Side, Decimal]] = set()
        for order in list(self.engine.iter_open_orders(BOOK, pair)):
            assert order.price is not None
            wanted = (bids if order.side is Side.BUY else asks).get(order.price)
            if wanted is None or wanted != order.remaining or (order.side, order.price) in mirrored:
                self.engine.cancel(BOOK, pair, order_id=order.order_id)
            else:
                mirrored.add((order.side, order.price))
        for side, levels in ((Side.BUY, bids), (Side.SELL, asks)):
            for price, size in levels.items():
                if size > 0 and (side, price) not in mirrored:
                    self.engine.place(BOOK, pair, side, OrderKind.LIMIT, size, price, TimeInForce.GTC)

    def resting(self, order: EngineOrder, book: OrderBook | None) -> None:
        """A paper order now rests: note the size shown ahead of it at its price (queue model)."""
        if not self.queue_model or book is None or order.price is None:
            return
        levels = book.bids() if order.side is Side.BUY else book.asks()
        self.queue_ahead[order.order_id] = next((size for price, size in levels if price == order.price),
                                                Decimal(0))

    def trade_through(self, trade: PublicTrade) -> None:
        """Fill the paper orders the public ``trade`` went through (or reached, past their queue)."""
        pair = trade.trading_pair
        # The paper orders a taker on this side trades against: bids for a sell, asks for a buy.
        maker_side = Side.BUY if trade.side is TradeType.SELL else Side.SELL
        remaining = trade.amount
        orders = sorted((o for o in self.engine.iter_open_orders(USER, pair) if o.side is maker_side),
                        key=lambda o: (-(o.price or 0) if maker_side is Side.BUY else (o.price or 0), o.order_id))
        for order in orders:
            assert order.price is not None
            if remaining <= 0:
                break
            through = order.price > trade.price if maker_side is Side.BUY else order.price < trade.price
            fillable = Decimal(0)
            if through:
                fillable = remaining
            elif order.price == trade.price and self.queue_model:
                ahead = self.queue_ahead.get(order.order_id, Decimal(0))
                fillable = max(remaining - ahead, Decimal(0))
                self.queue_ahead[order.order_id] = max(ahead - remaining, Decimal(0))
                remaining = fillable  # the part the queue ahead took is gone
            quantity = min(fillable, order.remaining)
            if quantity <= 0:
                continue
            self._withdraw_book_at_or_better(pair, maker_side, order.price)
            taker_side = Side.SELL if maker_side is Side.BUY else Side.BUY
            self.engine.place(TAPE, pair, taker_side, OrderKind.LIMIT, quantity, order.price, TimeInForce.IOC)
            remaining -= quantity
        for order_id in [i for i in self.queue_ahead if not self._is_open(pair, i)]:
            del self.queue_ahead[order_id]

    def _withdraw_book_at_or_better(self, pair: str, side: Side, price: Decimal) -> None:
        """Take ``BOOK``'s levels at or better than ``price`` off ``side``, so the tape's order meets only the
        paper order (the next sync puts back what the live book still shows)."""
        for order in list(self.engine.iter_open_orders(BOOK, pair)):
            assert order.price is not None
            better = order.price >= price if side is Side.BUY else order.price <= price
            if order.side is side and better:
                self.engine.cancel(BOOK, pair, order_id=order.order_id)

    def _best_paper_prices(self, pair: str) -> tuple[Decimal | None, Decimal | None]:
        bids = [o.price for o in self.engine.iter_open_orders(USER, pair) if o.side is Side.BUY and o.price]
        asks = [o.price for o in self.engine.iter_open_orders(USER, pair) if o.side is Side.SELL and o.price]
        return (max(bids) if bids else None), (min(asks) if asks else None)

    def _is_open(self, pair: str, order_id: int) -> bool:
        return any(o.order_id == order_id for o in self.engine.iter_open_orders(USER, pair))
