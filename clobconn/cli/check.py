"""``clobconn check``: are the keys good? One signed read-only call, its balances, the key's permissions.

The keys come from where ``get_connector`` finds them when the code gives none: the
``CLOBCONN_<ID>_<FIELD>`` environment variables, then the credentials file; with ``--sandbox``, the
embedded sandbox's own key. Nothing prints a key or a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

from clobconn.cli.venues import VenueTarget, sandbox_for
from clobconn.cli.views import number
from clobconn.core.credentials import credentials_file, env_variable
from clobconn.core.errors import MissingCredentials
from clobconn.core.registry import get_connector


async def run_check(console: Console, target: VenueTarget) -> None:
    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    if target.sandbox:
        sandbox = sandbox_for(target.seed)
        await sandbox.start()
        try:
            await check_with(say, target, sandbox.connector_config(target.connector_id))
        finally:
            await sandbox.stop()
        return
    given = {"domain": target.domain, "rest_url": target.rest_url, "ws_url": target.ws_url}
    await check_with(say, target, {key: value for key, value in given.items() if value is not None})


async def check_with(say: Callable[[str], None], target: VenueTarget, options: dict[str, Any]) -> None:
    conn = get_connector(target.connector_id, trading=False, **options)
    if conn.missing_credentials():
        variable = env_variable(target.connector_id, "api_key")
        raise MissingCredentials(
            f"{target.connector_id}: no {' and '.join(conn.missing_credentials())} found; set "
            f"{variable.removesuffix('API_KEY')}<FIELD> variables (e.g. {variable}) or a "
            f"[{target.connector_id}] table in {credentials_file()}")
    say(f"checking the {target.connector_id} keys on {target.describe()} with one signed read-only call ...")
    try:
        balances = await conn.check_credentials()
    finally:
        await conn.stop()
    say("the keys work: the venue answered the signed call")
    held = [balance for balance in balances if balance.total]
    if not held:
        say("balances: none (every asset is zero)")
    for balance in sorted(held, key=lambda b: b.asset):
        say(f"  {balance.asset:<8} total {number(balance.total)}, available {number(balance.available)}")
    if conn.key_permissions is None:
        say(f"permissions: {target.connector_id} does not report them on this call")
    else:
        say(f"permissions: {', '.join(conn.key_permissions) or 'none reported'}")
