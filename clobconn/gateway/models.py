"""Gateway's answers as typed values. Gateway sends amounts as JSON numbers: each is read through its
shortest repr (``Decimal(repr(x))``), which gives back the decimal Gateway wrote."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Any


class MalformedAnswer(ValueError):
    """A Gateway answer missing a field or holding a non-finite or negative amount."""


def to_decimal(value: Any, field: str, *, signed: bool = False) -> Decimal:
    """A Gateway number as a Decimal; non-finite, non-numeric or (unless ``signed``) negative values refused."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MalformedAnswer(f"{field}: expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise MalformedAnswer(f"{field}: non-finite {value!r}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError as exc:
        raise MalformedAnswer(f"{field}: not a number {value!r}") from exc
    if not number.is_finite() or (number < 0 and not signed):
        raise MalformedAnswer(f"{field}: {value!r} is not a finite{'' if signed else ' non-negative'} amount")
    return number


def optional_decimal(payload: Mapping[str, Any], field: str, *, signed: bool = False) -> Decimal | None:
    value = payload.get(field)
    return None if value is None else to_decimal(value, field, signed=signed)


def required(payload: Any, field: str) -> Any:
    if not isinstance(payload, Mapping) or field not in payload:
        raise MalformedAnswer(f"answer without {field!r}: {str(payload)[:200]}")
    return payload[field]


class TxStatus(IntEnum):
    """A transaction's status in Gateway's answers (execute ``status``, poll ``txStatus``). Ethereum's poll
    adds 2 (in the mempool, likely processed) and 3 (likely stuck), both still pending."""

    FAILED = -1
    PENDING = 0
    CONFIRMED = 1
    LIKELY_PROCESSED = 2
    LIKELY_STUCK = 3

    @classmethod
    def read(cls, value: Any) -> TxStatus:
        try:
            return cls(int(value))
        except (TypeError, ValueError):
            # An unknown status is not a verdict: the transaction is still followed.
            return cls.PENDING

    @property
    def is_final(self) -> bool:
        return self in (TxStatus.CONFIRMED, TxStatus.FAILED)


@dataclass(frozen=True, slots=True)
class Token:
    symbol: str
    address: str
    decimals: int

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimals)


@dataclass(frozen=True, slots=True)
class Quote:
    """``GET /trading/swap/quote``: ``price`` is quote per base; ``amount_in``/``amount_out`` are in the
    tokens in and out (base out for a BUY); ``min_amount_out`` bounds a SELL, ``max_amount_in`` a BUY."""

    trading_pair: str
    side: str
    price: Decimal
    token_in: str
    token_out: str
    amount_in: Decimal
    amount_out: Decimal
    min_amount_out: Decimal
    max_amount_in: Decimal
    price_impact_pct: Decimal
    pool_address: str | None
    # The base amount quoted (what ``amount`` was).
    amount: Decimal
    quote_id: str | None = None

    @classmethod
    def parse(cls, trading_pair: str, side: str, amount: Decimal, payload: Any) -> Quote:
        return cls(
            trading_pair=trading_pair,
            side=side,
            amount=amount,
            price=to_decimal(required(payload, "price"), "price"),
            token_in=str(required(payload, "tokenIn")),
            token_out=str(required(payload, "tokenOut")),
            amount_in=to_decimal(required(payload, "amountIn"), "amountIn"),
            amount_out=to_decimal(required(payload, "amountOut"), "amountOut"),
            min_amount_out=to_decimal(required(payload, "minAmountOut"), "minAmountOut"),
            max_amount_in=to_decimal(required(payload, "maxAmountIn"), "maxAmountIn"),
            price_impact_pct=to_decimal(payload.get("priceImpactPct", 0), "priceImpactPct", signed=True),
            pool_address=payload.get("poolAddress"),
            quote_id=payload.get("quoteId"),
        )


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a confirmed transaction did: the amounts in and out and the fee in the native coin."""

    amount_in: Decimal
    amount_out: Decimal
    fee: Decimal
    base_change: Decimal | None = None
    quote_change: Decimal | None = None

    @classmethod
    def parse(cls, data: Any) -> Settlement:
        return cls(
            amount_in=to_decimal(required(data, "amountIn"), "amountIn"),
            amount_out=to_decimal(required(data, "amountOut"), "amountOut"),
            fee=to_decimal(data.get("fee") or 0, "fee"),
            base_change=optional_decimal(data, "baseTokenBalanceChange", signed=True),
            quote_change=optional_decimal(data, "quoteTokenBalanceChange", signed=True),
        )


@dataclass(frozen=True, slots=True)
class Submission:
    """An execute's answer: the signature (None when Gateway failed without giving one), the status,
    and the settlement when it confirmed at once."""

    signature: str
    status: TxStatus
    settlement: Settlement | None
    # The answer as Gateway sent it (a position call's ``positionAddress``, for one).
    raw: Mapping[str, Any]

    @classmethod
    def parse(cls, payload: Any) -> Submission:
        signature = required(payload, "signature")
        if not isinstance(signature, str) or not signature:
            raise MalformedAnswer(f"execute answered without a signature: {str(payload)[:200]}")
        status = TxStatus.read(required(payload, "status"))
        data = payload.get("data")
        settlement = (Settlement.parse(data) if status is TxStatus.CONFIRMED and isinstance(data, Mapping)
                      and "amountIn" in data else None)
        return cls(signature, status, settlement, payload)


@dataclass(frozen=True, slots=True)
class Poll:
    """``POST /chains/{chain}/poll``: ``fee`` is None on Ethereum (Gateway 2.13 never fills it)."""

    signature: str
    status: TxStatus
    fee: Decimal | None
    error: str | None

    @classmethod
    def parse(cls, payload: Any) -> Poll:
        return cls(
            signature=str(required(payload, "signature")),
            status=TxStatus.read(required(payload, "txStatus")),
            fee=optional_decimal(payload, "fee"),
            error=payload.get("error"),
        )


@dataclass(frozen=True, slots=True)
class PoolInfo:
    address: str
    base_token_address: str
    quote_token_address: str
    fee_pct: Decimal
    price: Decimal
    base_token_amount: Decimal
    quote_token_amount: Decimal
    active_bin_id: int | None = None

    @classmethod
    def parse(cls, payload: Any) -> PoolInfo:
        active = payload.get("activeBinId") if isinstance(payload, Mapping) else None
        return cls(
            address=str(required(payload, "address")),
            base_token_address=str(required(payload, "baseTokenAddress")),
            quote_token_address=str(required(payload, "quoteTokenAddress")),
            fee_pct=to_decimal(required(payload, "feePct"), "feePct"),
            price=to_decimal(required(payload, "price"), "price"),
            base_token_amount=to_decimal(required(payload, "baseTokenAmount"), "baseTokenAmount"),
            quote_token_amount=to_decimal(required(payload, "quoteTokenAmount"), "quoteTokenAmount"),
            active_bin_id=int(active) if isinstance(active, int) else None,
        )
