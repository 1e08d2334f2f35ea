"""Protobuf modules generated from Cube's published .proto files (``make protos``): market_data.proto, trade.proto."""
