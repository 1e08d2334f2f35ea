"""JSON-RPC 2.0 answers and notifications (core/web/json_rpc.py), as Derive serves them over HTTP and WS."""

from __future__ import annotations

import pytest

from clobconn.core.errors import ExchangeError
from clobconn.core.web.json_rpc import rpc_error, rpc_result, subscription_push


def test_an_error_object_gives_its_code_and_its_message_with_the_data() -> None:
    answer = {"id": "1", "jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params",
                                                     "data": "expiry: value out of range"}}
    assert rpc_error(answer) == (-32602, "Invalid params expiry: value out of range")
    assert rpc_error({"id": 1, "error": {"code": 11006, "message": "Does not exist", "data": None}}) == (
        11006, "Does not exist")


def test_an_answer_with_a_result_has_no_error() -> None:
    assert rpc_error({"id": 1, "result": 1700000000000}) is None
    assert rpc_error([1, 2]) is None and rpc_error("oops") is None


def test_a_result_is_read_and_its_absence_is_an_error() -> None:
    assert rpc_result({"id": 1, "result": None}, "get_time") is None
    with pytest.raises(ExchangeError, match="get_time answered without a result"):
        rpc_result({"id": 1}, "get_time")


def test_a_subscription_push_gives_its_channel_and_data_and_nothing_else_does() -> None:
    push = {"method": "subscription", "params": {"channel": "75723.orders", "data": [{"order_id": "a"}]}}
    assert subscription_push(push) == ("75723.orders", [{"order_id": "a"}])
    assert subscription_push({"id": 3, "result": {"status": {}}}) is None
    assert subscription_push({"method": "subscription", "params": {"data": []}}) is None
    assert subscription_push({"method": "heartbeat", "params": {"channel": "x"}}) is None
