"""Spot connectors, one folder per venue."""
