"""Bitmart spot: REST v1-v4, public and private WebSockets (raw-deflate frames)."""
