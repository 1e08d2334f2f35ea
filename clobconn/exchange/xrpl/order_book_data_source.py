"""XRP Ledger books: the node's ``subscribe`` with ``books`` (both sides, snapshot) and the ledger stream.

docs.xrpl.org/docs/references/http-websocket-apis/public-api-methods/subscription-methods/subscribe.
The books stream sends the transactions that touched a book, not its levels, and an offer can lose its
funding without touching the book at all (its owner spent the funds elsewhere): the stream cannot be
trusted alone. So each pair's snapshot is asked for again at every ledger close (``ledgerClosed``), on
the same socket, and replaces the book whole; between closes the book does not move on the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec, Heartbeat, StreamAction, WSConnection
from clobconn.core.xrpl.amounts import parse_pair
from clobconn.exchange.xrpl.parsers import book_levels

logger = logging.getLogger(__name__)

BOOK_ID_PREFIX = "book:"
# A ledger closes every 3 to 5 s: a socket silent for 30 s is dead.
HEARTBEAT = Heartbeat(idle_timeout=30.0)


def book_frame(command: str, trading_pair: str) -> dict[str, Any]:
    """One pair's book, seen from a buyer of the base: taker_gets is the base, taker_pays the quote."""
    base, quote = parse_pair(trading_pair)
    book: dict[str, Any] = {"taker_gets": base.book_side(), "taker_pays": quote.book_side(), "both": True}
    if command == "subscribe":
        book["snapshot"] = True
    # The id comes back on the answer: it names the pair whose snapshot the answer carries.
    return {"id": f"{BOOK_ID_PREFIX}{trading_pair}", "command": command, "books": [book]}


class XrplOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RESUBSCRIBE

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=self.connector.ws_url, heartbeat=HEARTBEAT)

    async def on_open(self, stream: str, connection: WSConnection, trading_pairs: Sequence[str]) -> None:
        await connection.send({"id": "ledger", "command": "subscribe", "streams": ["ledger"]})
        await super().on_open(stream, connection, trading_pairs)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One book a frame: with several, the answer's snapshot would mix their offers.
        return [book_frame(verb, pair) for pair in trading_pairs]

    def resync_payloads(self, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # Subscribing again to a book already followed answers a fresh snapshot and adds no second feed.
        return self.subscribe_payloads(stream, trading_pairs)

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        kind = message.get("type")
        if kind == "ledgerClosed":
            return (StreamAction.REFRESH_BOOKS,)
        request_id = message.get("id")
        if kind != "response" or not isinstance(request_id, str) or not request_id.startswith(BOOK_ID_PREFIX):
            # Book transactions: the snapshot at this ledger's close shows what they did.
            return ()
        pair = request_id.removeprefix(BOOK_ID_PREFIX)
        result = message.get("result")
        if message.get("status") != "success" or not isinstance(result, dict):
            logger.warning("%s: the node refused the book subscription for %s: %s", self.connector.name, pair,
                           message.get("error_message") or message.get("error"))
            return ()
        if pair not in self.connector.trading_rules:
            return ()
        offers = [*result.get("bids", ()), *result.get("asks", ()), *result.get("offers", ())]
        bids, asks = book_levels(pair, offers)
        return (BookMessage(BookMessageType.SNAPSHOT, pair, bids, asks, int(result.get("ledger_index", 0))),)
