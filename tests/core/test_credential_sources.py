"""Credentials from the environment (CLOBCONN_<ID>_<FIELD>) and from a file outside the repository,
read only when the code gives none, and never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

import clobconn
from clobconn.core.credentials import FILE_VARIABLE, env_variable
from clobconn.core.errors import InvalidArgument

SECRET = "s3cr3t-never-printed"


def write_file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_naming_rule() -> None:
    assert env_variable("binance", "api_key") == "CLOBCONN_BINANCE_API_KEY"
    assert env_variable("dydx_v4_perpetual", "mnemonic") == "CLOBCONN_DYDX_V4_PERPETUAL_MNEMONIC"


def test_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOBCONN_OKX_API_KEY", "key-from-env")
    monkeypatch.setenv("CLOBCONN_OKX_API_SECRET", SECRET)
    monkeypatch.setenv("CLOBCONN_OKX_PASSPHRASE", "phrase")
    monkeypatch.setenv("CLOBCONN_BINANCE_API_KEY", "another venue's key")
    conn = clobconn.get_connector("okx")
    assert conn.has_credentials
    assert conn.config.api_key is not None and conn.config.api_key.get_secret_value() == "key-from-env"
    assert conn.config.api_secret is not None and conn.config.api_secret.get_secret_value() == SECRET
    assert SECRET not in repr(conn.config) and SECRET not in str(conn.config)


def test_wallet_aliases_map_to_the_same_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    from xrpl.wallet import Wallet

    seed = Wallet.create().seed
    assert seed is not None
    monkeypatch.setenv("CLOBCONN_XRPL_SEED", seed)
    conn = clobconn.get_connector("xrpl")
    assert conn.has_credentials
    assert conn.config.api_secret is not None and conn.config.api_secret.get_secret_value() == seed


def test_keys_come_from_the_file_and_the_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_file(tmp_path / "credentials.toml",
                      f'[binance]\napi_key = "file-key"\napi_secret = "{SECRET}"\n[okx]\napi_key = "x"\n')
    monkeypatch.setenv(FILE_VARIABLE, str(path))
    conn = clobconn.get_connector("binance")
    assert conn.config.api_key is not None and conn.config.api_key.get_secret_value() == "file-key"
    assert conn.config.api_secret is not None and conn.config.api_secret.get_secret_value() == SECRET
    monkeypatch.setenv("CLOBCONN_BINANCE_API_KEY", "env-key")
    conn = clobconn.get_connector("binance")
    assert conn.config.api_key is not None and conn.config.api_key.get_secret_value() == "env-key"


def test_keys_given_in_code_win_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOBCONN_BINANCE_API_KEY", "env-key")
    monkeypatch.setenv("CLOBCONN_BINANCE_API_SECRET", "env-secret")
    conn = clobconn.get_connector("binance", api_key="code-key", api_secret="code-secret")
    assert conn.config.api_key is not None and conn.config.api_key.get_secret_value() == "code-key"
    assert conn.config.api_secret is not None and conn.config.api_secret.get_secret_value() == "code-secret"


def test_nothing_found_means_no_credentials() -> None:
    assert not clobconn.get_connector("binance").has_credentials


def test_a_broken_file_is_named_without_its_content(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_file(tmp_path / "credentials.toml", f'[binance]\napi_secret = "{SECRET}\n')
    monkeypatch.setenv(FILE_VARIABLE, str(path))
    with pytest.raises(InvalidArgument) as caught:
        clobconn.get_connector("binance")
    assert str(path) in str(caught.value) and SECRET not in str(caught.value)
    assert caught.value.__cause__ is None


def test_an_unknown_key_in_the_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_file(tmp_path / "credentials.toml", '[binance]\napikey = "typo"\n')
    monkeypatch.setenv(FILE_VARIABLE, str(path))
    with pytest.raises(InvalidArgument, match="apikey"):
        clobconn.get_connector("binance")


def test_an_unknown_connector_lists_only_the_public_ids() -> None:
    with pytest.raises(ValueError, match="unknown connector 'nope'") as caught:
        clobconn.get_connector("nope")
    assert "binance" in str(caught.value) and "gateway" in str(caught.value)
    assert "_template" not in str(caught.value)
