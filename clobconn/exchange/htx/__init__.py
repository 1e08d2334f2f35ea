"""HTX (formerly Huobi) spot."""
