"""Paper trading on any venue's live book: see docs/paper-trading.md."""

from clobconn.paper.connector import PaperTrading, PerpetualPaperTrading, paper_connector

__all__ = ["PaperTrading", "PerpetualPaperTrading", "paper_connector"]
