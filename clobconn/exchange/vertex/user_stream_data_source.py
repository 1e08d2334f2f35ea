"""Vertex's private streams on the gateway's /subscribe socket: an EIP-712 signed ``authenticate`` frame, then the
subaccount's ``fill``, ``position_change`` (its balance of a product) and ``order_update`` streams per product.
https://docs.vertexprotocol.com/developer-resources/api/subscriptions (authentication, streams, events)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.data_types import OrderState, OrderUpdate
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.vertex.auth import VertexAuth
from clobconn.exchange.vertex.constants import SUBSCRIBE_PATH
from clobconn.exchange.vertex.order_book_data_source import HEARTBEAT
from clobconn.exchange.vertex.parsers import VertexView, position_balance, stream_fill

PRIVATE_STREAMS = ("fill", "position_change", "order_update")
# order_update's reasons that settle an order (a fill's state comes with the fill).
ORDER_REASONS = {"placed": OrderState.OPEN, "cancelled": OrderState.CANCELED}


class VertexUserStreamDataSource(UserStreamDataSource):
    connector: VertexView

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{SUBSCRIBE_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth, contracts = self.connector.auth, self.connector.contracts
        if not isinstance(auth, VertexAuth) or contracts is None:
            raise MissingCredentials("the Vertex private streams need the private key")
        await connection.send(auth.stream_authentication(contracts.endpoint_addr, contracts.chain_id))
        answer = await connection.receive()
        if not (isinstance(answer, Mapping) and answer.get("id") == 0 and answer.get("error") is None):
            error = answer.get("error") if isinstance(answer, Mapping) else answer
            raise login_refusal(self.connector.name, self.connector.spec.error_table, None, str(error))
        # Every private stream names one product; product_id null would cover all, spot and perp alike.
        for index, product in enumerate(self.connector.products_by_id.values()):
            for offset, kind in enumerate(PRIVATE_STREAMS):
                stream = {"type": kind, "product_id": product.product_id, "subaccount": auth.sender}
                await connection.send({"method": "subscribe", "stream": stream,
                                       "id": 1 + index * len(PRIVATE_STREAMS) + offset})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, Mapping) or "product_id" not in message:
            return ()
        kind = message.get("type")
        if kind == "position_change":
            return position_balance(message, self.connector.products_by_id)
        product = self.connector.products_by_id.get(int(message["product_id"]))
        if product is None:
            return ()
        digest = str(message.get("order_digest") or message.get("digest"))
        order = self.connector.orders.find(exchange_order_id=digest)
        client_order_id = order.client_order_id if order else None
        if kind == "fill":
            return stream_fill(product.trading_pair, message, client_order_id)
        if kind == "order_update" and message.get("reason") in ORDER_REASONS:
            return (OrderUpdate(product.trading_pair, int(message["timestamp"]) / 1e9, ORDER_REASONS[message["reason"]],
                                client_order_id, digest),)
        return ()
