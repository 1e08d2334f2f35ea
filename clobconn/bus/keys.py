"""The streams' names. Public data and an account's data live under separate prefixes, so that a
Redis ACL can give market-data consumers ``~{prefix}:public:*`` and nothing of the accounts:

- ``{prefix}:public:{connector}:book:{pair}``: the book's entries (snapshot, diff, lost);
- ``{prefix}:public:{connector}:book:{pair}:start``: the id of its latest snapshot entry;
- ``{prefix}:public:{connector}:trades:{pair}``: public trades;
- ``{prefix}:private:{connector}:{account}:orders``: order events and fills;
- ``{prefix}:private:{connector}:{account}:balances``: balance changes (positions and funding too).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StreamKeys:
    prefix: str = "clobconn"

    def book(self, connector: str, pair: str) -> str:
        return f"{self.prefix}:public:{connector}:book:{pair}"

    def book_start(self, connector: str, pair: str) -> str:
        return f"{self.book(connector, pair)}:start"

    def trades(self, connector: str, pair: str) -> str:
        return f"{self.prefix}:public:{connector}:trades:{pair}"

    def orders(self, connector: str, account: str) -> str:
        return f"{self.prefix}:private:{connector}:{account}:orders"

    def balances(self, connector: str, account: str) -> str:
        return f"{self.prefix}:private:{connector}:{account}:balances"
