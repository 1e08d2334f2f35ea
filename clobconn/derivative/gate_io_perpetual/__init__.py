"""Gate.io USDT-settled perpetual futures: REST /api/v4/futures/usdt and the futures v4 WebSocket."""
