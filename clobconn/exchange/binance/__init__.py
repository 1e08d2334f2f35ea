"""Binance spot: REST /api/v3, market streams, and the user stream over the WebSocket API."""
