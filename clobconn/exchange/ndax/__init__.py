"""NDAX spot (an AlphaPoint exchange): the {m, i, n, o} frames over REST and one WebSocket gateway."""
