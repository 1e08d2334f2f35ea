"""HashKey Global perpetual public data: the spot socket's ``depth`` and ``trade`` topics on contracts.

https://hashkeyglobal-apidoc.readme.io/reference/websocket-api. Frames are spot's; their sizes count
contracts, which the book and the trades hold as base amounts. The venue streams no funding info:
the connector polls it (``funding_info_poll_interval``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clobconn.exchange.hashkey.order_book_data_source import HashkeyOrderBookDataSource


class HashkeyPerpetualOrderBookDataSource(HashkeyOrderBookDataSource):
    def levels(self, trading_pair: str, levels: Any) -> Any:
        size = self.connector.trading_rules[trading_pair].contract_size
        return [[price, format(Decimal(str(contracts)) * size, "f")] for price, contracts in levels]

    def amount(self, trading_pair: str, quantity: Any) -> Decimal:
        return self.connector.trading_rules[trading_pair].from_contracts(Decimal(str(quantity)))
