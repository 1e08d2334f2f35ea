"""KuCoin futures perpetuals: the futures host, contracts sized in lots, positions and funding."""
