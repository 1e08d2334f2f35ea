"""XRP Ledger assets as clobconn names them, and amounts as the ledger writes them.

A pair is ``BASE-QUOTE``; each side is ``XRP`` or a token ``CODE.ISSUER``: a three-character code (or a
40-hex nonstandard code) and the issuing account's classic address, e.g.
``XRP-USD.rhub8VRN55s94qWKDv6jmDy1pUykJzF3wq``. Two issuers' USD are two assets, as on the ledger.
XRP travels in drops (1 XRP = 1,000,000 drops, a string of digits); a token amount is an object whose
``value`` holds at most 15 significant digits (docs.xrpl.org/docs/references/protocol/data-types/currency-formats).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from xrpl.core.addresscodec import is_valid_classic_address

from clobconn.core.errors import BadSymbol, InvalidOrderArgument
from clobconn.core.web.numbers import fmt

XRP = "XRP"
DROPS_PER_XRP = Decimal(1_000_000)
ONE_DROP = Decimal(1) / DROPS_PER_XRP
TOKEN_DIGITS = 15
# A standard code: three ASCII characters, not "XRP"; a nonstandard one: 40 hex digits not starting 00.
_STANDARD_CODE = re.compile(r"[A-Za-z0-9?!@#$%^&*<>(){}\[\]|]{3}")
_HEX_CODE = re.compile(r"(?!00)[0-9A-F]{40}")


@dataclass(frozen=True, slots=True)
class Asset:
    currency: str
    issuer: str | None = None

    @property
    def is_xrp(self) -> bool:
        return self.issuer is None

    @property
    def name(self) -> str:
        return XRP if self.issuer is None else f"{self.currency}.{self.issuer}"

    def book_side(self) -> dict[str, str]:
        """The asset as ``book_offers`` and ``subscribe`` take it: a currency without an amount."""
        return {"currency": XRP} if self.issuer is None else {"currency": self.currency, "issuer": self.issuer}


def parse_asset(name: str) -> Asset:
    """``XRP`` or ``CODE.ISSUER``; anything else is an unknown symbol."""
    if name == XRP:
        return Asset(XRP)
    code, dot, issuer = name.partition(".")
    if not (dot and ((_STANDARD_CODE.fullmatch(code) and code != XRP) or _HEX_CODE.fullmatch(code))
            and is_valid_classic_address(issuer)):
        raise BadSymbol(f"xrpl: {name!r} is not XRP nor CODE.ISSUER (a 3-character or 40-hex currency code and "
                        "the issuer's r-address, e.g. USD.rhub8VRN55s94qWKDv6jmDy1pUykJzF3wq)")
    return Asset(code, issuer)


def parse_pair(trading_pair: str) -> tuple[Asset, Asset]:
    base, dash, quote = trading_pair.partition("-")
    assets = parse_asset(base), parse_asset(quote)
    if not dash or assets[0] == assets[1]:
        raise BadSymbol(f"xrpl: {trading_pair!r} is not BASE-QUOTE of two different assets")
    return assets


def asset_of(amount: Any) -> Asset:
    """The asset of a ledger amount: a drops string is XRP, an object names its token."""
    return Asset(XRP) if isinstance(amount, str) else Asset(amount["currency"], amount["issuer"])


def value_of(amount: Any) -> Decimal:
    """A ledger amount's value in whole units (XRP, not drops). No amount of an offer, a fee or an account's
    XRP is negative or infinite: such a value (or no number at all) raises ValueError, so that the message
    carrying it is skipped as malformed rather than read."""
    value = Decimal(amount) / DROPS_PER_XRP if isinstance(amount, str) else Decimal(str(amount["value"]))
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a ledger amount: {amount!r}")
    return value


def _round_token(value: Decimal, rounding: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - TOKEN_DIGITS + 1), rounding=rounding)


def ledger_amount(asset: Asset, value: Decimal, field: str, trading_pair: str, rounding: str | None = None) -> Any:
    """``value`` of ``asset`` as the ledger writes it. Without ``rounding`` it must be exact (whole drops,
    15 significant digits at most) or it is refused naming ``field``; with it (ROUND_FLOOR or
    ROUND_CEILING) it is rounded that way, for the amount derived from price times size."""
    if not value.is_finite() or value <= 0:
        raise InvalidOrderArgument(f"{trading_pair}: {field} {value} must be positive", field=field, value=value)
    if asset.is_xrp:
        drops = value * DROPS_PER_XRP
        if rounding is not None:
            drops = drops.to_integral_value(rounding=rounding)
        if drops != drops.to_integral_value() or drops <= 0:
            raise InvalidOrderArgument(f"{trading_pair}: {field} {value} XRP is not a whole number of drops "
                                       "(0.000001 XRP)", field=field, value=value)
        return str(int(drops))
    exact = _round_token(value, rounding or ROUND_FLOOR)
    if rounding is None and exact != value:
        raise InvalidOrderArgument(f"{trading_pair}: {field} {value} {asset.currency} has more than {TOKEN_DIGITS} "
                                   "significant digits", field=field, value=value)
    return {"currency": asset.currency, "issuer": asset.issuer, "value": fmt(exact.normalize())}


__all__ = ["ROUND_CEILING", "ROUND_FLOOR", "Asset", "asset_of", "ledger_amount", "parse_asset", "parse_pair",
           "value_of"]
