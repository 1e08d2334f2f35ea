"""Cube spot: IR REST API, protobuf market-data sockets and a protobuf order socket (needs the ``protobuf`` extra)."""

from clobconn.core.web.protobuf import require_protobuf

# Both sockets are protobuf: importing the connector without the runtime says which extra to install.
require_protobuf("the Cube connector")
