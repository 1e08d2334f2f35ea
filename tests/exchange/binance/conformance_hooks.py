"""The conformance hooks both Binance connectors share: their requests and frames have one shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_types import OrderState
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.mock_venue import RecordedRequest

EXECUTION_TYPES = {OrderState.OPEN: "NEW", OrderState.CANCELED: "CANCELED",
                   OrderState.PARTIALLY_FILLED: "TRADE", OrderState.FILLED: "TRADE"}


class BinanceConformanceHooks:
    venue_states = {OrderState.OPEN: "NEW", OrderState.PARTIALLY_FILLED: "PARTIALLY_FILLED",
                    OrderState.FILLED: "FILLED", OrderState.CANCELED: "CANCELED"}
    rejected_error = InsufficientFunds
    # Every executionReport with a partial or filled status carries a trade.
    stream_order_updates = False
    # The WebSocket-API path, whose acks differ from the market streams' (spot only).
    ws_api_path: ClassVar[str | None] = None

    def ws_order_op(self, message: Any) -> str | None:
        method = message.get("method") if isinstance(message, dict) else None
        return {"order.place": "place", "order.cancel": "cancel"}.get(method) if isinstance(method, str) else None

    def ws_order_fields(self, message: Any) -> dict[str, Any]:
        params = message["params"]
        price, amount = params.get("price"), params.get("quantity")
        return {"request_id": message["id"],
                "client_order_id": params.get("newClientOrderId") or params.get("origClientOrderId"),
                "price": None if price is None else Decimal(price),
                "amount": None if amount is None else Decimal(amount), "signature": params.get("signature")}

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        return {"price": params.get("price"), "amount": params.get("quantity"),
                "client_order_id": params.get("newClientOrderId")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables["exec_type"] = EXECUTION_TYPES[variables["state"]]
        return variables

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        """Acks as Binance sends them: market-stream SUBSCRIBE results, WS-API request results."""
        if not isinstance(message, dict) or "id" not in message:
            return []
        if path == self.ws_api_path:
            return [{"id": message["id"], "status": 200, "result": {"subscriptionId": 0}}]
        return [{"result": None, "id": message["id"]}]
