"""AMM connectors (DEX swaps and liquidity) through Hummingbot's Gateway middleware over REST."""
