"""Credentials are asked for in the venue's words: a wallet venue takes ``private_key=`` (or ``mnemonic=``,
``seed=``) and, where it derives the account from that secret, needs no key at all."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pydantic import SecretStr

from clobconn.core.errors import MissingCredentials
from clobconn.core.venue import VenueStatus
from clobconn.exchange._template.auth import TemplateAuth
from clobconn.exchange._template.constants import SPEC as TEMPLATE_SPEC
from clobconn.exchange._template.exchange import TemplateExchange


class WalletVenue(TemplateExchange):
    # The account is the private key's address: nothing to configure but the key.
    spec = replace(TEMPLATE_SPEC, key_name=None, secret_name="private key")

    def _create_auth(self) -> TemplateAuth:
        assert self.config.api_secret is not None
        address = SecretStr("0x-the-address-of-the-key")  # a wallet venue derives it from the key
        return TemplateAuth(address, self.config.api_secret, self.time_sync.time_ms)


class SessionKeyVenue(TemplateExchange):
    spec = replace(TEMPLATE_SPEC, key_name="wallet address", secret_name="session key")


def test_api_key_and_api_secret_keep_their_names() -> None:
    assert TemplateExchange().missing_credentials() == ["api_key", "api_secret"]
    assert TEMPLATE_SPEC.credential_labels == ("api key", "api secret")
    assert TEMPLATE_SPEC.status is VenueStatus.LIVE


@pytest.mark.parametrize("alias", ["private_key", "mnemonic", "seed", "api_secret"])
def test_a_venue_that_derives_the_account_from_its_secret_needs_only_the_secret(alias: str) -> None:
    assert WalletVenue().missing_credentials() == ["private key (api_secret)"]
    connector = WalletVenue(**{alias: "0x" + "11" * 32})
    assert connector.has_credentials and connector.missing_credentials() == []
    assert isinstance(connector.config.api_secret, SecretStr)
    assert "11" * 32 not in repr(connector.config)
    assert WalletVenue.spec.credential_labels == ("private key",)


async def test_an_order_without_the_venue_s_credentials_is_refused_in_its_words() -> None:
    connector = SessionKeyVenue(private_key="0x" + "22" * 32)
    assert connector.missing_credentials() == ["wallet address (api_key)"]
    with pytest.raises(MissingCredentials, match=r"wallet address \(api_key\)"):
        connector.buy("BTC-USDT", "1", price="100")
    both = SessionKeyVenue(wallet_address="0xabc", private_key="0x" + "22" * 32)
    assert both.has_credentials and both.config.api_key is not None
    assert both.config.api_key.get_secret_value() == "0xabc"
