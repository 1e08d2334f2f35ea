"""A swap through Gateway: submitted exactly once, its signature recorded first, followed to its verdict
(GATEWAY.md §4's edge cases, over the loopback sandbox Gateway)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from clobconn.core.data_types import FeeType, TradeType
from clobconn.core.errors import InsufficientFunds, OrderOutcomeUnknown
from clobconn.core.events import (
    EventType,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderLostEvent,
)
from clobconn.gateway.connector import GatewayConnector
from clobconn.gateway.errors import InsufficientAllowance, InvalidRequest, NoPoolOrRoute, SlippageExceeded
from clobconn.gateway.swaps import SwapState
from clobconn.sandbox.gateway import GatewaySandbox
from tests.gateway.conftest import Factory

EXECUTE = "POST /trading/swap/execute"
POLL_SOLANA = "POST /chains/solana/poll"
POLL_EVM = "POST /chains/ethereum/poll"


def recorder(conn: GatewayConnector) -> list[object]:
    seen: list[object] = []
    for kind in (EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED, EventType.ORDER_FAILED,
                 EventType.ORDER_LOST):
        conn.add_listener(kind, seen.append)
    return seen


def kinds(events: list[object]) -> list[type]:
    return [type(e) for e in events]


async def test_confirmed_on_execute_is_one_fill_with_realized_amounts_and_native_fee(
        solana_gateway: GatewaySandbox, connect: Factory) -> None:
    solana_gateway.script_next([1])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    usdc_before = solana_gateway.balances["USDC"]
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal("2"))
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FILLED
    assert kinds(events) == [OrderCreatedEvent, OrderFilledEvent, OrderCompletedEvent]
    fill = events[1]
    assert isinstance(fill, OrderFilledEvent)
    received = solana_gateway.balances["USDC"] - usdc_before
    assert fill.trade.fill_base_amount == Decimal("2")
    # The realized amount, as Gateway reported it (a float through its repr), not the requested one.
    assert abs(fill.trade.fill_quote_amount - received) < Decimal("1e-9")
    assert fill.trade.fee.flat_fees[0].token == "SOL"
    assert fill.trade.fee.flat_fees[0].amount == Decimal("0.000005")
    assert fill.trade.fee.fee_type is FeeType.ADDED_TO_COST
    assert solana_gateway.count(EXECUTE) == 1
    assert solana_gateway.count(POLL_SOLANA) == 0


async def test_pending_then_confirmed_polls_and_never_resubmits(solana_gateway: GatewaySandbox,
                                                                  connect: Factory) -> None:
    solana_gateway.script_next([0, 0, 0, 1])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    order = await conn.place_swap("SOL-USDC", TradeType.BUY, Decimal("1"))
    assert order.signature is not None and conn.swaps.by_signature[order.signature] is order
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FILLED
    assert solana_gateway.count(EXECUTE) == 1
    assert solana_gateway.count(POLL_SOLANA) == 3
    fill = events[1]
    assert isinstance(fill, OrderFilledEvent)
    # Realized from the balances: exactly one SOL bought.
    assert fill.trade.fill_base_amount == Decimal("1")


@pytest.mark.parametrize("still_pending", [2, 3])
async def test_ethereum_mempool_statuses_are_still_pending(evm_gateway: GatewaySandbox, connect: Factory,
                                                           still_pending: int) -> None:
    evm_gateway.allowances[("USDC", "uniswap/amm")] = Decimal(10**9)
    evm_gateway.script_next([0, still_pending, still_pending, 1])
    conn = await connect(evm_gateway, trading_pairs=["WETH-USDC"])
    order = await conn.place_swap("WETH-USDC", "BUY", Decimal("0.5"))
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FILLED
    assert done.executed_base == Decimal("0.5")
    assert evm_gateway.count(POLL_EVM) == 3
    assert evm_gateway.count(EXECUTE) == 1


async def test_failed_on_execute_fails_the_order(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    solana_gateway.script_next([-1])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FAILED
    assert kinds(events) == [OrderCreatedEvent, OrderFailedEvent]
    assert solana_gateway.count(EXECUTE) == 1


async def test_pending_then_failed_on_poll(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    solana_gateway.script_next([0, -1])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    sol_before = solana_gateway.balances["SOL"]
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FAILED
    assert "failed on chain" in done.reason
    assert kinds(events) == [OrderCreatedEvent, OrderFailedEvent]
    assert solana_gateway.balances["SOL"] == sol_before
    assert solana_gateway.count(EXECUTE) == 1


async def test_solana_not_found_for_ever_expires_at_the_deadline_without_resubmitting(
        solana_gateway: GatewaySandbox, connect: Factory) -> None:
    solana_gateway.script_next([0])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(order.client_order_id, 5)
    # Balances unmoved at the deadline: the swap never landed.
    assert done.state is SwapState.LOST
    assert kinds(events) == [OrderCreatedEvent, OrderLostEvent]
    assert solana_gateway.count(EXECUTE) == 1
    assert solana_gateway.count(POLL_SOLANA) >= 3


async def test_evm_confirmed_that_reverted_is_failed_by_the_balance_check(evm_gateway: GatewaySandbox,
                                                                          connect: Factory) -> None:
    evm_gateway.allowances[("WETH", "uniswap/amm")] = Decimal(10**9)
    evm_gateway.script_next([0, 1])
    evm_gateway.revert_next()
    conn = await connect(evm_gateway, trading_pairs=["WETH-USDC"])
    events = recorder(conn)
    order = await conn.place_swap("WETH-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FAILED
    assert "reverted" in done.reason
    assert kinds(events) == [OrderCreatedEvent, OrderFailedEvent]


async def test_evm_confirmed_with_null_poll_fee_fills_with_the_gas_estimate(evm_gateway: GatewaySandbox,
                                                                            connect: Factory) -> None:
    evm_gateway.allowances[("WETH", "uniswap/amm")] = Decimal(10**9)
    evm_gateway.script_next([0, 1])
    conn = await connect(evm_gateway, trading_pairs=["WETH-USDC"])
    events = recorder(conn)
    order = await conn.place_swap("WETH-USDC", "SELL", Decimal("1"))
    await conn.wait_final(order.client_order_id, 5)
    fill = events[1]
    assert isinstance(fill, OrderFilledEvent)
    assert fill.trade.fee.flat_fees[0].token == "ETH"
    assert fill.trade.fee.flat_fees[0].amount == Decimal("0.00012")
    assert fill.trade.fill_base_amount == Decimal("1")


async def test_execute_500_without_a_hash_is_outcome_unknown_never_retried_and_settled_from_balances(
        evm_gateway: GatewaySandbox, connect: Factory) -> None:
    evm_gateway.allowances[("WETH", "uniswap/amm")] = Decimal(10**9)
    # Uniswap's execute: the transaction went out (and lands), then a 500 with no hash.
    evm_gateway.script_next([1])
    evm_gateway.force_error(EXECUTE, 500, {"statusCode": 500, "error": "Internal Server Error",
                                           "message": "Cannot read properties of null (reading 'status')"},
                            after_send=True)
    conn = await connect(evm_gateway, trading_pairs=["WETH-USDC"])
    events = recorder(conn)
    with pytest.raises(OrderOutcomeUnknown) as caught:
        await conn.place_swap("WETH-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(caught.value.client_order_id, 5)
    assert done.state is SwapState.FILLED
    assert done.executed_base == Decimal("1")
    assert kinds(events) == [OrderFilledEvent, OrderCompletedEvent]
    assert evm_gateway.count(EXECUTE) == 1


async def test_transaction_timeout_504_is_unknown_not_failed_nor_retried(solana_gateway: GatewaySandbox,
                                                                         connect: Factory) -> None:
    solana_gateway.force_error(EXECUTE, 504, {"statusCode": 504, "error": "Gateway Timeout",
                                              "message": "Transaction confirmation timed out",
                                              "code": "TRANSACTION_TIMEOUT"})
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    with pytest.raises(OrderOutcomeUnknown) as caught:
        await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(caught.value.client_order_id, 5)
    # Nothing landed: lost, not failed (Gateway never said it failed).
    assert done.state is SwapState.LOST
    assert kinds(events) == [OrderLostEvent]
    assert solana_gateway.count(EXECUTE) == 1


@pytest.mark.parametrize(("status", "message", "error"), [
    (400, "Swap failed: Slippage tolerance exceeded. Try increasing slippage", SlippageExceeded),
    (500, "Transaction reverted on-chain. This is likely due to slippage", SlippageExceeded),
    (400, "Insufficient funds for transaction", InsufficientFunds),
    (404, "No AMM pool found for pair SOL-USDC", NoPoolOrRoute),
])
async def test_refusals_fail_the_order_with_a_typed_error(solana_gateway: GatewaySandbox, connect: Factory,
                                                          status: int, message: str, error: type) -> None:
    solana_gateway.force_error(EXECUTE, status, {"statusCode": status, "error": "HttpError", "message": message})
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    with pytest.raises(error):
        await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    assert kinds(events) == [OrderFailedEvent]
    assert solana_gateway.count(EXECUTE) == 1


async def test_insufficient_allowance_then_approve_then_the_swap_goes_through(evm_gateway: GatewaySandbox,
                                                                             connect: Factory) -> None:
    conn = await connect(evm_gateway, trading_pairs=["WETH-USDC"])
    assert (await conn.allowances())["WETH"] == 0
    with pytest.raises(InsufficientAllowance):
        await conn.place_swap("WETH-USDC", "SELL", Decimal("1"))
    assert await conn.approve("WETH", Decimal(5)) is True
    assert (await conn.allowances(["WETH"]))["WETH"] == Decimal(5)
    order = await conn.place_swap("WETH-USDC", "SELL", Decimal("1"))
    assert (await conn.wait_final(order.client_order_id, 5)).state is SwapState.FILLED
    # The refused swap was never sent again by the connector: one execute each.
    assert evm_gateway.count(EXECUTE) == 2


async def test_validation_error_is_invalid_request(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    # Bypassing the connector's own checks: Gateway's schema refuses a lower-case side.
    with pytest.raises(InvalidRequest) as caught:
        await conn.client.quote("SOL", "USDC", "sell", Decimal(1), None)
    assert caught.value.venue_code == "400"


async def test_429_waits_for_the_retry_hint_and_sends_again(solana_gateway: GatewaySandbox,
                                                            connect: Factory) -> None:
    solana_gateway.rate_limit_next(EXECUTE, times=2, retry_after=0.05)
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    loop = asyncio.get_running_loop()
    began = loop.time()
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    # Two refusals answered before Gateway did anything, then the swap: three requests, one transaction.
    assert solana_gateway.count(EXECUTE) == 3
    assert len(solana_gateway.chain.transactions) == 1
    assert loop.time() - began >= 0.1
    assert (await conn.wait_final(order.client_order_id, 5)).state is SwapState.FILLED


async def test_gateway_down_while_tracking_keeps_polling_until_the_deadline(solana_gateway: GatewaySandbox,
                                                                            connect: Factory) -> None:
    solana_gateway.script_next([0, 1])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    solana_gateway.force_error(POLL_SOLANA, 503, "<html>upstream unavailable</html>", times=3)
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal("1"))
    done = await conn.wait_final(order.client_order_id, 5)
    assert done.state is SwapState.FILLED
    assert solana_gateway.count(POLL_SOLANA) == 4
    assert solana_gateway.count(EXECUTE) == 1


async def test_buy_returns_at_once_and_reports_by_events(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    events = recorder(conn)
    client_order_id = conn.buy("SOL-USDC", Decimal("0.5"))
    done = await conn.wait_final(client_order_id, 5)
    assert done.state is SwapState.FILLED
    assert [e.client_order_id for e in events] == [client_order_id] * 3  # type: ignore[attr-defined]
