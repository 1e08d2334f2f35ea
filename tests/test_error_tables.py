"""Each venue's error table against the venue's documented codes: the typed error per code.

Malformed requests (a parameter missing, unknown, of the wrong format) are ``BadRequest`` whatever the
endpoint; refusals of an order's own values are ``InvalidOrder``; only an unknown pair is ``BadSymbol``.
"""

from __future__ import annotations

import pytest

from clobconn.core.errors import (
    BadRequest,
    BadSymbol,
    ClobconnError,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    OrderRejected,
    RequestTimeout,
    VenueErrorTable,
    error_class_for,
)
from clobconn.derivative.binance_perpetual.constants import ERRORS as BINANCE_PERPETUAL
from clobconn.derivative.bybit_perpetual.constants import ERRORS as BYBIT_PERPETUAL
from clobconn.derivative.gate_io_perpetual.constants import ERRORS as GATE_IO_PERPETUAL
from clobconn.derivative.kucoin_perpetual.constants import ERRORS as KUCOIN_PERPETUAL
from clobconn.exchange.binance.constants import ERRORS as BINANCE
from clobconn.exchange.bybit.constants import ERRORS as BYBIT
from clobconn.exchange.gate_io.constants import ERRORS as GATE_IO
from clobconn.exchange.kucoin.constants import ERRORS as KUCOIN
from clobconn.exchange.okx.constants import ERRORS as OKX

CASES: list[tuple[str, VenueErrorTable, str, str, type[ClobconnError]]] = [
    # https://developers.binance.com/docs/binance-spot-api-docs/errors
    ("binance", BINANCE, "-1100", "Illegal characters found in parameter 'price'.", BadRequest),
    ("binance", BINANCE, "-1101", "Too many parameters sent for this endpoint.", BadRequest),
    ("binance", BINANCE, "-1102", "Mandatory parameter 'quantity' was not sent.", BadRequest),
    ("binance", BINANCE, "-1103", "An unknown parameter was sent.", BadRequest),
    ("binance", BINANCE, "-1104", "Not all sent parameters were read.", BadRequest),
    ("binance", BINANCE, "-1105", "Parameter 'symbol' was empty.", BadRequest),
    ("binance", BINANCE, "-1106", "Parameter 'timeInForce' sent when not required.", BadRequest),
    ("binance", BINANCE, "-1130", "Data sent for parameter 'limit' is not valid.", BadRequest),
    ("binance", BINANCE, "-1111", "Parameter 'quantity' has too much precision.", InvalidOrder),
    ("binance", BINANCE, "-1115", "Invalid timeInForce.", InvalidOrder),
    ("binance", BINANCE, "-1116", "Invalid orderType.", InvalidOrder),
    ("binance", BINANCE, "-1117", "Invalid side.", InvalidOrder),
    ("binance", BINANCE, "-1121", "Invalid symbol.", BadSymbol),
    ("binance", BINANCE, "-1006", "An unexpected response was received from the message bus. Execution status unknown.",
     RequestTimeout),
    ("binance", BINANCE, "-1001", "Internal error; unable to process your request. Please try again.",
     ExchangeNotAvailable),
    ("binance", BINANCE, "-1020", "This operation is not supported.", NotSupported),
    # https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code
    ("binance_perpetual", BINANCE_PERPETUAL, "-1100", "Illegal characters found in a parameter.", BadRequest),
    ("binance_perpetual", BINANCE_PERPETUAL, "-4028", "Leverage 200 is not valid", BadRequest),
    # https://bybit-exchange.github.io/docs/v5/error
    ("bybit", BYBIT, "10001", "Request parameter error", BadRequest),
    ("bybit", BYBIT, "170105", "Parameter 'qty' was empty.", BadRequest),
    ("bybit", BYBIT, "170130", "Data sent for paramter 'side' is not valid.", BadRequest),
    ("bybit", BYBIT, "170117", "Invalid side.", InvalidOrder),
    ("bybit", BYBIT, "170121", "Invalid symbol.", BadSymbol),
    ("bybit_perpetual", BYBIT_PERPETUAL, "10001", "leverage invalid", BadRequest),
    # https://www.gate.com/docs/developers/apiv4/en/#label-list
    ("gate_io", GATE_IO, "INVALID_PARAM_VALUE", "Invalid parameter value", BadRequest),
    ("gate_io", GATE_IO, "MISSING_REQUIRED_PARAM", "Missing required parameter", BadRequest),
    ("gate_io", GATE_IO, "INVALID_PRECISION", "Invalid precision", InvalidOrder),
    ("gate_io", GATE_IO, "INVALID_CURRENCY_PAIR", "Invalid currency pair", BadSymbol),
    ("gate_io_perpetual", GATE_IO_PERPETUAL, "LEVERAGE_TOO_HIGH", "leverage too high", BadRequest),
    ("gate_io_perpetual", GATE_IO_PERPETUAL, "INVALID_PARAM_VALUE", "Invalid parameter value", BadRequest),
    # https://www.kucoin.com/docs/basic-info/errors-code/spot-errors-code
    ("kucoin", KUCOIN, "400100", "Parameter Error", BadRequest),
    ("kucoin", KUCOIN, "400100", "account.available.amount", InsufficientFunds),
    ("kucoin", KUCOIN, "400600", "validation.createOrder.symbolNotAvailable", OrderRejected),
    ("kucoin", KUCOIN, "900001", "symbol not exists", BadSymbol),
    # https://www.kucoin.com/docs/basic-info/errors-code/futures-errors-code
    ("kucoin_perpetual", KUCOIN_PERPETUAL, "100001", "There are invalid parameters", BadRequest),
    ("kucoin_perpetual", KUCOIN_PERPETUAL, "100001", "error.getOrder.orderNotExist", OrderNotFound),
    ("kucoin_perpetual", KUCOIN_PERPETUAL, "100003", "Contract parameter invalid", BadSymbol),
    ("kucoin_perpetual", KUCOIN_PERPETUAL, "300000", "request parameter illegal", BadRequest),
    # https://www.okx.com/docs-v5/en/#error-code-rest-api
    ("okx", OKX, "51000", "Parameter posSide error", BadRequest),
    ("okx", OKX, "50014", "Parameter instId cannot be empty", BadRequest),
    ("okx", OKX, "51001", "Instrument ID does not exist", BadSymbol),
]


@pytest.mark.parametrize(("venue", "table", "code", "message", "expected"), CASES,
                         ids=[f"{venue}:{code}:{expected.__name__}" for venue, _, code, _, expected in CASES])
def test_documented_codes_map_to_the_right_type(venue: str, table: VenueErrorTable, code: str, message: str,
                                                expected: type[ClobconnError]) -> None:
    assert error_class_for(table, code, message, 400) is expected


def test_a_malformed_request_is_never_an_order_or_symbol_error() -> None:
    # The classes stay apart: a strategy catching BadSymbol or InvalidOrder never sees a bad parameter.
    assert not issubclass(BadRequest, InvalidOrder) and not issubclass(BadRequest, BadSymbol)
    assert issubclass(BadSymbol, BadRequest)
