"""Order books, their synchronisation and the tracker that drives them."""

from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.order_book import BookLevel, OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, ResyncMode, SequenceRule, SyncResult

__all__ = [
    "BookLevel",
    "BookMessage",
    "BookMessageType",
    "BookSynchronizer",
    "OrderBook",
    "PublicTrade",
    "ResyncMode",
    "SequenceRule",
    "SyncResult",
]
