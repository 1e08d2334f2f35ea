"""AscendEx spot (the "cash" account); the venue appears closed since 2026: built on its last documented API."""
