"""Coinbase Advanced Trade spot: REST /api/v3/brokerage with a JWT per request (needs the ``coinbase`` extra)."""

from clobconn.core.web.jwt_tokens import require_jwt

# Every private call is a JWT signed with the CDP key: importing the connector without PyJWT and
# cryptography says which extra to install.
require_jwt("the Coinbase Advanced Trade connector")
