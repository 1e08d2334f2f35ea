"""ContractAbi: selectors and topics against the ERC-20 values everyone knows, call data and event logs
round-tripped, structs named by their components, indexed fields read from the topics."""

from __future__ import annotations

import pytest

from clobconn.core.evm.abi import ContractAbi, canonical_type

ERC20 = ContractAbi([
    {"type": "function", "name": "transfer", "inputs": [{"name": "to", "type": "address"},
                                                        {"name": "value", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
    {"type": "event", "name": "Transfer", "inputs": [
        {"name": "from", "type": "address", "indexed": True}, {"name": "to", "type": "address", "indexed": True},
        {"name": "value", "type": "uint256", "indexed": False}]},
])
POINT = [{"name": "x", "type": "uint8"}, {"name": "y", "type": "bytes32"}]
STRUCTS = ContractAbi([
    {"type": "function", "name": "put", "inputs": [{"name": "points", "type": "tuple[]", "components": POINT}],
     "outputs": [{"name": "last", "type": "tuple", "components": POINT}]},
])
ALICE = "0x" + "11" * 20
BOB = "0x" + "22" * 20


def test_selector_and_topic_are_the_known_erc20_ones() -> None:
    assert ERC20.selector("transfer").hex() == "a9059cbb"
    assert ERC20.topic("Transfer").hex() == "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def test_call_data_round_trips_and_checks_its_selector() -> None:
    data = ERC20.encode_call("transfer", BOB, 5)
    assert data[:4].hex() == "a9059cbb" and len(data) == 4 + 64
    assert ERC20.decode_call("transfer", data) == {"to": BOB, "value": 5}
    with pytest.raises(ValueError, match="not a put call"):
        STRUCTS.decode_call("put", data)


def test_structs_are_spelled_out_and_decoded_by_name() -> None:
    assert canonical_type(STRUCTS.functions["put"]["inputs"][0]) == "(uint8,bytes32)[]"
    assert STRUCTS.signature(STRUCTS.functions["put"]) == "put((uint8,bytes32)[])"
    points = [(1, b"a".ljust(32, b"\0")), (2, b"b".ljust(32, b"\0"))]
    assert STRUCTS.decode_call("put", STRUCTS.encode_call("put", points))["points"] == [
        {"x": 1, "y": b"a".ljust(32, b"\0")}, {"x": 2, "y": b"b".ljust(32, b"\0")}]
    result = STRUCTS.encode_result("put", points[1])
    assert STRUCTS.decode_result("put", result) == {"last": {"x": 2, "y": b"b".ljust(32, b"\0")}}


def test_a_log_round_trips_with_its_indexed_fields_in_the_topics() -> None:
    log = ERC20.encode_log("Transfer", **{"from": ALICE, "to": BOB, "value": 7})
    assert len(log["topics"]) == 3 and log["topics"][1].endswith("11" * 20)
    assert ERC20.decode_log("Transfer", log) == {"from": ALICE, "to": BOB, "value": 7}
    # Another event's log (another first topic) is not this one.
    assert ERC20.decode_log("Transfer", {"topics": ["0x" + "00" * 32], "data": "0x"}) is None
