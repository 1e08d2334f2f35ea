"""Protobuf frames (core/web/protobuf.py): the decoder a venue's binary stream declares, and the
error that names the extra when the runtime is missing."""

from __future__ import annotations

import importlib
import sys

import pytest

from clobconn.core.errors import MissingExtra
from clobconn.core.registry import connector_class
from clobconn.core.web.protobuf import protobuf_decoder, protobuf_encoder
from clobconn.exchange.mexc.pb.push_pb2 import PushDataV3ApiWrapper


def test_a_frame_decodes_to_the_venues_field_names_with_defaults_present() -> None:
    frame = PushDataV3ApiWrapper(channel="spot@private.account.v3.api.pb", sendTime=1736417034307)
    frame.privateAccount.vcoinName = "USDT"
    frame.privateAccount.balanceAmount = "21.9"
    decoded = protobuf_decoder(PushDataV3ApiWrapper)(frame.SerializeToString())
    assert decoded["channel"] == "spot@private.account.v3.api.pb"
    # 64-bit integers come as strings (protobuf's JSON mapping); unset scalars as their defaults.
    assert decoded["sendTime"] == "1736417034307"
    assert decoded["privateAccount"]["frozenAmount"] == "" and decoded["privateAccount"]["time"] == "0"
    # Only the body that is set appears; an unset optional field does not.
    assert "privateOrders" not in decoded and "symbol" not in decoded


def test_the_encoder_is_the_decoders_inverse() -> None:
    document = {"channel": "c", "symbol": "BTCUSDT", "publicAggreDeals": {
        "deals": [{"price": "1", "quantity": "2", "tradeType": 1, "time": "3", "tradeId": "4"}], "eventType": "e"}}
    assert protobuf_decoder(PushDataV3ApiWrapper)(protobuf_encoder(PushDataV3ApiWrapper)(document)) == document


def test_importing_a_protobuf_connector_without_the_runtime_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [module for module in sys.modules if module.startswith("clobconn.exchange.mexc")]:
        monkeypatch.delitem(sys.modules, name)
    # None in sys.modules makes the import fail, as if the package were not installed.
    monkeypatch.setitem(sys.modules, "google.protobuf", None)
    with pytest.raises(MissingExtra, match=r"pip install 'clobconn\[protobuf\]'"):
        importlib.import_module("clobconn.exchange.mexc.exchange")
    with pytest.raises(MissingExtra, match="MEXC"):
        connector_class("mexc")
