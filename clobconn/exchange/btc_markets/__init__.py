"""BTC Markets spot (API v3, WebSocket v2): REST, public and private WebSocket."""
