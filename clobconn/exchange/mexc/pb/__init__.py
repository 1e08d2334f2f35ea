"""Protobuf modules generated from MEXC's published .proto files (``make protos``): see push.proto."""
