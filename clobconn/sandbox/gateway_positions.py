"""The sandbox Gateway's liquidity positions: AMM shares (``lpTokenAmount``) and CLMM ranges, changed by
the position calls. Each call is a transaction: its effect lands when the chain confirms it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from clobconn.sandbox.gateway_chain import ZERO, ChainRefusal, Pool


class GatewaySandbox(Protocol):
    """What the position calls read and change of the sandbox Gateway."""

    wallet: str
    balances: dict[str, Decimal]
    positions: dict[str, dict[str, Any]]

    def pool_by_address(self, address: str) -> Pool: ...

Effect = Callable[[], None]
# The fees a CLMM position has earned when collected: a flat share of what it holds, for the demo.
SANDBOX_FEE_SHARE = Decimal("0.001")


def _amount(body: Mapping[str, Any], name: str) -> Decimal:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChainRefusal(400, f"body/{name} must be number")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ChainRefusal(400, f"body/{name} must be >= 0")
    return amount


def _position(sandbox: GatewaySandbox, body: Mapping[str, Any]) -> dict[str, Any]:
    position = sandbox.positions.get(str(body.get("positionAddress", "")))
    if position is None:
        raise ChainRefusal(404, f"Position not found: {body.get('positionAddress')}")
    return position


def _number(value: Decimal) -> float:
    return float(value)


def handle_position_action(sandbox: GatewaySandbox, kind: str, action: str,
                           body: Mapping[str, Any]) -> tuple[dict[str, Decimal], Effect | None, dict[str, Any]]:
    """(balance changes, effect on landing, extra answer fields) of one position call."""
    if kind == "amm":
        return _amm(sandbox, action, body)
    if kind == "clmm":
        return _clmm(sandbox, action, body)
    raise ChainRefusal(404, f"Route {kind}/{action} not found")


def _amm(sandbox: GatewaySandbox, action: str,
         body: Mapping[str, Any]) -> tuple[dict[str, Decimal], Effect | None, dict[str, Any]]:
    pool = _pool(sandbox, body)
    key = f"{pool.address}:{sandbox.wallet}"
    if action == "add-liquidity":
        base = _amount(body, "baseTokenAmount")
        if base <= 0:
            raise ChainRefusal(400, "body/baseTokenAmount must be > 0")
        share = base / pool.base_reserve
        quote = pool.quote_reserve * share
        _check_funds(sandbox, {pool.base: base, pool.quote: quote})
        minted = pool.lp_supply * share

        def add() -> None:
            pool.base_reserve += base
            pool.quote_reserve += quote
            pool.lp_supply += minted
            held = sandbox.positions.setdefault(key, {"poolAddress": pool.address, "walletAddress": sandbox.wallet,
                                                      "lpTokenAmount": 0.0, "_lp": ZERO})
            held["_lp"] += minted
            held["lpTokenAmount"] = _number(held["_lp"])
        return {pool.base: -base, pool.quote: -quote}, add, {}
    if action == "remove-liquidity":
        held = sandbox.positions.get(key)
        pct = _amount(body, "percentageToRemove")
        if held is None or not 0 < pct <= 100:
            raise ChainRefusal(400, "No liquidity to remove" if held is None
                               else "body/percentageToRemove out of range")
        burned = held["_lp"] * pct / 100
        share = burned / pool.lp_supply
        base, quote = pool.base_reserve * share, pool.quote_reserve * share

        def remove() -> None:
            pool.base_reserve -= base
            pool.quote_reserve -= quote
            pool.lp_supply -= burned
            held["_lp"] -= burned
            held["lpTokenAmount"] = _number(held["_lp"])
        return {pool.base: base, pool.quote: quote}, remove, {}
    raise ChainRefusal(404, f"Route amm/{action} not found")


def _clmm(sandbox: GatewaySandbox, action: str,
          body: Mapping[str, Any]) -> tuple[dict[str, Decimal], Effect | None, dict[str, Any]]:
    if action == "open-position":
        pool = _pool(sandbox, body)
        lower, upper = _amount(body, "lowerPrice"), _amount(body, "upperPrice")
        if not 0 < lower < upper:
            raise ChainRefusal(400, "lowerPrice must be below upperPrice")
        base, quote = _amount(body, "baseTokenAmount"), _amount(body, "quoteTokenAmount")
        if base <= 0 and quote <= 0:
            raise ChainRefusal(400, "body/baseTokenAmount or quoteTokenAmount must be > 0")
        _check_funds(sandbox, {pool.base: base, pool.quote: quote})
        address = f"Position{len(sandbox.positions) + 1:04d}{pool.address[-8:]}"

        def open_position() -> None:
            sandbox.positions[address] = {
                "address": address, "poolAddress": pool.address, "lowerPrice": _number(lower),
                "upperPrice": _number(upper), "baseTokenAmount": _number(base), "quoteTokenAmount": _number(quote),
                "baseFeeAmount": _number(base * SANDBOX_FEE_SHARE),
                "quoteFeeAmount": _number(quote * SANDBOX_FEE_SHARE),
                "_base": base, "_quote": quote}
        return {pool.base: -base, pool.quote: -quote}, open_position, {"positionAddress": address}
    position = _position(sandbox, body)
    pool = sandbox.pool_by_address(position["poolAddress"])
    fees = {pool.base: Decimal(repr(position["baseFeeAmount"])), pool.quote: Decimal(repr(position["quoteFeeAmount"]))}
    if action == "collect-fees":
        def collect() -> None:
            position["baseFeeAmount"] = position["quoteFeeAmount"] = 0.0
        return fees, collect, {}
    if action == "close-position":
        changes = {pool.base: position["_base"] + fees[pool.base], pool.quote: position["_quote"] + fees[pool.quote]}

        def close() -> None:
            sandbox.positions.pop(position["address"], None)
        return changes, close, {}
    if action == "add-liquidity":
        base, quote = _amount(body, "baseTokenAmount"), _amount(body, "quoteTokenAmount")
        _check_funds(sandbox, {pool.base: base, pool.quote: quote})

        def add() -> None:
            position["_base"] += base
            position["_quote"] += quote
            position["baseTokenAmount"], position["quoteTokenAmount"] = (_number(position["_base"]),
                                                                         _number(position["_quote"]))
        return {pool.base: -base, pool.quote: -quote}, add, {}
    if action == "remove-liquidity":
        pct = _amount(body, "percentageToRemove")
        if not 0 < pct <= 100:
            raise ChainRefusal(400, "body/percentageToRemove out of range")
        base, quote = position["_base"] * pct / 100, position["_quote"] * pct / 100

        def remove() -> None:
            position["_base"] -= base
            position["_quote"] -= quote
            position["baseTokenAmount"], position["quoteTokenAmount"] = (_number(position["_base"]),
                                                                         _number(position["_quote"]))
        return {pool.base: base, pool.quote: quote}, remove, {}
    raise ChainRefusal(404, f"Route clmm/{action} not found")


def _pool(sandbox: GatewaySandbox, body: Mapping[str, Any]) -> Pool:
    return sandbox.pool_by_address(str(body.get("poolAddress", "")))


def _check_funds(sandbox: GatewaySandbox, needs: Mapping[str, Decimal]) -> None:
    for symbol, amount in needs.items():
        if sandbox.balances.get(symbol, ZERO) < amount:
            raise ChainRefusal(400, f"Insufficient funds: {symbol} balance below {amount}")
