"""The fixtures, and the sandbox Gateway's own answers, against Gateway's documented schemas; and the
connector's parsers on each fixture."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.errors import RateLimitExceeded, error_class_for
from clobconn.gateway.errors import (
    ERROR_TABLE,
    InsufficientAllowance,
    QuoteExpired,
    TransactionTimeout,
    extract_gateway_error,
)
from clobconn.gateway.models import Poll, Quote, Submission, TxStatus
from clobconn.sandbox.gateway import GatewaySandbox
from tests.gateway.conftest import Factory
from tests.gateway.schema_check import problems

FIXTURES = Path(__file__).parents[1] / "fixtures" / "gateway"
SCHEMAS: dict[str, Any] = json.loads((FIXTURES / "schemas.json").read_text())["schemas"]
RESPONSES: dict[str, Any] = {k: v for k, v in json.loads((FIXTURES / "responses.json").read_text()).items()
                             if not k.startswith("_")}


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_fixture_matches_gateways_schema(name: str) -> None:
    entry = RESPONSES[name]
    assert problems(entry["body"], SCHEMAS[entry["schema"]]) == []


def test_the_checker_refuses_what_the_schema_does_not_allow() -> None:
    broken = dict(RESPONSES["poll_ethereum_mined_fee_null"]["body"], fee="0.1")
    del broken["txStatus"]
    assert len(problems(broken, SCHEMAS["PollResponse"])) == 2


def test_parsers_read_the_fixtures() -> None:
    quote = Quote.parse("SOL-USDC", "SELL", Decimal("1.5"), RESPONSES["quote_sell_sol"]["body"])
    assert quote.min_amount_out == Decimal("222.414621")
    assert Quote.parse("WETH-USDC", "BUY", Decimal(1), RESPONSES["quote_router_with_id"]["body"]).quote_id
    confirmed = Submission.parse(RESPONSES["execute_confirmed"]["body"])
    assert confirmed.settlement is not None and confirmed.settlement.fee == Decimal("0.000005")
    assert Submission.parse(RESPONSES["execute_pending"]["body"]).status is TxStatus.PENDING
    mined = Poll.parse(RESPONSES["poll_ethereum_mined_fee_null"]["body"])
    assert mined.status is TxStatus.CONFIRMED and mined.fee is None
    assert Poll.parse(RESPONSES["poll_solana_not_found"]["body"]).status is TxStatus.PENDING


@pytest.mark.parametrize(("name", "expected"), [
    ("error_transaction_timeout", TransactionTimeout),
    ("error_allowance", InsufficientAllowance),
    ("error_quote_expired", QuoteExpired),
    ("error_rate_limited", RateLimitExceeded),
])
def test_error_bodies_map_to_typed_errors(name: str, expected: type) -> None:
    body = RESPONSES[name]["body"]
    refusal = extract_gateway_error(body["statusCode"], body)
    assert refusal is not None
    assert error_class_for(ERROR_TABLE, refusal[0], refusal[1], body["statusCode"]) is expected


async def test_the_sandbox_gateway_answers_in_the_documented_shapes(solana_gateway: GatewaySandbox,
                                                                    connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    rest = conn.client.rest
    answers = {
        "ChainQuoteSwapResponse": await conn.client.quote("SOL", "USDC", "SELL", Decimal(1), 1.0),
        "TokensResponse": await rest.request("GET", "/tokens", params={"chain": "solana", "network": "mainnet-beta"}),
        "EstimateGasResponse": await rest.request("GET", "/chains/solana/estimate-gas"),
        "BalanceResponse": await rest.request("POST", "/chains/solana/balances", data={"tokens": ["SOL"]}),
    }
    execute = await rest.request("POST", "/trading/swap/execute", data={
        "chainNetwork": "solana-mainnet-beta", "baseToken": "SOL", "quoteToken": "USDC", "amount": 1, "side": "SELL"})
    answers["ChainExecuteSwapResponse"] = execute
    answers["PollResponse"] = await rest.request("POST", "/chains/solana/poll",
                                                 data={"signature": execute["signature"]})
    for schema, answer in answers.items():
        assert problems(answer, SCHEMAS[schema]) == [], schema
