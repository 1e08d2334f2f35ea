"""The Dexalot L1 as the conformance scenarios see it: the core's loopback EVM node (which decodes every raw
transaction, recovers its sender and checks its chain id and nonce), bridged to the scenarios' routes.

Each TradePairs transaction the node takes and each PortfolioSub/TradePairs ``eth_call`` it answers is also
recorded as a request to ``POST /chain/<function>`` with the call's arguments decoded (whole tokens, not EVM
units), and answered with what the scenario scripted for that route: for a transaction, the events its receipt
carries (ABI-encoded into logs; an empty answer is a transaction never mined; an HTTP error is the node refusing
it), for a call, its result (ABI-encoded). So the shared scenarios script and count orders on the chain as they
do REST requests, and every transaction still passes the node's checks.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from clobconn.core.evm.abi import ContractAbi
from clobconn.exchange.dexalot.constants import SIDES, STATUSES
from clobconn.exchange.dexalot.parsers import PORTFOLIO_SUB, TRADE_PAIRS, from_bytes32, order_id_hex, to_bytes32
from clobconn.testing.evm_node import EvmNode, Mining, decode_transaction
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

BRIDGED = {"addOrderList", "cancelOrderList", "cancelOrderListByClientIds", "cancelAddList",
           "getOrderByClientOrderId", "getBalances"}
# cancelOrderListByClientIds is the same cancel, made before the exchange id is known.
ROUTE_OF = {"cancelOrderListByClientIds": "cancelOrderList"}


def units(value: Any, decimals: int) -> int:
    return int(Decimal(str(value)).scaleb(decimals))


def whole(value: int, decimals: int) -> str:
    return str(Decimal(value).scaleb(-decimals).normalize())


def order_id(value: Any) -> bytes:
    """An exchange id the scenarios write as a number (or 0x-hex, once the connector has reported one)."""
    return int(str(value), 0).to_bytes(32, "big")


class DexalotChain(EvmNode):
    def __init__(self, venue: MockVenue, chain_id: int, trade_pairs: str, portfolio: str,
                 decimals: Mapping[str, int]) -> None:
        self.contracts: dict[str, ContractAbi] = {trade_pairs.lower(): TRADE_PAIRS, portfolio.lower(): PORTFOLIO_SUB}
        self.decimals = dict(decimals)  # each token's EVM decimals, by symbol
        super().__init__(venue, chain_id=chain_id)

    def _function(self, to: str, data: bytes) -> tuple[ContractAbi, str] | None:
        abi = self.contracts.get(to.lower())
        if abi is None:
            return None
        for name in BRIDGED & abi.functions.keys():
            if abi.selector(name) == data[:4]:
                return abi, name
        return None

    async def _scripted(self, name: str, arguments: dict[str, Any]) -> MockResponse | None:
        body = orjson.dumps(arguments, default=str)
        path = f"/chain/{ROUTE_OF.get(name, name)}"
        return await self.venue.scripted_answer(RecordedRequest("POST", path, {}, {}, body, time.time()))

    async def _answer(self, request: RecordedRequest) -> MockResponse:
        body = request.json
        method, params = body.get("method"), list(body.get("params") or [])
        if method == "eth_call":
            call = params[0]
            data = bytes.fromhex(str(call.get("data", "0x")).removeprefix("0x"))
            found = self._function(str(call.get("to", "")), data)
            if found is not None:
                self.contract_calls.append((str(call.get("to", "")).lower(), data))
                abi, name = found
                scripted = await self._scripted(name, self.readable(name, abi.decode_call(name, data)))
                if scripted is not None:
                    if _refusal(scripted):
                        return scripted
                    result = self.encode_result(name, scripted.body)
                    return MockResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": "0x" + result.hex()})
        if method == "eth_sendRawTransaction":
            tx = decode_transaction(bytes.fromhex(str(params[0]).removeprefix("0x")))
            found = self._function(tx.to, tx.data)
            answer = await super()._answer(request)
            if found is None or "error" in answer.body:
                return answer
            taken = self.sent[-1]
            abi, name = found
            arguments = self.readable(name, abi.decode_call(name, tx.data))
            scripted = await self._scripted(name, arguments)
            if scripted is None:
                return answer
            if _refusal(scripted):
                # The node refused it (a rate limit): it took nothing, and the nonce is still the sender's next.
                self.sent.remove(taken)
                self.set_nonce(taken.sender, taken.nonce)
                return scripted
            if not scripted.body:
                taken.mining = Mining.NEVER  # the answer was lost, and the transaction is never mined
            else:
                taken.logs = self.logs(taken.sender, arguments, scripted.body)
            return answer
        return await super()._answer(request)

    # -- readable arguments, and what the scenarios script back in whole tokens -------------------------------

    def pair_decimals(self, symbol: str) -> tuple[int, int]:
        base, quote = symbol.split("/")
        return self.decimals[base], self.decimals[quote]

    def readable(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if name == "getBalances":
            return {"owner": arguments["_owner"], "page": arguments["_pageNo"]}
        if name == "getOrderByClientOrderId":
            return {"trader": arguments["_trader"], "client_order_id": from_bytes32(arguments["_clientOrderId"])}
        readable: dict[str, Any] = {}
        for key in ("_orderIds", "_orderIdsToCancel"):
            if key in arguments:
                readable["order_ids"] = [order_id_hex(i) for i in arguments[key]]
        if "_clientOrderIds" in arguments:
            readable["client_order_ids"] = [from_bytes32(i) for i in arguments["_clientOrderIds"]]
        orders = []
        for new in arguments.get("_orders", ()):
            symbol = from_bytes32(new["tradePairId"])
            base, quote = self.pair_decimals(symbol)
            orders.append({"client_order_id": from_bytes32(new["clientOrderId"]), "pair": symbol,
                           "price": whole(new["price"], quote) if new["price"] else None,
                           "amount": whole(new["quantity"], base), "trader": new["traderaddress"],
                           "side": SIDES[new["side"]], "type1": new["type1"], "type2": new["type2"], "stp": new["stp"]})
        readable["orders"] = orders
        return readable

    def order_struct(self, fields: Mapping[str, Any], sent: Mapping[str, Any] | None, trader: str) -> tuple[Any, ...]:
        """An ITradePairs.Order: the scripted fields (whole tokens), the rest the sent order's own."""
        sent = sent or {}
        symbol = str(fields.get("pair") or sent.get("pair") or "AVAX/USDC")
        base, quote = self.pair_decimals(symbol)
        client_id = str(fields.get("clientOrderId", sent.get("client_order_id", "")))
        return (order_id(fields.get("id", 0)), to_bytes32(client_id, "id"), to_bytes32(symbol, "pair"),
                units(fields.get("price", sent.get("price") or 0), quote), 0,
                units(fields.get("quantity", sent.get("amount") or 0), base),
                units(fields.get("quantityFilled", 0), base), 0, trader,
                SIDES.index(sent.get("side", "BUY")), int(sent.get("type1", 1)), int(sent.get("type2", 0)),
                STATUSES.index(str(fields.get("status", "NEW"))), 1, 1)

    def logs(self, trader: str, arguments: Mapping[str, Any], scripted: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The receipt's OrderStatusChanged logs: the n-th scripted event is the n-th order sent (or cancelled)."""
        sent = list(arguments.get("orders", ()))
        logs = []
        for index, fields in enumerate(scripted.get("OrderStatusChanged", ())):
            order = self.order_struct(fields, sent[index] if index < len(sent) else None, trader)
            logs.append(TRADE_PAIRS.encode_log("OrderStatusChanged", version=2, traderaddress=trader, pair=order[2],
                                               order=order, previousUpdateBlock=0,
                                               code=str(fields.get("code", "")).encode().ljust(32, b"\0")))
        return logs

    def encode_result(self, name: str, scripted: Any) -> bytes:
        if name == "getBalances":
            symbols = [str(s) for s in scripted["symbols"]]
            return PORTFOLIO_SUB.encode_result(
                name, [to_bytes32(s, "symbol") for s in symbols],
                [units(t, self.decimals[s]) for s, t in zip(symbols, scripted["total"], strict=True)],
                [units(a, self.decimals[s]) for s, a in zip(symbols, scripted["available"], strict=True)])
        return TRADE_PAIRS.encode_result(name, self.order_struct(scripted["order"], None, "0x" + "00" * 20))


def _refusal(response: MockResponse) -> bool:
    return response.status >= 400 or (isinstance(response.body, dict) and "error" in response.body)
