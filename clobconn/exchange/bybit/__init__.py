"""Bybit v5 spot connector (unified trading account)."""
