"""The XRP Ledger as the conformance scenarios see it: the loopback rippled (clobconn/testing/rippled.py, which
decodes every submitted blob, verifies its signature and checks its Sequence), bridged to the scenarios' routes.

Every method is ``POST /`` on a rippled node, the method in the body; the bridge records each call it bridges
as a request to ``POST /rpc/<method>`` (a submit as ``POST /rpc/submit/<TransactionType>``, with the offer's
side, amount and price read back from the signed blob), and answers with what the scenario scripted there:
- a submit's script is the transaction's fate once the node took it: ``{"meta": ...}`` validates it in the
  next ledger, which closes before the node answers the submit (the account stream tells first, as it can on
  a fast ledger); an empty answer leaves it never validated; an answer carrying a ``result`` (a tem/tef/tel
  engine result, or a refusal with an HTTP error) is what the node said, and it took nothing;
- an order status lookup's script (``POST /rpc/order_status``: ``tx`` by hash for a pending placement,
  ``account_tx`` for a resting offer) is the ``meta`` of what settled the order, or the node's error: the
  placement validated with it, or the account's transactions followed by another account's with it;
- any other bridged method's script is the node's whole answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.rippled import PATH, RippledNode, Submitted

BRIDGED = frozenset({"account_lines", "submit", "tx", "account_tx"})
# An order's state is read by one lookup or the other (its placement by hash while pending, the account's
# transactions once it rests): both are the scenarios' order status, which scripts what settled the order.
ROUTE_OF = {"tx": "/rpc/order_status", "account_tx": "/rpc/order_status"}
DROPS = Decimal(1_000_000)


def value(amount: Any) -> Decimal:
    return Decimal(amount) / DROPS if isinstance(amount, str) else Decimal(str(amount["value"]))


def offer_terms(fields: dict[str, Any]) -> dict[str, Any]:
    """An OfferCreate as the scenarios read a placement: the side, base amount and price of an XRP-base pair."""
    gets, pays = fields.get("TakerGets"), fields.get("TakerPays")
    if gets is None or pays is None:
        return {}
    buying = isinstance(pays, str)  # a buy of the XRP base wants XRP (TakerPays) for the quote token
    base, quote = (value(pays), value(gets)) if buying else (value(gets), value(pays))
    return {"side": "BUY" if buying else "SELL", "amount": str(base), "price": str((quote / base).normalize())}


class BridgedLedger(RippledNode):
    def __init__(self, venue: MockVenue, account_path: str, client_id_of: Callable[[int], str | None],
                 pending: Callable[[int], bool]) -> None:
        super().__init__(venue)
        self.account_path = account_path
        # The client order id of the offer of a Sequence, and whether the client still awaits its outcome.
        self.client_id_of = client_id_of
        self.pending = pending
        venue.route("POST", PATH, self._bridged)

    async def _scripted(self, path: str, body: dict[str, Any]) -> MockResponse | None:
        recorded = RecordedRequest("POST", path, {}, {}, orjson.dumps(body), time.monotonic())
        return await self.venue.scripted_answer(recorded)

    async def _bridged(self, request: RecordedRequest) -> MockResponse:
        body = request.json
        method, params = body["method"], (body.get("params") or [{}])[0]
        if method not in BRIDGED:
            return self._rpc(request)
        if method == "submit":
            return await self._bridged_submit(request, params)
        scripted = await self._scripted(ROUTE_OF.get(method, f"/rpc/{method}"), {"method": method, **params})
        if scripted is None:
            return self._rpc(request)
        if method not in ROUTE_OF or _refusal(scripted):
            return scripted
        if method == "account_tx":
            return self._settled_by(params["account"], scripted.body)
        sent = next((s for s in self.submitted if s.tx_hash == params.get("transaction")), None)
        if sent is None:
            return MockResponse({"result": {"error": "txnNotFound", "status": "error"}})
        if sent.ledger_index is None:
            self._validate(sent, scripted.body.get("meta") or {})
        return MockResponse({"result": {**self._tx_view(sent), "status": "success"}})

    async def _bridged_submit(self, request: RecordedRequest, params: dict[str, Any]) -> MockResponse:
        answer = self._rpc(request)
        result = answer.body["result"]
        if result.get("engine_result") != "tesSUCCESS":
            return answer  # a bad signature or Sequence: the node's own refusal, nothing scripted
        fields = result["tx_json"]
        sent = self.submitted[-1]
        offer = int(fields.get("OfferSequence", fields["Sequence"]))
        readable = {"type": fields["TransactionType"], "sequence": fields["Sequence"], "offer_sequence": offer,
                    "client_order_id": self.client_id_of(offer), "flags": fields.get("Flags", 0),
                    **offer_terms(fields)}
        scripted = await self._scripted(f"/rpc/submit/{fields['TransactionType']}", readable)
        if scripted is None:
            return answer
        if _refusal(scripted) or "result" in (scripted.body or {}):
            # The node refused it: it took nothing, and the Sequence is still the account's next.
            self.submitted.remove(sent)
            self.accounts[fields["Account"]].sequence = int(fields["Sequence"])
            return scripted
        if not scripted.body:
            sent.due = None  # the answer was lost and it is never validated
            return answer
        self._validate(sent, scripted.body["meta"])
        await self.venue.push(self.account_path, {"type": "transaction", "validated": True, **self._tx_view(sent)})
        # The stream told first: the answer to submit goes once the client has read it (or half a second on).
        for _ in range(50):
            if not self.pending(offer):
                break
            await asyncio.sleep(0.01)
        return answer

    def _settled_by(self, account: str, scripted: dict[str, Any]) -> MockResponse:
        """The account's validated transactions, oldest first, then the scripted one: another account's
        transaction (named by the scripted hash) with the scripted metadata."""
        mine = self._account_tx({"account": account, "forward": True})["transactions"]
        other = {"tx_json": {"Account": "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY", "Fee": "12", "Flags": 0, "Sequence": 42,
                             "TransactionType": "OfferCreate", "date": 800_000_000},
                 "meta": {"TransactionIndex": 0, **scripted["meta"]}, "hash": scripted.get("hash", "F" * 64),
                 "ledger_index": self.ledger_index, "validated": True}
        return MockResponse({"result": {"account": account, "ledger_index_min": 1,
                                        "ledger_index_max": self.ledger_index, "transactions": [*mine, other],
                                        "validated": True, "status": "success"}})

    def _validate(self, sent: Submitted, meta: dict[str, Any]) -> None:
        self.ledger_index += 1
        sent.ledger_index, sent.result = self.ledger_index, str(meta.get("TransactionResult", "tesSUCCESS"))
        sent.meta = {"TransactionIndex": 0, **meta}


def _refusal(response: MockResponse) -> bool:
    result = response.body.get("result") if isinstance(response.body, dict) else None
    return response.status >= 400 or (isinstance(result, dict) and result.get("status") == "error")
