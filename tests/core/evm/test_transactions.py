"""Signed transactions against the loopback node, which decodes each one, recovers its sender and checks
its chain id and nonce as a real node does: concurrent sends, a restart, a refused nonce, a lost answer,
and every way a receipt can (not) come."""

from __future__ import annotations

import asyncio

import pytest
from eth_abi.abi import encode
from pydantic import SecretStr

from clobconn.core.errors import NetworkError
from clobconn.core.evm.receipts import TransactionReverted, TransactionUnconfirmed, wait_for_receipt
from clobconn.core.evm.rpc import EvmRpc, EvmRpcError
from clobconn.core.evm.signing import EvmSigner
from clobconn.core.evm.transactions import ContractCall, TransactionSender
from clobconn.testing import MockVenue
from clobconn.testing.evm_node import EvmNode, Mining, selector

CHAIN_ID = 432204  # any chain: the node is told which it is
TOKEN = "0x" + "ab" * 20
SPENDER = "0x" + "cd" * 20
SIGNER = EvmSigner(SecretStr("0x" + "4c" * 32), "test")


def approve(amount: int) -> ContractCall:
    data = selector("approve(address,uint256)") + encode(["address", "uint256"], [SPENDER, amount])
    return ContractCall(to=TOKEN, data=data, gas=60_000)


@pytest.fixture
async def node(venue: MockVenue) -> EvmNode:
    return EvmNode(venue, chain_id=CHAIN_ID)


@pytest.fixture
async def rpc(node: EvmNode) -> EvmRpc:
    client = EvmRpc(node.url, timeout=0.5)
    yield client  # type: ignore[misc]
    await client.close()


async def test_a_call_reaches_the_node_signed_by_the_wallet_with_its_chain_and_nonce(
        node: EvmNode, rpc: EvmRpc) -> None:
    sent = await TransactionSender(rpc, SIGNER, await rpc.chain_id()).send(approve(10**18))
    [tx] = node.sent
    assert (tx.tx_hash, tx.sender, tx.chain_id, tx.nonce, tx.gas) == (sent.tx_hash, SIGNER.address, CHAIN_ID, 0, 60_000)
    assert tx.selector == selector("approve(address,uint256)")
    assert tx.arguments(["address", "uint256"]) == (SPENDER, 10**18)


async def test_concurrent_sends_take_consecutive_nonces_in_order(node: EvmNode, rpc: EvmRpc) -> None:
    sender = TransactionSender(rpc, SIGNER, CHAIN_ID)
    # The node refuses a nonce out of turn: all ten pass only if they arrive 0, 1, ... 9.
    results = await asyncio.gather(*(sender.send(approve(n)) for n in range(10)))
    assert sorted(r.nonce for r in results) == list(range(10)) and not node.refused
    assert [tx.nonce for tx in node.sent] == list(range(10))


async def test_a_restart_continues_from_the_node_s_count(node: EvmNode, rpc: EvmRpc) -> None:
    node.set_nonce(SIGNER.address, 41)
    first = await TransactionSender(rpc, SIGNER, CHAIN_ID).send(approve(1))
    restarted = await TransactionSender(rpc, SIGNER, CHAIN_ID).send(approve(2))
    assert (first.nonce, restarted.nonce) == (41, 42)


async def test_a_nonce_spent_elsewhere_is_read_again_and_the_call_sent_once_more(
        node: EvmNode, rpc: EvmRpc) -> None:
    sender = TransactionSender(rpc, SIGNER, CHAIN_ID)
    await sender.send(approve(1))
    node.set_nonce(SIGNER.address, 5)  # another client of the same wallet sent four transactions
    sent = await sender.send(approve(2))
    assert sent.nonce == 5 and len(node.refused) == 1 and "nonce too low" in node.refused[0]
    assert [tx.nonce for tx in node.sent] == [0, 5]


async def test_a_transaction_for_another_chain_is_refused_and_the_sequence_kept(node: EvmNode, rpc: EvmRpc) -> None:
    with pytest.raises(EvmRpcError, match="invalid chain id"):
        await TransactionSender(rpc, SIGNER, CHAIN_ID + 1).send(approve(1))
    assert (await TransactionSender(rpc, SIGNER, CHAIN_ID).send(approve(1))).nonce == 0


async def test_a_lost_answer_is_sent_as_far_as_anyone_knows_and_the_nonce_is_read_again(
        node: EvmNode, rpc: EvmRpc) -> None:
    sender = TransactionSender(rpc, SIGNER, CHAIN_ID)
    node.send_answer_delay = 1.0  # longer than the client's 0.5 s timeout: the node took it, silently
    with pytest.raises(NetworkError) as lost:
        await sender.send(approve(1))
    assert lost.value.request_sent and len(node.sent) == 1
    node.send_answer_delay = 0.0
    assert (await sender.send(approve(2))).nonce == 1  # never nonce 0 again: it was taken


async def test_receipts_mined_delayed_reverted_and_never(node: EvmNode, rpc: EvmRpc) -> None:
    sender = TransactionSender(rpc, SIGNER, CHAIN_ID)
    node.on_mined(lambda tx: [{"address": tx.to, "topics": [], "data": "0x"}])
    mined = await sender.send(approve(1))
    assert (await wait_for_receipt(rpc, mined.tx_hash, 2.0, 0.01))["logs"][0]["address"].lower() == TOKEN

    node.mining, node.mine_after_polls = Mining.DELAYED, 3
    delayed = await sender.send(approve(2))
    assert (await wait_for_receipt(rpc, delayed.tx_hash, 2.0, 0.01))["status"] == "0x1"
    assert node.sent[-1].polls == 4

    node.mining = Mining.REVERT
    reverted = await sender.send(approve(3))
    with pytest.raises(TransactionReverted):
        await wait_for_receipt(rpc, reverted.tx_hash, 2.0, 0.01)

    node.mining = Mining.NEVER
    pending = await sender.send(approve(4))
    with pytest.raises(TransactionUnconfirmed) as unconfirmed:
        await wait_for_receipt(rpc, pending.tx_hash, 0.1, 0.02)
    assert unconfirmed.value.request_sent and unconfirmed.value.tx_hash == pending.tx_hash


async def test_contract_reads_are_answered_as_scripted_and_others_revert(node: EvmNode, rpc: EvmRpc) -> None:
    node.on_call(TOKEN, "balanceOf(address)", lambda data: encode(["uint256"], [len(data)]))
    data = selector("balanceOf(address)") + encode(["address"], [SIGNER.address])
    assert int.from_bytes(await rpc.call_contract(TOKEN, data), "big") == 36
    with pytest.raises(EvmRpcError, match="execution reverted"):
        await rpc.call_contract(SPENDER, data)


async def test_an_undecodable_transaction_is_refused(node: EvmNode, rpc: EvmRpc) -> None:
    with pytest.raises(EvmRpcError):
        await rpc.send_raw(b"\xf8\x01garbage")
    assert node.refused and not node.sent
