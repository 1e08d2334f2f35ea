"""MEXC spot: REST /api/v3, and protobuf market and user streams (needs the ``protobuf`` extra)."""

from clobconn.core.web.protobuf import require_protobuf

# The streams are protobuf: importing the connector without the runtime says which extra to install.
require_protobuf("the MEXC connector")
