"""HTTP and WebSocket plumbing shared by every connector."""
