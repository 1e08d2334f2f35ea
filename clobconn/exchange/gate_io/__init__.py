"""Gate.io spot: REST APIv4 and the v4 WebSocket streams."""
