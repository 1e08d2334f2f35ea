"""Cube's order socket, wss://api.cube.exchange/os: the user stream, and where orders are placed
(https://cubexch.gitbook.io/cube-api/websocket-trade-api, trade.proto). Our first frame is ``Credentials``,
refused by a close with code 4401; ``Bootstrap`` messages follow up to ``Done``, read before the stream counts
as live; then ``OrderResponse``s: answers to our requests (handed to ``stream_requests``), fills, positions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.login import login_refusal
from clobconn.core.web.protobuf import protobuf_decoder, protobuf_encoder
from clobconn.core.web.ws import ConnectSpec, Heartbeat, WSConnection
from clobconn.exchange.cube.auth import CubeAuth
from clobconn.exchange.cube.constants import HEARTBEAT_INTERVAL, IDLE_TIMEOUT, ORDER_WS_PATH
from clobconn.exchange.cube.parsers import ORDER_CHANGES, CubeView, answer_update, position_balance, socket_fill
from clobconn.exchange.cube.pb.trade_pb2 import Bootstrap, Credentials, OrderRequest, OrderResponse

logger = logging.getLogger(__name__)

decode_bootstrap = protobuf_decoder(Bootstrap)
decode_response = protobuf_decoder(OrderResponse)
encode_credentials = protobuf_encoder(Credentials)
encode_order_request = protobuf_encoder(OrderRequest)

CREDENTIALS_REFUSED, BOOTSTRAP_TIMEOUT = 4401, 10.0  # the close code of refused Credentials (trade.proto)


class OrderSocketDecoder:
    """One connection's frames: ``Bootstrap`` until ``Done``, ``OrderResponse`` after (they share no envelope)."""

    def __init__(self) -> None:
        self.bootstrapped = False

    def __call__(self, frame: bytes) -> dict[str, Any]:
        if self.bootstrapped:
            return {"response": decode_response(frame)}
        message = decode_bootstrap(frame)
        self.bootstrapped = "done" in message
        return {"bootstrap": message}


OS_HEARTBEAT = Heartbeat(
    app_ping=HEARTBEAT_INTERVAL, idle_timeout=IDLE_TIMEOUT,
    app_ping_payload=lambda: encode_order_request({"heartbeat": {"timestamp": str(time.time_ns())}}),
    is_pong=lambda message: isinstance(message, dict) and "heartbeat" in message.get("response", {}))


class CubeUserStreamDataSource(UserStreamDataSource):
    connector: CubeView

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{ORDER_WS_PATH}", heartbeat=OS_HEARTBEAT,
                           binary_decoder=OrderSocketDecoder())

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        assert isinstance(auth, CubeAuth)
        await connection.send(encode_credentials(auth.credentials()))
        # The bootstrap restates what the polls made as the stream goes live fetch; orders may go out after it.
        while True:
            try:
                message = await connection.receive(BOOTSTRAP_TIMEOUT)
            except ConnectionError:
                if connection.close_code == CREDENTIALS_REFUSED:
                    raise login_refusal(self.connector.name, self.connector.spec.error_table,
                                        CREDENTIALS_REFUSED, "credentials refused") from None
                raise
            bootstrap = message.get("bootstrap", {})
            if bootstrap.get("trading_status", {}).get("connection_status") == "READ_ONLY":
                logger.warning("%s: the order socket is read-only: the API key cannot trade", self.connector.name)
            if "done" in bootstrap:
                return

    def parse(self, message: Any) -> Iterable[UserMessage]:
        response = message.get("response") if isinstance(message, dict) else None
        if not isinstance(response, dict) or not response:
            return ()
        kind, body = next(iter(response.items()))
        if "request_id" in body:
            # An answer to one of our requests (acks and rejects echo its id; a heartbeat's 0 is nobody's).
            self.connector.stream_requests.answer(int(body["request_id"]), {kind: body})
        if kind == "position":
            asset = self.connector.assets.get(int(body["asset_id"]))
            return (position_balance(asset, body),) if asset is not None else ()
        market = self.connector.markets_by_id.get(int(body.get("market_id", -1)))
        if market is None:
            return ()
        if kind == "fill":
            return socket_fill(market, body)
        return (answer_update(kind, body, market.trading_pair),) if kind in ORDER_CHANGES else ()
