"""The arguments of the public calls, checked and normalised before anything is signed or sent.

Pure functions, no I/O. Each returns the value in the one type the core works with, or raises a
typed error naming the argument (``InvalidArgument.field``), what was given and, for an enum, the
values that would be accepted. Order arguments raise ``InvalidOrderArgument`` (an ``InvalidOrder``
and a ``BadRequest``); the others (leverage, position mode, position side) raise ``InvalidArgument``.

Money (amounts, prices, leverage) is accepted as:
- ``Decimal``, used as it is;
- ``int`` (never ``bool``: ``True`` as an amount is a bug, not 1);
- ``str``, parsed exactly by ``Decimal`` ("0.001", "1e-3");
- ``float``, converted through its shortest round-trip repr, so ``0.001`` becomes ``Decimal("0.001")``,
  the number the caller typed, and not ``Decimal(0.001)`` = 0.001000000000000000020816681711721685...

and must be finite (no NaN, sNaN or infinity) and smaller in magnitude than ``MAX_MAGNITUDE``: no
venue quotes or sizes anything near it, so a larger value is a mistake (or a float overflow written
out as text, "1e400"), and it would reach the wire in exponent notation.

An enum argument is a member, or a string naming one by value or by name in any letter case
("LIMIT", "limit", "ioc"). A member of another enum is refused even where its text would match:
passing a ``TradeType`` as an order type is a mix-up, not a spelling.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import TypeVar

from clobconn.core.data_types.market import quantize_down
from clobconn.core.errors import BadSymbol, InvalidArgument, InvalidOrderArgument, OrderRuleViolation

MAX_MAGNITUDE = Decimal("1e30")
MONEY_TYPES = "a Decimal, an int, a float or a numeric string"

E = TypeVar("E", bound=StrEnum)


def _prefix(trading_pair: str | None) -> str:
    return f"{trading_pair}: " if trading_pair else ""


def as_decimal(value: object, field: str, *, trading_pair: str | None = None,
               error: type[InvalidArgument] = InvalidOrderArgument) -> Decimal:
    """``value`` as a finite Decimal of sane magnitude (see the module docstring for what is accepted)."""
    where = _prefix(trading_pair)
    number: Decimal
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        raise error(f"{where}{field} must be {MONEY_TYPES}, got the bool {value!r}", field=field, value=value)
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise error(f"{where}{field} must be a finite number, got {value!r}", field=field, value=value)
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise error(f"{where}{field} must be a number, got the string {value!r}", field=field,
                        value=value) from None
    elif value is None:
        raise error(f"{where}{field} is required", field=field, value=value)
    else:
        raise error(f"{where}{field} must be {MONEY_TYPES}, got {type(value).__name__} {value!r}",
                    field=field, value=value)
    if not number.is_finite():
        raise error(f"{where}{field} must be a finite number, got {value!r}", field=field, value=value)
    if abs(number) >= MAX_MAGNITUDE:
        raise error(f"{where}{field} {value!r} is out of range (at most {MAX_MAGNITUDE:.0e} in magnitude)",
                    field=field, value=value)
    return number


def as_optional_decimal(value: object, field: str, *, trading_pair: str | None = None,
                        error: type[InvalidArgument] = InvalidOrderArgument) -> Decimal | None:
    """None stays None (the argument was not given); anything else as ``as_decimal``."""
    return None if value is None else as_decimal(value, field, trading_pair=trading_pair, error=error)


def require_positive(value: Decimal, field: str, trading_pair: str) -> Decimal:
    """An order's amount or price must be above zero (the rule is named after the field)."""
    if value <= 0:
        raise OrderRuleViolation(f"{trading_pair}: {field} must be positive, got {value}",
                                 trading_pair=trading_pair, rule=field, value=value, limit=Decimal(0))
    return value


def as_leverage(value: object, *, trading_pair: str, whole: bool) -> Decimal:
    """A positive leverage; ``whole`` where the venue takes whole numbers only (sending ``int(10.5)``
    would set a leverage the caller did not ask for)."""
    leverage = as_decimal(value, "leverage", trading_pair=trading_pair, error=InvalidArgument)
    if leverage <= 0:
        raise InvalidArgument(f"{trading_pair}: leverage must be positive, got {leverage}", field="leverage",
                              value=value)
    if whole and leverage != leverage.to_integral_value():
        raise InvalidArgument(f"{trading_pair}: leverage must be a whole number on this venue, got {leverage}",
                              field="leverage", value=value)
    return leverage


@functools.cache
def _members_by_text(enum_cls: type[StrEnum]) -> dict[str, StrEnum]:
    by_text: dict[str, StrEnum] = {}
    for member in enum_cls:
        by_text[member.name.lower()] = member
        by_text[member.value.lower()] = member
    return by_text


@functools.cache
def allowed_values(enum_cls: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum_cls)


def as_enum(enum_cls: type[E], value: object, field: str,
            error: type[InvalidArgument] = InvalidOrderArgument) -> E:
    """A member of ``enum_cls``: the member itself, or a string naming it by value or name, any case."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str) and not isinstance(value, Enum):
        member = _members_by_text(enum_cls).get(value.lower())
        if member is not None:
            assert isinstance(member, enum_cls)
            return member
    allowed = allowed_values(enum_cls)
    raise error(f"{field} must be one of {', '.join(allowed)}, got {value!r}", field=field, value=value,
                allowed=allowed)


def as_optional_enum(enum_cls: type[E], value: object, field: str,
                     error: type[InvalidArgument] = InvalidOrderArgument) -> E | None:
    return None if value is None else as_enum(enum_cls, value, field, error)


def as_bool(value: object, field: str, error: type[InvalidArgument] = InvalidOrderArgument) -> bool:
    """A flag must be a bool: the string "false" is truthy, so anything else is refused."""
    if not isinstance(value, bool):
        raise error(f"{field} must be True or False, got {value!r}", field=field, value=value)
    return value


def as_pair(value: object, error: type[InvalidArgument] = InvalidOrderArgument) -> str:
    """A trading pair written BASE-QUOTE; whether the venue lists it is checked against its rules later."""
    if not isinstance(value, str):
        raise error(f"trading_pair must be a string like BTC-USDT, got {value!r}", field="trading_pair", value=value)
    base, dash, quote = value.partition("-")
    if not (base and dash and quote) or value != value.strip():
        raise BadSymbol(f"unknown trading pair {value!r}: pairs are written BASE-QUOTE, like BTC-USDT")
    return value


def as_client_order_id(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidOrderArgument(f"client_order_id must be a non-empty string, got {value!r}",
                                   field="client_order_id", value=value)
    return value


def check_order_specs(orders: object) -> None:
    """``place_orders``' argument: a list of (trade_type, pair, amount, order_type, price) entries. The
    entries' values are checked one by one later, so one bad order does not refuse the others."""
    if not isinstance(orders, list | tuple):
        raise InvalidOrderArgument(f"orders must be a list of (trade_type, pair, amount, order_type, price), "
                                   f"got {type(orders).__name__}", field="orders", value=orders)
    for index, spec in enumerate(orders):
        if not isinstance(spec, list | tuple) or len(spec) != 5:
            raise InvalidOrderArgument(
                f"orders[{index}] must be (trade_type, pair, amount, order_type, price), got {spec!r}",
                field=f"orders[{index}]", value=spec)


def quantize_to_step(value: Decimal, step: Decimal, *, field: str, rule: str, trading_pair: str,
                     strict: bool) -> Decimal:
    """``value`` rounded down to a multiple of ``step`` (the venue's tick or lot step). With ``strict``
    (``ConnectorConfig.strict_quantize``) a value off the grid is refused instead of changed."""
    quantized = quantize_down(value, step)
    if strict and quantized != value:
        raise OrderRuleViolation(
            f"{trading_pair}: {field} {value} is not a multiple of {step} (strict_quantize refuses to round it)",
            trading_pair=trading_pair, rule=rule, value=value, limit=step)
    return quantized
