"""Malformed REST answers: HTML error pages, empty bodies, JSON of the wrong shape, 5xx. Each call must
end in a typed error (a ``ClobconnError``) naming the request, or in a result; never in anything else."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

from clobconn.core.data_types import OrderType, TradeType
from clobconn.core.errors import ClobconnError
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.mock_venue import MockResponse
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "rest answers"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ERROR_PAGE = "<html><head><title>{status}</title></head><body><h1>{status}</h1>cloudflare</body></html>"
WRONG_SHAPES: tuple[Any, ...] = ([], {}, "ok", 123, None, {"data": None}, {"result": []}, {"data": "x"},
                                 {"code": 0, "data": {"list": "x"}}, [[1, 2]], {"data": {"x": 1}},
                                 {"result": {"list": [{"x": None}]}}, [{"symbol": None}], {"code": "0"})


def malformed_answers(rng: random.Random, quick: bool) -> list[MockResponse]:
    answers = [MockResponse(ERROR_PAGE.format(status=status), status=status, headers=HTML)
               for status in (200, 403, 500, 502, 503, 504)]
    answers += [MockResponse(b"", status=status) for status in (200, 500)]
    answers += [MockResponse(shape) for shape in WRONG_SHAPES]
    answers += [MockResponse('{"data": [1, 2', status=200), MockResponse({}, status=500),
                MockResponse({"code": 50001, "msg": "internal"}, status=503)]
    rng.shuffle(answers)
    return answers[:4] if quick else answers


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    conn = suite.conn
    client_id = await suite.open_order()
    order = conn.in_flight_orders[client_id]
    # The core's own entry points, which read the connector's parsing of each answer.
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "balances": conn._update_balances,
        "trading_rules": conn._update_trading_rules,
        "server_time": conn._update_time,
        # A status check that fails is logged and retried by the core: only an untyped escape shows here.
        "order_status": lambda: conn.order_lifecycle.reconcile(order),
        "cancel_order": lambda: conn.cancel_order(suite.trading_pair, client_id),
        "place_order": lambda: conn.place_order(suite.trading_pair, TradeType.BUY, suite.order_amount,
                                                OrderType.LIMIT, suite.order_price),
    }
    rng = ctx.rng_for(FAMILY)
    cases = typed = returned = untyped = unnamed = 0
    failures: list[str] = []
    for role, call in calls.items():
        if role not in suite.routes:
            continue
        for answer in malformed_answers(rng, ctx.quick):
            suite.serve(role, answer)
            cases += 1
            try:
                await call()
                returned += 1
            except ClobconnError as exc:
                typed += 1
                ctx.note_exception(exc)
                if not _names_the_request(exc, suite.routes[role][1]):
                    unnamed += 1
                    failures.append(f"{role} answered {answer.status} {str(answer.body)[:30]!r}: "
                                    f"{type(exc).__name__} names no request: {exc}")
            except Exception as exc:  # the finding this family exists for
                untyped += 1
                ctx.note_exception(exc)
                failures.append(f"{role} answered {answer.status} {str(answer.body)[:30]!r}: "
                                f"untyped {type(exc).__name__}: {exc}")
        # Back to sound answers, and the rules a garbage answer may have emptied.
        suite.install_base_routes()
        await conn._update_trading_rules()
    result.add("cases", cases)
    result.add("typed errors", typed)
    result.add("results", returned)
    result.add("untyped exceptions", untyped, must_be_zero=True)
    # Reported, not yet required: a request a venue takes on a socket (Cube's orders) names its operation only.
    result.add("errors naming no request", unnamed)
    if untyped:
        result.error = "; ".join(failures[:3]) + (f" (+{len(failures) - 3} more)" if len(failures) > 3 else "")


def _names_the_request(exc: ClobconnError, path: str) -> bool:
    request = exc.request or {}
    return bool(request.get("path")) or path in str(exc)
