"""Offline sandbox venue: a deterministic matching engine behind the Binance spot and USD-M protocols.

``Sandbox`` serves it over loopback; point the unchanged ``binance`` / ``binance_perpetual``
connectors at it with ``sandbox.connector_config(connector_id)``. See docs/sandbox.md.
"""

from clobconn.sandbox.server import Sandbox, SandboxConfig

__all__ = ["Sandbox", "SandboxConfig"]
