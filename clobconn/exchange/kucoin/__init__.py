"""KuCoin spot: REST, HF orders and bullet-token WebSocket streams."""
