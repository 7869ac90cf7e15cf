"""Tripod's container test fleet (see tests/fleet/fleet.py)."""
