"""Bitstamp spot: HTTP API v2 with X-Auth v2 signing, WebSocket API v2 (https://www.bitstamp.net/api/)."""
