"""The dYdX chain as the conformance scenarios see it: the loopback Cosmos node (clobconn/testing/cosmos_node.py,
which decodes every broadcast transaction, verifies its signature against the key it names, the chain id and
the account number, and checks the sequence of all but short-term order messages), bridged to the scenarios'
routes.

Each transaction the node takes is also recorded as a request to ``POST /chain/place_order`` or
``POST /chain/cancel_order``, with its message read back (the client id, the order's flags, and its size and
price in whole units from its quantums and subticks), and answered with what the scenario scripted there:
- an answer carrying a ``tx_response`` (or an HTTP error) is the node's refusal at CheckTx: it took nothing,
  and the account's sequence is still the transaction's;
- an empty answer is an answer lost: the node took the transaction, and the client hears nothing;
- any other answer is what the indexer then reports on the account's ``v4_subaccounts`` channel: it is pushed
  there before the node answers the broadcast (a block can close before a slow answer arrives), and the node
  answers once the client has read it (or half a second on).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import orjson
from google.protobuf.message import Message
from v4_proto.dydxprotocol.clob.tx_pb2 import MsgCancelOrder, MsgPlaceOrder

from clobconn.testing.cosmos_node import CosmosNodeMock, short_term_only
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

ROUTES = {MsgPlaceOrder: "/chain/place_order", MsgCancelOrder: "/chain/cancel_order"}
SIDES = {1: "BUY", 2: "SELL"}
QUOTE_ATOMIC_RESOLUTION = -6  # USDC's quantums (concepts/trading/quantums)


class BridgedNode(CosmosNodeMock):
    def __init__(self, venue: MockVenue, chain_id: str, markets: Mapping[str, Mapping[str, Any]], account_path: str,
                 pending: Callable[[str], bool]) -> None:
        super().__init__(venue, chain_id, "dydx", skips_sequence=short_term_only)
        # Each clob pair's atomicResolution and quantumConversionExponent, by clobPairId (the markets fixture's).
        self.markets = {str(m["clobPairId"]): m for m in markets.values()}
        self.account_path = account_path
        # Whether the client still awaits the outcome of the order with this client id.
        self.pending = pending
        # Every transaction whose signature held, refused or not: proof that the mnemonic signed.
        self.verified = 0

    async def _broadcast(self, request: RecordedRequest) -> MockResponse:
        answer = await super()._broadcast(request)
        if answer.body["tx_response"]["code"]:
            return answer  # the node's own refusal (a bad signature or sequence): nothing scripted
        self.verified += 1
        taken = self.accepted[-1]
        (message,) = taken.messages
        readable = {**self.readable(message), "sequence": taken.sequence}
        recorded = RecordedRequest("POST", ROUTES[type(message)], {}, {}, orjson.dumps(readable), time.monotonic())
        scripted = await self.venue.scripted_answer(recorded)
        if scripted is None or not scripted.body:
            return answer
        if scripted.status >= 400 or "tx_response" in scripted.body:
            # Refused at CheckTx: nothing was taken, and the sequence is still the account's next.
            self.accepted.remove(taken)
            if not self.skips_sequence(taken.messages):
                self.accounts[taken.address].sequence = taken.sequence
            return scripted
        await self.venue.push(self.account_path, scripted.body)
        for _ in range(50):
            if not self.pending(readable["client_order_id"]):
                break
            await asyncio.sleep(0.01)
        return answer

    def readable(self, message: Message) -> dict[str, Any]:
        """A place or cancel message as the scenarios read a request: ids, and size and price in whole units."""
        order = message.order if isinstance(message, MsgPlaceOrder) else None
        order_id = order.order_id if order is not None else message.order_id  # type: ignore[attr-defined]
        fields: dict[str, Any] = {"client_order_id": str(order_id.client_id), "order_flags": order_id.order_flags,
                                  "clob_pair_id": order_id.clob_pair_id, "owner": order_id.subaccount_id.owner,
                                  "subaccount_number": order_id.subaccount_id.number}
        if order is None:
            return fields
        market = self.markets[str(order_id.clob_pair_id)]
        atomic, exponent = int(market["atomicResolution"]), int(market["quantumConversionExponent"])
        amount = Decimal(order.quantums).scaleb(atomic)
        price = Decimal(order.subticks).scaleb(exponent - atomic + QUOTE_ATOMIC_RESOLUTION)
        return fields | {"side": SIDES[order.side], "amount": str(amount.normalize()), "price": str(price.normalize()),
                         "time_in_force": order.time_in_force, "reduce_only": order.reduce_only,
                         "good_til_block": order.good_til_block, "good_til_block_time": order.good_til_block_time}

