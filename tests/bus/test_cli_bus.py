"""Two processes, as docs/scale-out.md shows them: `clobconn publish` feeds Redis from the sandbox, and
`clobconn book --from-redis` draws the book it rebuilds from the stream."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clobconn.testing.redis_server import RedisServer

REPO = Path(__file__).resolve().parents[2]


def clobconn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "clobconn.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_a_publisher_process_feeds_a_book_process_through_redis(redis_server: RedisServer) -> None:
    publisher = clobconn("publish", "binance", "BTC-USDT", "--redis", redis_server.url, "--sandbox",
                         "--duration", "8", "--interval", "1")
    try:
        book = clobconn("book", "binance", "BTC-USDT", "--from-redis", redis_server.url, "--duration", "5",
                        "--interval", "0.5", "--plain")
        out, err = book.communicate(timeout=30)
        assert book.returncode == 0, err
        assert "  synced  " in out, out + err
        assert "bid size" in out and "ask size" in out
    finally:
        published, perr = publisher.communicate(timeout=30)
    assert publisher.returncode == 0, perr
    assert "publishing binance BTC-USDT from the embedded sandbox to redis://127.0.0.1:" in published
    assert " 0 dropped" in published
