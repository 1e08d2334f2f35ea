"""clobconn's benchmarks: scripts that print figures, run by ``make bench`` (see docs/performance.md)."""
