"""HashKey Global perpetual private stream: spot's listen key and socket, with the contract events.

https://hashkeyglobal-apidoc.readme.io/reference/websocket-api (private stream): contractExecutionReport
(orders and their fills, sizes in contracts), outboundContractAccountInfo (the futures wallet) and
outboundContractPositionInfo (one side of a contract).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from clobconn.core.data_source import UserMessage
from clobconn.derivative.hashkey_perpetual.parsers import parse_position_event
from clobconn.exchange.hashkey.parsers import parse_balance, parse_execution_report
from clobconn.exchange.hashkey.user_stream_data_source import HashkeyUserStreamDataSource

if TYPE_CHECKING:
    from clobconn.core.perpetual_base import PerpetualDerivativeBase


class HashkeyPerpetualUserStreamDataSource(HashkeyUserStreamDataSource):
    connector: PerpetualDerivativeBase

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, Mapping):
            return ()
        kind = message.get("e")
        pair = self.connector.trading_pair_of(str(message.get("s")))
        if kind == "contractExecutionReport":
            if pair is None:
                return ()
            return parse_execution_report(pair, message, self.connector.trading_rules[pair].contract_size)
        if kind == "outboundContractPositionInfo":
            return () if pair is None else [parse_position_event(pair, self.connector.trading_rules[pair], message)]
        if kind == "outboundContractAccountInfo":
            return [parse_balance(balance) for balance in message.get("B", ())]
        # Spot events (executionReport, outboundAccountInfo) share the key but not this account.
        return ()
