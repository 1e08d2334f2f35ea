"""A loopback rippled on the mock venue: JSON-RPC (``POST /``) and WebSocket (``/``) for the XRP Ledger.

It answers ``server_info``, ``account_info``, ``account_lines``, ``book_offers``, ``submit``, ``tx``,
``account_tx`` and ``subscribe`` in the shapes docs.xrpl.org documents. Every submitted blob is decoded with xrpl-py's
binary codec and its signature verified over the bytes that are signed (``encode_for_signing``) against
its SigningPubKey, which must be the sending account's key; its Sequence must be the account's next.
A test then closes ledgers by hand (``close_ledger``), which validates what is due (``validation``:
at once, after ``delay_ledgers``, with a ``tec`` code, or never) and pushes the ledger close and the
accounts' validated transactions to the subscribed sockets.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xrpl.core import keypairs
from xrpl.core.binarycodec import decode, encode_for_signing
from xrpl.models.transactions import Transaction

from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

PATH = "/"
# The ledger's time counts from 2000-01-01.
RIPPLE_EPOCH = 946_684_800


class Validation(enum.Enum):
    # Validated with tesSUCCESS at the next ledger close (or after delay_ledgers closes: DELAYED).
    IMMEDIATE = "immediate"
    DELAYED = "delayed"
    # Validated with fail_code (a tec result: included, fee taken, the offer not placed).
    FAIL = "fail"
    # Never included: the transaction's LastLedgerSequence passes.
    NEVER = "never"


@dataclass
class Account:
    sequence: int
    balance_drops: int = 100_000_000
    owner_count: int = 0
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Submitted:
    fields: dict[str, Any]
    tx_hash: str
    due: int | None
    result: str = "tesSUCCESS"
    ledger_index: int | None = None
    meta: dict[str, Any] | None = None


# The metadata a validated transaction carries, given its decoded fields and its account.
MetaHook = Callable[[dict[str, Any]], dict[str, Any]]


class RippledNode:
    def __init__(self, venue: MockVenue, ledger_index: int = 1000, reserve_base_xrp: float = 1.0,
                 reserve_inc_xrp: float = 0.2) -> None:
        self.venue = venue
        self.ledger_index = ledger_index
        self.reserve = (reserve_base_xrp, reserve_inc_xrp)
        self.accounts: dict[str, Account] = {}
        # Offers per book, keyed by (taker_gets, taker_pays) as {"currency", "issuer"} tuples.
        self.offers: list[dict[str, Any]] = []
        self.submitted: list[Submitted] = []
        self.refused_signatures = 0
        self.validation = Validation.IMMEDIATE
        self.delay_ledgers = 2
        self.fail_code = "tecUNFUNDED_OFFER"
        # The engine result the next submits answer instead of applying (tem/tef/tel codes), one each.
        self.submit_answers: list[str] = []
        self.meta_hook: MetaHook | None = None
        # Seconds before submit answers (after applying): longer than the client's timeout loses the answer.
        self.submit_delay = 0.0
        venue.route("POST", PATH, self._rpc)
        venue.on_ws_message(PATH, self._ws)

    # -- scripting -------------------------------------------------------------------------------

    def add_account(self, address: str, sequence: int = 7, **kwargs: Any) -> Account:
        self.accounts[address] = Account(sequence, **kwargs)
        return self.accounts[address]

    def transaction(self, tx_hash: str) -> Submitted:
        return next(s for s in self.submitted if s.tx_hash == tx_hash)

    async def close_ledger(self) -> None:
        """Close (and validate) the next ledger: validate what is due, then tell the subscribers."""
        self.ledger_index += 1
        validated = []
        for sent in self.submitted:
            if sent.ledger_index is None and sent.due is not None and sent.due <= self.ledger_index:
                if int(sent.fields.get("LastLedgerSequence", 2**32)) < self.ledger_index:
                    continue
                sent.ledger_index = self.ledger_index
                sent.meta = self._meta(sent)
                validated.append(sent)
        await self.venue.push(PATH, {
            "type": "ledgerClosed", "ledger_index": self.ledger_index, "fee_base": 10,
            "reserve_base": int(self.reserve[0] * 1e6), "reserve_inc": int(self.reserve[1] * 1e6), "ledger_time": 0,
            "txn_count": len(validated), "validated_ledgers": f"1-{self.ledger_index}"})
        for sent in validated:
            await self.venue.push_where(PATH, {"type": "transaction", "validated": True, **self._tx_view(sent)},
                                        functools.partial(_follows, account=sent.fields["Account"]))

    # -- JSON-RPC --------------------------------------------------------------------------------

    def _rpc(self, request: RecordedRequest) -> MockResponse:
        body = request.json
        method, params = body["method"], (body.get("params") or [{}])[0]
        handler = getattr(self, f"_{method}", None)
        result = handler(params) if handler is not None else _error("unknownCmd", "Unknown method.")
        return MockResponse({"result": result}, delay=self.submit_delay if method == "submit" else 0.0)

    def _server_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"info": {"build_version": "2.3.0", "load_factor": 1, "server_state": "full",
                         "validated_ledger": {"age": 1, "base_fee_xrp": 0.00001, "hash": "0" * 64,
                                              "reserve_base_xrp": self.reserve[0], "reserve_inc_xrp": self.reserve[1],
                                              "seq": self.ledger_index}},
                "status": "success"}

    def _account_info(self, params: dict[str, Any]) -> dict[str, Any]:
        account = self.accounts.get(params.get("account", ""))
        if account is None:
            return _error("actNotFound", "Account not found.")
        data = {"Account": params["account"], "Balance": str(account.balance_drops), "Flags": 0,
                "LedgerEntryType": "AccountRoot", "OwnerCount": account.owner_count, "Sequence": account.sequence}
        return {"account_data": data, "ledger_current_index": self.ledger_index + 1, "status": "success",
                "validated": params.get("ledger_index") == "validated"}

    def _account_lines(self, params: dict[str, Any]) -> dict[str, Any]:
        account = self.accounts.get(params.get("account", ""))
        if account is None:
            return _error("actNotFound", "Account not found.")
        return {"account": params["account"], "lines": account.lines, "status": "success", "validated": True}

    def _book(self, gets: dict[str, Any], pays: dict[str, Any]) -> list[dict[str, Any]]:
        return [o for o in self.offers if _currency(o["TakerGets"]) == _side(gets)
                and _currency(o["TakerPays"]) == _side(pays)]

    def _book_offers(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ledger_current_index": self.ledger_index + 1,
                "offers": self._book(params["taker_gets"], params["taker_pays"]), "status": "success",
                "validated": False}

    def _tx(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = next((s for s in self.submitted if s.tx_hash == params.get("transaction")), None)
        if sent is None:
            return _error("txnNotFound", "Transaction not found.")
        return {**self._tx_view(sent), "status": "success"}

    def _account_tx(self, params: dict[str, Any]) -> dict[str, Any]:
        """The account's validated transactions, oldest first (``forward``), as ``account_tx`` lists them."""
        account = params.get("account", "")
        if account not in self.accounts:
            return _error("actNotFound", "Account not found.")
        transactions = [self._tx_view(s) for s in self.submitted
                        if s.fields["Account"] == account and s.ledger_index is not None]
        return {"account": account, "ledger_index_min": 1, "ledger_index_max": self.ledger_index, "limit": 400,
                "transactions": transactions if params.get("forward") else transactions[::-1],
                "status": "success", "validated": True}

    def _tx_view(self, sent: Submitted) -> dict[str, Any]:
        """A transaction as ``tx`` (API v2) and the transaction stream show it."""
        view: dict[str, Any] = {"tx_json": {**sent.fields, "date": 800_000_000}, "hash": sent.tx_hash,
                                "validated": sent.ledger_index is not None}
        if sent.ledger_index is not None:
            view |= {"meta": sent.meta, "ledger_index": sent.ledger_index, "engine_result": sent.result}
        return view

    def _submit(self, params: dict[str, Any]) -> dict[str, Any]:
        blob = params.get("tx_blob", "")
        try:
            fields = decode(blob)
        except Exception:
            return _error("invalidTransaction", "fails local checks: Invalid transaction.")
        signed = dict(fields)
        signature = signed.pop("TxnSignature", "")
        public_key = fields.get("SigningPubKey", "")
        if not (signature and keypairs.is_valid_message(bytes.fromhex(encode_for_signing(signed)),
                                                        bytes.fromhex(signature), public_key)
                and keypairs.derive_classic_address(public_key) == fields.get("Account")):
            self.refused_signatures += 1
            return _error("invalidTransaction", "fails local checks: Invalid signature.")
        tx_hash = Transaction.from_xrpl(fields).get_hash()
        account = self.accounts.get(fields["Account"])
        if self.submit_answers:
            result = self.submit_answers.pop(0)
        elif account is None:
            result = "terNO_ACCOUNT"
        elif fields["Sequence"] < account.sequence:
            result = "tefPAST_SEQ"
        elif fields["Sequence"] > account.sequence:
            result = "terPRE_SEQ"
        elif int(fields.get("LastLedgerSequence", 2**32)) <= self.ledger_index:
            result = "tefMAX_LEDGER"
        else:
            result = "tesSUCCESS"
            assert account is not None
            account.sequence += 1
            due = {Validation.NEVER: None, Validation.DELAYED: self.ledger_index + self.delay_ledgers}.get(
                self.validation, self.ledger_index + 1)
            self.submitted.append(Submitted(fields, tx_hash, due, self.fail_code if self.validation is Validation.FAIL
                                            else "tesSUCCESS"))
        return {"engine_result": result, "engine_result_code": 0 if result == "tesSUCCESS" else -1,
                "engine_result_message": "The transaction was applied. Only final in a validated ledger."
                if result == "tesSUCCESS" else result, "tx_blob": blob, "tx_json": {**fields, "hash": tx_hash},
                "accepted": result == "tesSUCCESS", "applied": result == "tesSUCCESS",
                "validated_ledger_index": self.ledger_index, "status": "success"}

    def _meta(self, sent: Submitted) -> dict[str, Any]:
        if sent.result != "tesSUCCESS":
            return {"AffectedNodes": [], "TransactionIndex": 0, "TransactionResult": sent.result}
        if self.meta_hook is not None:
            return {"TransactionIndex": 0, "TransactionResult": sent.result, **self.meta_hook(sent.fields)}
        fields, nodes = sent.fields, []
        if fields["TransactionType"] == "OfferCreate":
            nodes.append({"CreatedNode": {"LedgerEntryType": "Offer", "LedgerIndex": "1" * 64, "NewFields": {
                "Account": fields["Account"], "Sequence": fields["Sequence"], "TakerGets": fields["TakerGets"],
                "TakerPays": fields["TakerPays"]}}})
        return {"AffectedNodes": nodes, "TransactionIndex": 0, "TransactionResult": sent.result}

    # -- WebSocket -------------------------------------------------------------------------------

    def _ws(self, message: Any) -> list[Any]:
        if not isinstance(message, dict) or message.get("command") not in ("subscribe", "unsubscribe"):
            return []
        result: dict[str, Any] = {}
        if message.get("command") == "subscribe" and message.get("streams"):
            result = {"ledger_index": self.ledger_index, "fee_base": 10}
        for book in message.get("books", ()) if message.get("command") == "subscribe" else ():
            if book.get("snapshot"):
                result["asks"] = self._book(book["taker_gets"], book["taker_pays"])
                result["bids"] = self._book(book["taker_pays"], book["taker_gets"]) if book.get("both") else []
        return [{"id": message.get("id"), "result": result, "status": "success", "type": "response"}]


def _follows(session: list[Any], account: str) -> bool:
    return any(isinstance(m, dict) and m.get("command") == "subscribe" and account in m.get("accounts", ())
               for m in session)


def _side(currency: dict[str, Any]) -> tuple[str, str | None]:
    return currency["currency"], currency.get("issuer")


def _currency(amount: Any) -> tuple[str, str | None]:
    return ("XRP", None) if isinstance(amount, str) else (amount["currency"], amount["issuer"])


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": code, "error_message": message, "status": "error"}
