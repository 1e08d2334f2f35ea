"""Bybit v5 USDT linear perpetual connector (unified trading account)."""
