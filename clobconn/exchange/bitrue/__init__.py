"""Bitrue spot: a Binance-style REST API, gzip full-snapshot depth, a listen key on its own host."""
