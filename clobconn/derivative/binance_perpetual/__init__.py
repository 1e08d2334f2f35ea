"""Binance USDⓈ-M perpetuals: REST /fapi, routed fstream sockets, and a listen-key user stream."""
