"""Validated XRP Ledger transactions as the ledger reports them: the parts of a ``tx`` answer or a stream
message (API v1 or v2), its time, and the Offer entries its metadata says it touched.
docs.xrpl.org/docs/references/protocol/transactions/metadata.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clobconn.core.xrpl.amounts import Asset, asset_of, value_of

# The ledger counts time from 2000-01-01T00:00:00Z.
RIPPLE_EPOCH = 946_684_800
TokenAmount = tuple[Asset, Decimal]


@dataclass(frozen=True, slots=True)
class OfferChange:
    """One Offer entry a transaction touched
    (docs.xrpl.org/docs/references/protocol/ledger-data/ledger-entry-types/offer)."""

    owner: str
    sequence: int
    kind: str  # CreatedNode, ModifiedNode, DeletedNode
    remaining_gets: Any
    remaining_pays: Any
    # What the owner gave and got in this transaction (PreviousFields minus FinalFields); None: no trade.
    gave: TokenAmount | None
    got: TokenAmount | None


def _delta(previous: Mapping[str, Any], final: Mapping[str, Any], name: str) -> TokenAmount | None:
    if name not in previous:
        return None
    return asset_of(final[name]), value_of(previous[name]) - value_of(final[name])


def offer_changes(meta: Mapping[str, Any]) -> Iterator[OfferChange]:
    for affected in meta.get("AffectedNodes", ()):
        kind, node = next(iter(affected.items()))
        if node.get("LedgerEntryType") != "Offer":
            continue
        fields = node.get("NewFields") or node.get("FinalFields") or {}
        previous = node.get("PreviousFields") or {}
        yield OfferChange(fields["Account"], int(fields["Sequence"]), kind, fields["TakerGets"], fields["TakerPays"],
                          _delta(previous, fields, "TakerGets"), _delta(previous, fields, "TakerPays"))


def transaction_parts(message: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any], str]:
    """(transaction fields, metadata, hash) of a ``tx`` answer or a transaction stream message."""
    # API v2 answers and streams say tx_json, v1 streams transaction, v1 account_tx entries tx; a v1 tx is flat.
    fields = message.get("tx_json") or message.get("transaction") or message.get("tx") or message
    return fields, message.get("meta") or message.get("metaData") or {}, str(message.get("hash") or fields["hash"])


def ledger_time(fields: Mapping[str, Any]) -> float:
    """The transaction's ledger close time (``date``, seconds since the Ripple epoch) as Unix seconds."""
    date = fields.get("date")
    return float(date) + RIPPLE_EPOCH if isinstance(date, int) else time.time()
