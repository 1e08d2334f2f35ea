"""OKX spot (API v5): REST, public and private WebSockets."""
