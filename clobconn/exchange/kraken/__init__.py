"""Kraken spot: REST (API-Sign, nonce), public and private WebSockets v2."""
