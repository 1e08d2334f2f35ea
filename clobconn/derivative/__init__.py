"""Perpetual-futures connectors, one folder per venue; each reuses its spot folder's auth and helpers."""
