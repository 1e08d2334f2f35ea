"""Credentials from outside the code: environment variables, then a file outside the repository.

Read only when the code gives none (``get_connector("binance")`` with no ``api_key=``/``api_secret=``
or their aliases). The naming rule, per connector id:

* environment: ``CLOBCONN_<ID>_<FIELD>``, ``<ID>`` the connector id in capitals
  (``CLOBCONN_BINANCE_API_KEY``, ``CLOBCONN_OKX_PASSPHRASE``, ``CLOBCONN_DYDX_V4_PERPETUAL_MNEMONIC``);
* file: ``$CLOBCONN_CREDENTIALS_FILE``, else ``~/.config/clobconn/credentials.toml``, one table per
  connector id whose keys are the field names in lower case (``[binance]`` ``api_key = "..."``).

``<FIELD>`` is one of the keyword names ``get_connector`` takes: API_KEY, API_SECRET, PASSPHRASE and
their aliases (WALLET_ADDRESS, PRIVATE_KEY, MNEMONIC, SEED, MEMO, USER_ID). The environment wins over
the file, field by field. The values go straight into the connector's config, where they are
``SecretStr``: nothing here logs, prints or repeats them, and an error names the file or the variable,
never a value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clobconn.core.errors import InvalidArgument

# Every keyword get_connector takes for a credential (ConnectorConfig's fields and their aliases).
CREDENTIAL_FIELDS = ("api_key", "wallet_address", "api_secret", "private_key", "mnemonic", "seed",
                     "passphrase", "memo", "user_id")
FILE_VARIABLE = "CLOBCONN_CREDENTIALS_FILE"
DEFAULT_FILE = Path("~/.config/clobconn/credentials.toml")


def env_variable(connector_id: str, field: str) -> str:
    """The environment variable holding ``field`` for ``connector_id``: ``CLOBCONN_BINANCE_API_KEY``."""
    return f"CLOBCONN_{connector_id.upper()}_{field.upper()}"


def credentials_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get(FILE_VARIABLE) or DEFAULT_FILE).expanduser()


def external_credentials(connector_id: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The credentials found for ``connector_id`` outside the code, as get_connector keywords."""
    environ = os.environ if environ is None else environ
    found = _from_file(connector_id, credentials_file(environ))
    for field in CREDENTIAL_FIELDS:
        value = environ.get(env_variable(connector_id, field))
        if value:
            found[field] = value
    return found


def with_external_credentials(connector_id: str, config: dict[str, Any],
                              environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``config`` with the external credentials added, unless the code gave a credential or a config."""
    if "config" in config or any(config.get(field) is not None for field in CREDENTIAL_FIELDS):
        return config
    return {**external_credentials(connector_id, environ), **config}


def _from_file(connector_id: str, path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        # The decoder's message quotes the line it choked on, which may hold a secret: name the file only.
        raise InvalidArgument(f"the credentials file {path} cannot be read as TOML ({type(exc).__name__})",
                              field="credentials_file") from None
    table = document.get(connector_id, {})
    if not isinstance(table, dict):
        raise InvalidArgument(f"[{connector_id}] in {path} is not a table", field="credentials_file")
    unknown = sorted(set(table) - set(CREDENTIAL_FIELDS))
    if unknown:
        raise InvalidArgument(f"[{connector_id}] in {path} has unknown keys {unknown}; "
                              f"allowed: {', '.join(CREDENTIAL_FIELDS)}", field="credentials_file")
    return {field: str(value) for field, value in table.items() if value}
